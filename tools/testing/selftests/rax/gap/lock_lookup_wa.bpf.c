// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* lock_lookup, accepted: the limit looked up before the lock is taken. */
struct token_bucket {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 tokens;
	__u64 dropped;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct token_bucket);
} buckets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} limits SEC(".maps");

/*
 * A token bucket per class (byte 0): the packet takes its cost (byte 1)
 * from its class's tokens, under the bucket's lock; a packet with the
 * refill flag (byte 2) first refills the bucket to the class's limit.
 */
SEC("xdp")
int lock_lookup_wa(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *p = data;
	struct token_bucket *b;
	__u32 class, *limit;
	int ok;

	if (data + 8 > end)
		return XDP_ABORTED;
	class = p[0];
	b = bpf_map_lookup_elem(&buckets, &class);
	if (!b)
		return XDP_DROP;
	limit = p[2] ? bpf_map_lookup_elem(&limits, &class) : NULL;
	bpf_spin_lock(&b->lock);
	if (p[2])
		b->tokens = limit ? *limit : 0;
	ok = b->tokens >= p[1];
	if (ok)
		b->tokens -= p[1];
	else
		b->dropped++;
	((__u32 *)data)[1] = b->tokens;
	bpf_spin_unlock(&b->lock);
	return ok ? XDP_TX : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
