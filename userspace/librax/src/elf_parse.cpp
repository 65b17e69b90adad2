// SPDX-License-Identifier: GPL-2.0
// The strict parser of Rax objects (Documentation/rax/format.rst). The
// container checks are those of kernel/rax/elf.c, in the same order, and
// more: section names, types and flags, symbols, relocations, entries,
// maps and the provenance note. Nothing in the image is trusted: every
// offset, size and count is checked for range and overflow before use, and
// every structure is copied out of the image (no unaligned access).
#include "elf.hpp"

#include <linux/rax.h>

#include <algorithm>
#include <cstring>
#include <map>

namespace rax::elf {

namespace {

Error bad(char const *op, std::string msg)
{
	return Error(EBADMSG, op, std::move(msg));
}

Error refuse(char const *op, std::string msg)
{
	return Error(EINVAL, op, std::move(msg));
}

bool range_ok(std::size_t size, std::uint64_t off, std::uint64_t len)
{
	std::uint64_t end;

	return !__builtin_add_overflow(off, len, &end) && end <= size;
}

template <typename T>
T load(std::span<std::uint8_t const> s, std::uint64_t off)
{
	T t;

	std::memcpy(&t, s.data() + off, sizeof(T));
	return t;
}

bool starts_with_section(std::string_view name, std::string_view base)
{
	// "base" or "base.*"
	return name == base || (name.size() > base.size() + 1 && name.starts_with(base) &&
				name[base.size()] == '.');
}

// The map types of the format (enum bpf_map_type) and x86-64's page size.
constexpr std::uint32_t map_hash = 1;             // BPF_MAP_TYPE_HASH
constexpr std::uint32_t map_array = 2;            // BPF_MAP_TYPE_ARRAY
constexpr std::uint32_t map_perf_event_array = 4; // BPF_MAP_TYPE_PERF_EVENT_ARRAY
constexpr std::uint32_t map_percpu_hash = 5;      // BPF_MAP_TYPE_PERCPU_HASH
constexpr std::uint32_t map_percpu_array = 6;     // BPF_MAP_TYPE_PERCPU_ARRAY
constexpr std::uint32_t map_stack_trace = 7;      // BPF_MAP_TYPE_STACK_TRACE
constexpr std::uint32_t map_lru_hash = 9;         // BPF_MAP_TYPE_LRU_HASH
constexpr std::uint32_t map_lru_percpu_hash = 10; // BPF_MAP_TYPE_LRU_PERCPU_HASH
constexpr std::uint32_t map_devmap = 14;          // BPF_MAP_TYPE_DEVMAP
constexpr std::uint32_t map_cpumap = 16;          // BPF_MAP_TYPE_CPUMAP
constexpr std::uint32_t map_queue = 22;           // BPF_MAP_TYPE_QUEUE
constexpr std::uint32_t map_stack = 23;           // BPF_MAP_TYPE_STACK
constexpr std::uint32_t map_ringbuf = 27;         // BPF_MAP_TYPE_RINGBUF
constexpr std::uint32_t page_size = 4096;

std::string hexnum(std::uint64_t x)
{
	char buf[24];

	std::snprintf(buf, sizeof(buf), "%#llx", static_cast<unsigned long long>(x));
	return buf;
}

// The kind of a section by name, type and flags, or an error.
Result<Kind> classify(View const &v, std::uint32_t i, Mode mode, char const *op)
{
	Elf64_Shdr const &s = v.sh[i];
	std::string_view const name = v.names[i];
	bool const compiler = mode == Mode::compiler_object;
	// The compiler marks #[used] statics SHF_GNU_RETAIN; the writer drops it.
	std::uint64_t const flags = compiler ? s.sh_flags & ~std::uint64_t(SHF_GNU_RETAIN) : s.sh_flags;
	std::string const where = v.section_desc(i);
	auto expect = [&](Kind k, std::uint32_t type, bool flags_ok, char const *rule) -> Result<Kind> {
		if (s.sh_type != type || !flags_ok)
			return refuse(op, where + ": type " + hexnum(s.sh_type) + " flags " +
						  hexnum(s.sh_flags) + " not allowed: " + rule);
		return k;
	};

	if (!compiler && s.sh_addr)
		return bad(op, where + ": non-zero address in a relocatable object");
	if (starts_with_section(name, ".text"))
		return expect(Kind::text, SHT_PROGBITS, flags == (SHF_ALLOC | SHF_EXECINSTR),
			      "code is SHT_PROGBITS, SHF_ALLOC|SHF_EXECINSTR");
	if (starts_with_section(name, ".rodata"))
		return expect(Kind::rodata, SHT_PROGBITS,
			      (flags & SHF_ALLOC) &&
				      !(flags & ~std::uint64_t(SHF_ALLOC | SHF_MERGE | SHF_STRINGS)),
			      "read-only data is SHT_PROGBITS, SHF_ALLOC (SHF_MERGE, SHF_STRINGS), never writable or executable");
	if (starts_with_section(name, ".data"))
		return expect(Kind::data, SHT_PROGBITS, flags == (SHF_ALLOC | SHF_WRITE),
			      "data is SHT_PROGBITS, SHF_ALLOC|SHF_WRITE");
	if (starts_with_section(name, ".bss"))
		return expect(Kind::bss, SHT_NOBITS, flags == (SHF_ALLOC | SHF_WRITE),
			      "zero-initialised data is SHT_NOBITS, SHF_ALLOC|SHF_WRITE");
	if (name == RAX_SECTION_ENTRIES)
		return expect(Kind::entries, SHT_PROGBITS,
			      flags == SHF_ALLOC || flags == (SHF_ALLOC | SHF_WRITE),
			      "entries are SHT_PROGBITS, SHF_ALLOC (SHF_WRITE)");
	if (name == RAX_SECTION_MAPS)
		return expect(Kind::maps, SHT_PROGBITS, flags == (SHF_ALLOC | SHF_WRITE),
			      "maps are SHT_PROGBITS, SHF_ALLOC|SHF_WRITE");
	if (name == RAX_SECTION_PROVENANCE) {
		if (compiler)
			return refuse(op, where + ": the compiler's object already has a provenance note");
		return expect(Kind::provenance, SHT_NOTE, flags == 0,
			      "the provenance note is SHT_NOTE without flags");
	}
	if (name.starts_with(".rela"))
		return expect(Kind::rela, SHT_RELA, !(flags & ~std::uint64_t(SHF_INFO_LINK)),
			      "relocations are SHT_RELA (SHF_INFO_LINK)");
	if (name == ".symtab")
		return expect(Kind::symtab, SHT_SYMTAB, flags == 0, "the symbol table is SHT_SYMTAB");
	if (name == ".strtab")
		return expect(Kind::strtab, SHT_STRTAB, flags == 0, "string tables are SHT_STRTAB");
	if (name == ".shstrtab")
		return expect(Kind::shstrtab, SHT_STRTAB, flags == 0, "string tables are SHT_STRTAB");
	if (name == ".llvm_addrsig")
		return expect(Kind::addrsig, SHT_LLVM_ADDRSIG, !(flags & SHF_ALLOC),
			      ".llvm_addrsig is SHT_LLVM_ADDRSIG");
	if (compiler) {
		if (name == ".stack_sizes")
			return expect(Kind::stack_sizes, SHT_PROGBITS,
				      !(flags & ~std::uint64_t(SHF_LINK_ORDER)),
				      ".stack_sizes is SHT_PROGBITS");
		if (name == ".comment" || name == ".note.GNU-stack" || name.starts_with(".debug_") ||
		    name == ".eh_frame" || name == ".note.gnu.property")
			return Kind::dropped;
	}
	return refuse(op, where + ": unknown section (type " + hexnum(s.sh_type) + ")");
}

Result<void> check_strtab(View const &v, std::uint32_t idx, char const *op)
{
	Elf64_Shdr const &s = v.sh[idx];

	if (s.sh_type != SHT_STRTAB)
		return bad(op, "section " + std::to_string(idx) +
				       ": expected a string table, found type " + hexnum(s.sh_type));
	auto d = v.image.subspan(s.sh_offset, s.sh_size);
	if (d.empty() || d.front() || d.back())
		return bad(op, "section " + std::to_string(idx) +
				       ": string table is empty or not NUL-terminated");
	return {};
}

std::string_view string_at(std::span<std::uint8_t const> tab, std::uint64_t off)
{
	// The table ends with a NUL and @off is inside it.
	auto const *p = reinterpret_cast<char const *>(tab.data() + off);
	return std::string_view(p, ::strnlen(p, tab.size() - off));
}

Result<void> check_overlap(View const &v, std::uint64_t shtab, char const *op)
{
	struct R {
		std::uint64_t start, end;
		long idx;
	};
	std::vector<R> r;

	r.push_back({0, sizeof(Elf64_Ehdr), -1});
	r.push_back({v.eh.e_shoff, v.eh.e_shoff + shtab, -1});
	for (std::uint32_t i = 1; i < v.sh.size(); i++) {
		if (v.sh[i].sh_type == SHT_NOBITS || !v.sh[i].sh_size)
			continue;
		r.push_back({v.sh[i].sh_offset, v.sh[i].sh_offset + v.sh[i].sh_size, long(i)});
	}
	std::stable_sort(r.begin(), r.end(), [](R const &a, R const &b) { return a.start < b.start; });
	for (std::size_t i = 1; i < r.size(); i++)
		if (r[i].start < r[i - 1].end)
			return bad(op, "section " + std::to_string(r[i].idx) + " overlaps section " +
					       std::to_string(r[i - 1].idx) +
					       " (-1: the ELF header or section table)");
	return {};
}

Result<void> check_symtab(View &v, std::uint32_t idx, char const *op)
{
	Elf64_Shdr const &s = v.sh[idx];
	std::string const where = v.section_desc(idx);

	if (v.symtab)
		return bad(op, where + ": more than one symbol table");
	if (s.sh_entsize != sizeof(Elf64_Sym) || s.sh_size % sizeof(Elf64_Sym) ||
	    s.sh_offset % alignof(Elf64_Sym))
		return bad(op, where + ": malformed symbol table (entry size " +
				       std::to_string(s.sh_entsize) + ", size " +
				       std::to_string(s.sh_size) + ")");
	if (s.sh_size / sizeof(Elf64_Sym) > max_symbols)
		return bad(op, where + ": more than " + std::to_string(max_symbols) + " symbols");
	if (!s.sh_link || s.sh_link >= v.sh.size())
		return bad(op, where + ": symbol table links to no string table");
	RAX_CHECK(check_strtab(v, s.sh_link, op));
	std::uint64_t const n = s.sh_size / sizeof(Elf64_Sym);
	if (!n)
		return bad(op, where + ": empty symbol table");
	if (s.sh_info > n || !s.sh_info)
		return bad(op, where + ": first global symbol " + std::to_string(s.sh_info) +
				       " out of range");
	auto const str = v.image.subspan(v.sh[s.sh_link].sh_offset, v.sh[s.sh_link].sh_size);

	v.symtab = idx;
	v.syms.clear();
	v.symnames.clear();
	for (std::uint64_t i = 0; i < n; i++) {
		auto sym = load<Elf64_Sym>(v.image, s.sh_offset + i * sizeof(Elf64_Sym));
		std::string const sd = "symbol " + std::to_string(i);

		if (sym.st_name >= str.size())
			return bad(op, sd + ": name offset " + std::to_string(sym.st_name) +
					       " out of range");
		std::string_view const name = string_at(str, sym.st_name);
		switch (sym.st_shndx) {
		case SHN_UNDEF:
		case SHN_ABS:
			break;
		case SHN_COMMON:
			return bad(op, sd + " (" + std::string(name) +
					       "): common symbols are not supported");
		case SHN_XINDEX:
			return bad(op, sd + " (" + std::string(name) +
					       "): extended section indices are not supported");
		default:
			if (sym.st_shndx >= v.sh.size())
				return bad(op, sd + " (" + std::string(name) + "): section index " +
						       std::to_string(sym.st_shndx) + " out of range");
		}
		v.syms.push_back(sym);
		v.symnames.push_back(name);
	}
	return {};
}

Result<void> check_notes(View const &v, std::uint32_t idx, char const *op)
{
	Elf64_Shdr const &s = v.sh[idx];
	auto const p = v.data(idx);
	std::uint64_t off = 0;

	if (s.sh_offset % 4)
		return bad(op, v.section_desc(idx) + ": note section is not 4-byte aligned");
	while (off < p.size()) {
		if (p.size() - off < sizeof(Elf64_Nhdr))
			return bad(op, v.section_desc(idx) + ": truncated note header");
		auto const n = load<Elf64_Nhdr>(p, off);
		std::uint64_t const len = sizeof(n) + ((std::uint64_t(n.n_namesz) + 3) & ~3ULL) +
					  ((std::uint64_t(n.n_descsz) + 3) & ~3ULL);
		if (len > p.size() - off)
			return bad(op, v.section_desc(idx) + ": note at offset " + std::to_string(off) +
					       " is past the end of the section");
		if (n.n_namesz && p[off + sizeof(n) + n.n_namesz - 1])
			return bad(op, v.section_desc(idx) + ": note name is not NUL-terminated");
		off += len;
	}
	return {};
}

Result<void> check_rela_table(View const &v, std::uint32_t idx, Mode mode, char const *op)
{
	Elf64_Shdr const &s = v.sh[idx];
	std::string const where = v.section_desc(idx);

	if (s.sh_entsize != sizeof(Elf64_Rela) || s.sh_size % sizeof(Elf64_Rela) ||
	    s.sh_offset % alignof(Elf64_Rela))
		return bad(op, where + ": malformed relocation table");
	if (!v.symtab || s.sh_link != v.symtab)
		return bad(op, where + ": relocations do not refer to the symbol table");
	if (!s.sh_info || s.sh_info >= v.sh.size())
		return bad(op, where + ": relocation target section " + std::to_string(s.sh_info) +
				       " out of range");
	Kind const tk = v.kinds[s.sh_info];
	if (v.kinds[idx] != Kind::rela) // a dropped section of a compiler object
		return {};
	if (is_alloc(tk)) {
		if (v.sh[s.sh_info].sh_type != SHT_PROGBITS)
			return bad(op, where + ": relocations against a section without contents");
		if (v.names[idx].substr(5) != v.names[s.sh_info])
			return refuse(op, where + ": relocates " + v.section_desc(s.sh_info) +
						  ", whose relocation section is .rela" +
						  std::string(v.names[s.sh_info]));
		return {};
	}
	if (mode == Mode::compiler_object && (tk == Kind::stack_sizes || tk == Kind::dropped))
		return {};
	return refuse(op, where + ": relocations against " + v.section_desc(s.sh_info) +
				  ", which is not loaded");
}

std::string join(std::vector<std::string> const &v)
{
	std::string s;

	for (auto const &x : v)
		s += (s.empty() ? "" : ", ") + x;
	return s.empty() ? "none" : s;
}

} // namespace

bool is_code(Kind k)
{
	return k == Kind::text;
}

bool is_alloc(Kind k)
{
	return k == Kind::text || k == Kind::rodata || k == Kind::data || k == Kind::bss ||
	       k == Kind::entries || k == Kind::maps;
}

unsigned reloc_width(std::uint32_t type)
{
	switch (type) {
	case R_X86_64_64:
		return 8;
	case R_X86_64_PC32:
	case R_X86_64_PLT32:
	case R_X86_64_32:
	case R_X86_64_32S:
		return 4;
	default:
		return 0;
	}
}

std::string View::section_desc(std::uint32_t idx) const
{
	std::string s = "section " + std::to_string(idx);

	if (idx < names.size())
		s += " (" + std::string(names[idx]) + ")";
	return s;
}

std::string View::symbol_desc(std::uint32_t idx) const
{
	std::string s = "symbol " + std::to_string(idx);

	if (idx < symnames.size())
		s += " (" + std::string(symnames[idx]) + ")";
	return s;
}

std::vector<Elf64_Rela> View::relas(std::uint32_t idx) const
{
	std::vector<Elf64_Rela> r(sh[idx].sh_size / sizeof(Elf64_Rela));

	if (!r.empty())
		std::memcpy(r.data(), image.data() + sh[idx].sh_offset, r.size() * sizeof(Elf64_Rela));
	return r;
}

std::uint32_t find_section(View const &v, std::string_view name)
{
	for (std::uint32_t i = 1; i < v.sh.size(); i++)
		if (v.names[i] == name)
			return i;
	return 0;
}

Result<View> parse_container(std::span<std::uint8_t const> image, Mode mode, char const *op)
{
	View v;
	v.image = image;

	if (image.size() < sizeof(Elf64_Ehdr))
		return bad(op, "image of " + std::to_string(image.size()) +
				       " bytes is too small for an ELF header");
	v.eh = load<Elf64_Ehdr>(image, 0);
	Elf64_Ehdr const &eh = v.eh;
	if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return bad(op, "not an ELF object (bad magic)");
	// LLVM marks objects that use SHF_GNU_RETAIN ELFOSABI_GNU; the final
	// object is plain System V.
	bool const osabi_ok = eh.e_ident[EI_OSABI] == ELFOSABI_NONE ||
			      (mode == Mode::compiler_object && eh.e_ident[EI_OSABI] == ELFOSABI_GNU);
	if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh.e_ident[EI_VERSION] != EV_CURRENT || !osabi_ok)
		return bad(op, "not an ELF64 little-endian System V object (class " +
				       std::to_string(eh.e_ident[EI_CLASS]) + ", data " +
				       std::to_string(eh.e_ident[EI_DATA]) + ", version " +
				       std::to_string(eh.e_ident[EI_VERSION]) + ", OS ABI " +
				       std::to_string(eh.e_ident[EI_OSABI]) + ")");
	if (eh.e_type != ET_REL)
		return bad(op, "ELF type " + std::to_string(eh.e_type) +
				       ": a Rax object is relocatable (ET_REL)");
	if (eh.e_machine != EM_X86_64)
		return bad(op, "machine " + std::to_string(eh.e_machine) +
				       ": a Rax object is for x86-64");
	if (eh.e_version != EV_CURRENT || eh.e_ehsize != sizeof(Elf64_Ehdr) ||
	    eh.e_shentsize != sizeof(Elf64_Shdr))
		return bad(op, "bad ELF version or header sizes (e_shentsize " +
				       std::to_string(eh.e_shentsize) + ")");
	if (eh.e_phnum || eh.e_phoff)
		return bad(op, "a relocatable object has no program headers");
	if (!eh.e_shoff || eh.e_shoff % alignof(Elf64_Shdr))
		return bad(op, "section table offset " + std::to_string(eh.e_shoff) +
				       " is missing or misaligned");
	if (!range_ok(image.size(), eh.e_shoff, sizeof(Elf64_Shdr)))
		return bad(op, "section table at offset " + std::to_string(eh.e_shoff) +
				       " is past the end of the image");

