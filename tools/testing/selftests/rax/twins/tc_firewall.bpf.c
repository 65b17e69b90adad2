// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF twin of the Rax sample tc_firewall
 * (userspace/samples/tc_firewall): each IPv4 packet is matched against up
 * to 64 rules (source prefix, protocol, destination port range); the
 * longest matching prefix wins (the first on a tie): allow, drop, mark,
 * or rewrite the destination port with the checksum fixed. No match
 * allows.
 *
 * Maps: rules (array, 64 x struct rule), hits (per-CPU array, 65 x u64).
 * Program tc_firewall (tc, direct action).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_IP		0x0800
#define TC_ACT_OK		0
#define TC_ACT_SHOT		2
#define BPF_F_MARK_MANGLED_0	0x20ULL
#define NRULES			64

enum { FW_ALLOW, FW_DROP, FW_MARK, FW_REWRITE_PORT };

struct rule {
	__u32 prefix;
	__u8 prefix_len;
	__u8 proto;
	__u8 action;
	__u8 active;
	__u16 port_lo;
	__u16 port_hi;
	__u32 arg;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NRULES);
	__type(key, __u32);
	__type(value, struct rule);
} rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NRULES + 1);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

struct packet {
	__u32 saddr;
	__u8 proto;
	bool has_port;
	__u16 dport;
	__u32 dport_at;
	__u32 check_at;
};

static bool matches(const struct rule *r, const struct packet *p)
{
	__u32 mask;

	if (!r->active || r->prefix_len > 32)
		return false;
	mask = r->prefix_len ? 0xffffffffU << (32 - r->prefix_len) : 0;
	if ((bpf_ntohl(p->saddr) & mask) != (bpf_ntohl(r->prefix) & mask))
		return false;
	if (r->proto && r->proto != p->proto)
		return false;
	if (p->has_port)
		return p->dport >= r->port_lo && p->dport <= r->port_hi;
	return !r->proto;
}

struct walk {
	struct packet p;
	struct rule best;
	__u32 best_i;
};

/*
 * One rule of the walk, through bpf_loop(): the verifier takes a plain
 * 64-iteration loop over the rules for an infinite one.
 */
static long walk_rule(__u64 index, struct walk *w)
{
	__u32 i = index;
	struct rule *r = bpf_map_lookup_elem(&rules, &i);

	if (!r)
		return 1;
	if (matches(r, &w->p) && (w->best_i == NRULES || r->prefix_len > w->best.prefix_len)) {
		w->best = *r;
		w->best_i = i;
	}
	return 0;
}

static void hit(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&hits, &slot);

	if (n)
		*n += 1;
}

SEC("tc")
int tc_firewall(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct walk w = { .best_i = NRULES };
	struct packet *p = &w.p;
	struct iphdr *ip;
	__u16 old, new;
	__u8 *l4;
	int ihl;

	ip = data + sizeof(*eth);
	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	ihl = ip->ihl * 4;
	if (ip->version != 4 || ihl < 20)
		return TC_ACT_OK;
	p->saddr = ip->saddr;
	p->proto = ip->protocol;
	l4 = (void *)ip + ihl;
	if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) {
		if ((void *)(l4 + 4) > end)
			return TC_ACT_OK;
		p->has_port = true;
		p->dport = bpf_ntohs(*(__u16 *)(l4 + 2));
		p->dport_at = sizeof(*eth) + ihl + 2;
		p->check_at = sizeof(*eth) + ihl + (p->proto == IPPROTO_TCP ? 16 : 6);
	}

	bpf_loop(NRULES, walk_rule, &w, 0);
	hit(w.best_i);
	if (w.best_i == NRULES)
		return TC_ACT_OK;
	switch (w.best.action) {
	case FW_DROP:
		return TC_ACT_SHOT;
	case FW_MARK:
		skb->mark = w.best.arg;
		return TC_ACT_OK;
	case FW_REWRITE_PORT:
		old = bpf_htons(p->dport);
		new = bpf_htons((__u16)w.best.arg);
		if (bpf_l4_csum_replace(skb, p->check_at, old, new,
					2 | (p->proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0)) ||
		    bpf_skb_store_bytes(skb, p->dport_at, &new, sizeof(new), 0))
			return TC_ACT_SHOT;
		return TC_ACT_OK;
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
