// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16 * 4);
	__type(key, __u32);
	__type(value, __u8);
} dfa_next SEC(".maps");

/* A byte's class for the automaton: 0 letter, 1 digit, 2 space, 3 other. */
static __always_inline __u32 byte_class(__u8 c)
{
	if ((c | 32) >= 'a' && (c | 32) <= 'z')
		return 0;
	if (c >= '0' && c <= '9')
		return 1;
	return c == ' ' ? 2 : 3;
}

/*
 * Runs the payload from byte 8 through an automaton whose transitions
 * userspace loaded (16 states, 4 byte classes; state 15 rejects): the
 * final state and the bytes consumed, into 0..8.
 */
SEC("xdp")
int dfa(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *p = data + 8, *next;
	__u32 state = 0, i, key;

	if ((void *)p > end)
		return XDP_ABORTED;
	for (i = 0; i < 1500; i++) {
		if ((void *)(p + i + 1) > end)
			break;
		key = state * 4 + byte_class(p[i]);
		next = bpf_map_lookup_elem(&dfa_next, &key);
		if (!next)
			break;
		state = *next & 15;
		if (state == 15)
			break;
	}
	((__u32 *)data)[0] = state;
	((__u32 *)data)[1] = i;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
