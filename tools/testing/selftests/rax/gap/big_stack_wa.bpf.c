// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* big_stack, accepted: the histogram in a per-CPU map, filled through bpf_loop(). */
struct hist {
	__u32 n[256];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct hist);
} scratch SEC(".maps");

struct walk {
	struct xdp_md *ctx;
	struct hist *h;
	__u32 best;
};

static long count_byte(__u32 i, void *arg)
{
	struct walk *w = arg;
	__u8 b;

	if (bpf_xdp_load_bytes(w->ctx, 8 + i, &b, 1))
		return 1;
	w->h->n[b]++;
	return 0;
}

static long pick_best(__u32 i, void *arg)
{
	struct walk *w = arg;

	if (i < 256 && w->h->n[i] > w->h->n[w->best & 255])
		w->best = i;
	return 0;
}

SEC("xdp")
int big_stack_wa(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct walk w = { .ctx = ctx };
	__u32 k = 0, len;

	if (data + 8 > end)
		return XDP_ABORTED;
	len = end - data - 8;
	w.h = bpf_map_lookup_elem(&scratch, &k);
	if (!w.h)
		return XDP_ABORTED;
	__builtin_memset(w.h, 0, sizeof(*w.h));
	bpf_loop(len < 1492 ? len : 1492, count_byte, &w, 0);
	bpf_loop(256, pick_best, &w, 0);
	((__u32 *)data)[0] = w.best;
	((__u32 *)data)[1] = w.h->n[w.best & 255];
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
