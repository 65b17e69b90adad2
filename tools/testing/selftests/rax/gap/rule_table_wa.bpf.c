// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* rule_table, accepted: the rule walk as a bpf_loop() callback. */
struct rule {
	__u32 addr;
	__u32 mask;
	__u16 port_lo;
	__u16 port_hi;
	__u8 proto;
	__u8 action;
	__u16 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct rule);
} rules SEC(".maps");

struct match {
	__u32 addr;
	__u16 port;
	__u8 proto;
	__u8 action;
};

static long match_rule(__u32 i, void *arg)
{
	struct match *m = arg;
	struct rule *r = bpf_map_lookup_elem(&rules, &i);

	if (!r)
		return 1;
	if ((m->addr & r->mask) == r->addr && m->port >= r->port_lo && m->port <= r->port_hi &&
	    (!r->proto || r->proto == m->proto)) {
		m->action = r->action;
		return 1;
	}
	return 0;
}

SEC("xdp")
int rule_table_wa(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct match m = {};

	if (data + 8 > end)
		return XDP_ABORTED;
	m.addr = *(__u32 *)data;
	m.port = *(__u16 *)(data + 4);
	m.proto = *(__u8 *)(data + 6);
	bpf_loop(256, match_rule, &m, 0);
	((__u32 *)data)[1] = m.action;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
