// SPDX-License-Identifier: GPL-2.0
// The provenance note's descriptor (Documentation/rax/format.rst): a
// sequence of struct rax_prov_record, each followed by its data padded
// with zeros to a multiple of 4 bytes.
#include <rax/object.hpp>

#include <linux/rax.h>

#include <algorithm>
#include <cstring>
#include <string_view>

namespace rax {

namespace {

void put_record(Bytes &out, std::uint16_t tag, std::span<std::uint8_t const> data)
{
	struct rax_prov_record rec {};

	rec.tag = tag;
	rec.reserved = 0;
	rec.len = static_cast<std::uint32_t>(data.size());
	auto const *h = reinterpret_cast<std::uint8_t const *>(&rec);
	out.insert(out.end(), h, h + sizeof(rec));
	out.insert(out.end(), data.begin(), data.end());
	while (out.size() % 4)
		out.push_back(0);
}

void put_string(Bytes &out, std::uint16_t tag, std::string const &s)
{
	put_record(out, tag,
		   std::span(reinterpret_cast<std::uint8_t const *>(s.data()), s.size()));
}

void put_u32s(Bytes &out, std::uint16_t tag, std::initializer_list<std::uint32_t> v)
{
	Bytes b(v.size() * 4);
	std::size_t i = 0;

	for (std::uint32_t x : v) {
		std::memcpy(b.data() + i, &x, 4);
		i += 4;
	}
	put_record(out, tag, b);
}

char const *tag_name(unsigned tag)
{
	switch (tag) {
	case RAX_PROV_FORMAT: return "format";
	case RAX_PROV_RUSTC_VERSION: return "rustc-version";
	case RAX_PROV_RUSTC_SHA256: return "rustc-sha256";
	case RAX_PROV_SYSROOT_SHA256: return "sysroot-sha256";
	case RAX_PROV_CRATE_SHA256: return "crate-sha256";
	case RAX_PROV_TARGET_SHA256: return "target-sha256";
	case RAX_PROV_FLAGS: return "flags";
	case RAX_PROV_SOURCE_SHA256: return "source-sha256";
	case RAX_PROV_STACK: return "stack";
	case RAX_PROV_HELPER: return "helper";
	case RAX_PROV_BTF_SHA256: return "btf-sha256";
	case RAX_PROV_PLUGIN_SHA256: return "plugin-sha256";
	default: return "unknown";
	}
}

Error bad(std::string msg)
{
	return Error(EBADMSG, "provenance", std::move(msg));
}

} // namespace

Bytes encode_provenance(Provenance const &p)
{
	Bytes out;

	put_u32s(out, RAX_PROV_FORMAT, {p.format});
	put_string(out, RAX_PROV_RUSTC_VERSION, p.rustc_version);
	put_record(out, RAX_PROV_RUSTC_SHA256, p.rustc_sha256);
	put_record(out, RAX_PROV_SYSROOT_SHA256, p.sysroot_sha256);
	put_record(out, RAX_PROV_CRATE_SHA256, p.crate_sha256);
	put_record(out, RAX_PROV_TARGET_SHA256, p.target_sha256);
	put_string(out, RAX_PROV_FLAGS, p.flags);
	put_record(out, RAX_PROV_SOURCE_SHA256, p.source_sha256);
	for (std::size_t i = 0; i < p.stack.size(); i++)
		put_u32s(out, RAX_PROV_STACK, {static_cast<std::uint32_t>(i), p.stack[i]});
	// The helper records are sorted and unique whatever the caller gave.
	std::vector<std::string> helpers = p.helpers;
	std::sort(helpers.begin(), helpers.end());
	helpers.erase(std::unique(helpers.begin(), helpers.end()), helpers.end());
	for (auto const &h : helpers)
		put_string(out, RAX_PROV_HELPER, h);
	if (p.btf_sha256)
		put_record(out, RAX_PROV_BTF_SHA256, *p.btf_sha256);
	if (p.plugin_sha256)
		put_record(out, RAX_PROV_PLUGIN_SHA256, *p.plugin_sha256);
	return out;
}

Result<Provenance> decode_provenance(std::span<std::uint8_t const> desc)
{
	Provenance p;
	unsigned seen[RAX_PROV_PLUGIN_SHA256 + 1] = {};
	std::size_t off = 0;
	unsigned index = 0;

	if (desc.size() % 4)
		return bad("descriptor of " + std::to_string(desc.size()) +
			   " bytes is not a multiple of 4");
	while (off < desc.size()) {
		struct rax_prov_record rec {};

		if (desc.size() - off < sizeof(rec))
			return bad("record " + std::to_string(index) + " at offset " +
				   std::to_string(off) + ": truncated record header");
		std::memcpy(&rec, desc.data() + off, sizeof(rec));
		std::string const where = "record " + std::to_string(index) + " (" +
					  tag_name(rec.tag) + ") at offset " + std::to_string(off);
		if (rec.tag < RAX_PROV_FORMAT || rec.tag > RAX_PROV_PLUGIN_SHA256)
			return bad(where + ": unknown tag " + std::to_string(rec.tag));
		if (rec.reserved)
			return bad(where + ": reserved field is not zero");
		std::size_t const body = off + sizeof(rec);
		std::uint64_t const padded = (static_cast<std::uint64_t>(rec.len) + 3) & ~3ULL;
		if (padded > desc.size() - body)
			return bad(where + ": " + std::to_string(rec.len) +
				   " bytes of data run past the end of the descriptor");
		auto data = desc.subspan(body, rec.len);
		for (std::size_t i = rec.len; i < padded; i++)
			if (desc[body + i])
				return bad(where + ": padding is not zero");
		if (index == 0 && rec.tag != RAX_PROV_FORMAT)
			return bad(where + ": the first record is not the format version");

		bool const repeatable = rec.tag == RAX_PROV_STACK || rec.tag == RAX_PROV_HELPER;
		if (!repeatable && seen[rec.tag])
			return bad(where + ": duplicate record");
		seen[rec.tag]++;

		auto want_len = [&](std::size_t n) -> Result<void> {
			if (rec.len != n)
				return bad(where + ": length " + std::to_string(rec.len) +
					   ", expected " + std::to_string(n));
			return {};
		};
		auto string_of = [&]() -> Result<std::string> {
			if (std::find(data.begin(), data.end(), 0) != data.end())
				return bad(where + ": string contains a NUL byte");
			return std::string(data.begin(), data.end());
		};
		auto hash_of = [&](Sha256 &h) -> Result<void> {
			RAX_CHECK(want_len(h.size()));
			std::copy(data.begin(), data.end(), h.begin());
			return {};
		};

		switch (rec.tag) {
		case RAX_PROV_FORMAT:
			RAX_CHECK(want_len(4));
			std::memcpy(&p.format, data.data(), 4);
			break;
		case RAX_PROV_RUSTC_VERSION:
			p.rustc_version = RAX_TRY(string_of());
			break;
		case RAX_PROV_RUSTC_SHA256:
			RAX_CHECK(hash_of(p.rustc_sha256));
			break;
		case RAX_PROV_SYSROOT_SHA256:
			RAX_CHECK(hash_of(p.sysroot_sha256));
			break;
		case RAX_PROV_CRATE_SHA256:
			RAX_CHECK(hash_of(p.crate_sha256));
			break;
		case RAX_PROV_TARGET_SHA256:
			RAX_CHECK(hash_of(p.target_sha256));
			break;
		case RAX_PROV_FLAGS:
			p.flags = RAX_TRY(string_of());
			break;
		case RAX_PROV_SOURCE_SHA256:
			RAX_CHECK(hash_of(p.source_sha256));
			break;
		case RAX_PROV_STACK: {
			std::uint32_t v[2];
			RAX_CHECK(want_len(8));
			std::memcpy(v, data.data(), 8);
			if (v[0] != p.stack.size())
				return bad(where + ": stack record for entry " + std::to_string(v[0]) +
					   ", expected entry " + std::to_string(p.stack.size()));
			p.stack.push_back(v[1]);
			break;
		}
		case RAX_PROV_HELPER: {
			std::string h = RAX_TRY(string_of());
			if (h.empty())
				return bad(where + ": empty helper name");
			if (!p.helpers.empty() && !(p.helpers.back() < h))
				return bad(where + ": helper " + h + " is not sorted or not unique");
			p.helpers.push_back(std::move(h));
			break;
		}
		case RAX_PROV_BTF_SHA256: {
			Sha256 h{};
			RAX_CHECK(hash_of(h));
			p.btf_sha256 = h;
			break;
		}
		case RAX_PROV_PLUGIN_SHA256: {
			Sha256 h{};
			RAX_CHECK(hash_of(h));
			p.plugin_sha256 = h;
			break;
		}
		}
		off = body + padded;
		index++;
	}

	static unsigned const required[] = {
		RAX_PROV_FORMAT,	 RAX_PROV_RUSTC_VERSION, RAX_PROV_RUSTC_SHA256,
		RAX_PROV_SYSROOT_SHA256, RAX_PROV_CRATE_SHA256,	 RAX_PROV_TARGET_SHA256,
		RAX_PROV_FLAGS,		 RAX_PROV_SOURCE_SHA256, RAX_PROV_STACK,
	};
	for (unsigned tag : required)
		if (!seen[tag])
			return bad(std::string("missing ") + tag_name(tag) + " record");
	return p;
}

} // namespace rax
