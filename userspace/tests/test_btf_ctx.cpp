// SPDX-License-Identifier: GPL-2.0
// The context layouts read from a kernel's BTF (rax/btf.hpp): synthetic
// BTF blobs in the layout of <linux/btf.h>, the text and hash kernel/rax
// computes the same way, the generated bindings, the refusals of a
// malformed blob, and the checked-in bindings of the rax crate.
#include "test_paths.hpp"
#include <catch2/catch.hpp>

#include <linux/btf.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <rax/btf.hpp>
#include <rax/object.hpp>

#include "cli_run.hpp"
#include "elf_builder.hpp"

using rax::Bytes;

namespace {

// A BTF blob under construction: types get ids from 1 in order.
class BtfBlob {
public:
	BtfBlob() { strs_.push_back('\0'); }

	std::uint32_t str(std::string const &s)
	{
		if (s.empty())
			return 0;
		auto const off = static_cast<std::uint32_t>(strs_.size());
		strs_ += s;
		strs_.push_back('\0');
		return off;
	}
	std::uint32_t integer(std::string const &name, std::uint32_t size, bool is_signed = false)
	{
		head(name, BTF_KIND_INT, 0, size);
		put(std::uint32_t((is_signed ? BTF_INT_SIGNED : 0) << 24 | size * 8));
		return ++n_;
	}
	std::uint32_t ptr(std::uint32_t to)
	{
		head("", BTF_KIND_PTR, 0, to);
		return ++n_;
	}
	std::uint32_t typedef_(std::string const &name, std::uint32_t to)
	{
		head(name, BTF_KIND_TYPEDEF, 0, to);
		return ++n_;
	}
	struct M {
		std::string name;
		std::uint32_t type;
		std::uint32_t bit;
		std::uint32_t bitfield = 0; // size in bits, with kind_flag
	};
	std::uint32_t aggregate(std::string const &name, std::uint32_t kind, std::uint32_t size,
				std::vector<M> const &ms, bool kflag = false)
	{
		head(name, kind, std::uint32_t(ms.size()), size, kflag);
		for (auto const &m : ms) {
			put(str(m.name));
			put(m.type);
			put(kflag ? (m.bitfield << 24 | m.bit) : m.bit);
		}
		return ++n_;
	}
	Bytes finish() const
	{
		btf_header h{};
		h.magic = BTF_MAGIC;
		h.version = BTF_VERSION;
		h.hdr_len = sizeof(h);
		h.type_len = std::uint32_t(types_.size());
		h.str_off = h.type_len;
		h.str_len = std::uint32_t(strs_.size());
		Bytes out(sizeof(h));
		std::memcpy(out.data(), &h, sizeof(h));
		out.insert(out.end(), types_.begin(), types_.end());
		out.insert(out.end(), strs_.begin(), strs_.end());
		return out;
	}

private:
	void head(std::string const &name, std::uint32_t kind, std::uint32_t vlen, std::uint32_t st,
		  bool kflag = false)
	{
		put(str(name));
		put((kflag ? 1U << 31 : 0) | kind << 24 | vlen);
		put(st);
	}
	void put(std::uint32_t v)
	{
		auto const *p = reinterpret_cast<std::uint8_t const *>(&v);
		types_.insert(types_.end(), p, p + 4);
	}

