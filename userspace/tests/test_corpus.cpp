// SPDX-License-Identifier: GPL-2.0
// The corpus of malformed Rax objects: each case starts from a valid
// object, breaks one thing and expects parse_object() to refuse it with a
// specific errno and a message naming what is wrong. The same corpus
// drives the kernel's checks: scripts/make-test-objects.sh writes it out
// (RAX_CORPUS_DIR) and tools/testing/selftests/rax/rax_corpus_test.c loads
// every case. Run under ASan and UBSan by scripts/test.sh.
#include <catch2/catch.hpp>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "elf_builder.hpp"

using namespace rax;
using namespace rax::test;

namespace {

// With RAX_CORPUS_DIR set, every refused image is also written there, so
// that scripts/make-test-objects.sh can sign them and the kernel's checks
// run on the same corpus (tools/testing/selftests/rax/rax_corpus_test.c).
void dump(Bytes const &img, std::string const &needle)
{
	static unsigned n;
	char const *dir = std::getenv("RAX_CORPUS_DIR");
	if (!dir || !*dir)
		return;
	std::string name;
	for (char c : needle)
		name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
	char num[16];
	std::snprintf(num, sizeof(num), "%03u-", n++);
	std::ofstream(std::string(dir) + "/" + num + name.substr(0, 40) + ".o", std::ios::binary)
		.write(reinterpret_cast<char const *>(img.data()), static_cast<std::streamsize>(img.size()));
}

void expect_refused(Bytes const &img, int code, std::string const &needle)
{
	dump(img, needle);
	auto r = parse_object(img);
	REQUIRE_FALSE(r.ok());
	INFO("message: " << r.error().message());
	CHECK(r.error().code() == code);
	CHECK(r.error().message().find(needle) != std::string::npos);
}

// @m with a spin lock at @off.
rax_map_def locked(rax_map_def m, std::uint32_t off)
{
	m.flags = RAX_MAP_SPIN_LOCK;
	m.spin_lock_off = off;
	return m;
}

Bytes with_section(BSection s)
{
	ObjectSpec spec;
	spec.extra_sections.push_back(std::move(s));
	return make_object(spec);
}

} // namespace

TEST_CASE("corpus: the base object is valid", "[corpus][elf]")
{
	auto r = parse_object(valid_object());
	INFO((r ? "" : r.error().to_string()));
	REQUIRE(r.ok());
	if (char const *dir = std::getenv("RAX_CORPUS_DIR"); dir && *dir) {
		Bytes const v = valid_object();
		std::ofstream(std::string(dir) + "/valid.o", std::ios::binary)
			.write(reinterpret_cast<char const *>(v.data()), static_cast<std::streamsize>(v.size()));
	}
}

TEST_CASE("corpus: ELF header", "[corpus][elf]")
{
	Bytes const v = valid_object();

	SECTION("bad magic") {
		Bytes img = v;
		img[1] = 'X';
		expect_refused(img, EBADMSG, "bad magic");
	}
	SECTION("wrong class") {
		Bytes img = v;
		img[EI_CLASS] = ELFCLASS32;
		expect_refused(img, EBADMSG, "ELF64 little-endian");
	}
	SECTION("big endian") {
		Bytes img = v;
		img[EI_DATA] = ELFDATA2MSB;
		expect_refused(img, EBADMSG, "ELF64 little-endian");
	}
	SECTION("wrong machine") {
		expect_refused(patch_ehdr(v, [](Elf64_Ehdr &e) { e.e_machine = EM_AARCH64; }),
			       EBADMSG, "machine 183");
	}
	SECTION("ET_EXEC") {
		expect_refused(patch_ehdr(v, [](Elf64_Ehdr &e) { e.e_type = ET_EXEC; }), EBADMSG,
			       "ET_REL");
	}
	SECTION("program headers") {
		expect_refused(patch_ehdr(v, [](Elf64_Ehdr &e) { e.e_phnum = 1; }), EBADMSG,
			       "program headers");
	}
	SECTION("image smaller than a header") {
		expect_refused(Bytes(v.begin(), v.begin() + 40), EBADMSG, "too small");
	}
}

TEST_CASE("corpus: section table", "[corpus][elf]")
{
	Bytes const v = valid_object();

	SECTION("e_shoff past end") {
		expect_refused(patch_ehdr(v, [&](Elf64_Ehdr &e) { e.e_shoff = v.size(); }), EBADMSG,
			       "past the end of the image");
	}
	SECTION("e_shoff misaligned") {
		expect_refused(patch_ehdr(v, [&](Elf64_Ehdr &e) { e.e_shoff += 4; }), EBADMSG,
			       "misaligned");
	}
	SECTION("e_shoff + shnum * shentsize overflows") {
		expect_refused(patch_ehdr(v,
					  [&](Elf64_Ehdr &e) {
						  e.e_shoff = ~0ULL - 63 - 64;
					  }),
			       EBADMSG, "past the end of the image");
		expect_refused(patch_ehdr(v, [&](Elf64_Ehdr &e) { e.e_shnum = 0xffff; }), EBADMSG,
			       "section count 65535 out of range");
	}
	SECTION("section table of too many entries") {
		expect_refused(patch_ehdr(v, [&](Elf64_Ehdr &e) { e.e_shnum += 1; }), EBADMSG,
			       "entries is past the end of the image");
	}
	SECTION("shentsize wrong") {
		expect_refused(patch_ehdr(v, [](Elf64_Ehdr &e) { e.e_shentsize = 40; }), EBADMSG,
			       "e_shentsize 40");
	}
	SECTION("shstrndx out of range") {
		expect_refused(patch_ehdr(v, [](Elf64_Ehdr &e) { e.e_shstrndx = e.e_shnum; }),
			       EBADMSG, "name table index");
	}
	SECTION("shstrndx is not a string table") {
		expect_refused(patch_ehdr(v, [](Elf64_Ehdr &e) { e.e_shstrndx = 1; }), EBADMSG,
			       "expected a string table");
	}
	SECTION("section 0 not null") {
		Bytes img = v;
		Elf64_Shdr s = shdr(img, 0);
		s.sh_type = SHT_PROGBITS;
		set_shdr(img, 0, s);
		expect_refused(img, EBADMSG, "null section");
	}
}

