// SPDX-License-Identifier: GPL-2.0
// The layouts of the kernel structures Rax contexts read, from a kernel's
// BTF (kernel/rax/ctx_types.h lists them): the text and hash kernel/rax
// computes from its own BTF, and the rax crate's bindings generated from
// them. The blob is parsed by libbpf (btf__new checks the header, the
// string section and every type record's size), read with its accessors,
// and every offset and size used is checked.
#include <rax/btf.hpp>
#include <rax/kernel.hpp>

#include <gelf.h>
#include <libelf.h>
#include <linux/btf.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

#include "btf_libbpf.hpp"

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

// libbpf gives its reasons for refusing a blob to its print callback,
// which writes to stderr. While a LibbpfLog lives, what libbpf prints on
// this thread is kept for the error message instead; other threads' go on
// to the callback it replaced. One at a time: the callback is global.
class LibbpfLog {
public:
	LibbpfLog() : lock_(mutex_)
	{
		sink_ = &text_;
		prev_ = libbpf_set_print(print);
	}
	~LibbpfLog()
	{
		libbpf_set_print(prev_);
		sink_ = nullptr;
	}

	// What libbpf printed ("libbpf: WHY", lines joined with "; "), or
	// the text of @err when it printed nothing.
	[[nodiscard]] std::string why(int err) const
	{
		std::string s = text_.substr(0, text_.find_last_not_of('\n') + 1);
		for (std::size_t at; (at = s.find('\n')) != std::string::npos;)
			s.replace(at, 1, "; ");
		if (!s.empty())
			return s;
		char buf[128];
		libbpf_strerror(err, buf, sizeof(buf));
		return "libbpf: " + std::string(buf);
	}

private:
	__attribute__((format(printf, 2, 0))) static int print(libbpf_print_level level,
								 char const *fmt, va_list ap)
	{
		if (!sink_)
			return prev_ ? prev_(level, fmt, ap) : 0;
		char buf[256];
		if (std::vsnprintf(buf, sizeof(buf), fmt, ap) > 0 && sink_->size() < 1024)
			*sink_ += buf;
		return 0;
	}

	static inline std::mutex mutex_;
	static inline libbpf_print_fn_t prev_ = nullptr;
	static inline thread_local std::string *sink_ = nullptr;
	std::lock_guard<std::mutex> lock_;
	std::string text_;
};

// The header, checked before libbpf sees the blob: libbpf 1.1 checks
// neither the version nor that the header is whole (hdr_len of at least
// 24), and takes a blob of the other byte order, which no kernel of this
// machine's order wrote.
Result<void> check_header(std::span<std::uint8_t const> blob)
{
	btf_header h;
	if (blob.size() < sizeof(h))
		return bad("shorter than the BTF header");
	if (blob.size() > UINT32_MAX)
		return bad("larger than 4 GiB");
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
	return {};
}

// @blob parsed by libbpf, which copies it; an error naming libbpf's reason.
Result<BtfPtr> parse(std::span<std::uint8_t const> blob)
{
	RAX_CHECK(check_header(blob));
	LibbpfLog log;
	BtfPtr b(btf__new(blob.data(), static_cast<std::uint32_t>(blob.size())));
	if (int const e = libbpf_ptr_error(b.get()))
		return e == ENOMEM ? Error(e, "btf", "libbpf: out of memory")
				   : bad("malformed BTF: " + log.why(e));
	if (btf__type_cnt(b.get()) > (1U << 24))
		return bad("too many types");
	// A pointer is 8 bytes, whatever size libbpf would guess from "long".
	btf__set_pointer_size(b.get(), 8);
	return b;
}

Result<btf_type const *> type_at(struct btf const *b, std::uint32_t id)
{
	btf_type const *t = btf__type_by_id(b, id);
	if (!t)
		return bad("type id " + std::to_string(id) + " out of range");
	return t;
}

Result<std::string_view> name_at(struct btf const *b, std::uint32_t off)
{
	char const *s = btf__name_by_offset(b, off);
	if (!s)
		return bad("name offset " + std::to_string(off) + " past the string section");
	return std::string_view(s); // NUL-terminated: libbpf checked the section ends with NUL
}

// Through typedefs and qualifiers (const, volatile, restrict, type tags);
// an error past the id range or in a loop.
Result<std::uint32_t> resolve(struct btf const *b, std::uint32_t id)
{
	for (unsigned depth = 0; depth < 32; depth++) {
		btf_type const *t = RAX_TRY(type_at(b, id));
		if (!btf_is_typedef(t) && !btf_is_mod(t))
			return id;
		id = t->type;
	}
	return bad("typedef chain too long");
}

