// SPDX-License-Identifier: GPL-2.0
// Writing the final Rax object from the compiler's object: only the
// sections format.rst allows, in a fixed order, a fresh symbol table,
// string tables and section name table, relocations remapped, and the
// .rax.provenance note. The layout is a function of the input only (no
// timestamps, no addresses, zero padding), so the output is reproducible.
#include "elf.hpp"

#include <linux/rax.h>

#include <algorithm>
#include <cstring>
#include <map>

namespace rax {

namespace {

using namespace elf;

constexpr std::uint32_t none = ~0U;

struct OutSection {
	std::string name;
	Elf64_Shdr sh{};
	Bytes data;
};

class StrTab {
public:
	StrTab() { buf_.push_back(0); }
	std::uint32_t add(std::string_view s)
	{
		if (s.empty())
			return 0;
		auto [it, fresh] = off_.emplace(std::string(s), std::uint32_t(buf_.size()));
		if (fresh) {
			buf_.insert(buf_.end(), s.begin(), s.end());
			buf_.push_back(0);
		}
		return it->second;
	}
	Bytes const &bytes() const { return buf_; }

private:
	Bytes buf_;
	std::map<std::string, std::uint32_t> off_;
};

template <typename T>
void append(Bytes &out, T const &t)
{
	auto const *p = reinterpret_cast<std::uint8_t const *>(&t);
	out.insert(out.end(), p, p + sizeof(T));
}

int group_of(Kind k)
{
	switch (k) {
	case Kind::text: return 0;
	case Kind::rodata: return 1;
	case Kind::data: return 2;
	case Kind::bss: return 3;
	case Kind::entries: return 4;
	case Kind::maps: return 5;
	default: return -1;
	}
}

std::uint64_t normal_flags(Kind k, std::uint64_t flags)
{
	flags &= ~std::uint64_t(SHF_GNU_RETAIN);
	(void)k;
	return flags;
}

} // namespace

Result<Bytes> write_rax_object(std::span<std::uint8_t const> compiler_object,
			       Provenance const &prov)
{
	char const *op = "write";
	View const v = RAX_TRY(parse_container(compiler_object, Mode::compiler_object, op));
	std::vector<std::string> imports;

	RAX_CHECK(check_symbols(v, Mode::compiler_object, op, imports));
	RAX_CHECK(check_relocations(v, op));

	// The loaded sections, grouped by kind in a fixed order, stable.
	std::vector<std::uint32_t> kept;
	for (std::uint32_t i = 1; i < v.sh.size(); i++)
		if (group_of(v.kinds[i]) >= 0)
			kept.push_back(i);
	std::stable_sort(kept.begin(), kept.end(), [&](std::uint32_t a, std::uint32_t b) {
		return group_of(v.kinds[a]) < group_of(v.kinds[b]);
	});
	std::vector<std::uint32_t> secmap(v.sh.size(), none);
	std::vector<OutSection> out(1); // the null section
	for (std::uint32_t i : kept) {
		OutSection s;
		s.name = std::string(v.names[i]);
		s.sh.sh_type = v.sh[i].sh_type;
		s.sh.sh_flags = normal_flags(v.kinds[i], v.sh[i].sh_flags);
		s.sh.sh_size = v.sh[i].sh_size;
		s.sh.sh_addralign = std::max<std::uint64_t>(v.sh[i].sh_addralign, 1);
		s.sh.sh_entsize = v.sh[i].sh_entsize;
		if (v.sh[i].sh_type != SHT_NOBITS) {
			auto d = v.data(i);
			s.data.assign(d.begin(), d.end());
		}
		secmap[i] = std::uint32_t(out.size());
		out.push_back(std::move(s));
	}

	// Symbols: locals first, then the others, in their original order;
	// without file symbols and those of dropped sections.
	std::vector<std::uint32_t> symmap(v.syms.size(), none);
	std::vector<Elf64_Sym> syms(1);
	StrTab strtab;
	std::uint32_t first_global = 0;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			first_global = std::uint32_t(syms.size());
		for (std::uint32_t i = 1; i < v.syms.size(); i++) {
			Elf64_Sym s = v.syms[i];
			if ((ELF64_ST_BIND(s.st_info) == STB_LOCAL) != (pass == 0))
				continue;
			if (s.st_shndx == SHN_ABS)
				continue;
			if (s.st_shndx != SHN_UNDEF) {
				if (secmap[s.st_shndx] == none)
					continue;
				s.st_shndx = static_cast<std::uint16_t>(secmap[s.st_shndx]);
			}
			s.st_name = ELF64_ST_TYPE(s.st_info) == STT_SECTION ? 0 : strtab.add(v.symnames[i]);
			symmap[i] = std::uint32_t(syms.size());
			syms.push_back(s);
		}
	}