	Bytes types_;
	std::string strs_;
	std::uint32_t n_ = 0;
};

char const *const regs[] = {"r15", "r14", "r13", "r12", "bp", "bx",      "r11", "r10", "r9",   "r8",
			    "ax",  "cx",  "dx",  "si",  "di", "orig_ax", "ip",  "cs",  "flags", "sp",
			    "ss"};

struct Options {
	bool drop_pt_regs = false;
	bool drop_member = false;   // no "data_meta" in xdp_buff
	bool bitfield_ip = false;   // pt_regs.ip a bitfield
	bool ip_in_union = false;   // pt_regs.ip inside an anonymous union
};

// The three structures as the x86-64 kernel lays them out, with a few
// types around them as in a real vmlinux BTF.
Bytes kernel_btf(Options const &o = {})
{
	BtfBlob b;
	std::uint32_t const ul = b.integer("long unsigned int", 8);
	std::uint32_t const u32 = b.integer("unsigned int", 4);
	b.integer("int", 4, true);
	std::uint32_t const voidp = b.ptr(0);
	std::uint32_t const fwd_rxq = b.aggregate("xdp_rxq_info", BTF_KIND_STRUCT, 64, {});
	std::uint32_t const rxqp = b.ptr(fwd_rxq);
	std::vector<BtfBlob::M> xdp = {{"data", voidp, 0},     {"data_end", voidp, 64},
				       {"data_meta", voidp, 128}, {"data_hard_start", voidp, 192},
				       {"rxq", rxqp, 256},       {"txq", voidp, 320},
				       {"frame_sz", u32, 384},   {"flags", u32, 416}};
	if (o.drop_member)
		xdp.erase(xdp.begin() + 2);
	b.aggregate("xdp_buff", BTF_KIND_STRUCT, 56, xdp);

	if (!o.drop_pt_regs) {
		std::vector<BtfBlob::M> ms;
		std::uint32_t bit = 0;
		for (char const *r : regs) {
			if (o.ip_in_union && std::string(r) == "ip") {
				std::uint32_t const u = b.aggregate(
					"", BTF_KIND_UNION, 8, {{"ip", ul, 0}, {"ipx", ul, 0}});
				ms.push_back({"", u, bit});
			} else {
				ms.push_back({r, ul, bit, std::string(r) == "ip" && o.bitfield_ip ? 63U : 0});
			}
			bit += 64;
		}
		b.aggregate("pt_regs", BTF_KIND_STRUCT, 168, ms, o.bitfield_ip);
	}
	std::uint32_t const regs_t = b.typedef_("bpf_user_pt_regs_t", b.ptr(0));
	b.aggregate("bpf_perf_event_data_kern", BTF_KIND_STRUCT, 24,
		    {{"regs", regs_t, 0}, {"data", voidp, 64}, {"event", voidp, 128}});
	return b.finish();
}

std::string const expected_text = "struct xdp_buff 56\n"
				  "  data 0 8\n"
				  "  data_end 8 8\n"
				  "  data_meta 16 8\n"
				  "  data_hard_start 24 8\n"
				  "struct pt_regs 168\n"
				  "  r15 0 8\n"
				  "  r14 8 8\n"
				  "  r13 16 8\n"
				  "  r12 24 8\n"
				  "  bp 32 8\n"
				  "  bx 40 8\n"
				  "  r11 48 8\n"
				  "  r10 56 8\n"
				  "  r9 64 8\n"
				  "  r8 72 8\n"
				  "  ax 80 8\n"
				  "  cx 88 8\n"
				  "  dx 96 8\n"
				  "  si 104 8\n"
				  "  di 112 8\n"
				  "  orig_ax 120 8\n"
				  "  ip 128 8\n"
				  "  flags 144 8\n"
				  "  sp 152 8\n"
				  "struct bpf_perf_event_data_kern 24\n"
				  "  regs 0 8\n"
				  "  data 8 8\n"
				  "  event 16 8\n";

bool contains(std::string const &s, std::string const &needle)
{
	return s.find(needle) != std::string::npos;
}

} // namespace

TEST_CASE("btf-ctx: the context layouts and their hash", "[btf]")
{
	auto l = rax::context_layouts(kernel_btf());
	INFO((l ? "" : l.error().to_string()));
	REQUIRE(l.ok());
	CHECK(rax::context_layouts_text(*l) == expected_text);
	CHECK(rax::context_layouts_sha256(*l) ==
	      rax::sha256(std::span(reinterpret_cast<std::uint8_t const *>(expected_text.data()),
				    expected_text.size())));
	REQUIRE(l->size() == 3);
	CHECK((*l)[0].members[0].rust_type == "*mut u8");
	CHECK((*l)[1].members[0].rust_type == "u64");
	// Through the typedef to the pointer.
	CHECK((*l)[2].members[0].rust_type == "*mut u8");

	// A member inside an anonymous union is found where it is nested.
	Options o;
	o.ip_in_union = true;
	auto u = rax::context_layouts(kernel_btf(o));
	INFO((u ? "" : u.error().to_string()));
	REQUIRE(u.ok());
	CHECK(rax::context_layouts_text(*u) == expected_text);
}

