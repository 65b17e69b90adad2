// SPDX-License-Identifier: GPL-2.0
// The layouts of the kernel structures Rax contexts read, from a kernel's
// BTF (kernel/rax/ctx_types.h lists them): the text and hash kernel/rax
// computes from its own BTF, and the rax crate's bindings generated from
// them. A strict reader: every offset and size of the blob is checked.
#include <rax/btf.hpp>
#include <rax/kernel.hpp>

#include <gelf.h>
#include <libelf.h>
#include <linux/btf.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>

namespace rax {

namespace {

Error bad(std::string msg)
{
	return Error(EBADMSG, "btf", std::move(msg));
}

struct ListEntry {
	bool is_struct;
	char const *name;
};

constexpr ListEntry ctx_list[] = {
#define RAX_CTX_STRUCT(n) {true, #n},
#define RAX_CTX_MEMBER(n) {false, #n},
#include "../../../kernel/rax/ctx_types.h"
#undef RAX_CTX_STRUCT
#undef RAX_CTX_MEMBER
};

// A parsed BTF blob: the type records by id and the string section.
class Btf {
public:
	static Result<Btf> parse(std::span<std::uint8_t const> blob);

	[[nodiscard]] std::size_t count() const { return types_.size(); }
	[[nodiscard]] btf_type const &type(std::uint32_t id) const { return types_[id].t; }
	[[nodiscard]] std::uint32_t kind(std::uint32_t id) const { return BTF_INFO_KIND(type(id).info); }
	[[nodiscard]] std::uint32_t vlen(std::uint32_t id) const { return BTF_INFO_VLEN(type(id).info); }
	[[nodiscard]] Result<std::string_view> name(std::uint32_t off) const;
	[[nodiscard]] btf_member member(std::uint32_t id, std::uint32_t i) const
	{
		btf_member m;
		std::memcpy(&m, types_[id].extra + i * sizeof(m), sizeof(m));
		return m;
	}
	[[nodiscard]] btf_array array(std::uint32_t id) const
	{
		btf_array a;
		std::memcpy(&a, types_[id].extra, sizeof(a));
		return a;
	}
	[[nodiscard]] std::uint32_t int_encoding(std::uint32_t id) const
	{
		std::uint32_t e;
		std::memcpy(&e, types_[id].extra, sizeof(e));
		return e;
	}

