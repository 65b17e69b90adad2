// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* window_sum, accepted: the index masked to the record, a no-op the verifier needs. */
struct record {
	__u8 bytes[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct record);
} records SEC(".maps");

/* Sums bytes [off, off + n) of the record the packet names, after checking off + n <= 64. */
SEC("xdp")
int window_sum_wa(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *p = data;
	struct record *r;
	__u32 id, off, n, i, sum = 0;

	if (data + 8 > end)
		return XDP_ABORTED;
	id = p[0];
	off = p[1];
	n = p[2];
	if (off + n > sizeof(r->bytes))
		return XDP_DROP;
	r = bpf_map_lookup_elem(&records, &id);
	if (!r)
		return XDP_DROP;
	for (i = 0; i < n; i++)
		sum += r->bytes[(off + i) & 63];
	((__u32 *)data)[1] = sum;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
