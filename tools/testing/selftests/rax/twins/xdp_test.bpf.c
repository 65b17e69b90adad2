// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF twin of the Rax sample xdp_test (userspace/samples/xdp_test):
 * the XDP packet helpers, one per packet, chosen by the byte after the
 * Ethernet header, with the next byte as argument: push bytes in front
 * (XDP_TX), pop them, grow or cut the tail, write and read 8 bytes of
 * metadata, redirect to a device or through a devmap or a cpumap, a
 * checksum difference. A helper that fails: XDP_DROP.
 *
 * Maps: devs (devmap, 4 slots), cpus (cpumap, 4 slots), counter (array,
 * 1 x u64). Program
 * xdp_test (XDP).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define ETH_HLEN	14

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} devs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} cpus SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counter SEC(".maps");

static __always_inline int bounds(struct xdp_md *ctx, void **data, void **end)
{
	*data = (void *)(long)ctx->data;
	*end = (void *)(long)ctx->data_end;
	return 0;
}

static int push_front(struct xdp_md *ctx, __u8 n)
{
	void *data, *end;
	__u8 eth[ETH_HLEN];
	int i;

	if (bpf_xdp_adjust_head(ctx, -(int)n))
		return XDP_DROP;
	bounds(ctx, &data, &end);
	/*
	 * The old Ethernet header is now at n: move it to the front. The
	 * check of the variable offset does not cover the front for the
	 * verifier: the front needs its own check, first (after it, clang
	 * would drop it as implied).
	 */
	if (data + ETH_HLEN > end)
		return XDP_DROP;
	if (data + n + ETH_HLEN > end)
		return XDP_DROP;
	__builtin_memcpy(eth, data + n, ETH_HLEN);
	__builtin_memcpy(data, eth, ETH_HLEN);
	for (i = 0; i < 255; i++) {
		__u8 *p = data + ETH_HLEN + i;

		if (i >= n)
			break;
		if ((void *)(p + 1) > end)
			return XDP_DROP;
		*p = 0xab;
	}
	return XDP_TX;
}

static int grow_tail(struct xdp_md *ctx, __u8 arg)
{
	int delta = arg < 128 ? arg : (int)arg - 256, i;
	__u32 old = ctx->data_end - ctx->data;
	void *data, *end;

	if (bpf_xdp_adjust_tail(ctx, delta))
		return XDP_DROP;
	/* A bound the verifier needs for a variable offset into the packet. */
	if (old > 0xfff)
		return XDP_DROP;
	bounds(ctx, &data, &end);
	for (i = 0; i < 128 && delta > 0; i++) {
		__u8 *p = data + old + i;

		if (i >= delta || (void *)(p + 1) > end)
			break;
		*p = 0;
	}
	return XDP_PASS;
}

static int meta(struct xdp_md *ctx)
{
	void *data, *end, *m;
	__u32 key = 0;
	__u64 *c, n;

	if (bpf_xdp_adjust_meta(ctx, -8))
		return XDP_DROP;
	c = bpf_map_lookup_elem(&counter, &key);
	if (!c)
		return XDP_DROP;
	n = __sync_add_and_fetch(c, 1);
	m = (void *)(long)ctx->data_meta;
	bounds(ctx, &data, &end);
	if (m + 8 > data)
		return XDP_DROP;
	__builtin_memcpy(m, &n, 8);
	if (data + 24 > end)
		return XDP_DROP;
	__builtin_memcpy(data + 16, m, 8);
	return XDP_PASS;
}

static int csum(struct xdp_md *ctx)
{
	void *data, *end;
	__u32 d;

	bounds(ctx, &data, &end);
	if (data + 28 > end)
		return XDP_DROP;
	d = bpf_csum_diff(data + 16, 4, data + 20, 4, 0);
	d = bpf_csum_diff(NULL, 0, data + 20, 4, d);
	__builtin_memcpy(data + 24, &d, 4);
	return XDP_PASS;
}

SEC("xdp")
int xdp_test(struct xdp_md *ctx)
{
	void *data, *end;
	__u8 op, arg;

	bounds(ctx, &data, &end);
	if (data + ETH_HLEN + 2 > end)
		return XDP_ABORTED;
	op = *(__u8 *)(data + ETH_HLEN);
	arg = *(__u8 *)(data + ETH_HLEN + 1);
	switch (op) {
	case 0:
		return push_front(ctx, arg);
	case 1:
		return bpf_xdp_adjust_head(ctx, arg) ? XDP_DROP : XDP_PASS;
	case 2:
		return grow_tail(ctx, arg);
	case 3:
		return meta(ctx);
	case 4:
		return bpf_redirect(arg, 0);
	case 5:
		return bpf_redirect_map(&devs, arg, XDP_PASS);
	case 6:
		return csum(ctx);
	case 7:
		return bpf_redirect_map(&cpus, arg, XDP_PASS);
	}
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
