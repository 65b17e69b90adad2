// SPDX-License-Identifier: GPL-2.0
// The BTF librax gives BPF_MAP_CREATE for a map whose value holds a spin
// lock (rax/btf.hpp): parsed back with the layout of <linux/btf.h>, as the
// kernel's btf_parse() reads it, and the JSON of rax inspect for such maps.
#include <catch2/catch.hpp>

#include <linux/btf.h>
#include <linux/rax.h>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include <rax/btf.hpp>
#include <rax/describe.hpp>

#include "cli_run.hpp"
#include "elf_builder.hpp"

using rax::Bytes;
using rax::test::locked_map;

namespace {

template <typename T>
T load(Bytes const &b, std::size_t off)
{
	T t;
	REQUIRE(off + sizeof(T) <= b.size());
	std::memcpy(&t, b.data() + off, sizeof(T));
	return t;
}

struct Member {
	std::string name;
	std::uint32_t type = 0;
	std::uint32_t offset = 0;
};

// One type of the type section, id = its index + 1.
struct Type {
	std::string name;
	std::uint32_t kind = 0;
	std::uint32_t size = 0;
	std::uint32_t int_data = 0; // INT
	btf_array array{};          // ARRAY
	std::vector<Member> members; // STRUCT
};

struct Parsed {
	btf_header hdr{};
	std::string strings;
	std::vector<Type> types;
};

// The string at @off of the string section: inside it and NUL-terminated.
std::string string_at(std::string const &strings, std::uint32_t off)
{
	REQUIRE(off < strings.size());
	auto const nul = strings.find('\0', off);
	REQUIRE(nul != std::string::npos);
	return strings.substr(off, nul - off);
}

Parsed parse(Bytes const &blob)
{
	Parsed p;

	p.hdr = load<btf_header>(blob, 0);
	REQUIRE(p.hdr.magic == 0xeB9F);
	REQUIRE(p.hdr.version == 1);
	CHECK(p.hdr.flags == 0);
	REQUIRE(p.hdr.hdr_len == sizeof(btf_header));
	CHECK(p.hdr.type_off == 0);
	CHECK(p.hdr.type_len % 4 == 0);
	// The string section follows the type section and ends the blob.
	CHECK(p.hdr.str_off == p.hdr.type_off + p.hdr.type_len);
	REQUIRE(std::size_t(p.hdr.hdr_len) + p.hdr.str_off + p.hdr.str_len == blob.size());
	std::size_t const types = p.hdr.hdr_len + p.hdr.type_off;
	std::size_t const strs = p.hdr.hdr_len + p.hdr.str_off;
	p.strings.assign(reinterpret_cast<char const *>(blob.data() + strs), p.hdr.str_len);
	REQUIRE(!p.strings.empty());
	CHECK(p.strings.front() == '\0');
	CHECK(p.strings.back() == '\0');

	std::size_t off = types;
	while (off < types + p.hdr.type_len) {
		auto const t = load<btf_type>(blob, off);
		off += sizeof(t);
		Type out;
		out.name = string_at(p.strings, t.name_off);
		out.kind = BTF_INFO_KIND(t.info);
		out.size = t.size;
		CHECK(BTF_INFO_KFLAG(t.info) == 0);
		switch (out.kind) {
		case BTF_KIND_INT:
			CHECK(BTF_INFO_VLEN(t.info) == 0);
			out.int_data = load<std::uint32_t>(blob, off);
			off += 4;
			break;
		case BTF_KIND_ARRAY:
			CHECK(BTF_INFO_VLEN(t.info) == 0);
			CHECK(t.name_off == 0); // arrays are anonymous
			CHECK(t.size == 0);
			out.array = load<btf_array>(blob, off);
			off += sizeof(btf_array);
			break;
		case BTF_KIND_STRUCT:
			for (std::uint32_t i = 0; i < BTF_INFO_VLEN(t.info); i++) {
				auto const m = load<btf_member>(blob, off);
				off += sizeof(m);
				out.members.push_back(
					{string_at(p.strings, m.name_off), m.type, m.offset});
			}
			break;
		default:
			FAIL("unexpected BTF kind " << out.kind);
		}
		p.types.push_back(std::move(out));
	}
	CHECK(off == types + p.hdr.type_len);
	return p;
}

void check_common(Parsed const &p)
{
	REQUIRE(p.types.size() >= 3);
	Type const &u8 = p.types[0], &u32 = p.types[1], &lock = p.types[2];
	CHECK(u8.kind == BTF_KIND_INT);
	CHECK(u8.name == "u8");
	CHECK(u8.size == 1);
	CHECK(BTF_INT_ENCODING(u8.int_data) == 0);
	CHECK(BTF_INT_OFFSET(u8.int_data) == 0);
	CHECK(BTF_INT_BITS(u8.int_data) == 8);
	CHECK(u32.kind == BTF_KIND_INT);
	CHECK(u32.name == "u32");
	CHECK(u32.size == 4);
	CHECK(BTF_INT_ENCODING(u32.int_data) == 0);
	CHECK(BTF_INT_BITS(u32.int_data) == 32);
	CHECK(lock.kind == BTF_KIND_STRUCT);
	CHECK(lock.name == "bpf_spin_lock");
	CHECK(lock.size == 4);
	REQUIRE(lock.members.size() == 1);
	CHECK(lock.members[0].name == "val");
	CHECK(lock.members[0].type == 2);
	CHECK(lock.members[0].offset == 0);
}

} // namespace