// The size of type @id: through typedefs, qualifiers and arrays to a type
// with a size, a pointer 8 bytes. Not libbpf's btf__resolve_size(), which
// also goes through VAR and DECL_TAG records that no member may have.
Result<std::uint64_t> size_of(struct btf const *b, std::uint32_t id)
{
	std::uint64_t mult = 1;
	for (unsigned depth = 0; depth < 32; depth++) {
		id = RAX_TRY(resolve(b, id));
		btf_type const *t = btf__type_by_id(b, id);
		switch (btf_kind(t)) {
		case BTF_KIND_INT:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_FLOAT:
			return mult * t->size;
		case BTF_KIND_PTR:
			return mult * 8;
		case BTF_KIND_ARRAY: {
			struct btf_array const *a = btf_array(t);
			if (a->nelems && mult > (std::uint64_t(1) << 40) / a->nelems)
				return bad("array too large");
			mult *= a->nelems;
			id = a->type;
			continue;
		}
		default:
			return bad("type " + std::to_string(id) + " has no size");
		}
	}
	return bad("array nesting too deep");
}

struct Found {
	std::uint32_t type;
	std::uint64_t bit;
};

// Member @name of struct or union @id, at @base bits, searching anonymous
// members too; nullopt when it is not there.
Result<std::optional<Found>> find_member(struct btf const *b, std::uint32_t id, std::string_view name,
					 std::uint64_t base, unsigned depth)
{
	if (depth > 8)
		return bad("anonymous members nested too deep");
	btf_type const *t = RAX_TRY(type_at(b, id));
	btf_member const *m = btf_members(t);
	for (std::uint32_t i = 0; i < btf_vlen(t); i++) {
		std::uint64_t const bit = base + btf_member_bit_offset(t, i);
		std::string_view const n = RAX_TRY(name_at(b, m[i].name_off));
		if (n == name) {
			if (btf_member_bitfield_size(t, i))
				return Error(EINVAL, "btf", std::string(name) + " is a bitfield");
			return std::optional(Found{m[i].type, bit});
		}
		if (!n.empty())
			continue;
		std::uint32_t const inner_id = RAX_TRY(resolve(b, m[i].type));
		if (!btf_is_composite(btf__type_by_id(b, inner_id)))
			continue;
		auto inner = RAX_TRY(find_member(b, inner_id, name, bit, depth + 1));
		if (inner)
			return inner;
	}
	return std::optional<Found>();
}

// The Rust type of a member: integers by size and sign, pointers as
// *mut u8, anything else as bytes.
Result<std::string> rust_type(struct btf const *b, std::uint32_t id, std::uint64_t size)
{
	btf_type const *t = btf__type_by_id(b, RAX_TRY(resolve(b, id)));
	bool const plain = size == 1 || size == 2 || size == 4 || size == 8;
	if (btf_is_ptr(t))
		return std::string("*mut u8");
	if (btf_is_int(t) && plain)
		return std::string(btf_int_encoding(t) & BTF_INT_SIGNED ? "i" : "u") +
		       std::to_string(size * 8);
	if (btf_is_enum(t) && plain)
		return "u" + std::to_string(size * 8);
	return "[u8; " + std::to_string(size) + "]";
}

} // namespace

Result<std::vector<CtxStruct>> context_layouts(std::span<std::uint8_t const> blob)
{
	BtfPtr const owner = RAX_TRY(parse(blob));
	struct btf const *b = owner.get();
	std::uint32_t const count = btf__type_cnt(b);
	std::vector<CtxStruct> out;
	std::uint32_t sid = 0;

	for (auto const &e : ctx_list) {
		if (e.is_struct) {
			// The first struct of that name with members (not
			// btf__find_by_name_kind's first of that name).
			sid = 0;
			for (std::uint32_t id = 1; id < count && !sid; id++) {
				btf_type const *t = btf__type_by_id(b, id);
				if (btf_is_struct(t) && btf_vlen(t) &&
				    RAX_TRY(name_at(b, t->name_off)) == e.name)
					sid = id;
			}
			if (!sid)
				return Error(ENOENT, "btf",
					     std::string("the kernel's BTF has no struct ") + e.name);
			out.push_back(CtxStruct{e.name, btf__type_by_id(b, sid)->size, {}});
			continue;
		}
		std::string const where = "struct " + out.back().name + ": member " + e.name;
		auto found = find_member(b, sid, e.name, 0, 0);
		if (!found)
			return Error(found.error().code(), "btf", where + ": " + found.error().message());
		if (!*found)
			return Error(ENOENT, "btf", where + " is not in the kernel's BTF");
		auto const [type, bit] = **found;
		if (bit % 8)
			return Error(EINVAL, "btf", where + " is not at a byte offset");
		std::uint64_t const size = RAX_TRY(size_of(b, type));
		if (bit / 8 + size > out.back().size)
			return bad(where + " ends past the struct");
		out.back().members.push_back(CtxMember{e.name, std::uint32_t(bit / 8), std::uint32_t(size),
						       RAX_TRY(rust_type(b, type, size))});
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
