// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the ELF checks of a Rax object (elf.c), on images built
 * here: a valid relocatable object, then one mutation per rule.
 */

#include <kunit/test.h>
#include <linux/elf.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "rax.h"

#define T_SIZE		1024
#define T_TEXT		64	/* 16 bytes */
#define T_SHSTR		80	/* 64 bytes */
#define T_STR		144	/* 16 bytes */
#define T_SYM		160	/* 2 symbols, 48 bytes */
#define T_RELA		208	/* 1 relocation, 24 bytes */
#define T_NOTE		232	/* 20 bytes */
#define T_SHDRS		256	/* 7 section headers, 448 bytes */
#define T_NSECT		7
#define T_END		(T_SHDRS + T_NSECT * sizeof(struct elf64_shdr))

enum { S_NULL, S_TEXT, S_SHSTR, S_STR, S_SYM, S_RELA, S_NOTE };

static const char t_shstr[] =
	"\0.text\0.shstrtab\0.strtab\0.symtab\0.rela.text\0.rax.provenance";

/* Offsets of the names above in t_shstr. */
static const u32 t_names[T_NSECT] = { 0, 1, 7, 17, 25, 33, 44 };

struct t_obj {
	u8 *buf;
	struct elf64_hdr *eh;
	struct elf64_shdr *sh;
	struct elf64_sym *sym;
	struct elf64_rela *rela;
	struct elf64_note *note;
};

static void t_section(struct t_obj *o, int i, u32 type, u64 flags,
		      u64 off, u64 size, u32 link, u32 info, u64 align,
		      u64 entsize)
{
	o->sh[i] = (struct elf64_shdr){
		.sh_name = t_names[i], .sh_type = type, .sh_flags = flags,
		.sh_offset = off, .sh_size = size, .sh_link = link,
		.sh_info = info, .sh_addralign = align, .sh_entsize = entsize,
	};
}

/* Build a valid object into a fresh buffer. */
static struct t_obj t_build(struct kunit *test)
{
	struct t_obj o;

	o.buf = kunit_kzalloc(test, T_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, o.buf);
	o.eh = (struct elf64_hdr *)o.buf;
	o.sh = (struct elf64_shdr *)(o.buf + T_SHDRS);
	o.sym = (struct elf64_sym *)(o.buf + T_SYM);
	o.rela = (struct elf64_rela *)(o.buf + T_RELA);
	o.note = (struct elf64_note *)(o.buf + T_NOTE);

	memcpy(o.eh->e_ident, ELFMAG, SELFMAG);
	o.eh->e_ident[EI_CLASS] = ELFCLASS64;
	o.eh->e_ident[EI_DATA] = ELFDATA2LSB;
	o.eh->e_ident[EI_VERSION] = EV_CURRENT;
	o.eh->e_type = ET_REL;
	o.eh->e_machine = EM_X86_64;
	o.eh->e_version = EV_CURRENT;
	o.eh->e_ehsize = sizeof(struct elf64_hdr);
	o.eh->e_shentsize = sizeof(struct elf64_shdr);
	o.eh->e_shoff = T_SHDRS;
	o.eh->e_shnum = T_NSECT;
	o.eh->e_shstrndx = S_SHSTR;

	memset(o.buf + T_TEXT, 0xc3, 16);
	memcpy(o.buf + T_SHSTR, t_shstr, sizeof(t_shstr));
	memcpy(o.buf + T_STR, "\0rax_fn\0", 8);
	o.sym[1] = (struct elf64_sym){ .st_name = 1, .st_shndx = S_TEXT,
		.st_info = (STB_GLOBAL << 4) | STT_FUNC, .st_size = 16 };
	o.rela[0] = (struct elf64_rela){ .r_offset = 4,
		.r_info = ((u64)1 << 32) | R_X86_64_PC32, .r_addend = -4 };
	o.note->n_namesz = 4;
	o.note->n_descsz = 4;
	o.note->n_type = 1;
	memcpy(o.buf + T_NOTE + sizeof(struct elf64_note), "Rax", 4);

	t_section(&o, S_TEXT, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR,
		  T_TEXT, 16, 0, 0, 16, 0);
	t_section(&o, S_SHSTR, SHT_STRTAB, 0, T_SHSTR, sizeof(t_shstr), 0, 0,
		  1, 0);
	t_section(&o, S_STR, SHT_STRTAB, 0, T_STR, 8, 0, 0, 1, 0);
	t_section(&o, S_SYM, SHT_SYMTAB, 0, T_SYM, 2 * sizeof(struct elf64_sym),
		  S_STR, 1, 8, sizeof(struct elf64_sym));
	t_section(&o, S_RELA, SHT_RELA, SHF_INFO_LINK, T_RELA,
		  sizeof(struct elf64_rela), S_SYM, S_TEXT, 8, sizeof(struct elf64_rela));
	t_section(&o, S_NOTE, SHT_NOTE, SHF_ALLOC, T_NOTE, 20, 0, 0, 4, 0);
	return o;
}

static int t_parse(struct t_obj *o, u32 size)
{
	struct rax_elf elf;

	return rax_elf_parse(&elf, o->buf, size, NULL);
}

