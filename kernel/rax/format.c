// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Rax object format, version 0 (Documentation/rax/format.rst): the
 * sections of an object whose ELF container rax_elf_parse() accepted,
 * its entry points, map definitions, imported helpers and provenance
 * note. Anything the format does not describe is refused.
 */

#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/elf.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/trace_events.h>
#include <linux/unaligned.h>

#include "rax.h"

/* A trace record starts with its common fields. */
static_assert(sizeof(struct trace_entry) == RAX_MIN_CTX_OFFSET);

static __printf(2, 3) int rax_fmt_err(struct rax_obj *obj, const char *fmt, ...)
{
	struct bpf_verifier_log *log = obj->elf.log;
	va_list args;

	if (log && bpf_verifier_log_needed(log)) {
		bpf_log(log, "rax: format: ");
		va_start(args, fmt);
		bpf_verifier_vlog(log, fmt, args);
		va_end(args);
		bpf_log(log, "\n");
	}
	return -EINVAL;
}

static bool rax_name_is(const char *name, const char *base)
{
	size_t n = strlen(base);

	return !strncmp(name, base, n) && (name[n] == '\0' || name[n] == '.');
}

/* The class of a section by its name and type, or RAX_SEC_BAD. */
static enum rax_sec_class rax_sec_classify(const struct rax_elf *elf, u32 i)
{
	const struct elf64_shdr *sh = &elf->shdrs[i];
	const char *name = rax_elf_section_name(elf, i);

	switch (sh->sh_type) {
	case SHT_PROGBITS:
		if (rax_name_is(name, ".text"))
			return RAX_SEC_TEXT;
		if (rax_name_is(name, ".rodata"))
			return RAX_SEC_RODATA;
		if (rax_name_is(name, ".data"))
			return RAX_SEC_DATA;
		if (!strcmp(name, RAX_SECTION_ENTRIES))
			return RAX_SEC_ENTRIES;
		if (!strcmp(name, RAX_SECTION_MAPS))
			return RAX_SEC_MAPS;
		break;
	case SHT_NOBITS:
		if (rax_name_is(name, ".bss"))
			return RAX_SEC_BSS;
		break;
	case SHT_NOTE:
		if (!strcmp(name, RAX_SECTION_PROVENANCE))
			return RAX_SEC_NOTE;
		break;
	case SHT_RELA:
		if (!strncmp(name, ".rela", 5) &&
		    !strcmp(name + 5, rax_elf_section_name(elf, sh->sh_info)))
			return RAX_SEC_RELA;
		break;
	case SHT_SYMTAB:
		if (!strcmp(name, ".symtab"))
			return RAX_SEC_META;
		break;
	case SHT_STRTAB:
		if (!strcmp(name, ".strtab") || !strcmp(name, ".shstrtab"))
			return RAX_SEC_META;
		break;
	case SHT_LLVM_ADDRSIG:
		if (!strcmp(name, ".llvm_addrsig"))
			return RAX_SEC_META;
		break;
	}
	return RAX_SEC_BAD;
}

/* The flags each class of section must have, and those it may have. */
static int rax_sec_check_flags(struct rax_obj *obj, u32 i, enum rax_sec_class c)
{
	u64 flags = obj->elf.shdrs[i].sh_flags;
	u64 need = 0, may = 0;

	switch (c) {
	case RAX_SEC_TEXT:
		need = SHF_ALLOC | SHF_EXECINSTR;
		break;
	case RAX_SEC_RODATA:
		need = SHF_ALLOC;
		may = SHF_MERGE | SHF_STRINGS;
		break;
	case RAX_SEC_DATA:
	case RAX_SEC_BSS:
	case RAX_SEC_MAPS:
		need = SHF_ALLOC | SHF_WRITE;
		break;
	case RAX_SEC_ENTRIES:
		may = SHF_ALLOC | SHF_WRITE;
		break;
	case RAX_SEC_NOTE:
		break;
	case RAX_SEC_RELA:
		may = SHF_INFO_LINK;
		break;
	case RAX_SEC_META:
		may = SHF_ALLOC;
		break;
	default:
		break;
	}
	if ((flags & need) != need || (flags & ~(need | may)))
		return rax_fmt_err(obj, "section %u (%s): flags %#llx are not allowed for it",
				   i, rax_elf_section_name(&obj->elf, i), flags);
	return 0;
}

