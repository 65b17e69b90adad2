// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * Sums the LEB128 varints (7 bits a byte, the high bit set on all but the
 * last, at most 5 bytes) of the payload from byte 8 to its end: their
 * number and their sum into bytes 0..8; a varint cut short ends them.
 */
SEC("xdp")
int varint(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *p = data + 8;
	__u32 n = 0, sum = 0;

	if ((void *)p > end)
		return XDP_ABORTED;
	while ((void *)(p + 1) <= end) {
		__u32 v = 0, shift = 0;

		while ((void *)(p + 1) <= end && shift < 35) {
			v |= (__u32)(*p & 0x7f) << shift;
			shift += 7;
			if (!(*p++ & 0x80))
				break;
		}
		if (p[-1] & 0x80)
			break;
		sum += v;
		n++;
	}
	((__u32 *)data)[0] = n;
	((__u32 *)data)[1] = sum;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
