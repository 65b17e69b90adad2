// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF twin of the Rax sample map_bench (userspace/samples/map_bench):
 * one map operation per run, on any of eight map types, repeated a given
 * number of times.
 *
 * Maps (u32 keys, u64 values): hash, pcpu_hash, lru, lru_pcpu, array,
 * pcpu_array, queue, stack, and result (array, 2 x u64: the value the
 * last operation read and its errno). Program map_bench (XDP), on a
 * command packet: byte 0 the operation (0 update, 1 lookup, 2 delete),
 * byte 1 the map (0 to 7, in the order above), bytes 4..8 the key, 8..16
 * the value, 16..20 the repeat count; on a queue or a stack update
 * pushes, lookup peeks and delete pops. XDP_PASS on success, XDP_DROP on
 * failure, XDP_ABORTED on a short packet.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define ENOENT	2
#define EINVAL	22

#define KEYED(_name, _type, _n)				\
	struct {					\
		__uint(type, _type);			\
		__uint(max_entries, _n);		\
		__type(key, __u32);			\
		__type(value, __u64);			\
	} _name SEC(".maps")

#define LIST(_name, _type)				\
	struct {					\
		__uint(type, _type);			\
		__uint(max_entries, 16);		\
		__uint(value_size, sizeof(__u64));	\
	} _name SEC(".maps")

KEYED(hash, BPF_MAP_TYPE_HASH, 64);
KEYED(pcpu_hash, BPF_MAP_TYPE_PERCPU_HASH, 64);
KEYED(lru, BPF_MAP_TYPE_LRU_HASH, 16);
KEYED(lru_pcpu, BPF_MAP_TYPE_LRU_PERCPU_HASH, 16);
KEYED(array, BPF_MAP_TYPE_ARRAY, 64);
KEYED(pcpu_array, BPF_MAP_TYPE_PERCPU_ARRAY, 64);
LIST(queue, BPF_MAP_TYPE_QUEUE);
LIST(stack, BPF_MAP_TYPE_STACK);
KEYED(result, BPF_MAP_TYPE_ARRAY, 2);

struct cmd {
	__u8 op;
	__u8 map;
	__u8 pad[2];
	__u32 key;
	__u64 value;
	__u32 repeat;
};

/* The keyed maps by number; queue and stack are 6 and 7. */
static void *keyed(__u8 map)
{
	switch (map) {
	case 0: return &hash;
	case 1: return &pcpu_hash;
	case 2: return &lru;
	case 3: return &lru_pcpu;
	case 4: return &array;
	case 5: return &pcpu_array;
	case 6: return &queue;
	case 7: return &stack;
	}
	return NULL;
}

static long run(const struct cmd *c, __u64 *read)
{
	void *m = keyed(c->map);
	__u64 *v;

	if (!m)
		return -EINVAL;
	switch (c->op) {
	case 0:
		if (c->map >= 6)
			return bpf_map_push_elem(m, &c->value, 0);
		return bpf_map_update_elem(m, &c->key, &c->value, BPF_ANY);
	case 1:
		if (c->map >= 6)
			return bpf_map_peek_elem(m, read);
		v = bpf_map_lookup_elem(m, &c->key);
		if (!v)
			return -ENOENT;
		*read = *v;
		return 0;
	case 2:
		if (c->map >= 6)
			return bpf_map_pop_elem(m, read);
		if (c->map >= 4)
			return -EINVAL;
		return bpf_map_delete_elem(m, &c->key);
	}
	return -EINVAL;
}

struct loop_ctx {
	struct cmd c;
	__u64 read;
	long err;
};

static long one(__u64 i, struct loop_ctx *l)
{
	l->read = 0;
	l->err = run(&l->c, &l->read);
	return 0;
}

SEC("xdp")
int map_bench(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 k_read = 0, k_errno = 1;
	struct loop_ctx l = { .err = -EINVAL };
	__u64 errno_v;

	if (data + sizeof(l.c) > end)
		return XDP_ABORTED;
	__builtin_memcpy(&l.c, data, sizeof(l.c));
	/* The verifier cannot follow a loop this long: bpf_loop() runs it. */
	bpf_loop(l.c.repeat ? l.c.repeat : 1, one, &l, 0);
	errno_v = l.err < 0 ? -l.err : 0;
	if (l.err < 0)
		l.read = 0;
	bpf_map_update_elem(&result, &k_read, &l.read, BPF_ANY);
	bpf_map_update_elem(&result, &k_errno, &errno_v, BPF_ANY);
	return l.err < 0 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
