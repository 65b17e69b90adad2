// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* map_find, accepted: an index instead of a pointer to walk the keys. */
struct table {
	__u32 n;
	__u32 keys[32];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct table);
} tables SEC(".maps");

/* The index of the packet's key (u32 at 0) among the table's first n keys, into 4..8. */
SEC("xdp")
int map_find_wa(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 zero = 0, key, n, i;
	struct table *t;

	if (data + 8 > end)
		return XDP_ABORTED;
	key = *(__u32 *)data;
	t = bpf_map_lookup_elem(&tables, &zero);
	if (!t)
		return XDP_ABORTED;
	n = t->n < 32 ? t->n : 32;
	for (i = 0; i < n; i++)
		if (t->keys[i] == key)
			break;
	((__s32 *)data)[1] = i < n ? i : -1;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
