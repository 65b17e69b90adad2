// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * The first offset of a needle (1 to 8 bytes) in the payload: two nested
 * loops over the packet, each access checked against the end. The
 * verifier cannot bound hay + i + j ("offset is outside of the packet").
 * Rax: `windows(n).position(..)`.
 */
SEC("xdp")
int str_search(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *needle = data + 1, *hay = data + 16;
	__u32 n, i, j;
	__s32 found = -1;

	if (data + 16 > end)
		return XDP_ABORTED;
	n = *(__u8 *)data;
	if (n == 0 || n > 8)
		return XDP_DROP;
	for (i = 0; (void *)(hay + i + n) <= end && i < 1500; i++) {
		for (j = 0; j < n; j++)
			if (hay[i + j] != needle[j])
				break;
		if (j == n) {
			found = i;
			break;
		}
	}
	*(__s32 *)(data + 12) = found;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
