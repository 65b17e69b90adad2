// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * A recursive-descent evaluator of prefix expressions, 10 levels deep: as
 * eBPF has no recursion, one function per level. The verifier allows 8
 * frames ("the call stack of 9 frames is too deep"). Rax: one recursive
 * function through rax::recurse, the stack guard's check.
 */
#define LEVEL(n, next)								\
static __noinline __u32 eval##n(__u8 *p, void *end, __u32 *pos)		\
{										\
	__u8 op;								\
	__u32 a, b;								\
	if ((void *)(p + *pos + 1) > end || *pos > 1000)			\
		return 0;							\
	op = p[(*pos)++];							\
	if (op < 128)								\
		return op;							\
	a = next(p, end, pos);							\
	b = next(p, end, pos);							\
	return op == 128 ? a + b : a * b;					\
}

static __noinline __u32 eval0(__u8 *p, void *end, __u32 *pos)
{
	if ((void *)(p + *pos + 1) > end || *pos > 1000)
		return 0;
	return p[(*pos)++] & 127;
}

LEVEL(1, eval0)

LEVEL(2, eval1)

LEVEL(3, eval2)

LEVEL(4, eval3)

LEVEL(5, eval4)

LEVEL(6, eval5)

LEVEL(7, eval6)

LEVEL(8, eval7)

LEVEL(9, eval8)

LEVEL(10, eval9)

SEC("xdp")
int deep_calls(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 pos = 0, v;

	if (data + 8 > end)
		return XDP_ABORTED;
	v = eval10(data + 8, end, &pos);
	((__u32 *)data)[0] = v;
	((__u32 *)data)[1] = pos;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
