// SPDX-License-Identifier: GPL-2.0
// The provenance note's descriptor: encode/decode round trip and the
// strictness of decode_provenance().
#include <catch2/catch.hpp>

#include "elf_builder.hpp"

using namespace rax;
using namespace rax::test;

namespace {

Bytes record(std::uint16_t tag, Bytes data, std::uint16_t reserved = 0)
{
	Bytes out;
	rax_prov_record rec{tag, reserved, std::uint32_t(data.size())};
	append_pod(out, rec);
	out.insert(out.end(), data.begin(), data.end());
	while (out.size() % 4)
		out.push_back(0);
	return out;
}

Bytes u32s(std::initializer_list<std::uint32_t> v)
{
	Bytes b;
	for (std::uint32_t x : v)
		append_pod(b, x);
	return b;
}

// A minimal valid descriptor, record by record.
std::vector<Bytes> minimal()
{
	return {
		record(RAX_PROV_FORMAT, u32s({0})),
		record(RAX_PROV_RUSTC_VERSION, bytes_of("rustc 1.95.0")),
		record(RAX_PROV_RUSTC_SHA256, Bytes(32, 1)),
		record(RAX_PROV_SYSROOT_SHA256, Bytes(32, 2)),
		record(RAX_PROV_CRATE_SHA256, Bytes(32, 3)),
		record(RAX_PROV_TARGET_SHA256, Bytes(32, 4)),
		record(RAX_PROV_FLAGS, bytes_of("-O")),
		record(RAX_PROV_SOURCE_SHA256, Bytes(32, 5)),
		record(RAX_PROV_STACK, u32s({0, 128})),
	};
}

Bytes cat(std::vector<Bytes> const &recs)
{
	Bytes out;
	for (auto const &r : recs)
		out.insert(out.end(), r.begin(), r.end());
	return out;
}

void expect_bad(Bytes const &desc, std::string const &needle)
{
	auto r = decode_provenance(desc);
	REQUIRE_FALSE(r.ok());
	INFO("message: " << r.error().message());
	CHECK(r.error().code() == EBADMSG);
	CHECK(r.error().message().find(needle) != std::string::npos);
}

} // namespace

TEST_CASE("provenance: round trip", "[provenance]")
{
	Provenance p = sample_provenance(3, {"rax_trace_print", "memcpy", "rax_ktime_get_ns"});
	Sha256 btf{};
	btf.fill(0xbb);
	p.btf_sha256 = btf;
	Bytes const d = encode_provenance(p);
	CHECK(d.size() % 4 == 0);
	auto r = decode_provenance(d);
	INFO((r ? "" : r.error().to_string()));
	REQUIRE(r.ok());
	CHECK(r->format == p.format);
	CHECK(r->rustc_version == p.rustc_version);
	CHECK(r->rustc_sha256 == p.rustc_sha256);
	CHECK(r->sysroot_sha256 == p.sysroot_sha256);
	CHECK(r->crate_sha256 == p.crate_sha256);
	CHECK(r->target_sha256 == p.target_sha256);
	CHECK(r->flags == p.flags);
	CHECK(r->source_sha256 == p.source_sha256);
	CHECK(r->stack == p.stack);
	CHECK(r->helpers == std::vector<std::string>{"memcpy", "rax_ktime_get_ns", "rax_trace_print"});
	REQUIRE(r->btf_sha256);
	CHECK(*r->btf_sha256 == btf);
	// Re-encoding gives the same bytes.
	CHECK(encode_provenance(*r) == d);
}

TEST_CASE("provenance: encode sorts and deduplicates helpers", "[provenance]")
{
	Provenance p = sample_provenance(1, {});
	p.helpers = {"memset", "bcmp", "memset"};
	auto r = decode_provenance(encode_provenance(p));
	REQUIRE(r.ok());
	CHECK(r->helpers == std::vector<std::string>{"bcmp", "memset"});
	CHECK(r->btf_sha256 == p.btf_sha256);
	p.btf_sha256.reset();
	CHECK_FALSE(decode_provenance(encode_provenance(p))->btf_sha256);
}

TEST_CASE("provenance: minimal descriptor decodes", "[provenance]")
{
	auto r = decode_provenance(cat(minimal()));
	REQUIRE(r.ok());
	CHECK(r->stack == std::vector<std::uint32_t>{128});
	CHECK(r->helpers.empty());
	CHECK(r->flags == "-O");
}

