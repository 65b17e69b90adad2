// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

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

/* Sums a list of nodes from the head the packet names to next == 0, at most max_hops of them. */
SEC("xdp")
int list_walk(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 *io = data, i, sum = 0, n = 0, zero = 0, *max;
	struct node *node;

	if (data + 8 > end)
		return XDP_ABORTED;
	max = bpf_map_lookup_elem(&max_hops, &zero);
	if (!max)
		return XDP_ABORTED;
	for (i = io[0]; i != 0 && n < *max; i = node->next) {
		node = bpf_map_lookup_elem(&nodes, &i);
		if (!node)
			break;
		sum += node->value;
		n++;
	}
	io[0] = n;
	io[1] = sum;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
