// SPDX-License-Identifier: GPL-2.0-only
/*
 * The image of a Rax program: its code, relocated against the helper
 * table and made read-only and executable, and its data, in separate
 * memory that is never executable.
 *
 * Code goes into a BPF program pack, as JIT output does, behind a small
 * per-program stub that bpf_func points at:
 *
 *   [ ENDBR | jmp rax_run | int3 padding | .text sections ]
 *
 * so that everything the BPF core derives from bpf_func (the pack header
 * freed by bpf_jit_free(), the kallsyms range, the XDP dispatcher's
 * direct call) holds for a Rax program too. Data goes into module-range
 * memory, so that the kernel code model's 32-bit relocations reach it:
 * read-only data (with the entry and map definitions) into chunks shared
 * by programs and read-only from the start (rodata.c), written once
 * relocated; writable data and bss into memory of the program's own.
 */

#define pr_fmt(fmt) "rax: " fmt

#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/execmem.h>
#include <linux/filter.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>
#include <asm/alternative.h>
#include <asm/ibt.h>
#include <asm/nospec-branch.h>
#include <asm/text-patching.h>

#include "rax.h"

/* Largest section alignment honoured; code needs no more. */
#define RAX_MAX_ALIGN		64U

static __printf(2, 3) int rax_img_err(struct rax_obj *obj, const char *fmt, ...)
{
	struct bpf_verifier_log *log = obj->elf.log;
	va_list args;

	if (log && bpf_verifier_log_needed(log)) {
		bpf_log(log, "rax: relocation: ");
		va_start(args, fmt);
		bpf_verifier_vlog(log, fmt, args);
		va_end(args);
		bpf_log(log, "\n");
	}
	return -EINVAL;
}

static void rax_fill_int3(void *area, unsigned int size)
{
	memset(area, 0xcc, size);
}

/* Where each loaded section goes, while the image is being built. */
struct rax_layout {
	u64 *addr;		/* run-time address per section, 0 if not loaded */
	u8 **buf;		/* where to write each section now */
	u32 text_size;		/* stub and code */
	u32 ro_size;		/* read-only data, in units of RAX_RO_UNIT */
	u32 ro_align;		/* the largest alignment of its sections */
	u32 rw_size;		/* writable data, page aligned */
	u32 *off;		/* offset of each section in its region */
	u8 *region;		/* enum rax_region per section */
};

enum rax_region { RAX_REG_NONE, RAX_REG_TEXT, RAX_REG_RO, RAX_REG_RW };

static enum rax_region rax_sec_region(u8 class)
{
	switch (class) {
	case RAX_SEC_TEXT:
		return RAX_REG_TEXT;
	case RAX_SEC_RODATA:
	case RAX_SEC_ENTRIES:
	case RAX_SEC_MAPS:
		return RAX_REG_RO;
	case RAX_SEC_DATA:
	case RAX_SEC_BSS:
		return RAX_REG_RW;
	default:
		return RAX_REG_NONE;
	}
}

static int rax_place(struct rax_obj *obj, struct rax_layout *lay)
{
	const struct rax_elf *elf = &obj->elf;
	u32 size[4] = { [RAX_REG_TEXT] = RAX_STUB_SIZE };
	u32 i;

	for (i = 1; i < elf->shnum; i++) {
		const struct elf64_shdr *sh = &elf->shdrs[i];
		enum rax_region r = rax_sec_region(obj->sec_class[i]);
		u64 align = max_t(u64, sh->sh_addralign, 1);
		u64 start, end;

		lay->region[i] = r;
		if (r == RAX_REG_NONE)
			continue;
		if (!is_power_of_2(align) || align > PAGE_SIZE)
			return rax_img_err(obj, "section %u (%s): alignment %llu is not supported",
					   i, rax_elf_section_name(elf, i), sh->sh_addralign);
		align = min_t(u64, align, r == RAX_REG_TEXT ? RAX_MAX_ALIGN : PAGE_SIZE);
		start = ALIGN((u64)size[r], align);
		if (check_add_overflow(start, sh->sh_size, &end) ||
		    end > RAX_IMAGE_SIZE_MAX)
			return rax_img_err(obj, "section %u (%s): the program is too large",
					   i, rax_elf_section_name(elf, i));
		lay->off[i] = start;
		size[r] = end;
		if (r == RAX_REG_RO)
			lay->ro_align = max_t(u32, lay->ro_align, align);
	}
	lay->text_size = size[RAX_REG_TEXT];
	lay->ro_size = ALIGN(size[RAX_REG_RO], RAX_RO_UNIT);
	lay->rw_size = PAGE_ALIGN(size[RAX_REG_RW]);
	return 0;
}

