// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* stack_chain, accepted: no reply on the stack, its parts written from the request. */
struct kv_request {
	__u8 name[128];
	__u8 value[128];
	__u32 id;
	__u32 flags;
};

static __noinline int reply(struct xdp_md *ctx, struct kv_request *r)
{
	__u32 tag = 0x52415821;

	return bpf_xdp_store_bytes(ctx, 8, r->value, sizeof(r->value)) ?:
	       bpf_xdp_store_bytes(ctx, 136, r->name, sizeof(r->name)) ?:
	       bpf_xdp_store_bytes(ctx, 264, &r->id, sizeof(r->id)) ?:
	       bpf_xdp_store_bytes(ctx, 268, &tag, sizeof(tag));
}

/*
 * Answers the request from byte 8 (a 128-byte name, a 128-byte value, an
 * id, flags) with its value and name swapped and a tag after the id: a
 * request read into a struct, the reply written from it.
 */
SEC("xdp")
int stack_chain_wa(struct xdp_md *ctx)
{
	struct kv_request r;

	if (bpf_xdp_load_bytes(ctx, 8, &r, sizeof(r)))
		return XDP_DROP;
	if (reply(ctx, &r))
		return XDP_ABORTED;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
