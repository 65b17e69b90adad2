/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The certificate of the Rax signing key, built into the kernel and loaded
 * into the .rax keyring at boot (see keyring.c).
 */
#include <linux/init.h>

	__INITRODATA

	.align 8
	.globl rax_builtin_certs
rax_builtin_certs:
	.incbin "kernel/rax/rax_signing_key.x509"
	.globl rax_builtin_certs_end
rax_builtin_certs_end:
