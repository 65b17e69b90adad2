// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF twin of the Rax sample tracex5 (userspace/samples/tracex5): a
 * kprobe on __seccomp_filter(nr, sd, recheck) sends one record per system
 * call of the chosen process through a perf event array (the number and
 * the first three arguments from the struct seccomp_data, when the caller
 * passes one) and counts the calls per number.
 *
 * Maps: target (array, 1 x u32: the tgid, 0 for every process), events
 * (perf event array, 8 slots), counts (hash, syscall number -> u64).
 * Program tracex5 (kprobe); rax_twin_test attaches it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct event {
	__u32 tgid;
	__u32 nr;
	__u64 args[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(max_entries, 8);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("kprobe")
int tracex5(struct pt_regs *ctx)
{
	static const __u64 zero;
	__u32 key = 0, tgid = bpf_get_current_pid_tgid() >> 32, *t, nr;
	struct seccomp_data sd;
	struct event ev = {};
	__u64 *n;

	t = bpf_map_lookup_elem(&target, &key);
	if (t && *t && *t != tgid)
		return 0;
	nr = PT_REGS_PARM1(ctx);
	n = bpf_map_lookup_elem(&counts, &nr);
	if (!n) {
		bpf_map_update_elem(&counts, &nr, &zero, BPF_NOEXIST);
		n = bpf_map_lookup_elem(&counts, &nr);
	}
	if (n)
		__sync_fetch_and_add(n, 1);
	ev.tgid = tgid;
	ev.nr = nr;
	if (!bpf_probe_read_kernel(&sd, sizeof(sd), (void *)PT_REGS_PARM2(ctx))) {
		ev.args[0] = sd.args[0];
		ev.args[1] = sd.args[1];
		ev.args[2] = sd.args[2];
	}
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &ev, sizeof(ev));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