	// Through typedefs and qualifiers; an error past the id range or in a loop.
	Result<std::uint32_t> resolve(std::uint32_t id) const;
	Result<std::uint64_t> size_of(std::uint32_t id) const;

private:
	struct Rec {
		btf_type t{};
		std::uint8_t const *extra = nullptr;
	};
	std::vector<Rec> types_; // [0] is void
	std::span<std::uint8_t const> strings_;
};

Result<std::size_t> extra_size(btf_type const &t)
{
	std::uint32_t const vlen = BTF_INFO_VLEN(t.info);
	switch (BTF_INFO_KIND(t.info)) {
	case BTF_KIND_INT:
		return 4;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return std::size_t(vlen) * sizeof(btf_member);
	case BTF_KIND_ENUM:
		return std::size_t(vlen) * sizeof(btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return std::size_t(vlen) * sizeof(btf_param);
	case BTF_KIND_VAR:
		return sizeof(btf_var);
	case BTF_KIND_DATASEC:
		return std::size_t(vlen) * sizeof(btf_var_secinfo);
	case BTF_KIND_DECL_TAG:
		return sizeof(btf_decl_tag);
	case BTF_KIND_ENUM64:
		return std::size_t(vlen) * sizeof(btf_enum64);
	default:
		return bad("unknown type kind " + std::to_string(BTF_INFO_KIND(t.info)));
	}
}

Result<Btf> Btf::parse(std::span<std::uint8_t const> blob)
{
	btf_header h;
	if (blob.size() < sizeof(h))
		return bad("shorter than the BTF header");
	std::memcpy(&h, blob.data(), sizeof(h));
	if (h.magic != BTF_MAGIC)
		return bad("not BTF (magic " + std::to_string(h.magic) + ")");
	if (h.version != BTF_VERSION)
		return bad("BTF version " + std::to_string(h.version) + ", not 1");
	if (h.hdr_len < sizeof(h) || h.hdr_len > blob.size())
		return bad("header length " + std::to_string(h.hdr_len) + " out of range");
	std::uint64_t const body = blob.size() - h.hdr_len;
	if (std::uint64_t(h.type_off) + h.type_len > body ||
	    std::uint64_t(h.str_off) + h.str_len > body)
		return bad("type or string section past the end");
	if (h.type_off % 4 || h.type_len % 4)
		return bad("type section not 4-byte aligned");

	Btf b;
	b.types_.emplace_back(); // void
	b.strings_ = blob.subspan(h.hdr_len + h.str_off, h.str_len);
	if (b.strings_.empty() || b.strings_.back() != 0)
		return bad("string section does not end with NUL");
	auto const types = blob.subspan(h.hdr_len + h.type_off, h.type_len);
	for (std::size_t off = 0; off < types.size();) {
		Rec r;
		if (types.size() - off < sizeof(btf_type))
			return bad("type " + std::to_string(b.types_.size()) + " truncated");
		std::memcpy(&r.t, types.data() + off, sizeof(r.t));
		off += sizeof(r.t);
		std::size_t const n = RAX_TRY(extra_size(r.t));
		if (types.size() - off < n)
			return bad("type " + std::to_string(b.types_.size()) + " truncated");
		r.extra = types.data() + off;
		off += n;
		b.types_.push_back(r);
		if (b.types_.size() > (1U << 24))
			return bad("too many types");
	}
	return b;
}

Result<std::string_view> Btf::name(std::uint32_t off) const
{
	if (off >= strings_.size())
		return bad("name offset " + std::to_string(off) + " past the string section");
	auto const *s = reinterpret_cast<char const *>(strings_.data()) + off;
	return std::string_view(s); // NUL-terminated: the section ends with NUL
}

Result<std::uint32_t> Btf::resolve(std::uint32_t id) const
{
	for (unsigned depth = 0; depth < 32; depth++) {
		if (id >= types_.size())
			return bad("type id " + std::to_string(id) + " out of range");
		switch (kind(id)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = type(id).type;
			continue;
		default:
			return id;
		}
	}
	return bad("typedef chain too long");
}

Result<std::uint64_t> Btf::size_of(std::uint32_t id) const
{
	std::uint64_t mult = 1;
	for (unsigned depth = 0; depth < 32; depth++) {
		id = RAX_TRY(resolve(id));
		switch (kind(id)) {
		case BTF_KIND_INT:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_FLOAT:
			return mult * type(id).size;
		case BTF_KIND_PTR:
			return mult * 8;
		case BTF_KIND_ARRAY: {
			btf_array const a = array(id);
			if (a.nelems && mult > (std::uint64_t(1) << 40) / a.nelems)
				return bad("array too large");
			mult *= a.nelems;
			id = a.type;
			continue;
		}
		default:
			return bad("type " + std::to_string(id) + " has no size");
		}
	}
	return bad("array nesting too deep");
}

// Member @name of struct or union @id, at @base bits, searching anonymous
// members too; nullopt when it is not there.
Result<std::optional<std::pair<btf_member, std::uint64_t>>>
find_member(Btf const &b, std::uint32_t id, std::string_view name, std::uint64_t base, unsigned depth)
{
	if (depth > 8)
		return bad("anonymous members nested too deep");
	bool const bitfields = BTF_INFO_KFLAG(b.type(id).info);
	for (std::uint32_t i = 0; i < b.vlen(id); i++) {
		btf_member const m = b.member(id, i);
		std::uint64_t const bit = base + (bitfields ? BTF_MEMBER_BIT_OFFSET(m.offset) : m.offset);
		std::string_view const n = RAX_TRY(b.name(m.name_off));
		if (n == name) {
			if (bitfields && BTF_MEMBER_BITFIELD_SIZE(m.offset))
				return Error(EINVAL, "btf", std::string(name) + " is a bitfield");
			return std::optional(std::pair(m, bit));
		}
		if (!n.empty())
			continue;
		std::uint32_t const t = RAX_TRY(b.resolve(m.type));
		if (b.kind(t) != BTF_KIND_STRUCT && b.kind(t) != BTF_KIND_UNION)
			continue;
		auto inner = RAX_TRY(find_member(b, t, name, bit, depth + 1));
		if (inner)
			return inner;
	}
	return std::optional<std::pair<btf_member, std::uint64_t>>();
}

// The Rust type of a member: integers by size and sign, pointers as
// *mut u8, anything else as bytes.
Result<std::string> rust_type(Btf const &b, std::uint32_t id, std::uint64_t size)
{
	std::uint32_t const t = RAX_TRY(b.resolve(id));
	bool const plain = size == 1 || size == 2 || size == 4 || size == 8;
	if (b.kind(t) == BTF_KIND_PTR)
		return std::string("*mut u8");
	if (b.kind(t) == BTF_KIND_INT && plain)
		return std::string(BTF_INT_ENCODING(b.int_encoding(t)) & BTF_INT_SIGNED ? "i" : "u") +
		       std::to_string(size * 8);
	if (b.kind(t) == BTF_KIND_ENUM && plain)
		return "u" + std::to_string(size * 8);
	return "[u8; " + std::to_string(size) + "]";
}

} // namespace

Result<std::vector<CtxStruct>> context_layouts(std::span<std::uint8_t const> blob)
{
	Btf const b = RAX_TRY(Btf::parse(blob));
	std::vector<CtxStruct> out;
	std::uint32_t sid = 0;

	for (auto const &e : ctx_list) {
		if (e.is_struct) {
			sid = 0;
			for (std::uint32_t id = 1; id < b.count() && !sid; id++)
				if (b.kind(id) == BTF_KIND_STRUCT && b.vlen(id) &&
				    RAX_TRY(b.name(b.type(id).name_off)) == e.name)
					sid = id;
			if (!sid)
				return Error(ENOENT, "btf",
					     std::string("the kernel's BTF has no struct ") + e.name);
			out.push_back(CtxStruct{e.name, b.type(sid).size, {}});
			continue;
		}
		std::string const where = "struct " + out.back().name + ": member " + e.name;
		auto found = find_member(b, sid, e.name, 0, 0);
		if (!found)
			return Error(found.error().code(), "btf", where + ": " + found.error().message());
		if (!*found)
			return Error(ENOENT, "btf", where + " is not in the kernel's BTF");
		auto const &[m, bit] = **found;
		if (bit % 8)
			return Error(EINVAL, "btf", where + " is not at a byte offset");
		std::uint64_t const size = RAX_TRY(b.size_of(m.type));
		if (bit / 8 + size > out.back().size)
			return bad(where + " ends past the struct");
		out.back().members.push_back(CtxMember{e.name, std::uint32_t(bit / 8), std::uint32_t(size),
						       RAX_TRY(rust_type(b, m.type, size))});
	}
	return out;
}

std::string context_layouts_text(std::vector<CtxStruct> const &layouts)
{
	std::string s;
	for (auto const &st : layouts) {
		s += "struct " + st.name + " " + std::to_string(st.size) + "\n";
		for (auto const &m : st.members)
			s += "  " + m.name + " " + std::to_string(m.offset) + " " +
			     std::to_string(m.size) + "\n";
	}
	return s;
}

Sha256 context_layouts_sha256(std::vector<CtxStruct> const &layouts)
{
	std::string const text = context_layouts_text(layouts);
	return sha256(std::span(reinterpret_cast<std::uint8_t const *>(text.data()), text.size()));
}

Result<std::string> context_bindings(std::vector<CtxStruct> const &layouts)
{
	std::string const hash = hex(context_layouts_sha256(layouts));
	std::string s =
		"// SPDX-License-Identifier: GPL-2.0\n"
		"// Generated by `rax btf-bindings` from the target kernel's BTF: do not edit.\n"
		"//! The kernel structures the contexts read, as the target kernel's BTF\n"
		"//! lays them out (kernel/rax/ctx_types.h lists them): the members the\n"
		"//! contexts read at their offsets, the rest as padding. No CO-RE: an\n"
		"//! object is built for these layouts, and the kernel refuses it when its\n"
		"//! own differ (the hash below is the object's RAX_PROV_BTF_SHA256).\n"
		"//!\n"
		"//! context-layouts-sha256: " +
		hash + "\n";
	for (auto const &st : layouts) {
		std::vector<CtxMember> ms = st.members;
		std::sort(ms.begin(), ms.end(),
			  [](CtxMember const &a, CtxMember const &b) { return a.offset < b.offset; });
		s += "\n/// `struct " + st.name + "` (" + std::to_string(st.size) + " bytes).\n";
		s += "#[repr(C)]\n#[allow(non_camel_case_types)]\npub(crate) struct " + st.name + " {\n";
		std::uint32_t at = 0;
		unsigned pad = 0;
		for (auto const &m : ms) {
			if (m.offset < at)
				return Error(EINVAL, "btf", "struct " + st.name + ": member " + m.name +
								    " overlaps another");
			if (m.offset > at)
				s += "    _pad" + std::to_string(pad++) + ": [u8; " +
				     std::to_string(m.offset - at) + "],\n";
			s += "    pub(crate) " + m.name + ": " + m.rust_type + ",\n";
			at = m.offset + m.size;
		}
		if (st.size > at)
			s += "    _pad" + std::to_string(pad++) + ": [u8; " + std::to_string(st.size - at) +
			     "],\n";
		s += "}\n";
		s += "\nconst _: () = {\n";
		s += "    assert!(core::mem::size_of::<" + st.name + ">() == " + std::to_string(st.size) +
		     ");\n";
		for (auto const &m : ms)
			s += "    assert!(core::mem::offset_of!(" + st.name + ", " + m.name +
			     ") == " + std::to_string(m.offset) + ");\n";
		s += "};\n";
	}
	return s;
}

Result<Bytes> read_btf(std::string const &path)
{
	Bytes const data = RAX_TRY(read_file(path));
	if (data.size() < 4 || std::memcmp(data.data(), ELFMAG, SELFMAG))
		return data; // raw BTF, as /sys/kernel/btf/vmlinux
	if (elf_version(EV_CURRENT) == EV_NONE)
		return Error(EIO, "btf", "libelf: " + std::string(elf_errmsg(-1)));
	std::unique_ptr<Elf, int (*)(Elf *)> e(
		elf_memory(reinterpret_cast<char *>(const_cast<std::uint8_t *>(data.data())),
			   data.size()),
		elf_end);
	std::size_t shstrndx = 0;
	if (!e || elf_getshdrstrndx(e.get(), &shstrndx))
		return bad(path + ": not a readable ELF file");
	for (Elf_Scn *scn = elf_nextscn(e.get(), nullptr); scn; scn = elf_nextscn(e.get(), scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			return bad(path + ": bad section header");
		char const *n = elf_strptr(e.get(), shstrndx, sh.sh_name);
		if (!n || std::strcmp(n, ".BTF") || sh.sh_type == SHT_NOBITS)
			continue;
		if (sh.sh_offset > data.size() || sh.sh_size > data.size() - sh.sh_offset)
			return bad(path + ": .BTF past the end of the file");
		return Bytes(data.begin() + static_cast<std::ptrdiff_t>(sh.sh_offset),
			     data.begin() + static_cast<std::ptrdiff_t>(sh.sh_offset + sh.sh_size));
	}
	return Error(ENOENT, "btf", path + ": no .BTF section (a kernel built without "
					   "CONFIG_DEBUG_INFO_BTF?)");
}

std::optional<Sha256> bindings_sha256(std::string_view rust_source)
{
	static constexpr std::string_view key = "//! context-layouts-sha256: ";
	auto const at = rust_source.find(key);
	if (at == std::string_view::npos || rust_source.size() - at - key.size() < 64)
		return std::nullopt;
	auto const h = kernel::parse_hex(rust_source.substr(at + key.size(), 64));
	if (!h || h->size() != 32)
		return std::nullopt;
	Sha256 s;
	std::copy(h->begin(), h->end(), s.begin());
	return s;
}

} // namespace rax