/* The run-time address of symbol @idx, or 0 with the reason logged. */
static u64 rax_sym_addr(struct rax_obj *obj, struct rax_layout *lay, u32 idx)
{
	const struct rax_elf *elf = &obj->elf;
	const struct elf64_sym *sym = &elf->syms[idx];
	const char *name = elf->strtab + sym->st_name;
	int h;

	if (sym->st_shndx == SHN_UNDEF) {
		h = rax_helper_find(name, strlen(name));
		if (h < 0 || !(obj->imports & BIT_ULL(h))) {
			rax_img_err(obj, "symbol %s is not in the helper table", name);
			return 0;
		}
		return (unsigned long)rax_helpers[h].addr;
	}
	if (sym->st_shndx == SHN_ABS || !lay->addr[sym->st_shndx]) {
		rax_img_err(obj, "symbol %s is not in a loaded section", name);
		return 0;
	}
	return lay->addr[sym->st_shndx] + sym->st_value;
}

/*
 * A rel32 jmp or call of one of the kernel's thunks, made what objtool's
 * sites of the kernel's own code are made at boot (apply_returns(),
 * apply_retpolines()): "jmp __x86_return_thunk" jumps to the return thunk
 * this CPU needs (its_return_thunk under ITS), or becomes "ret; int3..."
 * when it needs none; "call/jmp __x86_indirect_thunk_r11" goes, as the
 * x86 JIT's indirect jumps do, to the ITS thunk for r11 when the CPU needs
 * that mitigation (an indirect branch in the upper half of a cache line),
 * else to the kernel's retpoline thunk for r11, or becomes "call/jmp
 * *%r11" in a kernel built without retpolines.
 */
static int rax_apply_thunk(struct rax_obj *obj, struct rax_layout *lay,
			   u32 target, const struct elf64_rela *r,
			   const char *name)
{
	u32 type = ELF64_R_TYPE(r->r_info);
	u8 *insn = lay->buf[target] + r->r_offset - 1;
	u64 addr = lay->addr[target] + r->r_offset - 1;
	unsigned long dest;
	bool call;
	s64 v;

	if ((type != R_X86_64_PLT32 && type != R_X86_64_PC32) || !r->r_offset ||
	    r->r_addend != -4)
		goto bad;
	call = insn[0] == CALL_INSN_OPCODE;
	if (!call && insn[0] != JMP32_INSN_OPCODE)
		goto bad;

	if (!strcmp(name, RAX_THUNK_RETURN)) {
		if (call)
			goto bad;
		if (!cpu_wants_rethunk_at((void *)(unsigned long)addr)) {
			insn[0] = RET_INSN_OPCODE;
			memset(insn + 1, INT3_INSN_OPCODE, 4);
			return 0;
		}
		dest = (unsigned long)x86_return_thunk;
	} else if (cpu_feature_enabled(X86_FEATURE_INDIRECT_THUNK_ITS)) {
		dest = (unsigned long)its_static_thunk(11);
	} else if (IS_ENABLED(CONFIG_MITIGATION_RETPOLINE)) {
		dest = (unsigned long)&__x86_indirect_thunk_array[11];
	} else {
		/* call *%r11 and two bytes of nop, or jmp *%r11; int3; int3 */
		insn[0] = 0x41;
		insn[1] = 0xff;
		insn[2] = call ? 0xd3 : 0xe3;
		insn[3] = call ? 0x66 : INT3_INSN_OPCODE;
		insn[4] = call ? 0x90 : INT3_INSN_OPCODE;
		return 0;
	}
	v = (s64)(dest - (addr + 5));
	if (v != (s32)v)
		return rax_img_err(obj, "%s at %s+%#llx is out of reach", name,
				   rax_elf_section_name(&obj->elf, target), r->r_offset);
	put_unaligned((s32)v, (s32 *)(insn + 1));
	return 0;
bad:
	return rax_img_err(obj, "%s at %s+%#llx is not the target of a rel32 %s",
			   name, rax_elf_section_name(&obj->elf, target), r->r_offset,
			   strcmp(name, RAX_THUNK_RETURN) ? "jmp or call" : "jmp");
}

