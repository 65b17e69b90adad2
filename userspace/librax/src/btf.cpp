// SPDX-License-Identifier: GPL-2.0
// The BTF of a map value that holds a bpf_spin_lock, in the layout of the
// kernel's <linux/btf.h>: the header, the type section, the string
// section. Nothing is padded: every record is a multiple of 4 bytes.
#include <rax/btf.hpp>

#include <linux/btf.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace rax {

namespace {

class BtfWriter {
public:
	BtfWriter() { strings_.push_back('\0'); }

	// Offset of @s in the string section (each string once).
	std::uint32_t string(std::string_view s)
	{
		std::string_view const have(strings_.data(), strings_.size());
		std::string key(s);
		key.push_back('\0');
		// Only whole strings: the match starts the table or follows a NUL.
		for (std::size_t pos = have.find(key); pos != std::string_view::npos;
		     pos = have.find(key, pos + 1))
			if (pos == 0 ? s.empty() : strings_[pos - 1] == '\0')
				return static_cast<std::uint32_t>(pos);
		std::uint32_t const off = static_cast<std::uint32_t>(strings_.size());
		strings_.insert(strings_.end(), key.begin(), key.end());
		return off;
	}

	std::uint32_t int_type(std::string_view name, std::uint32_t size, std::uint32_t bits)
	{
		struct btf_type t {};
		t.name_off = string(name);
		t.info = BTF_KIND_INT << 24;
		t.size = size;
		append(t);
		append(std::uint32_t(bits)); // encoding 0, offset 0
		return ++ntypes_;
	}

	std::uint32_t array_type(std::uint32_t elem, std::uint32_t index, std::uint32_t nelems)
	{
		struct btf_type t {};
		t.info = BTF_KIND_ARRAY << 24; // anonymous, size 0
		append(t);
		struct btf_array a {};
		a.type = elem;
		a.index_type = index;
		a.nelems = nelems;
		append(a);
		return ++ntypes_;
	}

	// A struct of @size bytes with one member @member of type @type at
	// bit offset @bit_off.
	std::uint32_t struct_type(std::string_view name, std::uint32_t size, std::string_view member,
				  std::uint32_t type, std::uint32_t bit_off)
	{
		struct btf_type t {};
		t.name_off = string(name);
		t.info = BTF_KIND_STRUCT << 24 | 1; // kind_flag 0: plain bit offsets
		t.size = size;
		append(t);
		struct btf_member m {};
		m.name_off = string(member);
		m.type = type;
		m.offset = bit_off;
		append(m);
		return ++ntypes_;
	}

	Bytes finish() const
	{
		struct btf_header h {};
		h.magic = BTF_MAGIC;
		h.version = BTF_VERSION;
		h.hdr_len = sizeof(h);
		h.type_off = 0;
		h.type_len = static_cast<std::uint32_t>(types_.size());
		h.str_off = h.type_len;
		h.str_len = static_cast<std::uint32_t>(strings_.size());
		Bytes out(sizeof(h));
		std::memcpy(out.data(), &h, sizeof(h));
		out.insert(out.end(), types_.begin(), types_.end());
		out.insert(out.end(), strings_.begin(), strings_.end());
		return out;
	}

private:
	template <typename T>
	void append(T const &t)
	{
		static_assert(std::is_trivially_copyable_v<T> && sizeof(T) % 4 == 0);
		auto const *p = reinterpret_cast<std::uint8_t const *>(&t);
		types_.insert(types_.end(), p, p + sizeof(T));
	}

	Bytes types_;
	std::string strings_;
	std::uint32_t ntypes_ = 0;
};

static_assert(sizeof(struct btf_header) == 24 && sizeof(struct btf_type) == 12 &&
	      sizeof(struct btf_member) == 12 && sizeof(struct btf_array) == 12);

} // namespace

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

	BtfWriter w;
	std::uint32_t const u8 = w.int_type("u8", 1, 8);
	std::uint32_t const u32 = w.int_type("u32", 4, 32);
	std::uint32_t const lock = w.struct_type("bpf_spin_lock", 4, "val", u32, 0);
	ids.key_type_id = def.key_size == 4 ? u32 : w.array_type(u8, u32, def.key_size);
	ids.value_type_id = w.struct_type(btf_value_name(def.name), def.value_size, "lock", lock,
					  def.spin_lock_off * 8);
	return w.finish();
}

} // namespace rax