TEST_CASE("corpus: section bounds and names", "[corpus][elf]")
{
	Bytes const v = valid_object();

	SECTION("section offset+size past end") {
		expect_refused(patch_shdr(v, ".data.state",
					  [&](Elf64_Shdr &s) { s.sh_size = v.size(); }),
			       EBADMSG, "is past the end of the image");
	}
	SECTION("section size overflow") {
		expect_refused(patch_shdr(v, ".data.state",
					  [&](Elf64_Shdr &s) { s.sh_offset = ~0ULL - 7; }),
			       EBADMSG, "is past the end of the image");
	}
	SECTION("sections overlap") {
		unsigned const t = find_shdr(v, ".text.prog");
		expect_refused(patch_shdr(v, ".data.state",
					  [&](Elf64_Shdr &s) { s.sh_offset = shdr(v, t).sh_offset; }),
			       EBADMSG, "overlaps");
	}
	SECTION("alignment not a power of two") {
		expect_refused(patch_shdr(v, ".data.state", [](Elf64_Shdr &s) { s.sh_addralign = 12; }),
			       EBADMSG, "not a power of two");
	}
	SECTION("name offset outside shstrtab") {
		unsigned const str = ehdr(v).e_shstrndx;
		expect_refused(patch_shdr(v, ".data.state",
					  [&](Elf64_Shdr &s) { s.sh_name = shdr(v, str).sh_size; }),
			       EBADMSG, "name offset");
	}
	SECTION("name not NUL-terminated") {
		unsigned const str = ehdr(v).e_shstrndx;
		Bytes img = v;
		img[shdr(v, str).sh_offset + shdr(v, str).sh_size - 1] = 'x';
		expect_refused(img, EBADMSG, "not NUL-terminated");
	}
	SECTION("unknown section name") {
		BSection s;
		s.name = ".init_array";
		s.flags = SHF_ALLOC | SHF_WRITE;
		s.data = Bytes(8, 0);
		expect_refused(with_section(s), EINVAL, "(.init_array): unknown section");
	}
	SECTION("dropped compiler section in a final object") {
		BSection s;
		s.name = ".comment";
		s.data = Bytes(4, 0);
		expect_refused(with_section(s), EINVAL, "(.comment): unknown section");
	}
	SECTION("unknown section type") {
		BSection s;
		s.name = ".data.dyn";
		s.type = SHT_DYNAMIC;
		s.flags = SHF_ALLOC | SHF_WRITE;
		expect_refused(with_section(s), EINVAL, "(.data.dyn): type 0x6");
	}
	SECTION("executable rodata") {
		expect_refused(patch_shdr(v, ".rodata.str1.1",
					  [](Elf64_Shdr &s) { s.sh_flags |= SHF_EXECINSTR; }),
			       EINVAL, "(.rodata.str1.1)");
	}
	SECTION("writable rodata") {
		expect_refused(patch_shdr(v, ".rodata.str1.1", [](Elf64_Shdr &s) { s.sh_flags |= SHF_WRITE; }),
			       EINVAL, "never writable");
	}
	SECTION("writable text") {
		expect_refused(patch_shdr(v, ".text.prog", [](Elf64_Shdr &s) { s.sh_flags |= SHF_WRITE; }),
			       EINVAL, "(.text.prog)");
	}
	SECTION("executable data") {
		expect_refused(patch_shdr(v, ".data.state",
					  [](Elf64_Shdr &s) { s.sh_flags |= SHF_EXECINSTR; }),
			       EINVAL, "(.data.state)");
	}
	SECTION("executable bss") {
		expect_refused(patch_shdr(v, ".bss.zero", [](Elf64_Shdr &s) { s.sh_flags |= SHF_EXECINSTR; }),
			       EINVAL, "(.bss.zero)");
	}
	SECTION("data without contents") {
		expect_refused(patch_shdr(v, ".data.state", [](Elf64_Shdr &s) { s.sh_type = SHT_NOBITS; }),
			       EINVAL, "(.data.state): type 0x8");
	}
	SECTION("non-zero address") {
		expect_refused(patch_shdr(v, ".text.prog", [](Elf64_Shdr &s) { s.sh_addr = 0x1000; }),
			       EBADMSG, "non-zero address");
	}
	SECTION("two entries sections") {
		BSection s;
		s.name = RAX_SECTION_ENTRIES;
		s.flags = SHF_ALLOC;
		s.data = Bytes(sizeof(rax_entry_def), 0);
		expect_refused(with_section(s), EBADMSG, "duplicate section");
	}
}

