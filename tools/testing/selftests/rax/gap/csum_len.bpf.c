// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * The checksum (bpf_csum_diff) of the payload from byte 8, as many 32-bit
 * words as byte 0 says (at most 32): its length into bytes 0..4, the
 * folded sum into 4..8. The length is checked against the packet's, a
 * number: the helper's size argument is not tied to the packet pointer.
 */
SEC("xdp")
int csum_len(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 len;
	__s64 sum;

	if (data + 8 > end)
		return XDP_ABORTED;
	len = *(__u8 *)data * 4;
	if (len > 128 || data + 8 + len > end)
		return XDP_DROP;
	sum = bpf_csum_diff(NULL, 0, data + 8, len, 0);
	if (sum < 0)
		return XDP_ABORTED;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	((__u32 *)data)[0] = len;
	((__u32 *)data)[1] = sum;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
