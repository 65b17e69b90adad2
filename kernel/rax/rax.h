/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Definitions shared by the files of kernel/rax.
 */
#ifndef _KERNEL_RAX_RAX_H
#define _KERNEL_RAX_RAX_H

#include <linux/init.h>
#include <linux/rax.h>

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

int __init rax_sysctl_init(void);
int __init rax_keyring_init(void);

#endif /* _KERNEL_RAX_RAX_H */