	auto const sh0 = load<Elf64_Shdr>(image, eh.e_shoff);
	std::uint64_t shnum = eh.e_shnum;
	if (!shnum) {
		if (sh0.sh_size > max_sections)
			return bad(op, "more than " + std::to_string(max_sections) + " sections");
		shnum = sh0.sh_size;
	}
	if (shnum < 2 || shnum > max_sections)
		return bad(op, "section count " + std::to_string(shnum) + " out of range");
	std::uint64_t shtab;
	if (__builtin_mul_overflow(shnum, std::uint64_t(sizeof(Elf64_Shdr)), &shtab) ||
	    !range_ok(image.size(), eh.e_shoff, shtab))
		return bad(op, "section table of " + std::to_string(shnum) +
				       " entries is past the end of the image");
	v.shstrndx = eh.e_shstrndx;
	if (v.shstrndx == SHN_XINDEX)
		v.shstrndx = sh0.sh_link;
	if (!v.shstrndx || v.shstrndx >= shnum)
		return bad(op, "section name table index " + std::to_string(v.shstrndx) +
				       " out of range");
	if (sh0.sh_type != SHT_NULL)
		return bad(op, "section 0 is not the null section");

	v.sh.resize(shnum);
	std::memcpy(v.sh.data(), image.data() + eh.e_shoff, shtab);
	for (std::uint32_t i = 1; i < shnum; i++) {
		Elf64_Shdr const &s = v.sh[i];

		if (s.sh_addralign > 1 && (s.sh_addralign & (s.sh_addralign - 1)))
			return bad(op, "section " + std::to_string(i) + ": alignment " +
					       std::to_string(s.sh_addralign) + " is not a power of two");
		if (s.sh_type == SHT_NOBITS)
			continue;
		if (!range_ok(image.size(), s.sh_offset, s.sh_size))
			return bad(op, "section " + std::to_string(i) + ": offset " +
					       std::to_string(s.sh_offset) + " size " +
					       std::to_string(s.sh_size) +
					       " is past the end of the image");
	}

