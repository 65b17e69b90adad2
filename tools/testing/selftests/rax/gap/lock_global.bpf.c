// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct account {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 balance;
	__u64 rejected;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, struct account);
} accounts SEC(".maps");

/*
 * Whether @amount may be withdrawn from @a: a global function, as a
 * policy shared by several programs is (and as eBPF advises for code that
 * would otherwise be verified again at every call).
 */
__noinline int allowed(struct account *a, __u64 amount)
{
	if (!a)
		return 0;
	return amount <= a->balance && amount <= 1000;
}

/*
 * Withdraws the packet's amount (u32 at 4) from its account (byte 0)
 * under the account's lock, if allowed; the balance into bytes 0..4.
 */
SEC("xdp")
int lock_global(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct account *a;
	__u32 id, amount;
	int ok;

	if (data + 8 > end)
		return XDP_ABORTED;
	id = *(__u8 *)data;
	amount = ((__u32 *)data)[1];
	a = bpf_map_lookup_elem(&accounts, &id);
	if (!a)
		return XDP_DROP;
	bpf_spin_lock(&a->lock);
	ok = allowed(a, amount);
	if (ok)
		a->balance -= amount;
	else
		a->rejected++;
	((__u32 *)data)[0] = a->balance;
	bpf_spin_unlock(&a->lock);
	return ok ? XDP_TX : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
