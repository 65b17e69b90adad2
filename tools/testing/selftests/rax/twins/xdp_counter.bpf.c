// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF twin of the Rax sample xdp_counter (userspace/samples/
 * xdp_counter): counts packets per ethertype class and per IP protocol,
 * and drops IPv4 UDP packets to port 9 (discard).
 *
 * Maps: proto_count (array, 256 x u64), eth_count (per-CPU array, 5 x u64:
 * IPv4, IPv6, ARP, other or truncated, dropped).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_HLEN	14
#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86dd
#define ETH_P_ARP	0x0806
#define IPPROTO_UDP	17
#define DISCARD_PORT	9

enum { CLASS_IPV4, CLASS_IPV6, CLASS_ARP, CLASS_OTHER, CLASS_DROPPED };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} proto_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, __u64);
} eth_count SEC(".maps");

static void bump_class(__u32 class)
{
	__u64 *n = bpf_map_lookup_elem(&eth_count, &class);

	if (n)
		(*n)++;
}

static void bump_proto(__u8 proto)
{
	__u32 key = proto;
	__u64 *n = bpf_map_lookup_elem(&proto_count, &key);

	if (n)
		__sync_fetch_and_add(n, 1);
}

SEC("xdp")
int xdp_counter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	__u16 *dport;
	__u8 *next;
	__u32 ihl;

	if ((void *)(eth + 1) > end) {
		bump_class(CLASS_OTHER);
		return XDP_PASS;
	}
	switch (bpf_ntohs(eth->h_proto)) {
	case ETH_P_IP:
		bump_class(CLASS_IPV4);
		ip = data + ETH_HLEN;
		if ((void *)(ip + 1) > end)
			return XDP_PASS;
		bump_proto(ip->protocol);
		if (ip->protocol != IPPROTO_UDP)
			break;
		/* The UDP destination port, after an IPv4 header of ihl words. */
		ihl = ip->ihl * 4;
		dport = data + ETH_HLEN + ihl + 2;
		if ((void *)(dport + 1) > end)
			break;
		if (bpf_ntohs(*dport) == DISCARD_PORT) {
			bump_class(CLASS_DROPPED);
			return XDP_DROP;
		}
		break;
	case ETH_P_IPV6:
		bump_class(CLASS_IPV6);
		next = data + ETH_HLEN + 6;
		if ((void *)(next + 1) <= end)
			bump_proto(*next);
		break;
	case ETH_P_ARP:
		bump_class(CLASS_ARP);
		break;
	default:
		bump_class(CLASS_OTHER);
		break;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
