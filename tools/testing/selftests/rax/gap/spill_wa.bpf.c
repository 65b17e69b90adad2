// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* spill, accepted: the slot masked again in the function that uses it. */
struct counters {
	__u64 n[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct counters);
} counts SEC(".maps");

struct parse {
	__u8 proto;
	__u8 flags;
	__u16 slot;
	__u32 seen;
};

/* Counts the packet in its slot; the state says which, checked by the parser. */
static __noinline int account(struct parse *st, struct counters *c)
{
	st->seen = ++c->n[st->slot & 63];
	return st->flags & 1;
}

/* Counts packets per slot (byte 1, below 64) and returns the new count in bytes 4..8. */
SEC("xdp")
int spill_wa(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct parse st = {};
	struct counters *c;
	__u32 zero = 0;
	__u8 *p = data;

	if (data + 8 > end)
		return XDP_ABORTED;
	st.proto = p[0];
	st.slot = p[1];
	st.flags = p[2];
	if (st.slot >= 64)
		return XDP_DROP;
	c = bpf_map_lookup_elem(&counts, &zero);
	if (!c)
		return XDP_ABORTED;
	if (account(&st, c))
		return XDP_PASS;
	((__u32 *)data)[1] = st.seen;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