	RAX_CHECK(check_strtab(v, v.shstrndx, op));
	auto const shstr = v.data(v.shstrndx);
	for (std::uint32_t i = 0; i < shnum; i++) {
		if (v.sh[i].sh_name >= shstr.size())
			return bad(op, "section " + std::to_string(i) + ": name offset " +
					       std::to_string(v.sh[i].sh_name) + " out of range");
		v.names.push_back(string_at(shstr, v.sh[i].sh_name));
	}
	RAX_CHECK(check_overlap(v, shtab, op));

	// Names, types and flags; then the symbol table, relocations need it.
	v.kinds.push_back(Kind::null);
	for (std::uint32_t i = 1; i < shnum; i++)
		v.kinds.push_back(RAX_TRY(classify(v, i, mode, op)));
	for (std::uint32_t i = 1; i < shnum; i++) {
		switch (v.sh[i].sh_type) {
		case SHT_STRTAB:
			RAX_CHECK(check_strtab(v, i, op));
			break;
		case SHT_SYMTAB:
			RAX_CHECK(check_symtab(v, i, op));
			break;
		case SHT_NOTE:
			RAX_CHECK(check_notes(v, i, op));
			break;
		default:
			break;
		}
	}
	if (!v.symtab)
		return bad(op, "no symbol table");
	std::map<std::uint32_t, std::uint32_t> rela_of;
	for (std::uint32_t i = 1; i < shnum; i++) {
		if (v.kinds[i] == Kind::entries || v.kinds[i] == Kind::maps ||
		    v.kinds[i] == Kind::provenance)
			for (std::uint32_t j = 1; j < i; j++)
				if (v.kinds[j] == v.kinds[i])
					return bad(op, v.section_desc(i) + ": duplicate section");
		if (v.sh[i].sh_type != SHT_RELA)
			continue;
		RAX_CHECK(check_rela_table(v, i, mode, op));
		if (v.kinds[i] == Kind::rela && !rela_of.emplace(v.sh[i].sh_info, i).second &&
		    is_alloc(v.kinds[v.sh[i].sh_info]))
			return bad(op, v.section_desc(i) + ": second relocation section for " +
					       v.section_desc(v.sh[i].sh_info));
	}
	return v;
}

