// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* trailer, accepted: copied out with bpf_xdp_load_bytes() at an offset from the length. */
SEC("xdp")
int trailer_wa(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 len = end - data, t;

	if (len < 8 || data + 4 > end)
		return XDP_DROP;
	if (bpf_xdp_load_bytes(ctx, len - 4, &t, sizeof(t)))
		return XDP_ABORTED;
	*(__u32 *)data = t;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
