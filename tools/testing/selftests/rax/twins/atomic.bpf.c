// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF twin of the Rax sample atomic (userspace/samples/atomic): the
 * same atomic operations on the values of an array map, from an XDP
 * program whose packet holds the operand.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} values SEC(".maps");

static __u64 *slot(__u32 i)
{
	return bpf_map_lookup_elem(&values, &i);
}

SEC("xdp")
int atomic(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u64 v, *s, *sum, cur, old;

	if (data + sizeof(v) > end)
		return XDP_DROP;
	__builtin_memcpy(&v, data, sizeof(v));
	s = slot(0);
	if (s)
		__sync_fetch_and_add(s, v);
	s = slot(1);
	if (s)
		__sync_fetch_and_sub(s, v);
	s = slot(2);
	if (s)
		__sync_fetch_and_or(s, v);
	s = slot(3);
	if (s)
		__sync_fetch_and_and(s, ~(v & 0xff));
	s = slot(4);
	if (s)
		__sync_fetch_and_xor(s, v);
	s = slot(5);
	sum = slot(6);
	if (s && sum)
		__sync_fetch_and_add(sum, __atomic_exchange_n(s, v, __ATOMIC_SEQ_CST));
	s = slot(7);
	if (s) {
		/* The verifier needs a bound on the retry loop. */
		cur = *s;
		for (int i = 0; i < 64; i++) {
			old = __sync_val_compare_and_swap(s, cur, cur * 3 + v);
			if (old == cur)
				break;
			cur = old;
		}
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
