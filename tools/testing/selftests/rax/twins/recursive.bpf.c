// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF twin of the Rax sample recursive (userspace/samples/recursive).
 * eBPF has no recursion: each level is a tail call of the program step
 * into itself, with the state in a per-CPU map, and the kernel allows 33
 * tail calls a run, so the depth stops at 33. Past it the run aborts and
 * stores nothing, as the Rax sample does past its stack.
 *
 * f(0) = 0, f(k) = 31 * f(k - 1) + k is computed from the bottom up, a
 * level a tail call. Maps: result (array, 2 x u64: the value and the
 * depth), state (per-CPU, the level and the value so far), jump (the program array; the test puts
 * step at index 0).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct walk {
	__u32 n;
	__u32 k;
	__u64 acc;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} result SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk);
} state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} jump SEC(".maps");

/* One level: the value so far, then the next level by a tail call. */
static __always_inline int do_step(struct xdp_md *ctx)
{
	__u32 zero = 0, one = 1;
	struct walk *w = bpf_map_lookup_elem(&state, &zero);
	__u64 n;

	if (!w)
		return XDP_ABORTED;
	if (w->k <= w->n) {
		w->acc = w->acc * 31 + w->k;
		w->k++;
		bpf_tail_call(ctx, &jump, 0);
		/* Past the tail call limit: too deep. */
		return XDP_ABORTED;
	}
	n = w->n;
	bpf_map_update_elem(&result, &zero, &w->acc, BPF_ANY);
	bpf_map_update_elem(&result, &one, &n, BPF_ANY);
	return XDP_PASS;
}

SEC("xdp")
int step(struct xdp_md *ctx)
{
	return do_step(ctx);
}

SEC("xdp")
int recursive(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 zero = 0;
	struct walk *w;

	if (data + sizeof(__u32) > end)
		return XDP_DROP;
	w = bpf_map_lookup_elem(&state, &zero);
	if (!w)
		return XDP_ABORTED;
	__builtin_memcpy(&w->n, data, sizeof(w->n));
	w->k = 1;
	w->acc = 0;
	return do_step(ctx);
}

char LICENSE[] SEC("license") = "GPL";
