// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * The L4 protocol and its offset after an IPv6 packet's extension headers
 * (hop-by-hop, routing, destination options: 8 + 8 * length; fragment: 8),
 * however many there are.
 */
SEC("xdp")
int ipv6_ext(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ipv6hdr *ip6 = data + 14;
	__u32 off = 14 + sizeof(*ip6);
	__u8 next;

	if ((void *)(ip6 + 1) > end)
		return XDP_PASS;
	next = ip6->nexthdr;
	while (next == 0 || next == 43 || next == 60 || next == 44) {
		__u8 *h = data + off;

		if ((void *)(h + 2) > end)
			return XDP_DROP;
		off += next == 44 ? 8 : 8 + h[1] * 8;
		next = h[0];
	}
	((__u32 *)data)[0] = next;
	((__u32 *)data)[1] = off;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