TEST_CASE("corpus: symbol table", "[corpus][elf]")
{
	Bytes const v = valid_object();

	SECTION("two symtabs") {
		BSection s;
		s.name = ".symtab";
		s.type = SHT_SYMTAB;
		s.data = Bytes(2 * sizeof(Elf64_Sym), 0);
		s.entsize = sizeof(Elf64_Sym);
		s.align = 8;
		s.info = 1;
		Bytes img = with_section(s);
		// Link it to the real string table.
		unsigned const str = find_shdr(img, ".strtab");
		unsigned i = find_shdr(img, ".symtab");
		Elf64_Shdr h = shdr(img, i);
		h.sh_link = str;
		set_shdr(img, i, h);
		expect_refused(img, EBADMSG, "more than one symbol table");
	}
	SECTION("no symtab") {
		expect_refused(patch_shdr(v, ".symtab",
					  [](Elf64_Shdr &s) {
						  s.sh_type = SHT_PROGBITS;
					  }),
			       EINVAL, "(.symtab)");
	}
	SECTION("symtab entsize wrong") {
		expect_refused(patch_shdr(v, ".symtab", [](Elf64_Shdr &s) { s.sh_entsize = 16; }),
			       EBADMSG, "malformed symbol table");
	}
	SECTION("symtab size not a multiple") {
		expect_refused(patch_shdr(v, ".symtab", [](Elf64_Shdr &s) { s.sh_size -= 1; }), EBADMSG,
			       "malformed symbol table");
	}
	SECTION("symtab link out of range") {
		expect_refused(patch_shdr(v, ".symtab", [](Elf64_Shdr &s) { s.sh_link = 999; }), EBADMSG,
			       "links to no string table");
	}
	SECTION("symtab link not a string table") {
		expect_refused(patch_shdr(v, ".symtab", [](Elf64_Shdr &s) { s.sh_link = 1; }), EBADMSG,
			       "expected a string table");
	}
	SECTION("symbol name out of bounds") {
		Elf64_Shdr const str = shdr(v, find_shdr(v, ".strtab"));
		Elf64_Sym s = read_data<Elf64_Sym>(v, ".symtab", sizeof(Elf64_Sym));
		s.st_name = std::uint32_t(str.sh_size + 100);
		expect_refused(patch_data(v, ".symtab", sizeof(Elf64_Sym), s), EBADMSG,
			       "symbol 1: name offset");
	}
	SECTION("symbol shndx out of range") {
		Elf64_Sym s = read_data<Elf64_Sym>(v, ".symtab", sizeof(Elf64_Sym));
		s.st_shndx = 200;
		expect_refused(patch_data(v, ".symtab", sizeof(Elf64_Sym), s), EBADMSG,
			       "section index 200 out of range");
	}
	SECTION("common symbol") {
		Elf64_Sym s = read_data<Elf64_Sym>(v, ".symtab", sizeof(Elf64_Sym));
		s.st_shndx = SHN_COMMON;
		expect_refused(patch_data(v, ".symtab", sizeof(Elf64_Sym), s), EBADMSG, "common");
	}
	SECTION("symbol past the end of its section") {
		expect_refused(patch_shdr(v, RAX_SECTION_ENTRIES, [](Elf64_Shdr &s) { s.sh_size -= 4; }),
			       EBADMSG, "(ENTRIES): value 0 size 64 outside section");
	}
	SECTION("symbol outside its section") {
		Elf64_Sym s = read_data<Elf64_Sym>(v, ".symtab", 2 * sizeof(Elf64_Sym));
		s.st_size = 1000;
		expect_refused(patch_data(v, ".symtab", 2 * sizeof(Elf64_Sym), s), EBADMSG,
			       "symbol 2 (STATE): value 0 size 1000 outside");
	}
	SECTION("TLS symbol") {
		Elf64_Sym s = read_data<Elf64_Sym>(v, ".symtab", 2 * sizeof(Elf64_Sym));
		s.st_info = ELF64_ST_INFO(STB_LOCAL, STT_TLS);
		expect_refused(patch_data(v, ".symtab", 2 * sizeof(Elf64_Sym), s), EINVAL,
			       "symbol 2 (STATE): symbol type 6");
	}
	SECTION("global before local") {
		expect_refused(patch_shdr(v, ".symtab", [](Elf64_Shdr &s) { s.sh_info = 2; }), EBADMSG,
			       "local symbols do not all precede");
	}
	SECTION("undefined symbol not a helper") {
		ObjectSpec spec;
		spec.helpers = {"rax_ktime_get_ns", "kmalloc"};
		expect_refused(make_object(spec), EINVAL, "(kmalloc) is not a Rax helper");
	}
	SECTION("helper not allowed for prog type") {
		ObjectSpec spec;
		spec.entries = {{prog_xdp, "prog"}};
		spec.helpers = {"rax_get_current_pid_tgid"};
		expect_refused(make_object(spec), EINVAL,
			       "helper rax_get_current_pid_tgid is not allowed for entry 0 (prog)");
	}
	SECTION("helper not allowed for one of two entries") {
		ObjectSpec spec;
		spec.entries = {{prog_kprobe, "kp"}, {prog_sched_cls, "tc"}};
		spec.helpers = {"rax_probe_read_kernel"};
		expect_refused(make_object(spec), EINVAL, "entry 1 (tc) of program type 3");
	}
}

