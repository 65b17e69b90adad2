// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* dfa, accepted: each byte a bpf_loop() callback, the automaton's state in a struct. */

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

struct run {
	struct xdp_md *ctx;
	__u32 state;
	__u32 consumed;
};

static long step(__u32 i, void *arg)
{
	struct run *r = arg;
	__u32 key;
	__u8 c, *next;

	if (bpf_xdp_load_bytes(r->ctx, 8 + i, &c, 1))
		return 1;
	key = r->state * 4 + byte_class(c);
	next = bpf_map_lookup_elem(&dfa_next, &key);
	if (!next)
		return 1;
	r->state = *next & 15;
	if (r->state == 15)
		return 1;
	r->consumed = i + 1;
	return 0;
}

SEC("xdp")
int dfa_wa(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct run r = { .ctx = ctx };

	if (data + 8 > end)
		return XDP_ABORTED;
	bpf_loop(1500, step, &r, 0);
	((__u32 *)data)[0] = r.state;
	((__u32 *)data)[1] = r.consumed;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
