/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Rax: safe Rust kernel extensions loaded through bpf(2).
 *
 * This header holds what userspace shares with the kernel: the version of
 * the Rax object format and the layout of the provenance note the trusted
 * toolchain writes into every object. See Documentation/rax/.
 */
#ifndef _UAPI_LINUX_RAX_H
#define _UAPI_LINUX_RAX_H

#include <linux/types.h>

/* Name of the keyring that holds the keys Rax objects are verified with. */
#define RAX_KEYRING_NAME	".rax"

/* Version of the Rax object format this header describes. */
#define RAX_FORMAT_VERSION	0

/* Largest image and signature BPF_PROG_LOAD accepts (else E2BIG). */
#define RAX_IMAGE_SIZE_MAX	(16U << 20)
#define RAX_SIGNATURE_SIZE_MAX	16384U

/* The ELF note section holding the toolchain's provenance record. */
#define RAX_SECTION_PROVENANCE	".rax.provenance"

#endif /* _UAPI_LINUX_RAX_H */
