// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * The first of 256 rules (address and mask, port range, protocol) that
 * matches: a plain loop over an array map. The verifier sees the same
 * state at the loop's head on two iterations and gives up ("infinite loop
 * detected"). Rax: `map_while(..).find(..)`.
 */
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

SEC("xdp")
int rule_table(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 addr, i, action = 0;
	__u16 port;
	__u8 proto;

	if (data + 8 > end)
		return XDP_ABORTED;
	addr = *(__u32 *)data;
	port = *(__u16 *)(data + 4);
	proto = *(__u8 *)(data + 6);
	for (i = 0; i < 256; i++) {
		struct rule *r = bpf_map_lookup_elem(&rules, &i);

		if (!r)
			break;
		if ((addr & r->mask) == r->addr && port >= r->port_lo && port <= r->port_hi &&
		    (!r->proto || r->proto == proto)) {
			action = r->action;
			break;
		}
	}
	((__u32 *)data)[1] = action;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
