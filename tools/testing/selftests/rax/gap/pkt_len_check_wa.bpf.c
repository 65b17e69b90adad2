// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* pkt_len_check, accepted: the offset bounded by a constant, then checked as a pointer. */
SEC("xdp")
int pkt_len_check_wa(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 *out = data, off;

	if (data + 8 > end)
		return XDP_ABORTED;
	off = *(__u16 *)data;
	if (off > 0x3fff || data + off + 4 > end)
		return XDP_DROP;
	out[1] = *(__u32 *)(data + off);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
