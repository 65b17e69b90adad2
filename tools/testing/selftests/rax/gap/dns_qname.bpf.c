// SPDX-License-Identifier: GPL-2.0
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/*
 * Walks a DNS question name (length-prefixed labels) and hashes it
 * lower-cased: a loop whose step is read from the packet, with an inner
 * loop over each label. Every access is checked against the end; the
 * verifier loses the offset ("offset is outside of the packet").
 */
SEC("xdp")
int dns_qname(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *p = data + 8;
	__u32 labels = 0, hash = 0x811c9dc5, off = 0;

	if (data + 8 > end)
		return XDP_ABORTED;
	while (off < 255) {
		__u8 len, i;

		if ((void *)(p + off + 1) > end)
			goto bad;
		len = p[off];
		if (len == 0)
			break;
		if (len > 63 || (void *)(p + off + 1 + len) > end)
			goto bad;
		for (i = 1; i <= len; i++) {
			__u8 c = p[off + i];

			if (c >= 'A' && c <= 'Z')
				c += 32;
			hash = (hash ^ c) * 0x01000193;
		}
		hash = (hash ^ '.') * 0x01000193;
		labels++;
		off += 1 + len;
	}
	if (off >= 255)
		goto bad;
	((__u32 *)data)[0] = labels;
	((__u32 *)data)[1] = hash;
	return XDP_TX;
bad:
	((__u64 *)data)[0] = 0;
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