TEST_CASE("btf-ctx: generated bindings", "[btf]")
{
	auto l = rax::context_layouts(kernel_btf());
	REQUIRE(l.ok());
	auto rs = rax::context_bindings(*l);
	REQUIRE(rs.ok());
	CHECK(contains(*rs, "pub(crate) struct xdp_buff {\n"
			    "    pub(crate) data: *mut u8,\n"));
	CHECK(contains(*rs, "    pub(crate) data_hard_start: *mut u8,\n    _pad0: [u8; 24],\n}"));
	// pt_regs: cs between ip and flags, ss after sp, become padding.
	CHECK(contains(*rs, "    pub(crate) ip: u64,\n    _pad0: [u8; 8],\n    pub(crate) flags: u64,"));
	CHECK(contains(*rs, "    pub(crate) sp: u64,\n    _pad1: [u8; 8],\n}"));
	CHECK(contains(*rs, "assert!(core::mem::size_of::<pt_regs>() == 168);"));
	CHECK(contains(*rs, "assert!(core::mem::offset_of!(pt_regs, flags) == 144);"));
	auto h = rax::bindings_sha256(*rs);
	REQUIRE(h);
	CHECK(*h == rax::context_layouts_sha256(*l));
	CHECK_FALSE(rax::bindings_sha256("//! nothing here\n"));
	CHECK_FALSE(rax::bindings_sha256("//! context-layouts-sha256: 12zz\n"));
}

TEST_CASE("btf-ctx: refusals name the structure and member", "[btf]")
{
	Options o;
	o.drop_pt_regs = true;
	auto a = rax::context_layouts(kernel_btf(o));
	REQUIRE_FALSE(a.ok());
	CHECK(a.error().code() == ENOENT);
	CHECK(a.error().message() == "the kernel's BTF has no struct pt_regs");

	o = {};
	o.drop_member = true;
	a = rax::context_layouts(kernel_btf(o));
	REQUIRE_FALSE(a.ok());
	CHECK(a.error().code() == ENOENT);
	CHECK(a.error().message() == "struct xdp_buff: member data_meta is not in the kernel's BTF");

	o = {};
	o.bitfield_ip = true;
	a = rax::context_layouts(kernel_btf(o));
	REQUIRE_FALSE(a.ok());
	CHECK(a.error().code() == EINVAL);
	CHECK(contains(a.error().message(), "struct pt_regs: member ip: ip is a bitfield"));
}

TEST_CASE("btf-ctx: a malformed blob is refused, never read past its end", "[btf][corpus]")
{
	Bytes const good = kernel_btf();
	REQUIRE(rax::context_layouts(good).ok());

	auto refused = [](Bytes const &b, std::string const &what) {
		auto r = rax::context_layouts(b);
		REQUIRE_FALSE(r.ok());
		INFO(r.error().to_string());
		CHECK(r.error().code() == EBADMSG);
		CHECK(contains(r.error().message(), what));
	};
	refused(Bytes(good.begin(), good.begin() + 10), "shorter than the BTF header");
	Bytes b = good;
	b[0] ^= 1;
	refused(b, "not BTF");
	b = good;
	b[2] = 2;
	refused(b, "BTF version 2");
	// The string section cut short: past the end.
	refused(Bytes(good.begin(), good.end() - 1), "past the end");
	// A type section that ends inside a type.
	b = good;
	btf_header h;
	std::memcpy(&h, b.data(), sizeof(h));
	h.type_len -= 4;
	h.str_off -= 4;
	std::memcpy(b.data(), &h, sizeof(h));
	b.erase(b.begin() + sizeof(h) + h.type_len, b.begin() + sizeof(h) + h.type_len + 4);
	// libbpf's reason (btf__new parses the type section).
	refused(b, "malformed BTF: libbpf: BTF type [11] is malformed");
	// An unknown kind.
	b = good;
	b[sizeof(h) + 7] = 0x1f; // type 1's info: kind 31
	refused(b, "malformed BTF: libbpf: Unsupported BTF_KIND:31");

	// Every single flipped byte: an answer, never a crash (ASan/UBSan).
	for (std::size_t i = 0; i < good.size(); i++) {
		Bytes m = good;
		m[i] ^= 0xff;
		auto r = rax::context_layouts(m);
		if (!r.ok())
			CHECK_FALSE(r.error().message().empty());
	}
}