TEST_CASE("corpus: relocations", "[corpus][elf]")
{
	Bytes const v = valid_object();
	std::string const rela = ".rela.text.prog";

	SECTION("reloc type not allowed") {
		ObjectSpec spec;
		spec.reloc_type = R_X86_64_GOTPCREL;
		expect_refused(make_object(spec), EINVAL, "(.rela.text.prog): relocation 0 has unsupported type 9");
	}
	SECTION("reloc offset past section end") {
		Elf64_Rela r = read_data<Elf64_Rela>(v, rela, 0);
		r.r_offset = shdr(v, find_shdr(v, ".text.prog")).sh_size - 3;
		expect_refused(patch_data(v, rela, 0, r), EBADMSG, "past the end of section");
	}
	SECTION("reloc offset overflow") {
		Elf64_Rela r = read_data<Elf64_Rela>(v, rela, 0);
		r.r_offset = ~0ULL - 1;
		expect_refused(patch_data(v, rela, 0, r), EBADMSG, "past the end of section");
	}
	SECTION("reloc symbol index out of range") {
		Elf64_Rela r = read_data<Elf64_Rela>(v, rela, 0);
		r.r_info = ELF64_R_INFO(500, R_X86_64_PLT32);
		expect_refused(patch_data(v, rela, 0, r), EBADMSG, "refers to symbol 500, out of range");
	}
	SECTION("reloc against the null symbol") {
		Elf64_Rela r = read_data<Elf64_Rela>(v, rela, 0);
		r.r_info = ELF64_R_INFO(0, R_X86_64_PLT32);
		expect_refused(patch_data(v, rela, 0, r), EBADMSG, "refers to symbol 0");
	}
	SECTION("rela entsize wrong") {
		expect_refused(patch_shdr(v, rela, [](Elf64_Shdr &s) { s.sh_entsize = 16; }), EBADMSG,
			       "malformed relocation table");
	}
	SECTION("rela link not the symtab") {
		expect_refused(patch_shdr(v, rela, [](Elf64_Shdr &s) { s.sh_link = 1; }), EBADMSG,
			       "do not refer to the symbol table");
	}
	SECTION("rela info out of range") {
		expect_refused(patch_shdr(v, rela, [](Elf64_Shdr &s) { s.sh_info = 999; }), EBADMSG,
			       "target section 999 out of range");
	}
	SECTION("rela against the symtab") {
		unsigned const st = find_shdr(v, ".symtab");
		expect_refused(patch_shdr(v, rela, [&](Elf64_Shdr &s) { s.sh_info = st; }), EINVAL,
			       "which is not loaded");
	}
	SECTION("rela name does not match its target") {
		unsigned const d = find_shdr(v, ".data.state");
		expect_refused(patch_shdr(v, rela, [&](Elf64_Shdr &s) { s.sh_info = d; }), EINVAL,
			       "whose relocation section is .rela.data.state");
	}
}