TEST_CASE("btf: a 4-byte key is u32, the value a struct with the lock", "[btf]")
{
	rax::BtfIds ids;
	auto blob = rax::map_value_btf(locked_map(2, "CONFIG", 4, 24, 8), ids);
	INFO((blob ? "" : blob.error().to_string()));
	REQUIRE(blob);
	Parsed const p = parse(*blob);

	check_common(p);
	REQUIRE(p.types.size() == 4);
	CHECK(ids.key_type_id == 2);
	CHECK(ids.value_type_id == 4);
	Type const &v = p.types[3];
	CHECK(v.kind == BTF_KIND_STRUCT);
	CHECK(v.name == "CONFIG");
	CHECK(v.size == 24);
	REQUIRE(v.members.size() == 1);
	CHECK(v.members[0].name == "lock");
	CHECK(v.members[0].type == 3);
	CHECK(v.members[0].offset == 64);
	// Each name once.
	CHECK(p.strings == std::string("\0u8\0u32\0bpf_spin_lock\0val\0CONFIG\0lock\0", 38));
}

TEST_CASE("btf: another key size is an array of u8", "[btf]")
{
	rax::BtfIds ids;
	auto blob = rax::map_value_btf(locked_map(1, "flows", 12, 20, 16), ids);
	REQUIRE(blob);
	Parsed const p = parse(*blob);

	check_common(p);
	REQUIRE(p.types.size() == 5);
	CHECK(ids.key_type_id == 4);
	CHECK(ids.value_type_id == 5);
	Type const &k = p.types[3];
	CHECK(k.kind == BTF_KIND_ARRAY);
	CHECK(k.name.empty());
	CHECK(k.array.type == 1);
	CHECK(k.array.index_type == 2);
	CHECK(k.array.nelems == 12);
	Type const &v = p.types[4];
	CHECK(v.kind == BTF_KIND_STRUCT);
	CHECK(v.name == "flows");
	CHECK(v.size == 20);
	REQUIRE(v.members.size() == 1);
	CHECK(v.members[0].name == "lock");
	CHECK(v.members[0].type == 3);
	CHECK(v.members[0].offset == 128);

	// Lock at 0 and a one-byte key.
	blob = rax::map_value_btf(locked_map(1, "h", 1, 4, 0), ids);
	REQUIRE(blob);
	Parsed const q = parse(*blob);
	REQUIRE(q.types.size() == 5);
	CHECK(q.types[3].array.nelems == 1);
	CHECK(q.types[4].size == 4);
	CHECK(q.types[4].members[0].offset == 0);
}

TEST_CASE("btf: the value struct's name is a C identifier", "[btf]")
{
	CHECK(rax::btf_value_name("COUNTS") == "COUNTS");
	CHECK(rax::btf_value_name("") == "value");
	CHECK(rax::btf_value_name("my.map-1") == "my_map_1");
	CHECK(rax::btf_value_name("9lives") == "_9lives");

	rax::BtfIds ids;
	auto blob = rax::map_value_btf(locked_map(2, "", 4, 8, 4), ids);
	REQUIRE(blob);
	Parsed const p = parse(*blob);
	REQUIRE(p.types.size() == 4);
	CHECK(p.types[3].name == "value");
	CHECK(p.types[3].members[0].offset == 32);

	// A name equal to one of the fixed strings shares it.
	blob = rax::map_value_btf(locked_map(2, "lock", 4, 8, 4), ids);
	REQUIRE(blob);
	Parsed const q = parse(*blob);
	CHECK(q.types[3].name == "lock");
	CHECK(q.types[3].members[0].name == "lock");
}

