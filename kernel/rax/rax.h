/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Definitions shared by the files of kernel/rax.
 */
#ifndef _KERNEL_RAX_RAX_H
#define _KERNEL_RAX_RAX_H

#include <linux/elf.h>
#include <linux/init.h>
#include <linux/rax.h>

struct bpf_verifier_log;

/*
 * Run-time parameters, set through the kernel.rax.* sysctls and read
 * locklessly with READ_ONCE() on the load and run paths.
 */
struct rax_params {
	/* Non-zero while new Rax programs may be loaded. */
	unsigned int enabled;
	/* Size of each per-CPU, per-nesting-level program stack, in KiB. */
	unsigned int stack_size_kb;
	/* Largest time budget a program may ask for, in microseconds. */
	unsigned int budget_max_us;
};

extern struct rax_params rax_params;

/* The build-time certificate(s), in certs.S; freed after boot. */
extern __initconst const u8 rax_builtin_certs[];
extern __initconst const u8 rax_builtin_certs_end[];

/* ELF definitions the kernel's elf.h lacks. */
#ifndef SHN_XINDEX
#define SHN_XINDEX		0xffff
#endif
#ifndef SHF_INFO_LINK
#define SHF_INFO_LINK		0x40
#endif
#ifndef SHT_LLVM_ADDRSIG
#define SHT_LLVM_ADDRSIG	0x6fff4c03
#endif

/* Limits of the ELF container of a Rax object. */
#define RAX_ELF_MAX_SECTIONS	4096U
#define RAX_ELF_MAX_SYMBOLS	65536U

/*
 * An image whose ELF container passed rax_elf_parse(): every pointer is
 * into the image, every index and count is in range.
 */
struct rax_elf {
	const void *image;
	u32 size;
	struct bpf_verifier_log *log;
	const struct elf64_hdr *ehdr;
	const struct elf64_shdr *shdrs;
	u32 shnum;
	u32 shstrndx;
	const char *shstrtab;
	u32 shstrtab_size;
	u32 symtab;		/* section index of the symbol table, or 0 */
	const struct elf64_sym *syms;
	u32 nsyms;
	const char *strtab;
	u32 strtab_size;
	u32 nrelas;		/* relocations in all SHT_RELA sections */
};

int rax_elf_parse(struct rax_elf *elf, const void *image, u32 size,
		  struct bpf_verifier_log *log);
unsigned int rax_elf_reloc_width(u32 type);
const char *rax_elf_section_name(const struct rax_elf *elf, u32 idx);
u32 rax_elf_find_section(const struct rax_elf *elf, const char *name);

int __init rax_sysctl_init(void);
int __init rax_keyring_init(void);

#endif /* _KERNEL_RAX_RAX_H */