TEST_CASE("corpus: entries and maps", "[corpus][elf]")
{
	Bytes const v = valid_object();

	SECTION("entries size not multiple") {
		ObjectSpec spec;
		spec.entries_tail = Bytes(4, 0);
		expect_refused(make_object(spec), EBADMSG, "(.rax.entries): size 68 is not a multiple of 64");
	}
	SECTION("no entries") {
		ObjectSpec spec;
		spec.entries.clear();
		expect_refused(make_object(spec), EINVAL, "no entry point");
	}
	SECTION("no entries section") {
		expect_refused(patch_shdr(v, RAX_SECTION_ENTRIES,
					  [](Elf64_Shdr &s) { s.sh_name += 4; }), // ".entries"
			       EINVAL, "unknown section");
	}
	SECTION("entry symbol not NUL-terminated") {
		rax_entry_def e = read_data<rax_entry_def>(v, RAX_SECTION_ENTRIES, 0);
		std::memset(e.symbol, 'a', sizeof(e.symbol));
		expect_refused(patch_data(v, RAX_SECTION_ENTRIES, 0, e), EBADMSG,
			       "entry 0: symbol is not NUL-terminated");
	}
	SECTION("entry symbol missing") {
		rax_entry_def e = entry_def(prog_kprobe, "nosuchfn");
		expect_refused(patch_data(v, RAX_SECTION_ENTRIES, 0, e), EINVAL,
			       "symbol nosuchfn is not a global function");
	}
	SECTION("entry symbol is data") {
		rax_entry_def e = entry_def(prog_kprobe, "MAPS");
		expect_refused(patch_data(v, RAX_SECTION_ENTRIES, 0, e), EINVAL,
			       "symbol MAPS is not a global function");
	}
	SECTION("entry flags") {
		rax_entry_def e = read_data<rax_entry_def>(v, RAX_SECTION_ENTRIES, 0);
		e.flags = 1;
		expect_refused(patch_data(v, RAX_SECTION_ENTRIES, 0, e), EBADMSG, "flags");
	}
	SECTION("more functions than get a kernel symbol") {
		ObjectSpec spec;
		spec.extra_funcs = RAX_MAX_FUNCTIONS; // and the entry
		expect_refused(make_object(spec), E2BIG, "4097 functions; at most 4096");
	}
	SECTION("max_ctx_offset on an entry that is not a tracepoint") {
		rax_entry_def e = read_data<rax_entry_def>(v, RAX_SECTION_ENTRIES, 0);
		e.max_ctx_offset = 16; // a kprobe entry
		expect_refused(patch_data(v, RAX_SECTION_ENTRIES, 0, e), EBADMSG,
			       "max_ctx_offset 16: only a tracepoint entry reads a record");
	}
	SECTION("tracepoint record over the maximum") {
		rax_entry_def e = read_data<rax_entry_def>(v, RAX_SECTION_ENTRIES, 0);
		e.prog_type = 5; // TRACEPOINT
		e.max_ctx_offset = RAX_MAX_CTX_OFFSET + 1;
		expect_refused(patch_data(v, RAX_SECTION_ENTRIES, 0, e), EBADMSG,
			       "max_ctx_offset 65537: only a tracepoint entry reads a record, of at most 65536");
	}
	SECTION("tracepoint entry that does not say what it reads") {
		// As the rax crate built tracepoint entries before they declared
		// their record: nothing bounds their reads at attach.
		rax_entry_def e = read_data<rax_entry_def>(v, RAX_SECTION_ENTRIES, 0);
		e.prog_type = 5; // TRACEPOINT
		e.max_ctx_offset = 0;
		expect_refused(patch_data(v, RAX_SECTION_ENTRIES, 0, e), EBADMSG,
			       "max_ctx_offset 0: a tracepoint entry says how much of its record it reads");
	}
	SECTION("tracepoint record shorter than the common fields") {
		rax_entry_def e = read_data<rax_entry_def>(v, RAX_SECTION_ENTRIES, 0);
		e.prog_type = 5; // TRACEPOINT
		e.max_ctx_offset = RAX_MIN_CTX_OFFSET - 1;
		expect_refused(patch_data(v, RAX_SECTION_ENTRIES, 0, e), EBADMSG,
			       "max_ctx_offset 7: a tracepoint entry says how much of its record it reads, "
			       "at least the 8 bytes of common fields");
	}
	SECTION("unsupported program type") {
		rax_entry_def e = read_data<rax_entry_def>(v, RAX_SECTION_ENTRIES, 0);
		e.prog_type = 1; // SOCKET_FILTER
		expect_refused(patch_data(v, RAX_SECTION_ENTRIES, 0, e), EINVAL,
			       "program type 1 is not supported");
	}
	SECTION("maps size not multiple") {
		ObjectSpec spec;
		spec.maps_tail = Bytes(8, 0);
		expect_refused(make_object(spec), EBADMSG, "(.rax.maps): size 136 is not a multiple of 64");
	}
	SECTION("map def with non-zero reserved") {
		rax_map_def m = read_data<rax_map_def>(v, RAX_SECTION_MAPS, 64);
		m.reserved = 1;
		expect_refused(patch_data(v, RAX_SECTION_MAPS, 64, m), EBADMSG,
			       "map 1 (cfg): reserved fields");
	}
	SECTION("map def with non-zero map") {
		rax_map_def m = read_data<rax_map_def>(v, RAX_SECTION_MAPS, 0);
		m.map = 0xffff888000000000ULL;
		expect_refused(patch_data(v, RAX_SECTION_MAPS, 0, m), EBADMSG, "map 0 (counts)");
	}
	SECTION("map def with non-zero reserved2") {
		rax_map_def m = read_data<rax_map_def>(v, RAX_SECTION_MAPS, 0);
		m.reserved2 = 1ULL << 63;
		expect_refused(patch_data(v, RAX_SECTION_MAPS, 0, m), EBADMSG, "reserved fields");
	}
	SECTION("spin_lock_off without RAX_MAP_SPIN_LOCK") {
		rax_map_def m = read_data<rax_map_def>(v, RAX_SECTION_MAPS, 0);
		m.spin_lock_off = 4;
		expect_refused(patch_data(v, RAX_SECTION_MAPS, 0, m), EBADMSG,
			       "map 0 (counts): reserved fields and map must be zero (spin_lock_off 4 "
			       "without RAX_MAP_SPIN_LOCK)");
	}
	SECTION("unknown map flag") {
		rax_map_def m = read_data<rax_map_def>(v, RAX_SECTION_MAPS, 64);
		m.flags = RAX_MAP_SPIN_LOCK | 0x8;
		expect_refused(patch_data(v, RAX_SECTION_MAPS, 64, m), EINVAL,
			       "map 1 (cfg): unknown flags 0x8");
	}
	SECTION("unknown map type") {
		rax_map_def m = read_data<rax_map_def>(v, RAX_SECTION_MAPS, 0);
		m.type = 3; // BPF_MAP_TYPE_PROG_ARRAY: Rax has no tail calls
		expect_refused(patch_data(v, RAX_SECTION_MAPS, 0, m), EINVAL,
			       "map type 3 is not supported");
		m.type = 12; // BPF_MAP_TYPE_HASH_OF_MAPS
		expect_refused(patch_data(v, RAX_SECTION_MAPS, 0, m), EINVAL,
			       "map type 12 is not supported");
		m.type = 28; // BPF_MAP_TYPE_INODE_STORAGE, after RINGBUF
		expect_refused(patch_data(v, RAX_SECTION_MAPS, 0, m), EINVAL,
			       "map type 28 is not supported");
	}
	SECTION("map name not NUL-terminated") {
		rax_map_def m = read_data<rax_map_def>(v, RAX_SECTION_MAPS, 0);
		std::memset(m.name, 'm', sizeof(m.name));
		expect_refused(patch_data(v, RAX_SECTION_MAPS, 0, m), EBADMSG, "name is not NUL-terminated");
	}
	SECTION("array with a wide key") {
		ObjectSpec spec;
		spec.maps = {map_def(2, "arr", 8)};
		expect_refused(make_object(spec), EINVAL, "an array's key is 4 bytes");
	}
	SECTION("map without entries") {
		ObjectSpec spec;
		spec.maps = {map_def(1, "h", 4, 8, 0)};
		expect_refused(make_object(spec), EINVAL, "must be non-zero");
	}
}

