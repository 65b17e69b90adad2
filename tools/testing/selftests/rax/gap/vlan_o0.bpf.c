// SPDX-License-Identifier: GPL-2.0
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/*
 * Built at -O0, as for a debugger (the Makefile's flags for this file):
 * clang keeps every variable in a stack slot, off in a 32-bit one, and
 * reloads them around each use; the verifier loses the check against
 * data_end on the way ("offset is outside of the packet"). The same C at
 * -O2 is accepted (vlan_o0_wa.bpf.c).
 */
struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

/* The EtherType after up to two VLAN tags (802.1Q, 802.1ad) and its offset, into bytes 0..8. */
SEC("xdp")
int vlan_o0(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u32 off = sizeof(*eth);
	__u16 proto;
	int i;

	if ((void *)(eth + 1) > end)
		return XDP_ABORTED;
	proto = eth->h_proto;
	for (i = 0; i < 2; i++) {
		struct vlan_tag *v = data + off;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(v + 1) > end)
			return XDP_DROP;
		proto = v->proto;
		off += sizeof(*v);
	}
	((__u32 *)data)[0] = bpf_ntohs(proto);
	((__u32 *)data)[1] = off;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
