// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* The u32 trailer at the packet's end, into bytes 0..4: its offset from the length. */
SEC("xdp")
int trailer_len(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 len = end - data;
	__u32 *t;

	if (len < 8)
		return XDP_DROP;
	t = data + len - 4;
	if ((void *)(t + 1) > end)
		return XDP_DROP;
	*(__u32 *)data = *t;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