Result<void> check_symbols(View const &v, Mode mode, char const *op,
			   std::vector<std::string> &imports)
{
	Elf64_Sym zero{};
	std::uint32_t const first_global = v.sh[v.symtab].sh_info;
	std::map<std::string_view, std::uint32_t> globals;

	imports.clear();
	if (std::memcmp(&v.syms[0], &zero, sizeof(zero)))
		return bad(op, "symbol 0 is not the null symbol");
	for (std::uint32_t i = 1; i < v.syms.size(); i++) {
		Elf64_Sym const &s = v.syms[i];
		unsigned const bind = ELF64_ST_BIND(s.st_info);
		unsigned const type = ELF64_ST_TYPE(s.st_info);
		std::string const where = v.symbol_desc(i);

		if ((bind == STB_LOCAL) != (i < first_global))
			return bad(op, where + ": local symbols do not all precede the global ones");
		if (bind != STB_LOCAL && bind != STB_GLOBAL && bind != STB_WEAK)
			return refuse(op, where + ": binding " + std::to_string(bind) + " not allowed");
		if (s.st_shndx == SHN_ABS) {
			if (mode == Mode::compiler_object && type == STT_FILE && bind == STB_LOCAL)
				continue;
			return refuse(op, where + ": absolute symbols are not allowed");
		}
		if (type != STT_NOTYPE && type != STT_OBJECT && type != STT_FUNC &&
		    type != STT_SECTION)
			return refuse(op, where + ": symbol type " + std::to_string(type) +
						  " not allowed");
		if (s.st_shndx == SHN_UNDEF) {
			std::string const name(v.symnames[i]);
			if (name.empty() || bind == STB_LOCAL || type == STT_SECTION || type == STT_OBJECT)
				return bad(op, where + ": malformed undefined symbol");
			if (kernel_thunk(name))
				continue;
			if (!helper_known(name))
				return refuse(op, "undefined " + where +
							  " is not a Rax helper (kernel/rax/helpers.h)");
			imports.push_back(name);
			continue;
		}
		Kind const k = v.kinds[s.st_shndx];
		if (!is_alloc(k)) {
			if (mode == Mode::compiler_object && (k == Kind::dropped || k == Kind::stack_sizes) &&
			    type != STT_FUNC && bind == STB_LOCAL)
				continue;
			return refuse(op, where + ": defined in " + v.section_desc(s.st_shndx) +
						  ", which is not loaded");
		}
		if (type == STT_FUNC && !is_code(k))
			return refuse(op, where + ": function outside code, in " +
						  v.section_desc(s.st_shndx));
		std::uint64_t const size = v.sh[s.st_shndx].sh_size;
		std::uint64_t end;
		if (__builtin_add_overflow(s.st_value, s.st_size, &end) || end > size)
			return bad(op, where + ": value " + std::to_string(s.st_value) + " size " +
					       std::to_string(s.st_size) + " outside " +
					       v.section_desc(s.st_shndx));
		if (bind != STB_LOCAL && !globals.emplace(v.symnames[i], i).second)
			return bad(op, where + ": duplicate global symbol");
	}
	std::sort(imports.begin(), imports.end());
	imports.erase(std::unique(imports.begin(), imports.end()), imports.end());
	return {};
}