static void rax_elf_valid_test(struct kunit *test)
{
	struct t_obj o = t_build(test);
	struct rax_elf elf;

	KUNIT_ASSERT_EQ(test, rax_elf_parse(&elf, o.buf, T_END, NULL), 0);
	KUNIT_EXPECT_EQ(test, elf.shnum, T_NSECT);
	KUNIT_EXPECT_EQ(test, elf.nsyms, 2);
	KUNIT_EXPECT_EQ(test, elf.nrelas, 1);
	KUNIT_EXPECT_EQ(test, rax_elf_find_section(&elf, ".rax.provenance"),
			S_NOTE);
	KUNIT_EXPECT_EQ(test, rax_elf_find_section(&elf, ".data"), 0);
	KUNIT_EXPECT_STREQ(test, rax_elf_section_name(&elf, S_TEXT), ".text");
}

static void rax_elf_truncated_test(struct kunit *test)
{
	struct t_obj o = t_build(test);
	u32 sizes[] = { 0, 4, 63, 64, T_SHDRS, T_END - 1 };
	int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		KUNIT_EXPECT_EQ_MSG(test, t_parse(&o, sizes[i]), -EINVAL,
				    "truncated to %u bytes", sizes[i]);
}

static void rax_elf_header_test(struct kunit *test)
{
	struct t_obj o;

	o = t_build(test);
	o.eh->e_ident[1] = 'X';
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	o = t_build(test);
	o.eh->e_ident[EI_CLASS] = ELFCLASS32;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	o = t_build(test);
	o.eh->e_type = ET_DYN;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	o = t_build(test);
	o.eh->e_machine = EM_AARCH64;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	o = t_build(test);
	o.eh->e_shentsize = 32;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
}

static void rax_elf_section_table_test(struct kunit *test)
{
	struct t_obj o;

	/* Section table past the end. */
	o = t_build(test);
	o.eh->e_shoff = T_SIZE * 4;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	/* A huge count that would wrap. */
	o = t_build(test);
	o.eh->e_shnum = 0;
	o.sh[0].sh_size = 0xffffffffffffULL;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	/* Name table index out of range. */
	o = t_build(test);
	o.eh->e_shstrndx = T_NSECT;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	/* A section past the end, with an offset that would wrap. */
	o = t_build(test);
	o.sh[S_TEXT].sh_offset = U64_MAX - 4;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	/* Overlapping sections. */
	o = t_build(test);
	o.sh[S_STR].sh_offset = T_TEXT;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	/* A section type the format does not use. */
	o = t_build(test);
	o.sh[S_TEXT].sh_type = SHT_DYNAMIC;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	/* Alignment not a power of two. */
	o = t_build(test);
	o.sh[S_TEXT].sh_addralign = 12;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
}

static void rax_elf_strtab_test(struct kunit *test)
{
	struct t_obj o;

	o = t_build(test);
	o.buf[T_SHSTR + sizeof(t_shstr) - 1] = 'x';
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	o = t_build(test);
	o.sh[S_TEXT].sh_name = 4000;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	o = t_build(test);
	o.buf[T_STR + 7] = 'x';
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
}

static void rax_elf_symbol_test(struct kunit *test)
{
	struct t_obj o;

	o = t_build(test);
	o.sym[1].st_name = 100;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	o = t_build(test);
	o.sym[1].st_shndx = T_NSECT;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	o = t_build(test);
	o.sym[1].st_shndx = SHN_COMMON;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	o = t_build(test);
	o.sym[1].st_shndx = SHN_XINDEX;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	o = t_build(test);
	o.sh[S_SYM].sh_entsize = 16;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
}

static void rax_elf_reloc_test(struct kunit *test)
{
	struct t_obj o;

	o = t_build(test);
	o.rela[0].r_info = ((u64)1 << 32) | R_X86_64_GOTPCREL;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	o = t_build(test);
	o.rela[0].r_offset = 13; /* 4 bytes from 13 end past 16 */
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	o = t_build(test);
	o.rela[0].r_offset = U64_MAX - 1;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	o = t_build(test);
	o.rela[0].r_info = ((u64)5 << 32) | R_X86_64_PC32;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	o = t_build(test);
	o.sh[S_RELA].sh_info = S_SHSTR; /* not a loaded section */
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	KUNIT_EXPECT_EQ(test, rax_elf_reloc_width(R_X86_64_64), 8);
	KUNIT_EXPECT_EQ(test, rax_elf_reloc_width(R_X86_64_PLT32), 4);
	KUNIT_EXPECT_EQ(test, rax_elf_reloc_width(R_X86_64_RELATIVE), 0);
}

static void rax_elf_note_test(struct kunit *test)
{
	struct t_obj o;

	o = t_build(test);
	o.note->n_descsz = 0x7ffffff0;
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	o = t_build(test);
	o.buf[T_NOTE + sizeof(struct elf64_note) + 3] = 'x'; /* name not NUL-terminated */
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
	o = t_build(test);
	o.sh[S_NOTE].sh_size = 8; /* truncated header */
	KUNIT_EXPECT_EQ(test, t_parse(&o, T_END), -EINVAL);
}

static struct kunit_case rax_elf_test_cases[] = {
	KUNIT_CASE(rax_elf_valid_test),
	KUNIT_CASE(rax_elf_truncated_test),
	KUNIT_CASE(rax_elf_header_test),
	KUNIT_CASE(rax_elf_section_table_test),
	KUNIT_CASE(rax_elf_strtab_test),
	KUNIT_CASE(rax_elf_symbol_test),
	KUNIT_CASE(rax_elf_reloc_test),
	KUNIT_CASE(rax_elf_note_test),
	{}
};

static struct kunit_suite rax_elf_test_suite = {
	.name = "rax_elf",
	.test_cases = rax_elf_test_cases,
};

kunit_test_suite(rax_elf_test_suite);

MODULE_DESCRIPTION("KUnit tests of the Rax ELF checks");
MODULE_LICENSE("GPL");
