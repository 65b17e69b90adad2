// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF twin of the Rax sample error_injector
 * (userspace/samples/error_injector): a kprobe on the entry of a function
 * that allows error injection has it return a chosen value at once for
 * the chosen process.
 *
 * Maps: target (array, 1 x struct inject_target: a tgid, 0 for none, and the
 * value to return), injected (array, 1 x u64: calls made to fail).
 * Program error_injector (kprobe); rax_twin_test attaches it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct inject_target {
	__u32 tgid;
	__u32 pad;
	__s64 rc;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct inject_target);
} target SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} injected SEC(".maps");

SEC("kprobe")
int error_injector(struct pt_regs *ctx)
{
	__u32 key = 0;
	struct inject_target *t = bpf_map_lookup_elem(&target, &key);
	__u64 *n;

	if (!t || !t->tgid || t->tgid != bpf_get_current_pid_tgid() >> 32)
		return 0;
	bpf_override_return(ctx, t->rc);
	n = bpf_map_lookup_elem(&injected, &key);
	if (n)
		__sync_fetch_and_add(n, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
