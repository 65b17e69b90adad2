// SPDX-License-Identifier: GPL-2.0
// Test helper: a small ELF64 x86-64 relocatable object builder, the valid
// Rax objects and compiler objects the tests start from, and accessors to
// patch headers of a built image (the corpus of malformed objects).
#pragma once

#include "test_paths.hpp"
#include <elf.h>
#include <linux/rax.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <rax/btf.hpp>
#include <rax/object.hpp>

namespace rax::test {

struct BSection {
	std::string name;
	std::uint32_t type = SHT_PROGBITS;
	std::uint64_t flags = 0;
	Bytes data;
	std::uint64_t align = 1;
	std::uint64_t entsize = 0;
	std::uint64_t nobits_size = 0;
	std::uint32_t link = 0;
	std::uint32_t info = 0;
};

struct BSym {
	std::string name;
	unsigned char bind = STB_LOCAL;
	unsigned char type = STT_NOTYPE;
	std::uint16_t shndx = SHN_UNDEF;
	std::uint64_t value = 0;
	std::uint64_t size = 0;
};

struct BRela {
	std::uint32_t target;
	std::uint64_t offset;
	std::uint32_t sym; // handle from symbol()
	std::uint32_t type;
	std::int64_t addend;
};

template <typename T>
inline void append_pod(Bytes &out, T const &t)
{
	auto const *p = reinterpret_cast<std::uint8_t const *>(&t);
	out.insert(out.end(), p, p + sizeof(T));
}

inline Bytes bytes_of(std::string const &s)
{
	return Bytes(s.begin(), s.end());
}

// Sections 1..n are those added, in order; then one .rela<name> per
// section with relocations, .symtab, .strtab and .shstrtab.
class ElfBuilder {
public:
	std::uint32_t section(BSection s)
	{
		sections_.push_back(std::move(s));
		return std::uint32_t(sections_.size());
	}
	std::uint32_t section(std::string name, std::uint32_t type, std::uint64_t flags, Bytes data,
			      std::uint64_t align = 1)
	{
		BSection s;
		s.name = std::move(name);
		s.type = type;
		s.flags = flags;
		s.data = std::move(data);
		s.align = align;
		return section(std::move(s));
	}
	// A handle: the builder puts local symbols first.
	std::uint32_t symbol(BSym s)
	{
		syms_.push_back(std::move(s));
		return std::uint32_t(syms_.size());
	}
	std::uint32_t symbol(std::string name, unsigned char bind, unsigned char type,
			     std::uint16_t shndx, std::uint64_t value = 0, std::uint64_t size = 0)
	{
		return symbol(BSym{std::move(name), bind, type, shndx, value, size});
	}
	void rela(std::uint32_t target, std::uint64_t offset, std::uint32_t sym, std::uint32_t type,
		  std::int64_t addend)
	{
		relas_.push_back(BRela{target, offset, sym, type, addend});
	}

