// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * A histogram of the packet's bytes in 256 u32 counters on the stack:
 * 1 KiB, over eBPF's 512 bytes. clang refuses it first; with its limit
 * raised (-mllvm -bpf-stack-size=2048) the verifier does ("invalid write
 * to stack"). Rax: the array on the program's own stack.
 */
SEC("xdp")
int big_stack(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 hist[256] = {}, best = 0, i;
	__u8 *p;

	if (data + 8 > end)
		return XDP_ABORTED;
	for (p = data + 8; (void *)(p + 1) <= end && p < (__u8 *)data + 1500; p++)
		hist[*p]++;
	for (i = 1; i < 256; i++)
		if (hist[i] > hist[best])
			best = i;
	((__u32 *)data)[0] = best;
	((__u32 *)data)[1] = hist[best];
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