TEST_CASE("btf: a map without a lock, or with the lock outside the value, has none", "[btf]")
{
	rax::BtfIds ids;
	rax::MapDef d = locked_map(1, "plain", 4, 8, 0);
	d.flags = 0;
	auto r = rax::map_value_btf(d, ids);
	REQUIRE_FALSE(r);
	CHECK(r.error().code() == EINVAL);
	CHECK(r.error().message() == "map plain: its value holds no spin lock");

	for (std::uint32_t off : {2U, 8U, 0xfffffffcU}) {
		r = rax::map_value_btf(locked_map(1, "bad", 4, 8, off), ids);
		REQUIRE_FALSE(r);
		CHECK(r.error().code() == EINVAL);
		CHECK(r.error().message() == "map bad: spin lock at " + std::to_string(off) +
						     " is outside the value or misaligned");
	}
	r = rax::map_value_btf(locked_map(1, "tiny", 4, 2, 0), ids);
	REQUIRE_FALSE(r);
	// A bit offset that does not fit the member's 32 bits.
	r = rax::map_value_btf(locked_map(1, "huge", 4, 0xffffffffU, 0x20000000U), ids);
	REQUIRE_FALSE(r);
	CHECK(rax::map_value_btf(locked_map(1, "huge", 4, 0xffffffffU, 0x1ffffffcU), ids));
}

TEST_CASE("btf: rax inspect shows the lock and the ring buffer", "[btf][cli]")
{
	rax::test::ObjectSpec spec;
	rax_map_def lock = rax::test::map_def(1, "flows", 12, 24);
	lock.flags = RAX_MAP_SPIN_LOCK;
	lock.spin_lock_off = 20;
	spec.maps = {rax::test::map_def(2, "cfg"), lock,
		     rax::test::map_def(27, "events", 0, 0, 8192)};
	Bytes const img = rax::test::make_object(spec);
	auto obj = rax::parse_object(img);
	INFO((obj ? "" : obj.error().to_string()));
	REQUIRE(obj);

	std::ostringstream out;
	rax::JsonWriter w(out, false);
	rax::describe_json(w, "x.o", img.size(), *obj, std::nullopt);
	std::string const j = out.str();
	INFO(j);
	CHECK(j.find("\"name\":\"cfg\",\"type\":\"array\",\"type_id\":2,\"key_size\":4,\"value_size\":8,"
		     "\"max_entries\":16,\"map_flags\":0,\"flags\":0,\"spin_lock_off\":null}") !=
	      std::string::npos);
	CHECK(j.find("\"name\":\"flows\",\"type\":\"hash\",\"type_id\":1,\"key_size\":12,"
		     "\"value_size\":24,\"max_entries\":16,\"map_flags\":0,\"flags\":1,"
		     "\"spin_lock_off\":20}") != std::string::npos);
	CHECK(j.find("\"name\":\"events\",\"type\":\"ringbuf\",\"type_id\":27,\"key_size\":0,"
		     "\"value_size\":0,\"max_entries\":8192,\"map_flags\":0,\"flags\":0,"
		     "\"spin_lock_off\":null}") != std::string::npos);

	// The text of rax inspect.
	rax::test::TempDir d;
	std::string const path = d / "locks.rax.o";
	rax::test::store(path, img);
	rax::test::Run r = rax::test::rax_cli({"inspect", path});
	INFO(r.err);
	REQUIRE(r.status == 0);
	CHECK(rax::test::has(r.out, "\t0: array  name cfg  key 4B  value 8B  max_entries 16  flags 0x0\n"));
	CHECK(rax::test::has(r.out, "\t1: hash  name flows  key 12B  value 24B  max_entries 16  flags 0x0"
				    "  spin_lock at 20\n"));
	CHECK(rax::test::has(r.out, "\t2: ringbuf  name events  size 8192B  flags 0x0\n"));
}

TEST_CASE("JSON strings are valid UTF-8 whatever bytes they are given", "[json]")
{
	struct {
		std::string in;
		std::string out;
	} const cases[] = {
		{"plain", "\"plain\""},
		{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\""},
		{"a\xff" "b", "\"a\\ufffdb\""},
		{"\xc3", "\"\\ufffd\""},				// cut short
		{"\xc0\xaf", "\"\\ufffd\\ufffd\""},			// overlong '/'
		{"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},		// a surrogate
		{"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},	// past U+10FFFF
		{"\x1b[2J\x7f", "\"\\u001b[2J\\u007f\""},
	};
	for (auto const &c : cases) {
		std::ostringstream out;
		rax::JsonWriter w(out, false);
		w.value(c.in);
		CHECK(out.str() == c.out);
	}
}
