// SPDX-License-Identifier: GPL-2.0
// The spin-lock map value's BTF (rax/btf.hpp) read back by libbpf's own
// parser, btf__new, and every type held against what rax/btf.hpp
// documents: a check of the writer that shares nothing with it or with
// test_btf.cpp's reader of <linux/btf.h>'s layout.
#include <catch2/catch.hpp>

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/rax.h>

#include <memory>
#include <string>

#include <rax/btf.hpp>

#include "elf_builder.hpp"

using rax::Bytes;

TEST_CASE("btf: libbpf reads back the types rax/btf.hpp documents", "[btf]")
{
	struct Case {
		std::string name;     // the map's
		std::string expected; // the value struct's
		std::uint32_t key, value, lock;
	} const cases[] = {
		{"CONFIG", "CONFIG", 4, 24, 8},                // 4-byte key, lock in the middle
		{"flows", "flows", 12, 20, 16},                // lock at the end
		{"h", "h", 1, 4, 0},                           // the lock is the value
		{"ring", "ring", 16, 64, 0},                   // lock at 0, more after it
		{"", "value", 3, 8, 4},                        // no name
		{"my.map-1", "my_map_1", 4, 12, 4},            // not an identifier
		{"9lives", "_9lives", 8, 4096, 4092},          // a leading digit
		{"lock", "lock", 4, 8, 4},                     // the member's name
		{"u32", "u32", 2, 8, 0},                       // an int's name, another kind
		{"\xff\x01z", "__z", 4, 8, 4},                 // bytes that are not characters
		{"bpf_spin_lock", "bpf_spin_lock", 5, 16, 12}, // the lock struct's name
	};
	for (auto const &c : cases) {
		INFO("map '" << c.name << "' key " << c.key << " value " << c.value << " lock at "
			      << c.lock);
		rax::BtfIds ids;
		auto blob = rax::map_value_btf(rax::test::locked_map(1, c.name, c.key, c.value, c.lock), ids);
		INFO((blob ? "" : blob.error().to_string()));
		REQUIRE(blob);
		auto const n = static_cast<std::uint32_t>(blob->size());
		std::unique_ptr<struct btf, void (*)(struct btf *)> owner(btf__new(blob->data(), n),
									  btf__free);
		struct btf *const b = owner.get();
		REQUIRE(b != nullptr);
		REQUIRE(libbpf_get_error(b) == 0);
		// Back to the same bytes.
		std::uint32_t size = 0;
		auto const *raw = static_cast<std::uint8_t const *>(btf__raw_data(b, &size));
		REQUIRE(raw);
		CHECK(Bytes(raw, raw + size) == *blob);

		bool const array_key = c.key != 4;
		CHECK(btf__type_cnt(b) == (array_key ? 6U : 5U)); // with void, id 0
		auto const name = [b](std::uint32_t off) {
			char const *s = btf__name_by_offset(b, off);
			return std::string(s ? s : "(past the strings)");
		};

		btf_type const *u8 = btf__type_by_id(b, 1);
		REQUIRE(u8);
		CHECK(btf_is_int(u8));
		CHECK(name(u8->name_off) == "u8");
		CHECK(u8->size == 1);
		CHECK(btf_int_bits(u8) == 8);
		CHECK(btf_int_offset(u8) == 0);
		CHECK(btf_int_encoding(u8) == 0);

		btf_type const *u32 = btf__type_by_id(b, 2);
		REQUIRE(u32);
		CHECK(btf_is_int(u32));
		CHECK(name(u32->name_off) == "u32");
		CHECK(u32->size == 4);
		CHECK(btf_int_bits(u32) == 32);
		CHECK(btf_int_offset(u32) == 0);
		CHECK(btf_int_encoding(u32) == 0);

		btf_type const *lock = btf__type_by_id(b, 3);
		REQUIRE(lock);
		CHECK(btf_is_struct(lock));
		CHECK_FALSE(btf_kflag(lock));
		CHECK(name(lock->name_off) == "bpf_spin_lock");
		CHECK(lock->size == 4);
		REQUIRE(btf_vlen(lock) == 1);
		CHECK(name(btf_members(lock)[0].name_off) == "val");
		CHECK(btf_members(lock)[0].type == 2);
		CHECK(btf_member_bit_offset(lock, 0) == 0);
		CHECK(btf_member_bitfield_size(lock, 0) == 0);
		CHECK(btf__resolve_size(b, 3) == 4);

		// The key: u32 itself, or an anonymous array of key_size u8
		// indexed by u32.
		if (array_key) {
			CHECK(ids.key_type_id == 4);
			btf_type const *k = btf__type_by_id(b, 4);
			REQUIRE(k);
			CHECK(btf_is_array(k));
			CHECK(k->name_off == 0);
			CHECK(btf_array(k)->type == 1);
			CHECK(btf_array(k)->index_type == 2);
			CHECK(btf_array(k)->nelems == c.key);
		} else {
			CHECK(ids.key_type_id == 2);
		}
		CHECK(btf__resolve_size(b, ids.key_type_id) == c.key);

		// The value: the last type, a struct of value_size bytes whose one
		// member "lock" is the bpf_spin_lock at spin_lock_off.
		CHECK(ids.value_type_id == (array_key ? 5U : 4U));
		CHECK(ids.value_type_id == btf__type_cnt(b) - 1);
		btf_type const *v = btf__type_by_id(b, ids.value_type_id);
		REQUIRE(v);
		CHECK(btf_is_struct(v));
		CHECK_FALSE(btf_kflag(v));
		CHECK(name(v->name_off) == c.expected);
		CHECK(name(v->name_off) == rax::btf_value_name(c.name));
		CHECK(v->size == c.value);
		REQUIRE(btf_vlen(v) == 1);
		CHECK(name(btf_members(v)[0].name_off) == "lock");
		CHECK(btf_members(v)[0].type == 3);
		CHECK(btf_member_bit_offset(v, 0) == c.lock * 8);
		CHECK(btf_member_bitfield_size(v, 0) == 0);
		CHECK(btf__resolve_size(b, ids.value_type_id) == c.value);
		CHECK(btf__find_by_name_kind(b, c.expected.c_str(), BTF_KIND_STRUCT) ==
		      (c.expected == "bpf_spin_lock" ? 3 : int(ids.value_type_id)));
	}
}