TEST_CASE("provenance: strict decode", "[provenance]")
{
	auto recs = minimal();

	SECTION("empty") {
		expect_bad({}, "missing format record");
	}
	SECTION("unknown tag") {
		recs.push_back(record(RAX_PROV_PLUGIN_SHA256 + 1, {}));
		expect_bad(cat(recs), "record 9 (unknown) at offset");
	}
	SECTION("tag zero") {
		recs.push_back(record(0, {}));
		expect_bad(cat(recs), "unknown tag 0");
	}
	SECTION("reserved not zero") {
		recs[3] = record(RAX_PROV_SYSROOT_SHA256, Bytes(32, 2), 1);
		expect_bad(cat(recs), "record 3 (sysroot-sha256)");
	}
	SECTION("record runs past the descriptor") {
		Bytes d = cat(recs);
		Bytes extra = record(RAX_PROV_HELPER, bytes_of("memcpy"));
		extra[4] = 200;
		d.insert(d.end(), extra.begin(), extra.end());
		expect_bad(d, "run past the end of the descriptor");
	}
	SECTION("length near UINT32_MAX") {
		Bytes d = cat(recs);
		Bytes extra = record(RAX_PROV_HELPER, bytes_of("memcpy"));
		extra[4] = extra[5] = extra[6] = extra[7] = 0xff;
		d.insert(d.end(), extra.begin(), extra.end());
		expect_bad(d, "run past the end of the descriptor");
	}
	SECTION("truncated record header") {
		Bytes d = cat(recs);
		d.insert(d.end(), {10, 0, 0, 0});
		expect_bad(d, "truncated record header");
	}
	SECTION("size not a multiple of 4") {
		Bytes d = cat(recs);
		d.push_back(0);
		expect_bad(d, "not a multiple of 4");
	}
	SECTION("non-zero padding") {
		Bytes d = cat(recs);
		// FLAGS "-O" is padded with two zero bytes.
		std::size_t off = 0;
		for (std::size_t i = 0; i < 6; i++)
			off += recs[i].size();
		d[off + 8 + 3] = 'x';
		expect_bad(d, "padding is not zero");
	}
	SECTION("format not first") {
		std::swap(recs[0], recs[1]);
		expect_bad(cat(recs), "first record is not the format version");
	}
	SECTION("format of the wrong length") {
		recs[0] = record(RAX_PROV_FORMAT, Bytes(8, 0));
		expect_bad(cat(recs), "length 8, expected 4");
	}
	SECTION("hash of the wrong length") {
		recs[2] = record(RAX_PROV_RUSTC_SHA256, Bytes(20, 1));
		expect_bad(cat(recs), "(rustc-sha256) at offset");
	}
	SECTION("duplicate record") {
		recs.push_back(record(RAX_PROV_FLAGS, bytes_of("-g")));
		expect_bad(cat(recs), "duplicate record");
	}
	SECTION("missing required record") {
		recs.erase(recs.begin() + 7);
		expect_bad(cat(recs), "missing source-sha256 record");
	}
	SECTION("missing stack record") {
		recs.pop_back();
		expect_bad(cat(recs), "missing stack record");
	}
	SECTION("stack records out of order") {
		recs.push_back(record(RAX_PROV_STACK, u32s({2, 64})));
		expect_bad(cat(recs), "stack record for entry 2, expected entry 1");
	}
	SECTION("helpers not sorted") {
		recs.push_back(record(RAX_PROV_HELPER, bytes_of("memset")));
		recs.push_back(record(RAX_PROV_HELPER, bytes_of("memcpy")));
		expect_bad(cat(recs), "helper memcpy is not sorted or not unique");
	}
	SECTION("helper twice") {
		recs.push_back(record(RAX_PROV_HELPER, bytes_of("memcpy")));
		recs.push_back(record(RAX_PROV_HELPER, bytes_of("memcpy")));
		expect_bad(cat(recs), "not sorted or not unique");
	}
	SECTION("empty helper") {
		recs.push_back(record(RAX_PROV_HELPER, {}));
		expect_bad(cat(recs), "empty helper name");
	}
	SECTION("string with a NUL") {
		recs[1] = record(RAX_PROV_RUSTC_VERSION, Bytes{'r', 0, 'c'});
		expect_bad(cat(recs), "NUL byte");
	}
	SECTION("two BTF hashes") {
		recs.push_back(record(RAX_PROV_BTF_SHA256, Bytes(32, 9)));
		recs.push_back(record(RAX_PROV_BTF_SHA256, Bytes(32, 9)));
		expect_bad(cat(recs), "duplicate record");
	}
}

TEST_CASE("provenance: truncating a valid descriptor never crashes", "[provenance]")
{
	Bytes const d = encode_provenance(sample_provenance(2, {"memcpy"}));
	std::size_t accepted = 0;
	for (std::size_t len = 0; len < d.size(); len++) {
		auto r = decode_provenance(std::span(d.data(), len));
		if (!r.ok())
			continue;
		// Only a cut between records after the required ones decodes,
		// and then to exactly that prefix.
		accepted++;
		Bytes const again = encode_provenance(*r);
		CHECK(again == Bytes(d.begin(), d.begin() + len));
	}
	// Without the plugin record, without the BTF record, without the
	// helper record, or without the second stack record.
	CHECK(accepted <= 4);
	for (std::size_t i = 0; i < d.size(); i++) {
		Bytes x = d;
		x[i] ^= 0xff;
		(void)decode_provenance(x);
	}
}