static int rax_fmt_entries(struct rax_obj *obj, u32 idx)
{
	const struct rax_elf *elf = &obj->elf;
	const struct elf64_shdr *sh = &elf->shdrs[idx];
	u32 i, s;

	if (!sh->sh_size || sh->sh_size % sizeof(struct rax_entry_def) ||
	    sh->sh_size / sizeof(struct rax_entry_def) > RAX_MAX_ENTRIES)
		return rax_fmt_err(obj, "%s: size %llu is not 1 to %u entry definitions",
				   RAX_SECTION_ENTRIES, sh->sh_size, RAX_MAX_ENTRIES);
	obj->entries = elf->image + sh->sh_offset;
	obj->nentries = sh->sh_size / sizeof(struct rax_entry_def);
	obj->entry_sym = kcalloc(obj->nentries, sizeof(*obj->entry_sym), GFP_KERNEL_ACCOUNT);
	if (!obj->entry_sym)
		return -ENOMEM;

	for (i = 0; i < obj->nentries; i++) {
		const struct rax_entry_def *e = &obj->entries[i];

		if (!memchr(e->symbol, '\0', sizeof(e->symbol)) || !e->symbol[0])
			return rax_fmt_err(obj,
					   "entry %u: symbol name is empty or not NUL-terminated",
					   i);
		if (!rax_prog_type_bit(e->prog_type))
			return rax_fmt_err(obj, "entry %u (%s): program type %u is not supported",
					   i, e->symbol, e->prog_type);
		if (e->flags)
			return rax_fmt_err(obj, "entry %u (%s): reserved fields are not zero",
					   i, e->symbol);
		/* How much of its record a tracepoint entry reads (attach checks it). */
		if (e->max_ctx_offset && (e->prog_type != BPF_PROG_TYPE_TRACEPOINT ||
					  e->max_ctx_offset > RAX_MAX_CTX_OFFSET))
			return rax_fmt_err(obj,
					   "entry %u (%s): max_ctx_offset %u: only a tracepoint entry reads a record, of at most %u bytes",
					   i, e->symbol, e->max_ctx_offset, RAX_MAX_CTX_OFFSET);
		if (e->prog_type == BPF_PROG_TYPE_TRACEPOINT &&
		    e->max_ctx_offset < RAX_MIN_CTX_OFFSET)
			return rax_fmt_err(obj,
					   "entry %u (%s): max_ctx_offset %u: a tracepoint entry says how much of its record it reads, at least the %u bytes of common fields (rebuild with rax::tracepoint!)",
					   i, e->symbol, e->max_ctx_offset, RAX_MIN_CTX_OFFSET);
		for (s = 1; s < elf->nsyms; s++) {
			const struct elf64_sym *sym = &elf->syms[s];

			if (strcmp(elf->strtab + sym->st_name, e->symbol))
				continue;
			if (ELF64_ST_TYPE(sym->st_info) != STT_FUNC ||
			    ELF64_ST_BIND(sym->st_info) != STB_GLOBAL ||
			    sym->st_shndx == SHN_UNDEF || sym->st_shndx >= elf->shnum ||
			    obj->sec_class[sym->st_shndx] != RAX_SEC_TEXT ||
			    sym->st_value >= elf->shdrs[sym->st_shndx].sh_size)
				return rax_fmt_err(obj,
						   "entry %u (%s): not a global function in a code section",
						   i, e->symbol);
			obj->entry_sym[i] = s;
			break;
		}
		if (!obj->entry_sym[i])
			return rax_fmt_err(obj, "entry %u: no symbol %s", i, e->symbol);
	}
	return 0;
}

