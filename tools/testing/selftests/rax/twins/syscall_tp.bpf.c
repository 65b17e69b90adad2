// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF twin of the Rax sample syscall_tp (userspace/samples/syscall_tp):
 * counts the open and openat system calls of one process, at entry and at
 * exit, and the calls that failed, from the syscall tracepoints.
 *
 * Maps: target (array, 1 x u32: the tgid, 0 for every process) and counts
 * (array, 6 x u64: open and openat entries, exits, failures).
 * Programs: syscall_enter on syscalls:sys_enter_open{,at}, syscall_exit
 * on syscalls:sys_exit_open{,at}; rax_twin_test attaches them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define NR_OPEN		2
#define NR_OPENAT	257

/* The records of syscalls:sys_enter_* and sys_exit_* (their format). */
struct sys_enter_rec {
	struct trace_entry ent;
	int nr;
};

struct sys_exit_rec {
	struct trace_entry ent;
	int nr;
	long ret;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 6);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static bool is_target(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, key = 0;
	__u32 *t = bpf_map_lookup_elem(&target, &key);

	return !t || !*t || *t == tgid;
}

/* The slot of a call among open, openat: 0 or 1; -1 for any other. */
static int which(int nr)
{
	return nr == NR_OPEN ? 0 : nr == NR_OPENAT ? 1 : -1;
}

static void bump(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&counts, &slot);

	if (n)
		__sync_fetch_and_add(n, 1);
}

SEC("tracepoint")
int syscall_enter(struct sys_enter_rec *ctx)
{
	int call = which(ctx->nr);

	if (call >= 0 && is_target())
		bump(call);
	return 0;
}

SEC("tracepoint")
int syscall_exit(struct sys_exit_rec *ctx)
{
	int call = which(ctx->nr);

	if (call < 0 || !is_target())
		return 0;
	bump(2 + call);
	if (ctx->ret < 0)
		bump(4 + call);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
