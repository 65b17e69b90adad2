// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * Reads the u32 at the offset the packet's first u16 names, after
 * checking the offset against the packet's length, a number: right, but
 * the verifier ties a packet access only to a comparison of the pointer
 * itself with data_end ("offset is outside of the packet").
 */
SEC("xdp")
int pkt_len_check(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	__u32 len = ctx->data_end - ctx->data, off, *out = data;

	if (len < 8)
		return XDP_ABORTED;
	off = *(__u16 *)data;
	if (off + 4 > len)
		return XDP_DROP;
	out[1] = *(__u32 *)(data + off);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
