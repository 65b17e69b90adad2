// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* list_walk, accepted: each hop a bpf_loop() callback, as many as the configured bound. */
struct node {
	__u32 next;
	__u32 value;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct node);
} nodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} max_hops SEC(".maps");

struct walk {
	__u32 at;
	__u32 n;
	__u32 sum;
};

static long hop(__u32 i, void *arg)
{
	struct walk *w = arg;
	struct node *node;

	if (!w->at)
		return 1;
	node = bpf_map_lookup_elem(&nodes, &w->at);
	if (!node)
		return 1;
	w->sum += node->value;
	w->n++;
	w->at = node->next;
	return 0;
}

SEC("xdp")
int list_walk_wa(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 *io = data, zero = 0, *max;
	struct walk w = {};

	if (data + 8 > end)
		return XDP_ABORTED;
	max = bpf_map_lookup_elem(&max_hops, &zero);
	if (!max)
		return XDP_ABORTED;
	w.at = io[0];
	bpf_loop(*max, hop, &w, 0);
	io[0] = w.n;
	io[1] = w.sum;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
