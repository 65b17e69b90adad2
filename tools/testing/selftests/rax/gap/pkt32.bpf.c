// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* The UDP ports after an IPv4 header of any length, into bytes 0..4: ctx->data is a __u32. */
SEC("xdp")
int pkt32(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct iphdr *ip = data + 14;
	struct udphdr *udp;

	if ((void *)(ip + 1) > end)
		return XDP_PASS;
	udp = (void *)(long)(ctx->data + 14 + ip->ihl * 4);
	if ((void *)(udp + 1) > end)
		return XDP_DROP;
	((__u16 *)data)[0] = udp->source;
	((__u16 *)data)[1] = udp->dest;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