TEST_CASE("corpus: spin locks in map values", "[corpus][elf]")
{
	ObjectSpec spec;

	SECTION("lock past the end of the value") {
		spec.maps = {locked(map_def(1, "locked", 4, 16), 16)};
		expect_refused(make_object(spec), EINVAL,
			       "map 0 (locked): spin lock at 16 is outside the value or misaligned");
	}
	SECTION("lock across the end of the value") {
		spec.maps = {map_def(1, "counts"), locked(map_def(2, "cfg", 4, 16), 14)};
		expect_refused(make_object(spec), EINVAL,
			       "map 1 (cfg): spin lock at 14 is outside the value or misaligned");
	}
	SECTION("lock misaligned") {
		spec.maps = {locked(map_def(1, "locked", 4, 16), 6)};
		expect_refused(make_object(spec), EINVAL,
			       "spin lock at 6 is outside the value or misaligned");
	}
	SECTION("lock in a value smaller than the lock") {
		spec.maps = {locked(map_def(2, "tiny", 4, 2), 0)};
		expect_refused(make_object(spec), EINVAL,
			       "spin lock at 0 is outside the value or misaligned");
	}
	SECTION("lock at the end of the largest value") {
		// The last aligned word of the value is allowed; the check does
		// not overflow for the next one.
		spec.maps = {locked(map_def(1, "huge", 4, 0xffffffffU), 0xfffffff8U)};
		auto r = parse_object(make_object(spec));
		INFO((r ? "" : r.error().to_string()));
		CHECK(r.ok());
		spec.maps = {locked(map_def(1, "huge", 4, 0xffffffffU), 0xfffffffcU)};
		expect_refused(make_object(spec), EINVAL,
			       "spin lock at 4294967292 is outside the value or misaligned");
	}
	SECTION("lock on a per-CPU array") {
		spec.maps = {locked(map_def(6, "percpu", 4, 16), 0)};
		expect_refused(make_object(spec), EINVAL,
			       "map 0 (percpu): only hash and array values may hold a spin lock");
	}
	SECTION("lock in a ring buffer") {
		spec.maps = {locked(map_def(27, "events", 0, 0, 4096), 0)};
		expect_refused(make_object(spec), EINVAL,
			       "map 0 (events): a ring buffer has no key or value");
	}
	SECTION("lock on a map of an unsupported type") {
		spec.maps = {locked(map_def(3, "prog_array", 4, 4), 0)};
		expect_refused(make_object(spec), EINVAL, "map type 3 is not supported");
	}
	SECTION("lock in a per-CPU or LRU hash, a stack trace or a device map") {
		// As in eBPF: only hash and array values may hold one.
		for (std::uint32_t t : {5u, 9u, 10u, 7u, 14u, 16u, 4u}) {
			spec.maps = {locked(map_def(t, "m", 4, 8), 0)};
			expect_refused(make_object(spec), EINVAL,
				       "map 0 (m): only hash and array values may hold a spin lock");
		}
	}
	SECTION("lock in a queue or a stack") {
		spec.maps = {locked(map_def(22, "q", 0, 8), 0)};
		expect_refused(make_object(spec), EINVAL,
			       "map 0 (q): a queue or stack has no key, a value and entries");
	}
}

