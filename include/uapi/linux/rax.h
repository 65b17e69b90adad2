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

#endif /* _UAPI_LINUX_RAX_H */
