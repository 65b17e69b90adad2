// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF twin of the Rax sample spinlock_cleanup
 * (userspace/samples/spinlock_cleanup): takes a map value's spin lock,
 * counts the run, and on an error (packet byte 0 is 1) counts it too. An
 * eBPF program cannot stop with the lock held: the error path unlocks
 * and returns XDP_ABORTED, the verdict of the Rax program's panic.
 *
 * Map: state (array, 1 x struct lock_state). Program spinlock_cleanup (XDP).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct lock_state {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 runs;
	__u64 errors;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lock_state);
} state SEC(".maps");

SEC("xdp")
int spinlock_cleanup(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct lock_state *s;
	__u32 key = 0;
	__u8 mode;

	if (data + 1 > end)
		return XDP_PASS;
	mode = *(__u8 *)data;
	s = bpf_map_lookup_elem(&state, &key);
	if (!s)
		return XDP_ABORTED;
	bpf_spin_lock(&s->lock);
	s->runs++;
	if (mode == 1) {
		s->errors++;
		bpf_spin_unlock(&s->lock);
		return XDP_ABORTED;
	}
	bpf_spin_unlock(&s->lock);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