TEST_CASE("corpus: queues, stacks, stack traces, perf event and device maps", "[corpus][elf]")
{
	ObjectSpec spec;
	std::string const list = "a queue or stack has no key, a value and entries";

	SECTION("the shapes that are accepted") {
		spec.maps = {map_def(5, "pcpu_hash", 3, 8), map_def(9, "lru", 12, 16),
			     map_def(10, "lru_pcpu", 1, 8), map_def(22, "queue", 0, 8),
			     map_def(23, "stack", 0, 24), map_def(7, "stacks", 4, 127 * 8),
			     map_def(4, "events", 4, 4), map_def(14, "devs", 4, 4),
			     map_def(16, "cpus", 4, 8)};
		auto r = parse_object(make_object(spec));
		INFO((r ? "" : r.error().to_string()));
		CHECK(r.ok());
	}
	SECTION("a queue with a key") {
		spec.maps = {map_def(22, "queue", 4, 8)};
		expect_refused(make_object(spec), EINVAL, "map 0 (queue): " + list);
	}
	SECTION("a stack without a value") {
		spec.maps = {map_def(23, "stack", 0, 0)};
		expect_refused(make_object(spec), EINVAL, "map 0 (stack): " + list);
	}
	SECTION("a queue without entries") {
		spec.maps = {map_def(22, "queue", 0, 8, 0)};
		expect_refused(make_object(spec), EINVAL, "map 0 (queue): " + list);
	}
	SECTION("an LRU hash with no key") {
		spec.maps = {map_def(9, "lru", 0, 8)};
		expect_refused(make_object(spec), EINVAL,
			       "map 0 (lru): key size, value size and max entries must be non-zero");
	}
	SECTION("a stack trace map with an 8-byte key") {
		spec.maps = {map_def(7, "stacks", 8, 64)};
		expect_refused(make_object(spec), EINVAL, "map 0 (stacks): an array's key is 4 bytes");
	}
	SECTION("stack traces that are not whole frames") {
		spec.maps = {map_def(7, "stacks", 4, 60)};
		expect_refused(make_object(spec), EINVAL,
			       "map 0 (stacks): value size 60 does not fit map type 7");
	}
	SECTION("a perf event array of 8-byte values") {
		spec.maps = {map_def(4, "events", 4, 8)};
		expect_refused(make_object(spec), EINVAL,
			       "map 0 (events): value size 8 does not fit map type 4");
	}
	SECTION("a device map of 12-byte values") {
		spec.maps = {map_def(14, "devs", 4, 12)};
		expect_refused(make_object(spec), EINVAL,
			       "map 0 (devs): value size 12 does not fit map type 14");
		spec.maps = {map_def(16, "cpus", 4, 2)};
		expect_refused(make_object(spec), EINVAL,
			       "map 0 (cpus): value size 2 does not fit map type 16");
	}
}

TEST_CASE("corpus: ring buffers", "[corpus][elf]")
{
	ObjectSpec spec;
	std::string const rule = "a ring buffer has no key or value and a power-of-2 size of at least "
				 "a page";

	SECTION("ring buffer with a key") {
		spec.maps = {map_def(27, "events", 4, 0, 4096)};
		expect_refused(make_object(spec), EINVAL, "map 0 (events): " + rule);
	}
	SECTION("ring buffer with a value") {
		spec.maps = {map_def(1, "counts"), map_def(27, "events", 0, 8, 4096)};
		expect_refused(make_object(spec), EINVAL, "map 1 (events): " + rule);
	}
	SECTION("ring buffer size not a power of 2") {
		spec.maps = {map_def(27, "events", 0, 0, 3 * 4096)};
		expect_refused(make_object(spec), EINVAL, rule);
	}
	SECTION("ring buffer smaller than a page") {
		spec.maps = {map_def(27, "events", 0, 0, 2048)};
		expect_refused(make_object(spec), EINVAL, rule);
	}
	SECTION("ring buffer of size 0") {
		spec.maps = {map_def(27, "events", 0, 0, 0)};
		expect_refused(make_object(spec), EINVAL, rule);
	}
	SECTION("ring buffer with map_flags") {
		rax_map_def m = map_def(27, "events", 0, 0, 4096);
		m.map_flags = 1; // BPF_F_NO_PREALLOC
		spec.maps = {m};
		expect_refused(make_object(spec), EINVAL, rule);
	}
}

TEST_CASE("corpus: maps the format allows", "[corpus][elf]")
{
	ObjectSpec spec;
	rax_map_def big_ring = map_def(27, "big", 0, 0, 1U << 31);
	spec.maps = {map_def(1, "counts"),
		     locked(map_def(1, "flows", 12, 24), 20),
		     locked(map_def(2, "cfg", 4, 4), 0),
		     map_def(27, "events", 0, 0, 4096),
		     big_ring};
	auto r = parse_object(make_object(spec));
	INFO((r ? "" : r.error().to_string()));
	REQUIRE(r.ok());
	auto const &maps = r->maps;
	REQUIRE(maps.size() == 5);
	CHECK_FALSE(maps[0].has_spin_lock());
	CHECK(maps[0].flags == 0);
	CHECK(maps[1].has_spin_lock());
	CHECK(maps[1].flags == RAX_MAP_SPIN_LOCK);
	CHECK(maps[1].spin_lock_off == 20);
	CHECK(maps[1].key_size == 12);
	CHECK(maps[2].has_spin_lock());
	CHECK(maps[2].spin_lock_off == 0);
	CHECK(maps[3].is_ringbuf());
	CHECK(maps[3].key_size == 0);
	CHECK(maps[3].value_size == 0);
	CHECK(maps[3].max_entries == 4096);
	CHECK_FALSE(maps[3].has_spin_lock());
	CHECK(maps[4].is_ringbuf());
	CHECK(maps[4].max_entries == 1U << 31);
}

