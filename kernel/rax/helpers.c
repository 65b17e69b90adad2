// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Rax helper table, generated from the helper list in helpers.h: the
 * only functions a Rax object may import, and which program types may
 * import each.
 */

#include <linux/bpf.h>
#include <linux/kernel.h>
#include <linux/string.h>

#include "rax.h"

const struct rax_helper rax_helpers[] = {
#define RAX_HELPER(_name, _nargs, _types)		\
	{ .name = #_name, .addr = (void *)_name, .nargs = _nargs,	\
	  .types = RAX_HT_##_types },
/* The ABI's symbols go to wrappers that count the call (helper_impl.c). */
#define RAX_ABI(_name, _nargs)						\
	{ .name = #_name, .addr = (void *)rax_abi_##_name, .nargs = _nargs,	\
	  .types = RAX_HT_ALL, .abi = true },
#include "helpers.h"
#undef RAX_ABI
#undef RAX_HELPER
};

const unsigned int rax_nr_helpers = ARRAY_SIZE(rax_helpers);
static_assert(ARRAY_SIZE(rax_helpers) <= 64, "rax_obj.imports is a u64 bitmap");

/**
 * rax_helper_find() - Look a helper up by name.
 * @name: the name, not necessarily NUL-terminated.
 * @len: its length.
 *
 * Return: the helper's index in rax_helpers[], or -ENOENT.
 */
int rax_helper_find(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(rax_helpers); i++)
		if (strlen(rax_helpers[i].name) == len &&
		    !memcmp(rax_helpers[i].name, name, len))
			return i;
	return -ENOENT;
}

/**
 * rax_prog_type_bit() - The RAX_HT_* bit of a program type.
 * @prog_type: an enum bpf_prog_type.
 *
 * Return: the bit, or 0 for a type Rax does not support.
 */
u32 rax_prog_type_bit(u32 prog_type)
{
	switch (prog_type) {
	case BPF_PROG_TYPE_KPROBE:
		return RAX_HT_KPROBE;
	case BPF_PROG_TYPE_TRACEPOINT:
		return RAX_HT_TRACEPOINT;
	case BPF_PROG_TYPE_PERF_EVENT:
		return RAX_HT_PERF_EVENT;
	case BPF_PROG_TYPE_XDP:
		return RAX_HT_XDP;
	case BPF_PROG_TYPE_SCHED_CLS:
		return RAX_HT_SCHED_CLS;
	default:
		return 0;
	}
}