/* The hash map types, whose keys may have any size. */
static bool rax_map_is_hash(u32 type)
{
	return type == BPF_MAP_TYPE_HASH || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static int rax_fmt_maps(struct rax_obj *obj, u32 idx)
{
	const struct elf64_shdr *sh = &obj->elf.shdrs[idx];
	const struct rax_map_def *m;
	u32 i;

	if (sh->sh_size % sizeof(*m) || sh->sh_size / sizeof(*m) > RAX_MAX_MAPS)
		return rax_fmt_err(obj, "%s: size %llu is not up to %u map definitions",
				   RAX_SECTION_MAPS, sh->sh_size, RAX_MAX_MAPS);
	if (sh->sh_addralign < __alignof__(*m))
		return rax_fmt_err(obj, "%s: alignment %llu is below %zu",
				   RAX_SECTION_MAPS, sh->sh_addralign, __alignof__(*m));
	obj->maps = obj->elf.image + sh->sh_offset;
	obj->nmaps = sh->sh_size / sizeof(*m);
	for (i = 0; i < obj->nmaps; i++) {
		m = &obj->maps[i];
		if (!memchr(m->name, '\0', sizeof(m->name)))
			return rax_fmt_err(obj, "map %u: name is not NUL-terminated", i);
		if (m->reserved || m->map || m->reserved2 ||
		    (m->spin_lock_off && !(m->flags & RAX_MAP_SPIN_LOCK)))
			return rax_fmt_err(obj, "map %u (%s): reserved fields are not zero",
					   i, m->name);
		if (m->flags & ~RAX_MAP_SPIN_LOCK)
			return rax_fmt_err(obj, "map %u (%s): unknown flags %#x",
					   i, m->name, m->flags & ~RAX_MAP_SPIN_LOCK);
		switch (m->type) {
		case BPF_MAP_TYPE_HASH:
		case BPF_MAP_TYPE_ARRAY:
		case BPF_MAP_TYPE_PERCPU_ARRAY:
		case BPF_MAP_TYPE_PERCPU_HASH:
		case BPF_MAP_TYPE_LRU_HASH:
		case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		case BPF_MAP_TYPE_STACK_TRACE:
		case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
		case BPF_MAP_TYPE_DEVMAP:
		case BPF_MAP_TYPE_CPUMAP:
			break;
		case BPF_MAP_TYPE_QUEUE:
		case BPF_MAP_TYPE_STACK:
			if (m->key_size || !m->value_size || !m->max_entries || m->flags)
				return rax_fmt_err(obj,
						   "map %u (%s): a queue or stack has no key, a value and entries",
						   i, m->name);
			continue;
		case BPF_MAP_TYPE_RINGBUF:
			if (m->key_size || m->value_size || m->map_flags || m->flags ||
			    m->max_entries < PAGE_SIZE || !is_power_of_2(m->max_entries))
				return rax_fmt_err(obj,
						   "map %u (%s): a ring buffer has no key or value and a power-of-2 size of at least a page",
						   i, m->name);
			continue;
		default:
			return rax_fmt_err(obj, "map %u (%s): map type %u is not supported",
					   i, m->name, m->type);
		}
		if (m->flags & RAX_MAP_SPIN_LOCK) {
			if (m->type != BPF_MAP_TYPE_HASH && m->type != BPF_MAP_TYPE_ARRAY)
				return rax_fmt_err(obj,
						   "map %u (%s): only hash and array values may hold a spin lock",
						   i, m->name);
			if (m->spin_lock_off % sizeof(u32) || m->value_size < sizeof(u32) ||
			    m->spin_lock_off > m->value_size - sizeof(u32))
				return rax_fmt_err(obj,
						   "map %u (%s): spin lock at %u is outside the value or misaligned",
						   i, m->name, m->spin_lock_off);
		}
		if (!m->key_size || !m->value_size || !m->max_entries)
			return rax_fmt_err(obj, "map %u (%s): zero key size, value size or entries",
					   i, m->name);
		if (!rax_map_is_hash(m->type) && m->key_size != sizeof(u32))
			return rax_fmt_err(obj, "map %u (%s): an array's key is 4 bytes, not %u",
					   i, m->name, m->key_size);
		if ((m->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY && m->value_size != sizeof(u32)) ||
		    (m->type == BPF_MAP_TYPE_STACK_TRACE && m->value_size % sizeof(u64)) ||
		    ((m->type == BPF_MAP_TYPE_DEVMAP || m->type == BPF_MAP_TYPE_CPUMAP) &&
		     m->value_size != sizeof(u32) && m->value_size != 2 * sizeof(u32)))
			return rax_fmt_err(obj,
					   "map %u (%s): value size %u does not fit map type %u",
					   i, m->name, m->value_size, m->type);
	}
	return 0;
}

/**
 * rax_is_thunk() - Is @name one of the kernel's thunks code may reference?
 * @name: an undefined symbol's name.
 *
 * Return: true for RAX_THUNK_RETURN and RAX_THUNK_INDIRECT, which are not
 * helpers and not imports: relocation resolves them to the thunks the
 * running kernel uses (image.c).
 */
bool rax_is_thunk(const char *name)
{
	return !strcmp(name, RAX_THUNK_RETURN) || !strcmp(name, RAX_THUNK_INDIRECT);
}

/* Undefined symbols must be helpers of the list (or the kernel's thunks). */
static int rax_fmt_imports(struct rax_obj *obj)
{
	const struct rax_elf *elf = &obj->elf;
	u32 s;
	int h;

	for (s = 1; s < elf->nsyms; s++) {
		const struct elf64_sym *sym = &elf->syms[s];
		const char *name = elf->strtab + sym->st_name;

		if (sym->st_shndx != SHN_UNDEF)
			continue;
		if (!*name)
			return rax_fmt_err(obj, "symbol %u: undefined and unnamed", s);
		if (rax_is_thunk(name))
			continue;
		h = rax_helper_find(name, strlen(name));
		if (h < 0)
			return rax_fmt_err(obj, "symbol %s: not a Rax helper", name);
		obj->imports |= BIT_ULL(h);
	}
	return 0;
}

static const u8 *rax_prov_sha(struct rax_obj *obj, const u8 *data, u32 len,
			      const char *what)
{
	if (len != RAX_SHA256_SIZE) {
		rax_fmt_err(obj, "provenance: %s is %u bytes, not %u", what, len,
			    RAX_SHA256_SIZE);
		return NULL;
	}
	return data;
}

/* Decode the provenance note's records (format.rst, "The provenance note"). */
static int rax_fmt_provenance(struct rax_obj *obj, const u8 *desc, u32 size)
{
	struct rax_prov *p = &obj->prov;
	u64 helpers = 0;
	u32 off = 0, nstack = 0, seen = 0;
	int h;

	p->stack = kcalloc(obj->nentries, sizeof(*p->stack), GFP_KERNEL_ACCOUNT);
	if (!p->stack)
		return -ENOMEM;

	while (off < size) {
		const struct rax_prov_record *r;
		const u8 *data;
		u32 len, padded;

		if (size - off < sizeof(*r))
			return rax_fmt_err(obj, "provenance: truncated record at offset %u", off);
		r = (const void *)(desc + off);
		len = r->len;
		if (r->reserved)
			return rax_fmt_err(obj,
					   "provenance: record at offset %u: reserved field is not zero",
					   off);
		if (check_add_overflow(len, 3U, &padded))
			padded = U32_MAX;
		padded &= ~3U;
		if (padded > size - off - sizeof(*r))
			return rax_fmt_err(obj,
					   "provenance: record at offset %u runs past the note",
					   off);
		data = desc + off + sizeof(*r);
		if (!off && r->tag != RAX_PROV_FORMAT)
			return rax_fmt_err(obj,
					   "provenance: the first record is not the format version");
		if (r->tag < 32 && r->tag != RAX_PROV_STACK && r->tag != RAX_PROV_HELPER &&
		    (seen & BIT(r->tag)))
			return rax_fmt_err(obj, "provenance: record %u appears twice", r->tag);
		if (r->tag < 32)
			seen |= BIT(r->tag);

		switch (r->tag) {
		case RAX_PROV_FORMAT:
			if (len != sizeof(u32))
				return rax_fmt_err(obj,
						   "provenance: format record of %u bytes",
						   len);
			p->format = get_unaligned((const u32 *)data);
			break;
		case RAX_PROV_RUSTC_VERSION:
			p->rustc_version = data;
			p->rustc_version_len = len;
			break;
		case RAX_PROV_RUSTC_SHA256:
			p->rustc_sha256 = rax_prov_sha(obj, data, len, "rustc hash");
			if (!p->rustc_sha256)
				return -EINVAL;
			break;
		case RAX_PROV_SYSROOT_SHA256:
		case RAX_PROV_CRATE_SHA256:
		case RAX_PROV_TARGET_SHA256:
		case RAX_PROV_SOURCE_SHA256:
		case RAX_PROV_BTF_SHA256:
		case RAX_PROV_PLUGIN_SHA256:
			if (!rax_prov_sha(obj, data, len, "a hash"))
				return -EINVAL;
			if (r->tag == RAX_PROV_CRATE_SHA256)
				p->crate_sha256 = data;
			if (r->tag == RAX_PROV_PLUGIN_SHA256)
				p->plugin_sha256 = data;
			if (r->tag == RAX_PROV_BTF_SHA256)
				p->btf_sha256 = data;
			break;
		case RAX_PROV_FLAGS:
			break;
		case RAX_PROV_STACK: {
			u32 entry, bytes;

			if (len != 2 * sizeof(u32))
				return rax_fmt_err(obj,
						   "provenance: stack record of %u bytes",
						   len);
			entry = get_unaligned((const u32 *)data);
			bytes = get_unaligned((const u32 *)data + 1);
			if (entry >= obj->nentries || p->stack[entry])
				return rax_fmt_err(obj,
						   "provenance: stack record for entry %u is out of range or repeated",
						   entry);
			if (!bytes)
				return rax_fmt_err(obj,
						   "provenance: stack bound of entry %u is zero",
						   entry);
			p->stack[entry] = bytes;
			nstack++;
			break;
		}
		case RAX_PROV_HELPER:
			h = rax_helper_find((const char *)data, len);
			if (h < 0)
				return rax_fmt_err(obj,
						   "provenance: helper %.*s is not a Rax helper",
						   (int)min(len, 64U), data);
			if (helpers & BIT_ULL(h))
				return rax_fmt_err(obj, "provenance: helper %.*s listed twice",
						   (int)min(len, 64U), data);
			helpers |= BIT_ULL(h);
			break;
		default:
			return rax_fmt_err(obj, "provenance: unknown record tag %u", r->tag);
		}
		off += sizeof(*r) + padded;
	}

	if (!(seen & BIT(RAX_PROV_FORMAT)) || !(seen & BIT(RAX_PROV_RUSTC_VERSION)) ||
	    !(seen & BIT(RAX_PROV_RUSTC_SHA256)) || !(seen & BIT(RAX_PROV_SYSROOT_SHA256)) ||
	    !(seen & BIT(RAX_PROV_CRATE_SHA256)) || !(seen & BIT(RAX_PROV_TARGET_SHA256)) ||
	    !(seen & BIT(RAX_PROV_FLAGS)) || !(seen & BIT(RAX_PROV_SOURCE_SHA256)))
		return rax_fmt_err(obj, "provenance: a required record is missing");
	if (nstack != obj->nentries)
		return rax_fmt_err(obj, "provenance: %u stack bounds for %u entries",
				   nstack, obj->nentries);
	if (helpers != obj->imports)
		return rax_fmt_err(obj,
				   "provenance: the helper records differ from the object's imports");
	return 0;
}

static int rax_fmt_note(struct rax_obj *obj, u32 idx)
{
	const struct elf64_shdr *sh = &obj->elf.shdrs[idx];
	const u8 *p = obj->elf.image + sh->sh_offset;
	const struct elf64_note *n = (const void *)p;
	u64 len;

	/* rax_elf_parse() checked that every note lies inside the section. */
	if (sh->sh_size < sizeof(*n))
		return rax_fmt_err(obj, "provenance: empty note section");
	len = sizeof(*n) + ALIGN((u64)n->n_namesz, 4) + ALIGN((u64)n->n_descsz, 4);
	if (len != sh->sh_size)
		return rax_fmt_err(obj, "provenance: the section holds more than one note");
	if (n->n_namesz != sizeof(RAX_NOTE_NAME) ||
	    memcmp(p + sizeof(*n), RAX_NOTE_NAME, sizeof(RAX_NOTE_NAME)) ||
	    n->n_type != RAX_NOTE_PROVENANCE)
		return rax_fmt_err(obj, "provenance: the note is not a Rax provenance note");
	return rax_fmt_provenance(obj, p + sizeof(*n) + ALIGN(n->n_namesz, 4), n->n_descsz);
}

/*
 * Every function gets a kernel symbol (rax_image_build()): without one,
 * stack traces could not name it and the unwinder would not know its code
 * as BPF text. Bound their number, and so the symbols' memory.
 */
static int rax_fmt_functions(struct rax_obj *obj)
{
	const struct rax_elf *elf = &obj->elf;
	u32 s, n = 0;

	for (s = 1; s < elf->nsyms; s++) {
		const struct elf64_sym *sym = &elf->syms[s];

		if (ELF64_ST_TYPE(sym->st_info) == STT_FUNC && sym->st_size &&
		    sym->st_shndx < elf->shnum && obj->sec_class[sym->st_shndx] == RAX_SEC_TEXT)
			n++;
	}
	if (n <= RAX_MAX_FUNCTIONS)
		return 0;
	rax_fmt_err(obj, "%u functions; at most %u, each with a kernel symbol",
		    n, RAX_MAX_FUNCTIONS);
	return -E2BIG;
}

/**
 * rax_format_parse() - Check an object against the Rax object format.
 * @obj: the object; @obj->elf was filled by rax_elf_parse().
 *
 * Classifies every section, reads the entry points, map definitions,
 * imported helpers and the provenance note, and refuses anything the
 * format does not describe.
 *
 * Return: 0, -EINVAL with the reason in the log, -E2BIG (and the reason)
 * for more than RAX_MAX_FUNCTIONS functions, or -ENOMEM. On error the
 * caller still calls rax_format_free().
 */
int rax_format_parse(struct rax_obj *obj)
{
	const struct rax_elf *elf = &obj->elf;
	u32 i, entries = 0, maps = 0, note = 0;
	int err;

	obj->sec_class = kcalloc(elf->shnum, sizeof(*obj->sec_class), GFP_KERNEL_ACCOUNT);
	if (!obj->sec_class)
		return -ENOMEM;
	for (i = 1; i < elf->shnum; i++) {
		enum rax_sec_class c = rax_sec_classify(elf, i);

		if (c == RAX_SEC_BAD)
			return rax_fmt_err(obj, "section %u (%s): not a section of the Rax format",
					   i, rax_elf_section_name(elf, i));
		err = rax_sec_check_flags(obj, i, c);
		if (err)
			return err;
		obj->sec_class[i] = c;
		if (c == RAX_SEC_ENTRIES)
			entries = entries ? U32_MAX : i;
		else if (c == RAX_SEC_MAPS)
			maps = maps ? U32_MAX : i;
		else if (c == RAX_SEC_NOTE)
			note = note ? U32_MAX : i;
	}
	if (!entries || entries == U32_MAX || maps == U32_MAX || !note || note == U32_MAX)
		return rax_fmt_err(obj, "needs one %s, one %s and at most one %s section",
				   RAX_SECTION_ENTRIES, RAX_SECTION_PROVENANCE, RAX_SECTION_MAPS);
	if (!elf->symtab)
		return rax_fmt_err(obj, "no symbol table");

	err = rax_fmt_entries(obj, entries);
	if (!err)
		err = rax_fmt_functions(obj);
	if (!err && maps)
		err = rax_fmt_maps(obj, maps);
	if (!err)
		err = rax_fmt_imports(obj);
	if (!err)
		err = rax_fmt_note(obj, note);
	return err;
}

/**
 * rax_format_free() - Free what rax_format_parse() allocated.
 * @obj: the object.
 */
void rax_format_free(struct rax_obj *obj)
{
	kfree(obj->sec_class);
	kfree(obj->entry_sym);
	kfree(obj->prov.stack);
	obj->sec_class = NULL;
	obj->entry_sym = NULL;
	obj->prov.stack = NULL;
}