Result<void> check_relocations(View const &v, char const *op)
{
	for (std::uint32_t i = 1; i < v.sh.size(); i++) {
		if (v.kinds[i] != Kind::rela || !is_alloc(v.kinds[v.sh[i].sh_info]))
			continue;
		std::uint32_t const target = v.sh[i].sh_info;
		auto const relas = v.relas(i);
		for (std::size_t j = 0; j < relas.size(); j++) {
			Elf64_Rela const &r = relas[j];
			std::uint32_t const type = ELF64_R_TYPE(r.r_info);
			std::uint64_t const sym = ELF64_R_SYM(r.r_info);
			unsigned const width = reloc_width(type);
			std::string const where = v.section_desc(i) + ": relocation " + std::to_string(j);
			std::uint64_t end;

			if (!width)
				return refuse(op, where + " has unsupported type " + std::to_string(type));
			if (!sym || sym >= v.syms.size())
				return bad(op, where + " refers to symbol " + std::to_string(sym) +
						       ", out of range");
			if (__builtin_add_overflow(r.r_offset, std::uint64_t(width), &end) ||
			    end > v.sh[target].sh_size)
				return bad(op, where + " at offset " + std::to_string(r.r_offset) +
						       " is past the end of " + v.section_desc(target));
			Elf64_Sym const &s = v.syms[sym];
			if (s.st_shndx == SHN_UNDEF && kernel_thunk(std::string(v.symnames[sym])) &&
			    type != R_X86_64_PLT32 && type != R_X86_64_PC32)
				return refuse(op, where + " refers to the thunk " + v.symbol_desc(sym) +
							  " other than through a rel32 jmp or call");
			if (s.st_shndx == SHN_ABS ||
			    (s.st_shndx != SHN_UNDEF && !is_alloc(v.kinds[s.st_shndx])))
				return refuse(op, where + " refers to " + v.symbol_desc(sym) +
							  ", which is not in a loaded section");
		}
	}
	return {};
}

