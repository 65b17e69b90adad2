// SPDX-License-Identifier: GPL-2.0-only
/*
 * Strict parsing of the ELF container of a Rax object.
 *
 * The image has already passed the signature check, but the parser still
 * trusts nothing in it: every offset, size and count is bounds-checked with
 * the overflow helpers, string tables must be NUL-terminated, and only the
 * section types, symbol section indices and relocation types that the Rax
 * toolchain produces are accepted. userspace/librax applies the same rules
 * and both are tested against the same corpus of malformed objects.
 */

#include <linux/bpf_verifier.h>
#include <linux/elf.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

#include "rax.h"

static __printf(2, 3) int rax_elf_err(struct rax_elf *elf, const char *fmt,
				      ...)
{
	va_list args;

	if (elf->log && bpf_verifier_log_needed(elf->log)) {
		bpf_log(elf->log, "rax: elf: ");
		va_start(args, fmt);
		bpf_verifier_vlog(elf->log, fmt, args);
		va_end(args);
		bpf_log(elf->log, "\n");
	}
	return -EINVAL;
}

/* Is [off, off + size) inside the image? */
static bool rax_elf_range_ok(const struct rax_elf *elf, u64 off, u64 size)
{
	u64 end;

	return !check_add_overflow(off, size, &end) && end <= elf->size;
}

/**
 * rax_elf_reloc_width() - Width of the field a relocation type patches.
 * @type: an x86-64 relocation type.
 *
 * Return: 8 or 4 for the types a Rax object may use, 0 for any other.
 */
unsigned int rax_elf_reloc_width(u32 type)
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

/**
 * rax_elf_section_name() - Name of a section of a parsed object.
 * @elf: the parsed object.
 * @idx: the section index, below @elf->shnum.
 *
 * Return: the NUL-terminated name, inside the section name table.
 */
const char *rax_elf_section_name(const struct rax_elf *elf, u32 idx)
{
	return elf->shstrtab + elf->shdrs[idx].sh_name;
}

/**
 * rax_elf_find_section() - Find a section by name.
 * @elf: the parsed object.
 * @name: the section name.
 *
 * Return: the section index, or 0 when there is none.
 */
u32 rax_elf_find_section(const struct rax_elf *elf, const char *name)
{
	u32 i;

	for (i = 1; i < elf->shnum; i++)
		if (!strcmp(rax_elf_section_name(elf, i), name))
			return i;
	return 0;
}

static int rax_elf_check_strtab(struct rax_elf *elf, u32 idx)
{
	const struct elf64_shdr *sh = &elf->shdrs[idx];
	const char *s = elf->image + sh->sh_offset;

	if (sh->sh_type != SHT_STRTAB)
		return rax_elf_err(elf, "section %u: expected a string table, found type %u",
				   idx, sh->sh_type);
	if (!sh->sh_size || s[0] || s[sh->sh_size - 1])
		return rax_elf_err(elf, "section %u: string table is empty or not NUL-terminated",
				   idx);
	return 0;
}

struct rax_elf_range {
	u64 start, end;
	u32 idx;
};

static int rax_elf_range_cmp(const void *a, const void *b)
{
	const struct rax_elf_range *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return 0;
}

/* File ranges of the sections and of the header and section table must
 * not overlap.
 */