TEST_CASE("btf-ctx: the BTF of an ELF file is its .BTF section", "[btf]")
{
	Bytes const blob = kernel_btf();
	rax::test::ElfBuilder e;
	e.section(".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, Bytes(16, 0xcc), 16);
	e.section(".BTF", SHT_PROGBITS, 0, blob, 4);
	Bytes const img = e.build();
	std::string const path = "/tmp/rax-test-btf-vmlinux";
	REQUIRE(rax::write_file(path, img).ok());
	auto r = rax::read_btf(path);
	INFO((r ? "" : r.error().to_string()));
	REQUIRE(r.ok());
	CHECK(*r == blob);

	rax::test::ElfBuilder none;
	none.section(".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, Bytes(16, 0xcc), 16);
	REQUIRE(rax::write_file(path, none.build()).ok());
	auto n = rax::read_btf(path);
	REQUIRE_FALSE(n.ok());
	CHECK(n.error().code() == ENOENT);
	CHECK(contains(n.error().message(), "no .BTF section"));
	std::remove(path.c_str());
}

TEST_CASE("btf-ctx: the rax crate's bindings carry their layouts' hash", "[btf]")
{
	std::ifstream in(std::string(rax::paths::source_dir) + "/userspace/rax/src/btf.rs");
	std::stringstream ss;
	ss << in.rdbuf();
	std::string const src = ss.str();
	auto h = rax::bindings_sha256(src);
	REQUIRE(h);
	// The generator wrote it: regenerating from layouts with that hash gives
	// the same file, so the file and its hash cannot drift apart.
	CHECK(contains(src, "// Generated by `rax btf-bindings`"));
	for (char const *s : {"xdp_buff", "pt_regs", "bpf_perf_event_data_kern"})
		CHECK(contains(src, std::string("pub(crate) struct ") + s + " {"));
}

namespace {

// A blob whose xdp_buff (@size bytes) has the members @ms, after an
// unsigned long (id 1) and a void * (id 2): xdp_buff is id 3, its record
// at byte 52 of the blob and its members from byte 64, 12 bytes each.
Bytes xdp_blob(std::vector<BtfBlob::M> const &ms, std::uint32_t size = 56)
{
	BtfBlob b;
	b.integer("long unsigned int", 8);
	b.ptr(0);
	b.aggregate("xdp_buff", BTF_KIND_STRUCT, size, ms);
	return b.finish();
}

constexpr std::size_t xdp_record = 52, xdp_members = 64;

std::vector<BtfBlob::M> const xdp_good = {
	{"data", 2, 0}, {"data_end", 2, 64}, {"data_meta", 2, 128}, {"data_hard_start", 2, 192}};

btf_header header(Bytes const &b)
{
	btf_header h;
	std::memcpy(&h, b.data(), sizeof(h));
	return h;
}

Bytes with_header(Bytes b, btf_header const &h)
{
	std::memcpy(b.data(), &h, sizeof(h));
	return b;
}

Bytes with_u32(Bytes b, std::size_t off, std::uint32_t v)
{
	REQUIRE(off + 4 <= b.size());
	std::memcpy(b.data() + off, &v, 4);
	return b;
}

} // namespace

TEST_CASE("corpus: malformed BTF is EBADMSG with its reason, never a crash", "[btf][corpus]")
{
	// The base line: xdp_buff is read, pt_regs is missing.
	Bytes const good = xdp_blob(xdp_good);
	auto base = rax::context_layouts(good);
	REQUIRE_FALSE(base.ok());
	CHECK(base.error().code() == ENOENT);
	CHECK(base.error().message() == "the kernel's BTF has no struct pt_regs");
	btf_header const h = header(good);
	REQUIRE(h.hdr_len + h.type_len == 112); // three types: 16 + 12 + 12 + 4 * 12

	struct Case {
		char const *what;
		Bytes blob;
		std::string says;
	};
	// The good blob with header field @f set to @v.
	auto hdr = [&](auto f, std::uint32_t v) {
		btf_header x = h;
		x.*f = static_cast<std::remove_reference_t<decltype(x.*f)>>(v);
		return with_header(good, x);
	};
	using H = btf_header;
	std::uint32_t const str_end = h.str_len;
	std::uint32_t const strs = h.hdr_len + h.str_off;
	std::vector<BtfBlob::M> past = xdp_good;
	past[2].bit = 56 * 8; // data_meta at the end of the struct
	std::string const end = " ends past the struct";
	Case const cases[] = {
		// The header.
		{"empty", Bytes(), "shorter than the BTF header"},
		{"truncated header", Bytes(good.begin(), good.begin() + 23),
		 "shorter than the BTF header"},
		{"bad magic", hdr(&H::magic, 0xbeef), "not BTF (magic 48879)"},
		{"other byte order", hdr(&H::magic, 0x9feb), "not BTF (magic 40939)"},
		{"version 0", hdr(&H::version, 0), "BTF version 0, not 1"},
		{"header length 16", hdr(&H::hdr_len, 16), "header length 16 out of range"},
		{"header past the blob", hdr(&H::hdr_len, 0xffffff00), "out of range"},
		{"strings past the end", hdr(&H::str_len, h.str_len + 1), "past the end"},
		{"string offset wraps", hdr(&H::str_off, 0xffffffff), "past the end"},
		{"types past the end", hdr(&H::type_len, 0xfffffff0), "past the end"},
		{"types not aligned", hdr(&H::type_len, h.type_len - 2), "not 4-byte aligned"},
		{"types overlap the strings", hdr(&H::type_len, h.type_len + 4),
		 "libbpf: Invalid BTF data sections layout"},
		{"truncated blob", Bytes(good.begin(), good.end() - 1), "past the end"},
		// The string section, which libbpf checks.
		{"strings without their NUL", hdr(&H::str_len, h.str_len - 1),
		 "libbpf: Invalid BTF string section"},
		{"no strings", hdr(&H::str_len, 0), "libbpf: Invalid BTF string section"},
		{"strings not starting with NUL", with_u32(good, strs, 0x41414141),
		 "libbpf: Invalid BTF string section"},
		// Name offsets past the string section, which libbpf 1.1 does not
		// check: the struct's own, then a member's.
		{"struct name past the strings", with_u32(good, xdp_record, str_end),
		 "name offset " + std::to_string(str_end) + " past the string section"},
		{"member name past the strings", with_u32(good, xdp_members + 12, 0xfffffff0),
		 "struct xdp_buff: member data_end: name offset 4294967280 past the string section"},
		// Type counts: more members than the section holds, a kind
		// libbpf does not know, type ids past the last type.
		{"vlen past the section",
		 with_u32(good, xdp_record + 4, BTF_KIND_STRUCT << 24 | 0xffff),
		 "libbpf: BTF type [3] is malformed"},
		{"unknown kind", with_u32(good, xdp_record + 4, 0x1fU << 24 | 4),
		 "libbpf: Unsupported BTF_KIND:31"},
		{"member type past the last type", with_u32(good, xdp_members + 4, 1000),
		 "type id 1000 out of range"},
		{"anonymous member type past the last type",
		 with_u32(with_u32(good, xdp_members, 0), xdp_members + 4, 0xffffffff),
		 "struct xdp_buff: member data: type id 4294967295 out of range"},
		// Offsets and sizes against the struct.
		{"member at the struct's end", xdp_blob(past),
		 "struct xdp_buff: member data_meta" + end},
		{"member 512 MiB on", with_u32(good, xdp_members + 12 * 2 + 8, 0xffffffc0),
		 "struct xdp_buff: member data_meta" + end},
		{"struct too small", xdp_blob(xdp_good, 31),
		 "struct xdp_buff: member data_hard_start" + end},
		{"member of type void", with_u32(good, xdp_members + 4, 0), "type 0 has no size"},
	};
	for (auto const &c : cases) {
		INFO(c.what);
		auto r = rax::context_layouts(c.blob);
		REQUIRE_FALSE(r.ok());
		INFO(r.error().to_string());
		CHECK(r.error().code() == EBADMSG);
		CHECK(contains(r.error().message(), c.says));
	}

	// A typedef that names itself.
	{
		BtfBlob b;
		b.integer("long unsigned int", 8);
		std::uint32_t const td = b.typedef_("loop", 3); // id 2 -> 3
		b.typedef_("loop2", td);                        // id 3 -> 2
		b.aggregate("xdp_buff", BTF_KIND_STRUCT, 56, {{"data", td, 0}});
		auto r = rax::context_layouts(b.finish());
		REQUIRE_FALSE(r.ok());
		CHECK(r.error().code() == EBADMSG);
		CHECK(contains(r.error().message(), "typedef chain too long"));
	}

	// Every prefix of a whole kernel blob, and every byte of it flipped
	// every way to a value that is not a valid answer: an error, never a
	// read past the end (ASan) or an undefined shift (UBSan).
	Bytes const kernel = kernel_btf();
	REQUIRE(rax::context_layouts(kernel).ok());
	for (std::size_t n = 0; n < kernel.size(); n++) {
		auto r = rax::context_layouts(std::span(kernel.data(), n));
		REQUIRE_FALSE(r.ok());
		CHECK(r.error().code() == EBADMSG);
	}
	for (std::size_t i = 0; i < kernel.size(); i++)
		for (std::uint8_t x : {0x01, 0x10, 0x80, 0xff}) {
			Bytes m = kernel;
			m[i] ^= x;
			auto r = rax::context_layouts(m);
			if (!r.ok())
				CHECK_FALSE(r.error().message().empty());
		}
}

TEST_CASE("corpus: a .BTF section without data or past the file is refused", "[btf][corpus]")
{
	// libbpf 1.1's btf__parse_elf crashes on a NOBITS .BTF (it copies from
	// the NULL buffer libelf gives for it): read_btf() looks the section up
	// itself and skips it.
	rax::test::ElfBuilder e;
	e.section(".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, Bytes(16, 0xcc), 16);
	rax::test::BSection nb;
	nb.name = ".BTF";
	nb.type = SHT_NOBITS;
	nb.nobits_size = 4096;
	e.section(nb);
	rax::test::TempDir d;
	std::string const path = d / "vmlinux";
	REQUIRE(rax::write_file(path, e.build()).ok());
	auto r = rax::read_btf(path);
	REQUIRE_FALSE(r.ok());
	CHECK(r.error().code() == ENOENT);
	CHECK(contains(r.error().message(), "no .BTF section"));

	rax::test::ElfBuilder f;
	f.section(".BTF", SHT_PROGBITS, 0, kernel_btf(), 4);
	Bytes const img = f.build();
	for (std::uint64_t off : {std::uint64_t(img.size()), std::uint64_t(1) << 62}) {
		Bytes const bad = rax::test::patch_shdr(img, ".BTF",
							[&](Elf64_Shdr &s) { s.sh_offset = off; });
		REQUIRE(rax::write_file(path, bad).ok());
		r = rax::read_btf(path);
		REQUIRE_FALSE(r.ok());
		INFO(r.error().to_string());
		CHECK(r.error().code() == EBADMSG);
	}
}
