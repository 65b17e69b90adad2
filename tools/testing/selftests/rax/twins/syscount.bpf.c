// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF twin of the Rax sample syscount (userspace/samples/syscount):
 * counts the system calls of one process, with their errors and their
 * time, per system call number, from the raw syscall tracepoints.
 *
 * Maps: target (array, 1 x u32: the tgid, 0 for every process), start
 * (hash, pid_tgid -> entry time in ns), stats (hash, syscall number ->
 * struct stats). Programs: syscount_enter on raw_syscalls:sys_enter,
 * syscount_exit on raw_syscalls:sys_exit; rax_twin_test attaches them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct stats {
	__u64 count;
	__u64 errors;
	__u64 total_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u64);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, struct stats);
} stats SEC(".maps");

static bool is_target(__u64 pid_tgid)
{
	__u32 key = 0, *t = bpf_map_lookup_elem(&target, &key);

	return !t || !*t || *t == pid_tgid >> 32;
}

SEC("tracepoint")
int syscount_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u64 id = bpf_get_current_pid_tgid(), now;

	if (!is_target(id))
		return 0;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&start, &id, &now, BPF_ANY);
	return 0;
}

SEC("tracepoint")
int syscount_exit(struct trace_event_raw_sys_exit *ctx)
{
	static const struct stats empty;
	__u64 id = bpf_get_current_pid_tgid(), *t0, took;
	struct stats *s;
	__u32 nr;

	if (!is_target(id))
		return 0;
	t0 = bpf_map_lookup_elem(&start, &id);
	if (!t0)
		return 0;
	/* Read before the delete frees the element. */
	took = bpf_ktime_get_ns() - *t0;
	bpf_map_delete_elem(&start, &id);
	if (ctx->id < 0 || ctx->id > 0xffffffffL)
		return 0;
	nr = ctx->id;
	s = bpf_map_lookup_elem(&stats, &nr);
	if (!s) {
		bpf_map_update_elem(&stats, &nr, &empty, BPF_NOEXIST);
		s = bpf_map_lookup_elem(&stats, &nr);
		if (!s)
			return 0;
	}
	__sync_fetch_and_add(&s->count, 1);
	if (ctx->ret < 0)
		__sync_fetch_and_add(&s->errors, 1);
	__sync_fetch_and_add(&s->total_ns, took);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
