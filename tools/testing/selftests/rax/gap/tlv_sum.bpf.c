// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * Counts the TLVs from byte 8 (type, length, value; type 0 ends them) and
 * sums the first value byte of those of type 7: a loop over the packet
 * whose step is read from the packet. Every access is checked against the
 * end, but the verifier follows the pointer through each iteration with a
 * wider range until it leaves the packet's 64 KiB ("offset is outside of
 * the packet"). Rax: a `while let` over the slice.
 */
SEC("xdp")
int tlv_sum(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 *out = data, count = 0, sum = 0;
	__u8 *p = data + 8;

	if (data + 8 > end)
		return XDP_ABORTED;
	while ((void *)(p + 2) <= end && p[0] != 0) {
		__u8 type = p[0], len = p[1];

		if ((void *)(p + 2 + len) > end)
			break;
		if (type == 7 && len > 0)
			sum += p[2];
		count++;
		p += 2 + len;
	}
	out[0] = count;
	out[1] = sum;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