static int rax_elf_check_overlap(struct rax_elf *elf)
{
	struct rax_elf_range *r;
	u32 i, n = 0;
	int err = 0;

	r = kvcalloc(elf->shnum + 1, sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return -ENOMEM;
	r[n++] = (struct rax_elf_range){ 0, sizeof(struct elf64_hdr), U32_MAX };
	r[n++] = (struct rax_elf_range){ elf->ehdr->e_shoff,
		elf->ehdr->e_shoff + (u64)elf->shnum * sizeof(struct elf64_shdr),
		U32_MAX };
	for (i = 1; i < elf->shnum; i++) {
		const struct elf64_shdr *sh = &elf->shdrs[i];

		if (sh->sh_type == SHT_NOBITS || !sh->sh_size)
			continue;
		r[n++] = (struct rax_elf_range){ sh->sh_offset,
			sh->sh_offset + sh->sh_size, i };
	}
	sort(r, n, sizeof(*r), rax_elf_range_cmp, NULL);
	for (i = 1; i < n; i++) {
		if (r[i].start < r[i - 1].end) {
			err = rax_elf_err(elf, "section %d overlaps section %d",
					  r[i].idx == U32_MAX ? -1 : (int)r[i].idx,
					  r[i - 1].idx == U32_MAX ? -1 : (int)r[i - 1].idx);
			break;
		}
	}
	kvfree(r);
	return err;
}

static int rax_elf_check_symtab(struct rax_elf *elf, u32 idx)
{
	const struct elf64_shdr *sh = &elf->shdrs[idx];
	const struct elf64_shdr *str;
	bool local, want_local;
	u32 i;
	int err;

	if (elf->symtab)
		return rax_elf_err(elf, "more than one symbol table");
	if (sh->sh_entsize != sizeof(struct elf64_sym) ||
	    sh->sh_size % sizeof(struct elf64_sym) ||
	    sh->sh_offset % __alignof__(struct elf64_sym))
		return rax_elf_err(elf, "section %u: malformed symbol table", idx);
	if (sh->sh_size / sizeof(struct elf64_sym) > RAX_ELF_MAX_SYMBOLS)
		return rax_elf_err(elf, "section %u: more than %u symbols", idx,
				   RAX_ELF_MAX_SYMBOLS);
	if (!sh->sh_link || sh->sh_link >= elf->shnum)
		return rax_elf_err(elf, "section %u: symbol table links to no string table",
				   idx);
	err = rax_elf_check_strtab(elf, sh->sh_link);
	if (err)
		return err;

	str = &elf->shdrs[sh->sh_link];
	elf->symtab = idx;
	elf->syms = elf->image + sh->sh_offset;
	elf->nsyms = sh->sh_size / sizeof(struct elf64_sym);
	elf->strtab = elf->image + str->sh_offset;
	elf->strtab_size = str->sh_size;

	if (sh->sh_info > elf->nsyms)
		return rax_elf_err(elf, "section %u: first global symbol %u out of range",
				   idx, sh->sh_info);
	for (i = 0; i < elf->nsyms; i++) {
		const struct elf64_sym *sym = &elf->syms[i];

		if (sym->st_name >= elf->strtab_size)
			return rax_elf_err(elf, "symbol %u: name offset %u out of range",
					   i, sym->st_name);
		local = ELF64_ST_BIND(sym->st_info) == STB_LOCAL;
		want_local = i < sh->sh_info;
		if (local != want_local)
			return rax_elf_err(elf,
					   "symbol %u (%s): local symbols must precede the others",
					   i, elf->strtab + sym->st_name);
		switch (ELF64_ST_TYPE(sym->st_info)) {
		case STT_NOTYPE:
		case STT_OBJECT:
		case STT_FUNC:
		case STT_SECTION:
		case STT_FILE:
			break;
		default:
			return rax_elf_err(elf, "symbol %u (%s): symbol type %u is not supported",
					   i, elf->strtab + sym->st_name,
					   ELF64_ST_TYPE(sym->st_info));
		}
		switch (sym->st_shndx) {
		case SHN_UNDEF:
		case SHN_ABS:
			break;
		case SHN_COMMON:
			return rax_elf_err(elf, "symbol %u (%s): common symbols are not supported",
					   i, elf->strtab + sym->st_name);
		case SHN_XINDEX:
			return rax_elf_err(elf,
					   "symbol %u (%s): extended section indices are not supported",
					   i, elf->strtab + sym->st_name);
		default:
			if (sym->st_shndx >= elf->shnum)
				return rax_elf_err(elf,
						   "symbol %u (%s): section index %u out of range",
						   i, elf->strtab + sym->st_name,
						   sym->st_shndx);
			if (sym->st_value > elf->shdrs[sym->st_shndx].sh_size ||
			    sym->st_size > elf->shdrs[sym->st_shndx].sh_size - sym->st_value)
				return rax_elf_err(elf,
						   "symbol %u (%s): value %llu size %llu outside its section",
						   i, elf->strtab + sym->st_name,
						   sym->st_value, sym->st_size);
		}
	}
	return 0;
}

static int rax_elf_check_rela(struct rax_elf *elf, u32 idx)
{
	const struct elf64_shdr *sh = &elf->shdrs[idx];
	const struct elf64_shdr *target;
	const struct elf64_rela *rela;
	u32 i, n;

	if (sh->sh_entsize != sizeof(struct elf64_rela) ||
	    sh->sh_size % sizeof(struct elf64_rela) ||
	    sh->sh_offset % __alignof__(struct elf64_rela))
		return rax_elf_err(elf, "section %u: malformed relocation table", idx);
	if (sh->sh_link != elf->symtab || !elf->symtab)
		return rax_elf_err(elf, "section %u: relocations do not refer to the symbol table",
				   idx);
	if (!sh->sh_info || sh->sh_info >= elf->shnum)
		return rax_elf_err(elf, "section %u: relocation target section %u out of range",
				   idx, sh->sh_info);
	target = &elf->shdrs[sh->sh_info];
	if (target->sh_type != SHT_PROGBITS || !(target->sh_flags & SHF_ALLOC))
		return rax_elf_err(elf,
				   "section %u: relocations against section %u, which is not loaded",
				   idx, sh->sh_info);

	rela = elf->image + sh->sh_offset;
	n = sh->sh_size / sizeof(struct elf64_rela);
	for (i = 0; i < n; i++) {
		u32 type = ELF64_R_TYPE(rela[i].r_info);
		u32 sym = ELF64_R_SYM(rela[i].r_info);
		unsigned int width = rax_elf_reloc_width(type);
		u64 end;

		if (!width)
			return rax_elf_err(elf, "section %u: relocation %u has unsupported type %u",
					   idx, i, type);
		if (!sym || sym >= elf->nsyms)
			return rax_elf_err(elf,
					   "section %u: relocation %u refers to symbol %u, out of range",
					   idx, i, sym);
		if (check_add_overflow(rela[i].r_offset, (u64)width, &end) ||
		    end > target->sh_size)
			return rax_elf_err(elf,
					   "section %u: relocation %u at offset %llu is past the end of section %u",
					   idx, i, rela[i].r_offset, sh->sh_info);
	}
	elf->nrelas += n;
	return 0;
}

static int rax_elf_check_notes(struct rax_elf *elf, u32 idx)
{
	const struct elf64_shdr *sh = &elf->shdrs[idx];
	const u8 *p = elf->image + sh->sh_offset;
	u64 off = 0;

	if (sh->sh_offset % 4)
		return rax_elf_err(elf, "section %u: note section is not 4-byte aligned", idx);
	while (off < sh->sh_size) {
		const struct elf64_note *n;
		u64 len;

		if (sh->sh_size - off < sizeof(*n))
			return rax_elf_err(elf, "section %u: truncated note header", idx);
		n = (const struct elf64_note *)(p + off);
		len = sizeof(*n) + ALIGN((u64)n->n_namesz, 4) +
		      ALIGN((u64)n->n_descsz, 4);
		if (len > sh->sh_size - off)
			return rax_elf_err(elf,
					   "section %u: note at offset %llu is past the end of the section",
					   idx, off);
		if (n->n_namesz && p[off + sizeof(*n) + n->n_namesz - 1])
			return rax_elf_err(elf, "section %u: note name is not NUL-terminated", idx);
		off += len;
	}
	return 0;
}

/**
 * rax_elf_parse() - Check and index the ELF container of a Rax object.
 * @elf: the result; it points into @image, which must outlive it.
 * @image: the signed image.
 * @size: its size.
 * @log: where to explain a rejection, or NULL.
 *
 * Accepts only an ELF64, little-endian, x86-64 relocatable object whose
 * header, section table, sections, string tables, symbols, relocations
 * and notes are all within bounds and well formed.
 *
 * Return: 0, -EINVAL for a malformed object (the reason in @log), or
 * -ENOMEM.
 */
int rax_elf_parse(struct rax_elf *elf, const void *image, u32 size,
		  struct bpf_verifier_log *log)
{
	const struct elf64_hdr *eh = image;
	u64 shtab;
	u32 i;
	int err;

	memset(elf, 0, sizeof(*elf));
	elf->image = image;
	elf->size = size;
	elf->log = log;

	if (size < sizeof(*eh))
		return rax_elf_err(elf, "image of %u bytes is too small for an ELF header", size);
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return rax_elf_err(elf, "not an ELF object (bad magic)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_ident[EI_VERSION] != EV_CURRENT ||
	    eh->e_ident[EI_OSABI] != ELFOSABI_NONE)
		return rax_elf_err(elf, "not an ELF64 little-endian System V object");
	if (eh->e_type != ET_REL)
		return rax_elf_err(elf, "ELF type %u: a Rax object is relocatable (ET_REL)",
				   eh->e_type);
	if (eh->e_machine != EM_X86_64)
		return rax_elf_err(elf, "machine %u: a Rax object is for x86-64", eh->e_machine);
	if (eh->e_version != EV_CURRENT || eh->e_ehsize != sizeof(*eh) ||
	    eh->e_shentsize != sizeof(struct elf64_shdr))
		return rax_elf_err(elf, "bad ELF version or header sizes");
	if (eh->e_phnum || eh->e_phoff)
		return rax_elf_err(elf, "a relocatable object has no program headers");
	if (!eh->e_shoff || eh->e_shoff % __alignof__(struct elf64_shdr))
		return rax_elf_err(elf, "section table offset %llu is missing or misaligned",
				   eh->e_shoff);
	if (!rax_elf_range_ok(elf, eh->e_shoff, sizeof(struct elf64_shdr)))
		return rax_elf_err(elf, "section table at offset %llu is past the end of the image",
				   eh->e_shoff);
	elf->ehdr = eh;
	elf->shdrs = image + eh->e_shoff;

	/* Section count and name table index, possibly extended. */
	elf->shnum = eh->e_shnum;
	if (!elf->shnum) {
		if (elf->shdrs[0].sh_size > RAX_ELF_MAX_SECTIONS)
			return rax_elf_err(elf, "more than %u sections", RAX_ELF_MAX_SECTIONS);
		elf->shnum = elf->shdrs[0].sh_size;
	}
	if (elf->shnum < 2 || elf->shnum > RAX_ELF_MAX_SECTIONS)
		return rax_elf_err(elf, "section count %u out of range", elf->shnum);
	if (check_mul_overflow((u64)elf->shnum, (u64)sizeof(struct elf64_shdr), &shtab) ||
	    !rax_elf_range_ok(elf, eh->e_shoff, shtab))
		return rax_elf_err(elf, "section table of %u entries is past the end of the image",
				   elf->shnum);
	elf->shstrndx = eh->e_shstrndx;
	if (elf->shstrndx == SHN_XINDEX)
		elf->shstrndx = elf->shdrs[0].sh_link;
	if (!elf->shstrndx || elf->shstrndx >= elf->shnum)
		return rax_elf_err(elf, "section name table index %u out of range",
				   elf->shstrndx);
	if (elf->shdrs[0].sh_type != SHT_NULL)
		return rax_elf_err(elf, "section 0 is not the null section");

	/* Every section's bytes are in the image. */
	for (i = 1; i < elf->shnum; i++) {
		const struct elf64_shdr *sh = &elf->shdrs[i];

		if (sh->sh_addralign > 1 && !is_power_of_2(sh->sh_addralign))
			return rax_elf_err(elf, "section %u: alignment %llu is not a power of two",
					   i, sh->sh_addralign);
		if (sh->sh_addr)
			return rax_elf_err(elf, "section %u: non-zero address", i);
		if (sh->sh_type == SHT_NOBITS)
			continue;
		if (!rax_elf_range_ok(elf, sh->sh_offset, sh->sh_size))
			return rax_elf_err(elf,
					   "section %u: offset %llu size %llu is past the end of the image",
					   i, sh->sh_offset, sh->sh_size);
	}

	err = rax_elf_check_strtab(elf, elf->shstrndx);
	if (err)
		return err;
	elf->shstrtab = image + elf->shdrs[elf->shstrndx].sh_offset;
	elf->shstrtab_size = elf->shdrs[elf->shstrndx].sh_size;
	for (i = 0; i < elf->shnum; i++) {
		if (elf->shdrs[i].sh_name >= elf->shstrtab_size)
			return rax_elf_err(elf, "section %u: name offset %u out of range",
					   i, elf->shdrs[i].sh_name);
	}

	err = rax_elf_check_overlap(elf);
	if (err)
		return err;

	/* Section types: the symbol table first, relocations need it. */
	for (i = 1; i < elf->shnum; i++) {
		switch (elf->shdrs[i].sh_type) {
		case SHT_PROGBITS:
		case SHT_NOBITS:
		case SHT_RELA:
		case SHT_LLVM_ADDRSIG:
			break;
		case SHT_STRTAB:
			err = rax_elf_check_strtab(elf, i);
			break;
		case SHT_SYMTAB:
			err = rax_elf_check_symtab(elf, i);
			break;
		case SHT_NOTE:
			err = rax_elf_check_notes(elf, i);
			break;
		default:
			err = rax_elf_err(elf, "section %u (%s): unsupported section type %#x",
					  i, rax_elf_section_name(elf, i),
					  elf->shdrs[i].sh_type);
		}
		if (err)
			return err;
	}
	for (i = 1; i < elf->shnum; i++) {
		if (elf->shdrs[i].sh_type != SHT_RELA)
			continue;
		err = rax_elf_check_rela(elf, i);
		if (err)
			return err;
	}
	return 0;
}