Result<std::vector<Entry>> parse_entries(View const &v, char const *op)
{
	std::vector<Entry> entries;
	std::uint32_t const idx = find_section(v, RAX_SECTION_ENTRIES);

	if (!idx)
		return refuse(op, "no " RAX_SECTION_ENTRIES " section: the object has no entry point");
	auto const d = v.data(idx);
	if (d.size() % sizeof(struct rax_entry_def))
		return bad(op, v.section_desc(idx) + ": size " + std::to_string(d.size()) +
				       " is not a multiple of " +
				       std::to_string(sizeof(struct rax_entry_def)));
	if (d.empty())
		return refuse(op, v.section_desc(idx) + ": no entry point");
	for (std::size_t i = 0; i < d.size() / sizeof(struct rax_entry_def); i++) {
		auto const e = load<struct rax_entry_def>(d, i * sizeof(struct rax_entry_def));
		std::string const where = std::string(RAX_SECTION_ENTRIES) + ": entry " + std::to_string(i);
		std::size_t const len = ::strnlen(e.symbol, sizeof(e.symbol));

		if (len == sizeof(e.symbol))
			return bad(op, where + ": symbol is not NUL-terminated");
		if (!len)
			return bad(op, where + ": empty symbol");
		Entry out;
		out.prog_type = e.prog_type;
		out.expected_attach_type = e.expected_attach_type;
		out.max_ctx_offset = e.max_ctx_offset;
		out.flags = e.flags;
		out.symbol.assign(e.symbol, len);
		if (e.flags)
			return bad(op, where + " (" + out.symbol + "): flags must be 0");
		// How much of its record a tracepoint entry reads (the kernel
		// checks it at attach); 0 for every other program type.
		if (e.max_ctx_offset && (e.prog_type != 5 /* BPF_PROG_TYPE_TRACEPOINT */ ||
					 e.max_ctx_offset > RAX_MAX_CTX_OFFSET))
			return bad(op, where + " (" + out.symbol + "): max_ctx_offset " +
					       std::to_string(e.max_ctx_offset) +
					       ": only a tracepoint entry reads a record, of at most " +
					       std::to_string(RAX_MAX_CTX_OFFSET) + " bytes");
		if (e.prog_type == 5 && e.max_ctx_offset < RAX_MIN_CTX_OFFSET)
			return bad(op, where + " (" + out.symbol + "): max_ctx_offset " +
					       std::to_string(e.max_ctx_offset) +
					       ": a tracepoint entry says how much of its record it reads, "
					       "at least the " +
					       std::to_string(RAX_MIN_CTX_OFFSET) +
					       " bytes of common fields (rebuild with rax::tracepoint!)");
		if (!prog_type_mask(e.prog_type))
			return refuse(op, where + " (" + out.symbol + "): program type " +
						  std::to_string(e.prog_type) + " is not supported");
		bool found = false;
		for (std::uint32_t s = 1; s < v.syms.size() && !found; s++) {
			Elf64_Sym const &sym = v.syms[s];
			found = v.symnames[s] == out.symbol && ELF64_ST_BIND(sym.st_info) == STB_GLOBAL &&
				ELF64_ST_TYPE(sym.st_info) == STT_FUNC && sym.st_shndx != SHN_UNDEF &&
				sym.st_shndx < v.sh.size() && is_code(v.kinds[sym.st_shndx]);
		}
		if (!found)
			return refuse(op, where + ": symbol " + out.symbol +
						  " is not a global function in a code section");
		entries.push_back(std::move(out));
	}
	return entries;
}

