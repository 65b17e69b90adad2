// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct kv_request {
	__u8 name[128];
	__u8 value[128];
	__u32 id;
	__u32 flags;
};

struct kv_reply {
	__u8 value[128];
	__u8 name[128];
	__u32 id;
	__u32 tag;
};

/* Builds the reply to @r in a function of its own and writes it over the request. */
static __noinline int reply(struct xdp_md *ctx, const struct kv_request *r)
{
	struct kv_reply out;

	__builtin_memcpy(out.value, r->value, sizeof(out.value));
	__builtin_memcpy(out.name, r->name, sizeof(out.name));
	out.id = r->id;
	out.tag = 0x52415821;
	return bpf_xdp_store_bytes(ctx, 8, &out, sizeof(out));
}

/*
 * Answers the request from byte 8 (a 128-byte name, a 128-byte value, an
 * id, flags) with its value and name swapped and a tag after the id: a
 * request read into a struct, a reply built in the next function, 264
 * bytes of stack each.
 */
SEC("xdp")
int stack_chain(struct xdp_md *ctx)
{
	struct kv_request r;

	if (bpf_xdp_load_bytes(ctx, 8, &r, sizeof(r)))
		return XDP_DROP;
	if (reply(ctx, &r))
		return XDP_ABORTED;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
