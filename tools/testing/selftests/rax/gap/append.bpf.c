// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct log {
	__u32 len;
	__u8 buf[252];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct log);
} logs SEC(".maps");

/*
 * Appends byte 1's count of payload bytes (from byte 8) to the log byte 0
 * names, after checking that its length and theirs fit: its first 4 bytes
 * and its new length into bytes 0..8, XDP_DROP if they do not fit.
 */
SEC("xdp")
int append(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *p = data;
	struct log *l;
	__u32 id, n;

	if (data + 8 > end)
		return XDP_ABORTED;
	id = p[0];
	n = p[1];
	l = bpf_map_lookup_elem(&logs, &id);
	if (!l || l->len + n > sizeof(l->buf))
		return XDP_DROP;
	if (n && bpf_xdp_load_bytes(ctx, 8, l->buf + l->len, n))
		return XDP_DROP;
	l->len += n;
	((__u32 *)data)[0] = *(__u32 *)l->buf;
	((__u32 *)data)[1] = l->len;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