Result<std::vector<MapDef>> parse_maps(View const &v, char const *op)
{
	std::vector<MapDef> maps;
	std::uint32_t const idx = find_section(v, RAX_SECTION_MAPS);

	if (!idx)
		return maps;
	auto const d = v.data(idx);
	if (d.size() % sizeof(struct rax_map_def))
		return bad(op, v.section_desc(idx) + ": size " + std::to_string(d.size()) +
				       " is not a multiple of " +
				       std::to_string(sizeof(struct rax_map_def)));
	for (std::size_t i = 0; i < d.size() / sizeof(struct rax_map_def); i++) {
		auto const m = load<struct rax_map_def>(d, i * sizeof(struct rax_map_def));
		std::string where = std::string(RAX_SECTION_MAPS) + ": map " + std::to_string(i);
		std::size_t const len = ::strnlen(m.name, sizeof(m.name));

		if (len == sizeof(m.name))
			return bad(op, where + ": name is not NUL-terminated");
		MapDef out;
		out.type = m.type;
		out.key_size = m.key_size;
		out.value_size = m.value_size;
		out.max_entries = m.max_entries;
		out.map_flags = m.map_flags;
		out.flags = m.flags;
		out.spin_lock_off = m.spin_lock_off;
		out.name.assign(m.name, len);
		where += " (" + out.name + ")";
		// The checks of the kernel's rax_fmt_maps(), in its order.
		if (m.reserved || m.map || m.reserved2)
			return bad(op, where + ": reserved fields and map must be zero");
		if (m.spin_lock_off && !(m.flags & RAX_MAP_SPIN_LOCK))
			return bad(op, where + ": reserved fields and map must be zero (spin_lock_off " +
					       std::to_string(m.spin_lock_off) +
					       " without RAX_MAP_SPIN_LOCK)");
		if (m.flags & ~RAX_MAP_SPIN_LOCK)
			return refuse(op, where + ": unknown flags " +
						  hexnum(m.flags & ~RAX_MAP_SPIN_LOCK));
		switch (m.type) {
		case map_hash:
		case map_array:
		case map_percpu_array:
		case map_percpu_hash:
		case map_lru_hash:
		case map_lru_percpu_hash:
		case map_stack_trace:
		case map_perf_event_array:
		case map_devmap:
		case map_cpumap:
			break;
		case map_queue:
		case map_stack:
			if (m.key_size || !m.value_size || !m.max_entries || m.flags)
				return refuse(op, where + ": a queue or stack has no key, a value and entries");
			maps.push_back(std::move(out));
			continue;
		case map_ringbuf:
			// max_entries is a power of 2 of at least a page, hence a
			// multiple of the page size.
			if (m.key_size || m.value_size || m.map_flags || m.flags ||
			    m.max_entries < page_size || (m.max_entries & (m.max_entries - 1)))
				return refuse(op, where + ": a ring buffer has no key or value and a "
							  "power-of-2 size of at least a page");
			maps.push_back(std::move(out));
			continue;
		default:
			return refuse(op, where + ": map type " + std::to_string(m.type) +
						  " is not supported");
		}
		if (m.flags & RAX_MAP_SPIN_LOCK) {
			if (m.type != map_hash && m.type != map_array)
				return refuse(op, where +
							  ": only hash and array values may hold a spin lock");
			if (m.spin_lock_off % 4 || m.value_size < 4 || m.spin_lock_off > m.value_size - 4)
				return refuse(op, where + ": spin lock at " +
							  std::to_string(m.spin_lock_off) +
							  " is outside the value or misaligned");
		}
		if (!m.key_size || !m.value_size || !m.max_entries)
			return refuse(op, where + ": key size, value size and max entries must be non-zero");
		bool const hash = m.type == map_hash || m.type == map_percpu_hash ||
				  m.type == map_lru_hash || m.type == map_lru_percpu_hash;
		if (!hash && m.key_size != 4)
			return refuse(op, where + ": an array's key is 4 bytes");
		if ((m.type == map_perf_event_array && m.value_size != 4) ||
		    (m.type == map_stack_trace && m.value_size % 8) ||
		    ((m.type == map_devmap || m.type == map_cpumap) && m.value_size != 4 &&
		     m.value_size != 8))
			return refuse(op, where + ": value size " + std::to_string(m.value_size) +
						  " does not fit map type " + std::to_string(m.type));
		maps.push_back(std::move(out));
	}
	return maps;
}

