// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF twin of the Rax sample hello (userspace/samples/hello): prints
 * a line from a syscalls:sys_enter_* tracepoint and one from a kprobe,
 * the same lines the Rax sample prints.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct sys_enter_rec {
	struct trace_entry ent;
	int nr;
};

SEC("tracepoint")
int hello_tracepoint(struct sys_enter_rec *ctx)
{
	bpf_printk("hello from tracepoint: tgid %u syscall %d",
		   (__u32)(bpf_get_current_pid_tgid() >> 32), ctx->nr);
	return 0;
}

SEC("kprobe")
int hello_kprobe(struct pt_regs *ctx)
{
	char comm[16];

	if (bpf_get_current_comm(comm, sizeof(comm)))
		comm[0] = '?', comm[1] = '\0';
	bpf_printk("hello from kprobe at 0x%lx: comm %s arg0 0x%lx cpu %u",
		   PT_REGS_IP(ctx), comm, PT_REGS_PARM1(ctx),
		   bpf_get_smp_processor_id());
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
