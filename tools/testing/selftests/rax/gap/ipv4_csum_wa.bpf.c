// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* ipv4_csum, accepted: each word checked against the end again, in a loop bounded by a constant. */
/*
 * Verifies an IPv4 header's checksum over its IHL words, after checking
 * once that the whole header is in the packet.
 */
SEC("xdp")
int ipv4_csum_wa(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + 14;
	__u16 *w = (__u16 *)ip;
	__u32 sum = 0, hlen, i;

	if ((void *)(ip + 1) > end)
		return XDP_PASS;
	hlen = ip->ihl * 4;
	if (hlen < sizeof(*ip) || (void *)ip + hlen > end)
		return XDP_DROP;
	for (i = 0; i < 30 && i < hlen / 2; i++) {
		if ((void *)(w + i + 1) > end)
			return XDP_DROP;
		sum += w[i];
	}
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	*(__u32 *)data = sum;
	return sum == 0xffff ? XDP_TX : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
