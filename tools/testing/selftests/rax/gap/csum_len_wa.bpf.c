// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* csum_len, accepted: the helper given a copy on the stack, its length behind barrier_var(). */
SEC("xdp")
int csum_len_wa(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 buf[32];
	__u32 len;
	__s64 sum = 0;

	if (data + 8 > end)
		return XDP_ABORTED;
	len = *(__u8 *)data * 4;
	if (len > 128 || data + 8 + len > end)
		return XDP_DROP;
	/* Or clang tests the byte for 0, not len, which it passes. */
	barrier_var(len);
	if (len) {
		if (bpf_xdp_load_bytes(ctx, 8, buf, len))
			return XDP_DROP;
		sum = bpf_csum_diff(NULL, 0, buf, len, 0);
		if (sum < 0)
			return XDP_ABORTED;
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	((__u32 *)data)[0] = len;
	((__u32 *)data)[1] = sum;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