	Bytes build() const
	{
		std::vector<BSection> out;
		out.push_back(BSection{"", SHT_NULL, 0, {}, 0});
		out.insert(out.end(), sections_.begin(), sections_.end());

		// Symbols: null, locals, globals.
		std::vector<std::uint32_t> order;
		for (int pass = 0; pass < 2; pass++)
			for (std::uint32_t i = 0; i < syms_.size(); i++)
				if ((syms_[i].bind == STB_LOCAL) == (pass == 0))
					order.push_back(i);
		std::map<std::uint32_t, std::uint32_t> handle_to_index;
		Bytes strtab(1, 0), symtab;
		append_pod(symtab, Elf64_Sym{});
		std::uint32_t first_global = 1;
		for (std::uint32_t k = 0; k < order.size(); k++) {
			BSym const &s = syms_[order[k]];
			Elf64_Sym e{};
			if (!s.name.empty()) {
				e.st_name = std::uint32_t(strtab.size());
				strtab.insert(strtab.end(), s.name.begin(), s.name.end());
				strtab.push_back(0);
			}
			e.st_info = ELF64_ST_INFO(s.bind, s.type);
			e.st_shndx = s.shndx;
			e.st_value = s.value;
			e.st_size = s.size;
			append_pod(symtab, e);
			handle_to_index[order[k] + 1] = k + 1;
			if (s.bind == STB_LOCAL)
				first_global = k + 2;
		}
		std::uint32_t const nrela_secs = [&] {
			std::uint32_t n = 0;
			for (std::uint32_t t = 1; t <= sections_.size(); t++)
				n += std::any_of(relas_.begin(), relas_.end(),
						 [&](BRela const &r) { return r.target == t; });
			return n;
		}();
		std::uint32_t const symtab_idx = std::uint32_t(out.size()) + nrela_secs;
		for (std::uint32_t t = 1; t <= sections_.size(); t++) {
			BSection r;
			r.name = ".rela" + sections_[t - 1].name;
			r.type = SHT_RELA;
			r.flags = SHF_INFO_LINK;
			r.align = 8;
			r.entsize = sizeof(Elf64_Rela);
			r.link = symtab_idx;
			r.info = t;
			for (auto const &x : relas_) {
				if (x.target != t)
					continue;
				std::uint32_t idx = x.sym;
				if (auto it = handle_to_index.find(x.sym); it != handle_to_index.end())
					idx = it->second;
				Elf64_Rela e{x.offset, ELF64_R_INFO(idx, x.type), x.addend};
				append_pod(r.data, e);
			}
			if (!r.data.empty())
				out.push_back(std::move(r));
		}
		BSection st;
		st.name = ".symtab";
		st.type = SHT_SYMTAB;
		st.data = symtab;
		st.align = 8;
		st.entsize = sizeof(Elf64_Sym);
		st.link = symtab_idx + 1;
		st.info = first_global;
		out.push_back(std::move(st));
		out.push_back(BSection{".strtab", SHT_STRTAB, 0, strtab});
		out.push_back(BSection{".shstrtab", SHT_STRTAB, 0, {}});

		Bytes shstr(1, 0);
		std::vector<std::uint32_t> names;
		for (auto const &s : out) {
			if (s.name.empty()) {
				names.push_back(0);
				continue;
			}
			names.push_back(std::uint32_t(shstr.size()));
			shstr.insert(shstr.end(), s.name.begin(), s.name.end());
			shstr.push_back(0);
		}
		out.back().data = shstr;

		Bytes img(sizeof(Elf64_Ehdr), 0);
		std::vector<Elf64_Shdr> shdrs;
		for (std::size_t i = 0; i < out.size(); i++) {
			auto const &s = out[i];
			Elf64_Shdr h{};
			h.sh_name = names[i];
			h.sh_type = s.type;
			h.sh_flags = s.flags;
			h.sh_addralign = s.align;
			h.sh_entsize = s.entsize;
			h.sh_link = s.link;
			h.sh_info = s.info;
			if (i) {
				std::uint64_t a = std::max<std::uint64_t>(s.align, 1);
				img.resize((img.size() + a - 1) / a * a, 0);
				h.sh_offset = img.size();
				if (s.type == SHT_NOBITS) {
					h.sh_size = s.nobits_size;
				} else {
					h.sh_size = s.data.size();
					img.insert(img.end(), s.data.begin(), s.data.end());
				}
			}
			shdrs.push_back(h);
		}
		img.resize((img.size() + 7) / 8 * 8, 0);
		Elf64_Ehdr eh{};
		std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
		eh.e_ident[EI_CLASS] = ELFCLASS64;
		eh.e_ident[EI_DATA] = ELFDATA2LSB;
		eh.e_ident[EI_VERSION] = EV_CURRENT;
		eh.e_type = ET_REL;
		eh.e_machine = EM_X86_64;
		eh.e_version = EV_CURRENT;
		eh.e_shoff = img.size();
		eh.e_ehsize = sizeof(Elf64_Ehdr);
		eh.e_shentsize = sizeof(Elf64_Shdr);
		eh.e_shnum = std::uint16_t(out.size());
		eh.e_shstrndx = std::uint16_t(out.size() - 1);
		std::memcpy(img.data(), &eh, sizeof(eh));
		for (auto const &h : shdrs)
			append_pod(img, h);
		return img;
	}

private:
	std::vector<BSection> sections_;
	std::vector<BSym> syms_;
	std::vector<BRela> relas_;
};

// ---- Accessors of a built image.

inline Elf64_Ehdr ehdr(Bytes const &img)
{
	Elf64_Ehdr e;
	std::memcpy(&e, img.data(), sizeof(e));
	return e;
}

inline void set_ehdr(Bytes &img, Elf64_Ehdr const &e)
{
	std::memcpy(img.data(), &e, sizeof(e));
}

inline Elf64_Shdr shdr(Bytes const &img, unsigned i)
{
	Elf64_Shdr s;
	std::memcpy(&s, img.data() + ehdr(img).e_shoff + i * sizeof(Elf64_Shdr), sizeof(s));
	return s;
}

inline void set_shdr(Bytes &img, unsigned i, Elf64_Shdr const &s)
{
	std::memcpy(img.data() + ehdr(img).e_shoff + i * sizeof(Elf64_Shdr), &s, sizeof(s));
}

// Index of the section named @name in a well-formed image, 0 if none.
inline unsigned find_shdr(Bytes const &img, std::string const &name)
{
	Elf64_Ehdr const e = ehdr(img);
	Elf64_Shdr const str = shdr(img, e.e_shstrndx);
	for (unsigned i = 1; i < e.e_shnum; i++) {
		char const *n = reinterpret_cast<char const *>(img.data() + str.sh_offset +
							      shdr(img, i).sh_name);
		if (name == n)
			return i;
	}
	return 0;
}

template <typename F>
inline Bytes patch_shdr(Bytes img, std::string const &name, F f)
{
	unsigned const i = find_shdr(img, name);
	Elf64_Shdr s = shdr(img, i);
	f(s);
	set_shdr(img, i, s);
	return img;
}

template <typename F>
inline Bytes patch_ehdr(Bytes img, F f)
{
	Elf64_Ehdr e = ehdr(img);
	f(e);
	set_ehdr(img, e);
	return img;
}

// Patch the bytes of the contents of section @name at @off.
template <typename T>
inline Bytes patch_data(Bytes img, std::string const &name, std::uint64_t off, T const &t)
{
	Elf64_Shdr const s = shdr(img, find_shdr(img, name));
	std::memcpy(img.data() + s.sh_offset + off, &t, sizeof(T));
	return img;
}

template <typename T>
inline T read_data(Bytes const &img, std::string const &name, std::uint64_t off)
{
	T t;
	Elf64_Shdr const s = shdr(img, find_shdr(img, name));
	std::memcpy(&t, img.data() + s.sh_offset + off, sizeof(T));
	return t;
}

// ---- Valid objects.

inline constexpr std::uint32_t prog_kprobe = 2;
inline constexpr std::uint32_t prog_sched_cls = 3;
inline constexpr std::uint32_t prog_tracepoint = 5;
inline constexpr std::uint32_t prog_xdp = 6;

inline rax_entry_def entry_def(std::uint32_t prog_type, std::string const &sym)
{
	rax_entry_def e{};
	e.prog_type = prog_type;
	// A tracepoint entry reads at least the record's common fields.
	if (prog_type == prog_tracepoint)
		e.max_ctx_offset = RAX_MIN_CTX_OFFSET;
	std::memcpy(e.symbol, sym.data(), std::min(sym.size(), sizeof(e.symbol)));
	return e;
}

inline rax_map_def map_def(std::uint32_t type, std::string const &name, std::uint32_t key = 4,
			   std::uint32_t value = 8, std::uint32_t max = 16)
{
	rax_map_def m{};
	m.type = type;
	m.key_size = key;
	m.value_size = value;
	m.max_entries = max;
	std::memcpy(m.name, name.data(), std::min(name.size(), sizeof(m.name)));
	return m;
}

// A spin-lock map's definition as the library takes it: @type (1 hash, 2
// array), 16 entries, the lock at @off into each value.
inline rax::MapDef locked_map(std::uint32_t type, std::string name, std::uint32_t key,
			      std::uint32_t value, std::uint32_t off)
{
	rax::MapDef d;
	d.type = type;
	d.name = std::move(name);
	d.key_size = key;
	d.value_size = value;
	d.max_entries = 16;
	d.flags = RAX_MAP_SPIN_LOCK;
	d.spin_lock_off = off;
	return d;
}

// The hash in the rax crate's bindings (read once: sample_provenance()
// runs in per-byte loops).
inline Sha256 crate_layouts_sha256()
{
	static Sha256 const hash = [] {
		std::ifstream in(std::string(rax::paths::source_dir) + "/userspace/rax/src/btf.rs");
		std::stringstream ss;
		ss << in.rdbuf();
		auto const h = bindings_sha256(ss.str());
		if (!h)
			throw std::runtime_error(
				"userspace/rax/src/btf.rs has no context-layouts-sha256 line");
		return *h;
	}();
	return hash;
}

inline Provenance sample_provenance(std::size_t entries, std::vector<std::string> helpers)
{
	Provenance p;
	p.format = RAX_FORMAT_VERSION;
	p.rustc_version = "rustc 1.95.0 (59807616e 2026-04-14)\nhost: x86_64-unknown-linux-gnu";
	for (std::size_t i = 0; i < 32; i++) {
		p.rustc_sha256[i] = std::uint8_t(i);
		p.sysroot_sha256[i] = std::uint8_t(i + 1);
		p.crate_sha256[i] = std::uint8_t(i + 2);
		p.target_sha256[i] = std::uint8_t(i + 3);
		p.source_sha256[i] = std::uint8_t(i + 4);
	}
	p.plugin_sha256 = Sha256{};
	for (std::size_t i = 0; i < 32; i++)
		(*p.plugin_sha256)[i] = std::uint8_t(i + 5);
	p.flags = "-C opt-level=2 -C panic=abort";
	// The context layouts of the rax crate's bindings, which scripts/test.sh
	// checks are the test kernel's: the corpus's valid object loads there.
	p.btf_sha256 = crate_layouts_sha256();
	for (std::size_t i = 0; i < entries; i++)
		p.stack.push_back(std::uint32_t(64 + 16 * i));
	std::sort(helpers.begin(), helpers.end());
	p.helpers = std::move(helpers);
	return p;
}

inline Bytes note_section(Bytes const &desc, std::uint32_t type = RAX_NOTE_PROVENANCE,
			  std::string const &name = "Rax")
{
	Bytes out;
	Elf64_Nhdr nh{std::uint32_t(name.size() + 1), std::uint32_t(desc.size()), type};
	append_pod(out, nh);
	out.insert(out.end(), name.begin(), name.end());
	out.push_back(0);
	while (out.size() % 4)
		out.push_back(0);
	out.insert(out.end(), desc.begin(), desc.end());
	while (out.size() % 4)
		out.push_back(0);
	return out;
}

// What make_object() builds: one code section per entry, each calling
// every helper, data of every kind, maps and the provenance note.
struct ObjectSpec {
	std::vector<std::pair<std::uint32_t, std::string>> entries = {{prog_kprobe, "prog"}};
	std::vector<rax_map_def> maps = {map_def(1, "counts"), map_def(2, "cfg")};
	// rax_budget_check: the termination pass's cancellation points, which
	// the kernel requires.
	std::vector<std::string> helpers = {"rax_map_lookup_elem", "rax_ktime_get_ns",
					    "rax_budget_check"};
	bool note = true;
	std::optional<Bytes> note_contents; // the whole section
	std::optional<Provenance> provenance;
	std::uint32_t reloc_type = R_X86_64_PLT32;
	std::vector<BSection> extra_sections;
	// Bytes after the definitions, outside the symbols that cover them.
	Bytes entries_tail, maps_tail;
	// Code of every entry instead of the default (a call per helper, a lea
	// of the maps, ret), relocated by code_relas: the target is a helper's
	// name or "MAPS" (the start of .rax.maps).
	struct CodeRela {
		std::uint64_t offset;
		std::string target;
		std::uint32_t type;
		std::int64_t addend;
	};
	std::optional<Bytes> code;
	std::vector<CodeRela> code_relas;
	// Local function symbols of one byte each, in the first entry's code.
	std::uint32_t extra_funcs = 0;
};

inline Bytes make_object(ObjectSpec const &spec)
{
	ElfBuilder b;
	Bytes entries, maps;

	for (auto const &[type, sym] : spec.entries)
		append_pod(entries, entry_def(type, sym));
	for (auto const &m : spec.maps)
		append_pod(maps, m);

	std::vector<std::uint32_t> helper_syms;
	for (auto const &h : spec.helpers)
		helper_syms.push_back(b.symbol(h, STB_GLOBAL, STT_NOTYPE, SHN_UNDEF));

	// Code: a call per helper, a lea of the maps, ret.
	Bytes code;
	for (std::size_t i = 0; i < spec.helpers.size(); i++)
		code.insert(code.end(), {0xe8, 0, 0, 0, 0});
	code.insert(code.end(), {0x48, 0x8d, 0x3d, 0, 0, 0, 0, 0xc3});
	if (spec.code)
		code = *spec.code;
	std::vector<std::uint32_t> texts;
	for (auto const &[type, sym] : spec.entries) {
		(void)type;
		std::uint32_t t = b.section(".text." + sym, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, code, 16);
		texts.push_back(t);
		b.symbol(sym, STB_GLOBAL, STT_FUNC, std::uint16_t(t), 0, code.size());
	}
	for (std::uint32_t i = 0; i < spec.extra_funcs; i++)
		b.symbol("fn" + std::to_string(i), STB_LOCAL, STT_FUNC, std::uint16_t(texts.at(0)),
			 i % code.size(), 1);
	std::uint32_t const ro = b.section(".rodata.str1.1", SHT_PROGBITS,
					   SHF_ALLOC | SHF_MERGE | SHF_STRINGS, bytes_of(std::string("hi", 3)));
	std::uint32_t const data = b.section(".data.state", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE,
					     Bytes(16, 0), 8);
	BSection bss;
	bss.name = ".bss.zero";
	bss.type = SHT_NOBITS;
	bss.flags = SHF_ALLOC | SHF_WRITE;
	bss.nobits_size = 64;
	bss.align = 8;
	std::uint32_t const bssi = b.section(bss);
	Bytes ent_data = entries, maps_data = maps;
	ent_data.insert(ent_data.end(), spec.entries_tail.begin(), spec.entries_tail.end());
	maps_data.insert(maps_data.end(), spec.maps_tail.begin(), spec.maps_tail.end());
	std::uint32_t const ent = b.section(RAX_SECTION_ENTRIES, SHT_PROGBITS, SHF_ALLOC, ent_data, 4);
	std::uint32_t mapsec = 0;
	if (!maps_data.empty())
		mapsec = b.section(RAX_SECTION_MAPS, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, maps_data, 8);
	for (auto const &s : spec.extra_sections)
		b.section(s);
	if (spec.note) {
		Bytes note;
		if (spec.note_contents)
			note = *spec.note_contents;
		else
			note = note_section(encode_provenance(
				spec.provenance ? *spec.provenance
						: sample_provenance(spec.entries.size(), spec.helpers)));
		BSection n;
		n.name = RAX_SECTION_PROVENANCE;
		n.type = SHT_NOTE;
		n.data = note;
		n.align = 4;
		b.section(n);
	}

	std::uint32_t const ro_sym = b.symbol(".rodata.str1.1", STB_LOCAL, STT_SECTION, std::uint16_t(ro));
	b.symbol("STATE", STB_LOCAL, STT_OBJECT, std::uint16_t(data), 0, 16);
	b.symbol("ZERO", STB_LOCAL, STT_OBJECT, std::uint16_t(bssi), 0, 64);
	b.symbol("ENTRIES", STB_LOCAL, STT_OBJECT, std::uint16_t(ent), 0, entries.size());
	std::uint32_t maps_sym = ro_sym;
	if (mapsec)
		maps_sym = b.symbol("MAPS", STB_GLOBAL, STT_OBJECT, std::uint16_t(mapsec), 0, maps.size());
	for (std::uint32_t t : texts) {
		if (spec.code) {
			for (auto const &r : spec.code_relas) {
				std::uint32_t sym = maps_sym;
				for (std::size_t i = 0; i < spec.helpers.size(); i++)
					if (spec.helpers[i] == r.target)
						sym = helper_syms[i];
				b.rela(t, r.offset, sym, r.type, r.addend);
			}
			continue;
		}
		for (std::size_t i = 0; i < helper_syms.size(); i++)
			b.rela(t, 5 * i + 1, helper_syms[i], spec.reloc_type, -4);
		b.rela(t, 5 * helper_syms.size() + 3, maps_sym, R_X86_64_PC32, -4);
	}
	b.rela(data, 0, ro_sym, R_X86_64_64, 0);
	return b.build();
}

inline Bytes valid_object()
{
	return make_object(ObjectSpec{});
}

// ---- Compiler objects (what rustc emits) for the analysis and writer.

struct CFunc {
	std::string name;
	std::uint64_t frame;
	std::vector<std::string> calls; // functions or helpers
	bool global = false;
	bool call_via_section = false; // calls relocated against section symbols
	bool no_stack_size = false;
	bool indirect_call = false; // calls through RAX_THUNK_INDIRECT
};

struct CompilerSpec {
	std::vector<CFunc> funcs;
	std::vector<std::pair<std::uint32_t, std::string>> entries;
	std::vector<rax_map_def> maps;
	// Functions whose address is stored in .rodata (a vtable).
	std::vector<std::string> vtable;
	// Functions that load the vtable's address.
	std::vector<std::string> vtable_users;
};

inline Bytes make_compiler_object(CompilerSpec const &spec)
{
	ElfBuilder b;
	std::map<std::string, std::uint32_t> sec, sym, secsym;
	std::map<std::string, std::uint32_t> helpers;

	b.symbol("ext.cgu.0", STB_LOCAL, STT_FILE, SHN_ABS);
	b.section(".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, {}, 4);
	// endbr64; call each callee; call the indirect thunk; lea rax, [rip +
	// disp32]; jmp the return thunk: code the machine-code check accepts.
	std::size_t const calls_at = 4;
	auto lea_at = [](CFunc const &f) { return 4 + 5 * (f.calls.size() + f.indirect_call); };
	auto size_of = [&](CFunc const &f) { return lea_at(f) + 7 + 5; };
	std::uint32_t thunk_ret = 0, thunk_ind = 0;
	for (auto const &f : spec.funcs) {
		Bytes code = {0xf3, 0x0f, 0x1e, 0xfa};
		for (std::size_t i = 0; i < f.calls.size() + f.indirect_call; i++)
			code.insert(code.end(), {0xe8, 0, 0, 0, 0});
		code.insert(code.end(), {0x48, 0x8d, 0x05, 0, 0, 0, 0, 0xe9, 0, 0, 0, 0});
		sec[f.name] = b.section(".text." + f.name, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, code, 16);
		secsym[f.name] = b.symbol(".text." + f.name, STB_LOCAL, STT_SECTION,
					  std::uint16_t(sec[f.name]));
		sym[f.name] = b.symbol(f.name, f.global ? STB_GLOBAL : STB_LOCAL, STT_FUNC,
				       std::uint16_t(sec[f.name]), 0, size_of(f));
		if (!f.no_stack_size) {
			Bytes ss(8, 0);
			std::uint64_t v = f.frame;
			do {
				std::uint8_t byte = v & 0x7f;
				v >>= 7;
				ss.push_back(std::uint8_t(byte | (v ? 0x80 : 0)));
			} while (v);
			BSection s;
			s.name = ".stack_sizes";
			s.flags = SHF_LINK_ORDER;
			s.link = sec[f.name];
			s.data = ss;
			std::uint32_t const si = b.section(s);
			b.rela(si, 0, secsym[f.name], R_X86_64_64, 0);
		}
	}
	Bytes vt;
	std::uint32_t vtsec = 0, vtsym = 0;
	if (!spec.vtable.empty()) {
		vt.resize(8 * spec.vtable.size());
		vtsec = b.section(".rodata.vtable", SHT_PROGBITS, SHF_ALLOC, vt, 8);
		vtsym = b.symbol("VTABLE", STB_LOCAL, STT_OBJECT, std::uint16_t(vtsec), 0, vt.size());
		for (std::size_t i = 0; i < spec.vtable.size(); i++)
			b.rela(vtsec, 8 * i, sym.at(spec.vtable[i]), R_X86_64_64, 0);
	}
	for (auto const &f : spec.funcs) {
		for (std::size_t i = 0; i < f.calls.size(); i++) {
			std::string const &c = f.calls[i];
			std::uint32_t s;
			if (sym.count(c)) {
				s = f.call_via_section ? secsym.at(c) : sym.at(c);
			} else {
				if (!helpers.count(c))
					helpers[c] = b.symbol(c, STB_GLOBAL, STT_NOTYPE, SHN_UNDEF);
				s = helpers.at(c);
			}
			b.rela(sec.at(f.name), calls_at + 5 * i + 1, s, R_X86_64_PLT32, -4);
		}
		if (f.indirect_call) {
			if (!thunk_ind)
				thunk_ind = b.symbol(RAX_THUNK_INDIRECT, STB_GLOBAL, STT_NOTYPE, SHN_UNDEF);
			b.rela(sec.at(f.name), lea_at(f) - 4, thunk_ind, R_X86_64_PLT32, -4);
		}
		if (vtsym && std::count(spec.vtable_users.begin(), spec.vtable_users.end(), f.name))
			b.rela(sec.at(f.name), lea_at(f) + 3, vtsym, R_X86_64_PC32, -4);
		if (!thunk_ret)
			thunk_ret = b.symbol(RAX_THUNK_RETURN, STB_GLOBAL, STT_NOTYPE, SHN_UNDEF);
		b.rela(sec.at(f.name), lea_at(f) + 8, thunk_ret, R_X86_64_PLT32, -4);
	}
	Bytes entries, maps;
	for (auto const &[type, name] : spec.entries)
		append_pod(entries, entry_def(type, name));
	std::uint32_t const ent = b.section(RAX_SECTION_ENTRIES, SHT_PROGBITS,
					    SHF_ALLOC | (1U << 21) /* SHF_GNU_RETAIN */, entries, 4);
	b.symbol("ENTRIES", STB_LOCAL, STT_OBJECT, std::uint16_t(ent), 0, entries.size());
	if (!spec.maps.empty()) {
		for (auto const &m : spec.maps)
			append_pod(maps, m);
		b.section(RAX_SECTION_MAPS, SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, maps, 8);
	}
	b.section(".comment", SHT_PROGBITS, SHF_MERGE | SHF_STRINGS, bytes_of(std::string("rustc\0", 6)));
	b.section(".note.GNU-stack", SHT_PROGBITS, 0, {});
	return b.build();
}

} // namespace rax::test
