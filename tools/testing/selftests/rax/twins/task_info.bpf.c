// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF twin of the Rax sample task_info (userspace/samples/task_info):
 * a kprobe on do_filp_open(dfd, pathname, op) records, for the chosen
 * process, its ids, its parent, its cgroup, its name and the path (the
 * kernel's copy and the user's), and signals the process (SIGUSR1) when
 * the path ends in "signal-me".
 *
 * Maps: target (array, 1 x u32), records (array, 16 x struct record),
 * count (array, 1 x u64). Program task_info (kprobe).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define SIGUSR1		10

struct record {
	__u32 tgid;
	__u32 ppid;
	__u64 cgroup_id;
	__u32 numa_node;
	__u32 path_len;
	__u32 upath_len;
	__u32 same;
	char path[64];
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct record);
} records SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} count SEC(".maps");

SEC("kprobe")
int task_info(struct pt_regs *ctx)
{
	__u32 key = 0, tgid = bpf_get_current_pid_tgid() >> 32, *t, i;
	struct filename *f = (void *)PT_REGS_PARM2(ctx);
	struct task_struct *task;
	const char *name, *uptr;
	struct record r = {};
	char upath[64] = {};
	__u64 *n, idx;
	int len, k;

	t = bpf_map_lookup_elem(&target, &key);
	n = bpf_map_lookup_elem(&count, &key);
	if (!t || *t != tgid || !n)
		return 0;
	task = (void *)bpf_get_current_task();
	r.tgid = tgid;
	r.ppid = BPF_CORE_READ(task, real_parent, tgid);
	r.cgroup_id = bpf_get_current_cgroup_id();
	r.numa_node = bpf_get_numa_node_id();
	bpf_get_current_comm(r.comm, sizeof(r.comm));
	if (bpf_probe_read_kernel(&name, sizeof(name), &f->name))
		name = NULL;
	if (bpf_probe_read_kernel(&uptr, sizeof(uptr), &f->uptr))
		uptr = NULL;
	len = bpf_probe_read_kernel_str(r.path, sizeof(r.path), name);
	r.path_len = len > 0 ? len : 0;
	len = bpf_probe_read_user_str(upath, sizeof(upath), uptr);
	r.upath_len = len > 0 ? len : 0;
	r.same = !__builtin_memcmp(r.path, upath, sizeof(upath));
	len = r.path_len - 1;
	if (len >= 9 && len <= 64) {
		const char *tail = "signal-me";

		for (k = 0; k < 9; k++)
			if (r.path[(len - 9 + k) & 63] != tail[k])
				break;
		if (k == 9)
			bpf_send_signal(SIGUSR1);
	}
	idx = __sync_fetch_and_add(n, 1);
	if (idx < 16) {
		i = idx;
		bpf_map_update_elem(&records, &i, &r, BPF_ANY);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