/*
 * A relocation's addend may not take the address it makes out of what
 * its symbol names: for a helper (an undefined symbol), a rel32 is the
 * call's or jump's own (-4) and an absolute address is the helper's (0);
 * for a symbol in a section, the address stays inside that section. A
 * PC-relative reference is computed from the end of its instruction,
 * which may hold up to 4 bytes of immediate after the displacement: its
 * target is symbol + addend + 4 to + 8, so symbol + addend may be as low
 * as 8 bytes before the section and as high as 4 bytes before its end.
 * An absolute address may point one past the end (the end of an array).
 *
 * Return: 0, -ERANGE outside the section, -EINVAL for a helper's.
 */
static int rax_check_addend(const struct rax_obj *obj, const struct elf64_sym *sym,
			    u32 type, s64 addend)
{
	bool pcrel = type == R_X86_64_PC32 || type == R_X86_64_PLT32;
	s64 size, at;

	if (sym->st_shndx == SHN_UNDEF)
		return addend == (pcrel ? -4 : 0) ? 0 : -EINVAL;
	if (sym->st_shndx >= obj->elf.shnum)
		return -ERANGE;
	size = obj->elf.shdrs[sym->st_shndx].sh_size;
	/* st_value is inside the section: rax_format_parse() checked it. */
	at = (s64)sym->st_value + addend;
	if (pcrel)
		return at >= -8 && at <= size - 4 ? 0 : -ERANGE;
	return at >= 0 && at <= size ? 0 : -ERANGE;
}

static int rax_apply_rela(struct rax_obj *obj, struct rax_layout *lay, u32 idx)
{
	const struct rax_elf *elf = &obj->elf;
	const struct elf64_shdr *sh = &elf->shdrs[idx];
	const struct elf64_rela *rela = elf->image + sh->sh_offset;
	u32 target = sh->sh_info, i, n = sh->sh_size / sizeof(*rela);

	if (!lay->addr[target])
		return rax_img_err(obj, "section %u: relocates section %u, which is not loaded",
				   idx, target);
	for (i = 0; i < n; i++) {
		const struct elf64_sym *sym = &elf->syms[ELF64_R_SYM(rela[i].r_info)];
		u32 type = ELF64_R_TYPE(rela[i].r_info);
		u8 *loc = lay->buf[target] + rela[i].r_offset;
		u64 p = lay->addr[target] + rela[i].r_offset;
		u64 s;
		s64 v;
		int err;

		if (sym->st_shndx == SHN_UNDEF && rax_is_thunk(elf->strtab + sym->st_name)) {
			err = rax_apply_thunk(obj, lay, target, &rela[i],
					      elf->strtab + sym->st_name);
			if (err)
				return err;
			continue;
		}
		s = rax_sym_addr(obj, lay, ELF64_R_SYM(rela[i].r_info));
		if (!s)
			return -EINVAL;
		err = rax_check_addend(obj, sym, type, rela[i].r_addend);
		if (err)
			return rax_img_err(obj,
					   "section %u: relocation %u at %s+%#llx: addend %lld %s",
					   idx, i, rax_elf_section_name(elf, target),
					   rela[i].r_offset, rela[i].r_addend,
					   err == -ERANGE ? "leaves its section" :
					   "is not a call's or a pointer's");
		switch (type) {
		case R_X86_64_64:
			put_unaligned(s + rela[i].r_addend, (u64 *)loc);
			continue;
		case R_X86_64_PC32:
		case R_X86_64_PLT32:
			v = (s64)(s + rela[i].r_addend - p);
			if (v != (s32)v)
				goto range;
			put_unaligned((s32)v, (s32 *)loc);
			continue;
		case R_X86_64_32:
			v = (s64)(s + rela[i].r_addend);
			if ((u64)v != (u32)v)
				goto range;
			put_unaligned((u32)v, (u32 *)loc);
			continue;
		case R_X86_64_32S:
			v = (s64)(s + rela[i].r_addend);
			if (v != (s32)v)
				goto range;
			put_unaligned((s32)v, (s32 *)loc);
			continue;
		default:
			return rax_img_err(obj, "section %u: relocation %u has type %u",
					   idx, i, type);
		}
range:
		return rax_img_err(obj,
				   "section %u: relocation %u (type %u) at %s+%#llx is out of reach",
				   idx, i, type, rax_elf_section_name(elf, target),
				   rela[i].r_offset);
	}
	return 0;
}

