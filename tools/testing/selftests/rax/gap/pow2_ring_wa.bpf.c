// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* pow2_ring, accepted: the index masked again, behind barrier_var() so clang keeps it. */
struct ring {
	__u32 size;
	__u32 head;
	__u64 slot[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ring);
} rings SEC(".maps");

SEC("xdp")
int pow2_ring_wa(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ring *r;
	__u32 k = 0, idx;

	if (data + 8 > end)
		return XDP_ABORTED;
	r = bpf_map_lookup_elem(&rings, &k);
	if (!r || r->size == 0 || r->size > 64)
		return XDP_DROP;
	idx = r->head & (r->size - 1);
	barrier_var(idx);
	r->slot[idx & 63] = *(__u64 *)data;
	r->head++;
	*(__u32 *)data = idx;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