	// Relocations of the kept sections, after them.
	std::uint32_t const nalloc = std::uint32_t(out.size());
	std::uint32_t const symtab_idx = nalloc + [&] {
		std::uint32_t n = 0;
		for (std::uint32_t i : kept)
			for (std::uint32_t j = 1; j < v.sh.size(); j++)
				if (v.kinds[j] == Kind::rela && v.sh[j].sh_info == i)
					n++;
		return n;
	}() + 1; // after the relocations and the provenance note
	for (std::uint32_t i = 1; i < nalloc; i++) {
		std::uint32_t const orig = kept[i - 1];
		for (std::uint32_t j = 1; j < v.sh.size(); j++) {
			if (v.kinds[j] != Kind::rela || v.sh[j].sh_info != orig)
				continue;
			OutSection s;
			s.name = ".rela" + out[i].name;
			s.sh.sh_type = SHT_RELA;
			s.sh.sh_flags = SHF_INFO_LINK;
			s.sh.sh_link = symtab_idx;
			s.sh.sh_info = i;
			s.sh.sh_addralign = 8;
			s.sh.sh_entsize = sizeof(Elf64_Rela);
			for (Elf64_Rela r : v.relas(j)) {
				std::uint32_t const sym = symmap[ELF64_R_SYM(r.r_info)];
				if (sym == none)
					return Error(EINVAL, op, v.section_desc(j) + ": relocation against " +
									 v.symbol_desc(ELF64_R_SYM(r.r_info)) +
									 ", which is dropped");
				r.r_info = ELF64_R_INFO(sym, ELF64_R_TYPE(r.r_info));
				append(s.data, r);
			}
			s.sh.sh_size = s.data.size();
			out.push_back(std::move(s));
		}
	}

	// The provenance note.
	{
		OutSection s;
		Bytes const desc = encode_provenance(prov);
		Elf64_Nhdr nh{};
		nh.n_namesz = sizeof(RAX_NOTE_NAME);
		nh.n_descsz = std::uint32_t(desc.size());
		nh.n_type = RAX_NOTE_PROVENANCE;
		s.name = RAX_SECTION_PROVENANCE;
		s.sh.sh_type = SHT_NOTE;
		s.sh.sh_addralign = 4;
		append(s.data, nh);
		s.data.insert(s.data.end(), RAX_NOTE_NAME, RAX_NOTE_NAME + sizeof(RAX_NOTE_NAME));
		s.data.insert(s.data.end(), desc.begin(), desc.end());
		s.sh.sh_size = s.data.size();
		out.push_back(std::move(s));
	}
	if (out.size() != symtab_idx)
		return Error(EINVAL, op, "internal error: section count");

	{
		OutSection s;
		s.name = ".symtab";
		s.sh.sh_type = SHT_SYMTAB;
		s.sh.sh_link = symtab_idx + 1;
		s.sh.sh_info = first_global;
		s.sh.sh_addralign = 8;
		s.sh.sh_entsize = sizeof(Elf64_Sym);
		for (auto const &sym : syms)
			append(s.data, sym);
		s.sh.sh_size = s.data.size();
		out.push_back(std::move(s));
	}
	{
		OutSection s;
		s.name = ".strtab";
		s.sh.sh_type = SHT_STRTAB;
		s.sh.sh_addralign = 1;
		s.data = strtab.bytes();
		s.sh.sh_size = s.data.size();
		out.push_back(std::move(s));
	}
	StrTab shstr;
	out.push_back(OutSection{".shstrtab", {}, {}});
	for (auto &s : out)
		s.sh.sh_name = shstr.add(s.name);
	out.back().sh.sh_type = SHT_STRTAB;
	out.back().sh.sh_addralign = 1;
	out.back().data = shstr.bytes();
	out.back().sh.sh_size = out.back().data.size();
	if (out.size() > max_sections)
		return Error(E2BIG, op, "too many sections");

	// Layout: header, section contents in order, aligned, section table.
	Bytes img(sizeof(Elf64_Ehdr), 0);
	for (std::size_t i = 1; i < out.size(); i++) {
		auto &s = out[i];
		std::uint64_t const align = std::max<std::uint64_t>(s.sh.sh_addralign, 1);
		img.resize((img.size() + align - 1) / align * align, 0);
		s.sh.sh_offset = img.size();
		if (s.sh.sh_type != SHT_NOBITS)
			img.insert(img.end(), s.data.begin(), s.data.end());
	}
	img.resize((img.size() + 7) / 8 * 8, 0);

	Elf64_Ehdr eh{};
	std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_REL;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_shoff = img.size();
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = static_cast<std::uint16_t>(out.size());
	eh.e_shstrndx = static_cast<std::uint16_t>(out.size() - 1);
	std::memcpy(img.data(), &eh, sizeof(eh));
	for (auto const &s : out)
		append(img, s.sh);

	auto parsed = parse_object(img);
	if (!parsed)
		return Error(parsed.error().code(), op,
			     "the written object does not parse: " + parsed.error().message());
	return img;
}

} // namespace rax