/* Every function of an image gets a kernel symbol (format.c bounds them). */
#define RAX_MAX_KSYMS		RAX_MAX_FUNCTIONS

/* Whether symbol @idx is a function in a loaded code section. */
static bool rax_sym_is_func(const struct rax_obj *obj,
			    const struct rax_layout *lay, u32 idx)
{
	const struct rax_elf *elf = &obj->elf;
	const struct elf64_sym *sym = &elf->syms[idx];
	u64 end;

	return ELF64_ST_TYPE(sym->st_info) == STT_FUNC && sym->st_size &&
	       sym->st_shndx && sym->st_shndx < elf->shnum &&
	       lay->region[sym->st_shndx] == RAX_REG_TEXT &&
	       !check_add_overflow(sym->st_value, sym->st_size, &end) &&
	       end <= elf->shdrs[sym->st_shndx].sh_size;
}

static int rax_ksym_cmp(const void *a, const void *b)
{
	const struct bpf_ksym *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * One kernel symbol per function of the image, named as the JIT names an
 * eBPF subprogram, bpf_prog_<tag>_<symbol>, so that kallsyms, perf and
 * stack traces show the Rust functions. Aliases and overlaps are dropped:
 * the BPF symbol tree needs disjoint ranges.
 */
static int rax_image_ksyms(struct rax_obj *obj, struct rax_layout *lay,
			   struct rax_prog *rp)
{
	const struct rax_elf *elf = &obj->elf;
	struct bpf_ksym *k;
	u32 i, n = 0, kept;

	for (i = 1; i < elf->nsyms; i++)
		n += rax_sym_is_func(obj, lay, i);
	n = min(n, RAX_MAX_KSYMS);
	if (!n)
		return 0;
	k = kvcalloc(n, sizeof(*k), GFP_KERNEL_ACCOUNT);
	if (!k)
		return -ENOMEM;
	for (i = 1, n = 0; i < elf->nsyms && n < RAX_MAX_KSYMS; i++) {
		const struct elf64_sym *sym = &elf->syms[i];

		if (!rax_sym_is_func(obj, lay, i))
			continue;
		k[n].start = lay->addr[sym->st_shndx] + sym->st_value;
		k[n].end = k[n].start + sym->st_size;
		snprintf(k[n].name, KSYM_NAME_LEN, "bpf_prog_%*phN_%s",
			 BPF_TAG_SIZE, rp->prog->tag, elf->strtab + sym->st_name);
		n++;
	}
	sort(k, n, sizeof(*k), rax_ksym_cmp, NULL);
	for (i = 0, kept = 0; i < n; i++) {
		if (kept && k[i].start < k[kept - 1].end)
			continue;
		if (kept != i)
			k[kept] = k[i];
		INIT_LIST_HEAD_RCU(&k[kept].lnode);
		kept++;
	}
	rp->ksyms = k;
	rp->nksyms = kept;
	return 0;
}

/*
 * The stub bpf_func points at: [ENDBR] jmp rax_run; int3..., or, for a
 * program run bare, [ENDBR] jmp ENTRY (@target).
 */
static int rax_emit_stub(u8 *rw, const u8 *ro, unsigned long target)
{
	u8 *p = rw;
	s64 rel;

	rax_fill_int3(rw, RAX_STUB_SIZE);
	if (IS_ENABLED(CONFIG_X86_KERNEL_IBT)) {
		u32 endbr = gen_endbr();

		memcpy(p, &endbr, sizeof(endbr));
		p += sizeof(endbr);
	}
	/* Keep the compiler from folding the offset into a relocation. */
	OPTIMIZER_HIDE_VAR(target);
	rel = (s64)(target - ((unsigned long)ro + (p - rw) + 5));
	if (rel != (s32)rel)
		return -ERANGE;
	*p++ = 0xe9;
	put_unaligned((s32)rel, (s32 *)p);
	return 0;
}

/**
 * rax_image_build() - Build the image of a checked object into a program.
 * @obj: an object that passed rax_format_parse() and rax_policy_check().
 * @rp: the program's Rax state, its type and return value bound set; on
 *	success its image fields are set.
 * @entry: the index of the entry point being loaded.
 *
 * Lays the object's loaded sections out, copies them in, applies every
 * relocation against the object's own sections and the helper table only,
 * writes each map's address into its definition, and writes the code into
 * read-only executable memory and the read-only data into read-only
 * memory, behind a stub that leads to rax_run() or, for a program run
 * bare (rax_runs_bare()), to its entry. On failure nothing is left
 * allocated.
 *
 * Return: 0, -EINVAL with the reason logged, -ENOMEM or -ERANGE.
 */
int rax_image_build(struct rax_obj *obj, struct rax_prog *rp, u32 entry)
{
	const struct rax_elf *elf = &obj->elf;
	struct bpf_binary_header *ro_hdr, *rw_hdr = NULL;
	struct rax_layout lay = {};
	u8 *ro_image, *rw_image, *ro_buf = NULL, *ro = NULL, *rw = NULL;
	const struct elf64_sym *esym;
	u32 i, maps_sec = 0;
	int err = -ENOMEM;

	lay.addr = kcalloc(elf->shnum, sizeof(*lay.addr), GFP_KERNEL_ACCOUNT);
	lay.buf = kcalloc(elf->shnum, sizeof(*lay.buf), GFP_KERNEL_ACCOUNT);
	lay.off = kcalloc(elf->shnum, sizeof(*lay.off), GFP_KERNEL_ACCOUNT);
	lay.region = kcalloc(elf->shnum, sizeof(*lay.region), GFP_KERNEL_ACCOUNT);
	if (!lay.addr || !lay.buf || !lay.off || !lay.region)
		goto out;
	err = rax_place(obj, &lay);
	if (err)
		goto out;

	err = -ENOMEM;
	ro_hdr = bpf_jit_binary_pack_alloc(lay.text_size, &ro_image, 8, &rw_hdr,
					   &rw_image, rax_fill_int3, false);
	if (!ro_hdr)
		goto out;
	if (lay.ro_size) {
		/* Built here, then written into the read-only room. */
		ro_buf = kvzalloc(lay.ro_size, GFP_KERNEL_ACCOUNT);
		ro = rax_ro_alloc(lay.ro_size, lay.ro_align);
		if (!ro_buf || !ro)
			goto out_data;
	}
	if (lay.rw_size) {
		rw = execmem_alloc(EXECMEM_MODULE_DATA, lay.rw_size);
		if (!rw)
			goto out_data;
		memset(rw, 0, lay.rw_size);
	}

	for (i = 1; i < elf->shnum; i++) {
		const struct elf64_shdr *sh = &elf->shdrs[i];

		switch (lay.region[i]) {
		case RAX_REG_TEXT:
			lay.buf[i] = rw_image + lay.off[i];
			lay.addr[i] = (unsigned long)ro_image + lay.off[i];
			break;
		case RAX_REG_RO:
			lay.buf[i] = ro_buf + lay.off[i];
			lay.addr[i] = (unsigned long)ro + lay.off[i];
			break;
		case RAX_REG_RW:
			lay.buf[i] = rw + lay.off[i];
			lay.addr[i] = (unsigned long)lay.buf[i];
			break;
		default:
			continue;
		}
		if (sh->sh_type != SHT_NOBITS)
			memcpy(lay.buf[i], elf->image + sh->sh_offset, sh->sh_size);
		if (obj->sec_class[i] == RAX_SEC_MAPS)
			maps_sec = i;
	}

	for (i = 1; i < elf->shnum; i++) {
		if (obj->sec_class[i] != RAX_SEC_RELA)
			continue;
		err = rax_apply_rela(obj, &lay, i);
		if (err)
			goto out_data;
	}

	/* The maps, checked against their definitions by the caller. */
	if (obj->nmaps) {
		struct rax_map_def *defs = (struct rax_map_def *)lay.buf[maps_sec];

		for (i = 0; i < obj->nmaps; i++)
			defs[i].map = (unsigned long)rp->maps[i];
		rp->map_defs = (const struct rax_map_def *)lay.addr[maps_sec];
	}

	err = rax_image_ksyms(obj, &lay, rp);
	if (err)
		goto out_data;

	esym = &elf->syms[obj->entry_sym[entry]];
	rp->entry = (void *)(unsigned long)(lay.addr[esym->st_shndx] + esym->st_value);
	if (cpu_feature_enabled(X86_FEATURE_IBT) &&
	    !is_endbr(get_unaligned((u32 *)(lay.buf[esym->st_shndx] + esym->st_value)))) {
		err = rax_img_err(obj,
				  "entry %s does not start with ENDBR64 and this CPU enforces IBT",
				  elf->strtab + esym->st_name);
		goto out_data;
	}

	rp->bare = rax_runs_bare(obj->imports, obj->prov.stack[entry], rp->prog_type,
				 rp->ret_max);
	err = rax_emit_stub(rw_image, ro_image,
			    rp->bare ? (unsigned long)rp->entry : (unsigned long)rax_run);
	if (err) {
		rax_img_err(obj, "the image is out of reach of the dispatcher");
		goto out_data;
	}
	if (ro) {
		err = rax_ro_write(ro, ro_buf, lay.ro_size);
		if (err)
			goto out_data;
	}
	err = bpf_jit_binary_pack_finalize(ro_hdr, rw_hdr);
	rw_hdr = NULL;
	if (err) {
		ro_hdr = NULL;
		goto out_data;
	}

	rp->image = ro_image;
	rp->image_size = lay.text_size;
	rp->text = ro_image + RAX_STUB_SIZE;
	rp->ro_data = ro;
	rp->ro_size = lay.ro_size;
	rp->rw_data = rw;
	rp->rw_size = lay.rw_size;
	err = 0;
	goto out;

out_data:
	kvfree(rp->ksyms);
	rp->ksyms = NULL;
	rp->nksyms = 0;
	rp->map_defs = NULL;
	if (ro)
		rax_ro_free(ro, lay.ro_size);
	if (rw)
		execmem_free(rw);
	if (ro_hdr) {
		/* The pack is freed by the size in its read-only header,
		 * which finalize has not written yet.
		 */
		if (rw_hdr)
			bpf_arch_text_copy(&ro_hdr->size, &rw_hdr->size,
					   sizeof(rw_hdr->size));
		bpf_jit_binary_pack_free(ro_hdr, rw_hdr);
	}
out:
	kvfree(ro_buf);
	kfree(lay.region);
	kfree(lay.off);
	kfree(lay.buf);
	kfree(lay.addr);
	return err;
}

/**
 * rax_image_free() - Free the data of a program's image.
 * @rp: the program's Rax state.
 *
 * The code is freed with the program pack by bpf_jit_free(), from
 * bpf_func; this frees the data and the function symbols, which
 * bpf_prog_kallsyms_del() took out of kallsyms an RCU grace period
 * before. Process context only.
 */
void rax_image_free(struct rax_prog *rp)
{
	if (rp->ro_data)
		rax_ro_free(rp->ro_data, rp->ro_size);
	rp->ro_data = NULL;
	if (rp->rw_data)
		execmem_free(rp->rw_data);
	rp->rw_data = NULL;
	kvfree(rp->ksyms);
	rp->ksyms = NULL;
	rp->nksyms = 0;
}
