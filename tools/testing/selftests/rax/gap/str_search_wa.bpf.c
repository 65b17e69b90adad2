// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* str_search, accepted: each position tried in a bpf_loop() callback. */
struct search {
	struct xdp_md *ctx;
	__u8 needle[8];
	__u32 n;
	__s32 found;
};

static long try_at(__u32 i, void *arg)
{
	struct search *s = arg;
	__u32 j, n = s->n;
	__u8 hay[8];

	/*
	 * Two checks, kept apart by barrier_var(): clang would merge them into
	 * n - 1 > 7, a bound on another register.
	 */
	if (n > 8)
		return 1;
	barrier_var(n);
	if (n == 0 || bpf_xdp_load_bytes(s->ctx, 16 + i, hay, n))
		return 1;
	for (j = 0; j < 8 && j < n; j++)
		if (hay[j] != s->needle[j])
			return 0;
	s->found = i;
	return 1;
}

SEC("xdp")
int str_search_wa(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct search s = { .ctx = ctx, .found = -1 };

	if (data + 16 > end)
		return XDP_ABORTED;
	s.n = *(__u8 *)data;
	if (s.n == 0 || s.n > 8)
		return XDP_DROP;
	__builtin_memcpy(s.needle, data + 1, 8);
	bpf_loop(1500, try_at, &s, 0);
	*(__s32 *)(data + 12) = s.found;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
