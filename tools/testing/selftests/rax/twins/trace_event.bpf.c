// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF twin of the Rax sample trace_event
 * (userspace/samples/trace_event): a perf_event program counts the samples
 * of the chosen process per pair of kernel and user stacks, recorded in a
 * stack trace map (minus the errno for a missing stack).
 *
 * Maps: target (array, 1 x u32), stacks (stack trace map, 1024 x 64
 * frames), counts (hash, struct stack_key -> u64). Program trace_event
 * (perf_event).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct stack_key {
	__u32 tgid;
	__s32 kernel_stack;
	__s32 user_stack;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1024);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 64 * sizeof(__u64));
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct stack_key);
	__type(value, __u64);
} counts SEC(".maps");

SEC("perf_event")
int trace_event(struct bpf_perf_event_data *ctx)
{
	static const __u64 zero;
	__u32 k = 0, tgid = bpf_get_current_pid_tgid() >> 32, *t;
	struct stack_key key = {};
	__u64 *n;

	t = bpf_map_lookup_elem(&target, &k);
	if (!t || *t != tgid)
		return 0;
	key.tgid = tgid;
	key.kernel_stack = bpf_get_stackid(ctx, &stacks, 0);
	key.user_stack = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	n = bpf_map_lookup_elem(&counts, &key);
	if (!n) {
		bpf_map_update_elem(&counts, &key, &zero, BPF_NOEXIST);
		n = bpf_map_lookup_elem(&counts, &key);
	}
	if (n)
		__sync_fetch_and_add(n, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
