// SPDX-License-Identifier: GPL-2.0
// The BTF of a map value that holds a bpf_spin_lock, built with libbpf's
// BTF API (btf__add_*) and taken as its raw data: the kernel's layout of
// <linux/btf.h>, the header, the type section, the string section.
#include <rax/btf.hpp>

#include <cstdint>
#include <cstring>

#include "btf_libbpf.hpp"

namespace rax {

std::string btf_value_name(std::string_view map_name)
{
	std::string s(map_name);

	if (s.empty())
		return "value";
	for (char &c : s) {
		bool const ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9') || c == '_';
		if (!ok)
			c = '_';
	}
	if (s[0] >= '0' && s[0] <= '9')
		s.insert(s.begin(), '_');
	return s;
}

Result<Bytes> map_value_btf(MapDef const &def, BtfIds &ids)
{
	std::string const where = "map " + def.name;

	if (!def.has_spin_lock())
		return Error(EINVAL, "btf", where + ": its value holds no spin lock");
	// The parser's check; also keeps the bit offset below 2^32.
	if (def.spin_lock_off % 4 || def.value_size < 4 || def.spin_lock_off > def.value_size - 4 ||
	    def.spin_lock_off > UINT32_MAX / 8)
		return Error(EINVAL, "btf",
			     where + ": spin lock at " + std::to_string(def.spin_lock_off) +
				     " is outside the value or misaligned");

	BtfPtr b(btf__new_empty());
	if (int const e = libbpf_ptr_error(b.get()))
		return Error(e, "btf", where + ": libbpf: " + std::strerror(e));
	// Each btf__add_* returns the new type's id (types are numbered from 1
	// in the order they are added) or a negative errno: the first is kept.
	int err = 0;
	auto add = [&err](int r) {
		if (r < 0 && !err)
			err = r;
		return r;
	};
	struct btf *const t = b.get();
	int const u8 = add(btf__add_int(t, "u8", 1, 0));
	int const u32 = add(btf__add_int(t, "u32", 4, 0));
	int const lock = add(btf__add_struct(t, "bpf_spin_lock", 4));
	add(btf__add_field(t, "val", u32, 0, 0));
	int const key = def.key_size == 4 ? u32 : add(btf__add_array(t, u32, u8, def.key_size));
	int const value = add(btf__add_struct(t, btf_value_name(def.name).c_str(), def.value_size));
	add(btf__add_field(t, "lock", lock, def.spin_lock_off * 8, 0));
	if (err)
		return Error(-err, "btf", where + ": libbpf: " + std::strerror(-err));

	std::uint32_t size = 0;
	auto const *raw = static_cast<std::uint8_t const *>(btf__raw_data(t, &size));
	if (!raw)
		return Error(ENOMEM, "btf", where + ": libbpf: " + std::strerror(ENOMEM));
	ids.key_type_id = static_cast<std::uint32_t>(key);
	ids.value_type_id = static_cast<std::uint32_t>(value);
	return Bytes(raw, raw + size);
}

} // namespace rax