TEST_CASE("corpus: provenance note", "[corpus][elf][provenance]")
{
	ObjectSpec spec;
	Provenance const p = sample_provenance(1, spec.helpers);
	Bytes const desc = encode_provenance(p);

	SECTION("note missing") {
		spec.note = false;
		expect_refused(make_object(spec), EBADMSG, "no .rax.provenance note");
	}
	SECTION("note name wrong") {
		spec.note_contents = note_section(desc, RAX_NOTE_PROVENANCE, "Rbx");
		expect_refused(make_object(spec), EBADMSG, "note name is not \"Rax\"");
	}
	SECTION("note name long") {
		spec.note_contents = note_section(desc, RAX_NOTE_PROVENANCE, "Raxx");
		expect_refused(make_object(spec), EBADMSG, "note name");
	}
	SECTION("note type wrong") {
		spec.note_contents = note_section(desc, 2);
		expect_refused(make_object(spec), EBADMSG, "note type 2");
	}
	SECTION("note descsz past end") {
		Bytes n = note_section(desc);
		std::uint32_t big = std::uint32_t(desc.size() + 4);
		std::memcpy(n.data() + 4, &big, 4);
		spec.note_contents = n;
		expect_refused(make_object(spec), EBADMSG, "past the end of the section");
	}
	SECTION("note descsz huge") {
		Bytes n = note_section(desc);
		std::uint32_t big = 0xfffffffc;
		std::memcpy(n.data() + 4, &big, 4);
		spec.note_contents = n;
		expect_refused(make_object(spec), EBADMSG, "past the end of the section");
	}
	SECTION("two notes") {
		Bytes n = note_section(desc);
		Bytes two = n;
		two.insert(two.end(), n.begin(), n.end());
		spec.note_contents = two;
		expect_refused(make_object(spec), EBADMSG, "exactly one note");
	}
	SECTION("note truncated") {
		spec.note_contents = Bytes(8, 0);
		expect_refused(make_object(spec), EBADMSG, "truncated note");
	}
	SECTION("note section misaligned") {
		Bytes img = make_object(spec);
		img = patch_shdr(img, RAX_SECTION_PROVENANCE, [](Elf64_Shdr &s) { s.sh_offset += 2; });
		expect_refused(img, EBADMSG, "not 4-byte aligned");
	}
	SECTION("note with flags") {
		Bytes img = make_object(spec);
		img = patch_shdr(img, RAX_SECTION_PROVENANCE, [](Elf64_Shdr &s) { s.sh_flags = SHF_ALLOC; });
		expect_refused(img, EINVAL, "(.rax.provenance)");
	}
	SECTION("provenance unknown tag") {
		Bytes d = desc;
		rax_prov_record rec{42, 0, 0};
		append_pod(d, rec);
		spec.note_contents = note_section(d);
		expect_refused(make_object(spec), EBADMSG, "unknown tag 42");
	}
	SECTION("provenance record overrun") {
		Bytes d = desc;
		rax_prov_record rec{RAX_PROV_HELPER, 0, 100};
		append_pod(d, rec);
		d.insert(d.end(), {'a', 'b', 'c', 'd'});
		spec.note_contents = note_section(d);
		expect_refused(make_object(spec), EBADMSG, "run past the end of the descriptor");
	}
	SECTION("provenance reserved field") {
		Bytes d = desc;
		d[2] = 1; // the first record's reserved field
		spec.note_contents = note_section(d);
		expect_refused(make_object(spec), EBADMSG, "reserved field is not zero");
	}
	SECTION("provenance missing stack record") {
		spec.entries = {{prog_kprobe, "a"}, {prog_kprobe, "b"}};
		spec.provenance = sample_provenance(1, spec.helpers);
		expect_refused(make_object(spec), EBADMSG, "1 stack records for 2 entries");
		spec.provenance->stack.clear();
		expect_refused(make_object(spec), EBADMSG, "missing stack record");
	}
	SECTION("provenance unsupported version") {
		Provenance q = p;
		q.format = 7;
		spec.provenance = q;
		expect_refused(make_object(spec), EINVAL, "format version 7");
	}
	SECTION("helper records not matching imports") {
		Provenance q = p;
		q.helpers = {"rax_ktime_get_ns"};
		spec.provenance = q;
		expect_refused(make_object(spec), EBADMSG,
			       "helper records (rax_ktime_get_ns) do not match the imported helpers "
			       "(rax_budget_check, rax_ktime_get_ns, rax_map_lookup_elem)");
		q.helpers = {"rax_ktime_get_ns", "rax_map_lookup_elem", "rax_trace_print"};
		spec.provenance = q;
		expect_refused(make_object(spec), EBADMSG, "do not match the imported helpers");
	}
}

TEST_CASE("corpus: truncated images are refused", "[corpus][elf]")
{
	Bytes const v = valid_object();

	for (std::size_t k = 0; k < 8; k++) {
		std::size_t const len = v.size() * k / 8;
		DYNAMIC_SECTION("truncated to " << k << "/8 (" << len << " bytes)") {
			auto r = parse_object(std::span(v.data(), len));
			REQUIRE_FALSE(r.ok());
			CHECK(r.error().code() == EBADMSG);
		}
	}
	// One byte short: the section table runs past the end.
	auto r = parse_object(std::span(v.data(), v.size() - 1));
	REQUIRE_FALSE(r.ok());
	CHECK(r.error().code() == EBADMSG);
}

TEST_CASE("corpus: flipping any byte never crashes the parser", "[corpus][elf]")
{
	Bytes const v = valid_object();
	std::size_t accepted = 0, refused = 0;

	for (std::size_t i = 0; i < v.size(); i++) {
		for (std::uint8_t mask : {std::uint8_t(0xff), std::uint8_t(0x01), std::uint8_t(0x80)}) {
			Bytes img = v;
			img[i] ^= mask;
			auto r = parse_object(img);
			if (r.ok()) {
				accepted++;
			} else {
				refused++;
				CHECK((r.error().code() == EBADMSG || r.error().code() == EINVAL));
				CHECK_FALSE(r.error().message().empty());
			}
		}
	}
	CHECK(refused > 0);
	CHECK(accepted + refused == 3 * v.size());
}
