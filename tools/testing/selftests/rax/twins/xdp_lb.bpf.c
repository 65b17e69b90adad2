// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF twin of the Rax sample xdp_lb (userspace/samples/xdp_lb): an
 * XDP load balancer. IPv4 UDP or TCP packets to the service's virtual
 * address and port go to a backend chosen by a hash (FNV-1a) of their
 * 5-tuple, back out of their interface (XDP_TX), with the backend's
 * address and MAC address and both checksums updated; the rest passes.
 *
 * Maps: service (array, 1 x struct service), backends (array, 16 x struct
 * backend), stats (per-CPU array, 16 x u64: packets per backend).
 * Program xdp_lb (XDP).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_IP	0x0800

struct service {
	__u32 vip;
	__u16 port;
	__u8 proto;
	__u8 nbackends;
};

struct backend {
	__u32 addr;
	__u8 mac[6];
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct service);
} service SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct backend);
} backends SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline __u32 fnv(__u32 h, __u8 b)
{
	return (h ^ b) * 0x01000193;
}

static __always_inline __u16 csum_replace4(__u16 check, __u32 old, __u32 new)
{
	__u32 sum = bpf_csum_diff(&old, 4, &new, 4, (__u16)~check);

	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

SEC("xdp")
int xdp_lb(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct service *svc;
	struct backend *be;
	struct iphdr *ip;
	__u32 key = 0, h = 0x811c9dc5, idx, n, old;
	__u16 *check;
	__u8 *ports, *b;
	__u64 *count;
	int ihl, i;

	svc = bpf_map_lookup_elem(&service, &key);
	if (!svc)
		return XDP_PASS;
	ip = data + sizeof(*eth);
	if ((void *)(ip + 1) > end)
		return XDP_PASS;
	ihl = ip->ihl * 4;
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->version != 4 || ihl < 20 ||
	    (bpf_ntohs(ip->frag_off) & 0x3fff) || ip->daddr != svc->vip ||
	    ip->protocol != svc->proto || !svc->nbackends)
		return XDP_PASS;
	ports = (void *)ip + ihl;
	if (ip->protocol == IPPROTO_UDP)
		check = (void *)ports + 6;
	else if (ip->protocol == IPPROTO_TCP)
		check = (void *)ports + 16;
	else
		return XDP_PASS;
	if ((void *)(ports + 4) > end || (void *)(check + 1) > end)
		return XDP_PASS;
	if (*(__u16 *)(ports + 2) != svc->port)
		return XDP_PASS;

	b = (__u8 *)&ip->saddr;
	for (i = 0; i < 8; i++)
		h = fnv(h, b[i]);
	for (i = 0; i < 4; i++)
		h = fnv(h, ports[i]);
	h = fnv(h, ip->protocol);
	n = svc->nbackends < 16 ? svc->nbackends : 16;
	idx = h % n;
	be = bpf_map_lookup_elem(&backends, &idx);
	if (!be)
		return XDP_ABORTED;

	old = ip->daddr;
	ip->check = csum_replace4(ip->check, old, be->addr);
	if (ip->protocol != IPPROTO_UDP || *check) {
		*check = csum_replace4(*check, old, be->addr);
		if (ip->protocol == IPPROTO_UDP && !*check)
			*check = 0xffff;
	}
	ip->daddr = be->addr;
	__builtin_memcpy(eth->h_source, eth->h_dest, 6);
	__builtin_memcpy(eth->h_dest, be->mac, 6);
	count = bpf_map_lookup_elem(&stats, &idx);
	if (count)
		*count += 1;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
