// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * The number of primitive elements in @len bytes of BER from @at (tag,
 * short-form length, value), counting inside constructed elements (tag
 * bit 0x20) to 8 levels; -1 if an element runs past its container.
 */
static __noinline int count(__u8 *p, void *end, __u32 at, __u32 len, int depth)
{
	__u32 stop = at + len;
	int n = 0, inner;

	while (at < stop) {
		__u8 *e = p + at;
		__u32 l;

		if ((void *)(e + 2) > end || e[1] >= 128 || at + 2 + e[1] > stop)
			return -1;
		l = e[1];
		if ((e[0] & 0x20) && depth < 8) {
			inner = count(p, end, at + 2, l, depth + 1);
			if (inner < 0)
				return -1;
			n += inner;
		} else {
			n++;
		}
		at += 2 + l;
	}
	return n;
}

/* The primitive elements of the BER message from byte 8 to the end, into bytes 0..4. */
SEC("xdp")
int ber_walk(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;

	if (data + 8 > end)
		return XDP_ABORTED;
	((__s32 *)data)[0] = count(data, end, 8, end - data - 8, 0);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