Result<void> check_imports(std::vector<Entry> const &entries,
			   std::vector<std::string> const &imports, char const *op)
{
	for (auto const &h : imports) {
		if (!helper_known(h))
			return refuse(op, "undefined symbol " + h + " is not a Rax helper");
		for (std::size_t i = 0; i < entries.size(); i++)
			if (!helper_allowed(h, entries[i].prog_type))
				return refuse(op, "helper " + h + " is not allowed for entry " +
							  std::to_string(i) + " (" + entries[i].symbol +
							  ") of program type " +
							  std::to_string(entries[i].prog_type));
	}
	return {};
}

} // namespace rax::elf

namespace rax {

bool MapDef::has_spin_lock() const
{
	return flags & RAX_MAP_SPIN_LOCK;
}

bool MapDef::is_ringbuf() const
{
	return type == elf::map_ringbuf;
}

Result<Object> parse_object(std::span<std::uint8_t const> image)
{
	using namespace elf;
	char const *op = "parse";
	View const v = RAX_TRY(parse_container(image, Mode::final_object, op));
	Object obj;

	RAX_CHECK(check_symbols(v, Mode::final_object, op, obj.imports));
	RAX_CHECK(check_relocations(v, op));
	obj.entries = RAX_TRY(parse_entries(v, op));
	// Each function gets a kernel symbol, which the kernel bounds.
	std::size_t funcs = 0;
	for (std::uint32_t s = 1; s < v.syms.size(); s++) {
		Elf64_Sym const &sym = v.syms[s];
		funcs += ELF64_ST_TYPE(sym.st_info) == STT_FUNC && sym.st_size &&
			 sym.st_shndx < v.sh.size() && is_code(v.kinds[sym.st_shndx]);
	}
	if (funcs > RAX_MAX_FUNCTIONS)
		return Error(E2BIG, op, std::to_string(funcs) + " functions; at most " +
						std::to_string(RAX_MAX_FUNCTIONS) +
						", each with a kernel symbol");
	obj.maps = RAX_TRY(parse_maps(v, op));
	RAX_CHECK(check_imports(obj.entries, obj.imports, op));

	// The provenance note: exactly one, "Rax", RAX_NOTE_PROVENANCE.
	std::uint32_t const pidx = find_section(v, RAX_SECTION_PROVENANCE);
	if (!pidx)
		return bad(op, "no " RAX_SECTION_PROVENANCE " note");
	auto const note = v.data(pidx);
	std::string const where = v.section_desc(pidx);
	if (note.size() < sizeof(Elf64_Nhdr) + 4)
		return bad(op, where + ": truncated note");
	auto const nh = load<Elf64_Nhdr>(note, 0);
	if (nh.n_namesz != sizeof(RAX_NOTE_NAME) ||
	    std::memcmp(note.data() + sizeof(nh), RAX_NOTE_NAME, sizeof(RAX_NOTE_NAME)))
		return bad(op, where + ": note name is not \"" RAX_NOTE_NAME "\"");
	if (nh.n_type != RAX_NOTE_PROVENANCE)
		return bad(op, where + ": note type " + std::to_string(nh.n_type) +
				       " is not RAX_NOTE_PROVENANCE");
	if (nh.n_descsz % 4 || nh.n_descsz != note.size() - sizeof(nh) - 4)
		return bad(op, where + ": descriptor size " + std::to_string(nh.n_descsz) +
				       " does not fill the section of " + std::to_string(note.size()) +
				       " bytes with exactly one note");
	auto prov = decode_provenance(note.subspan(sizeof(nh) + 4));
	if (!prov)
		return bad(op, where + ": " + prov.error().message());
	obj.provenance = std::move(prov).value();
	if (obj.provenance.format != RAX_FORMAT_VERSION)
		return refuse(op, where + ": format version " + std::to_string(obj.provenance.format) +
					  " is not supported (this is version " +
					  std::to_string(RAX_FORMAT_VERSION) + ")");
	if (obj.provenance.stack.size() != obj.entries.size())
		return bad(op, where + ": " + std::to_string(obj.provenance.stack.size()) +
				       " stack records for " + std::to_string(obj.entries.size()) +
				       " entries");
	if (obj.provenance.helpers != obj.imports)
		return bad(op, where + ": helper records (" + join(obj.provenance.helpers) +
				       ") do not match the imported helpers (" + join(obj.imports) + ")");

	for (std::uint32_t i = 0; i < v.sh.size(); i++) {
		Section s;
		s.name = std::string(v.names[i]);
		s.type = v.sh[i].sh_type;
		s.flags = v.sh[i].sh_flags;
		s.size = v.sh[i].sh_size;
		s.align = v.sh[i].sh_addralign;
		obj.sections.push_back(std::move(s));
		switch (v.kinds[i]) {
		case Kind::text:
			obj.code_bytes += v.sh[i].sh_size;
			break;
		case Kind::rodata:
			obj.rodata_bytes += v.sh[i].sh_size;
			break;
		case Kind::data:
		case Kind::bss:
		case Kind::maps:
			obj.data_bytes += v.sh[i].sh_size;
			break;
		default:
			break;
		}
	}
	return obj;
}

} // namespace rax
