// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rax NMI trigger: a debugfs file that sends NMIs, for the selftests.
 *
 * Rax programs must run correctly in NMI context, but machines without a
 * PMU (QEMU with TCG) raise no NMI a test can ask for. This file sends
 * them with the local APIC:
 *
 *   /sys/kernel/debug/rax/nmi
 *	write "CPU [COUNT]"	send COUNT NMIs (1 by default, at most
 *				RAX_NMI_MAX_COUNT) to CPU, one at a time:
 *				each is handled before the next is sent.
 *				EINVAL for a CPU that is not online,
 *				ETIMEDOUT when an NMI is not handled within
 *				RAX_NMI_TIMEOUT_MS.
 *	read			the number of NMIs sent here and handled.
 *
 * The handler only counts. What runs in NMI context is what is attached
 * to the nmi:nmi_handler tracepoint, which fires after each NMI handler
 * with the handler's return value (handled == 1 for this one).
 *
 * For testing only: say N to CONFIG_RAX_NMI_TRIGGER on production kernels.
 */

#define pr_fmt(fmt) "rax: " fmt

#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/kprobes.h>
#include <linux/ktime.h>
#include <linux/nmi.h>
#include <linux/percpu.h>
#include <linux/uaccess.h>
#include <asm/apic.h>

#include "rax.h"

#define RAX_NMI_MAX_COUNT	1000
#define RAX_NMI_TIMEOUT_MS	2000

/* NMIs sent to each CPU and not yet handled: 0 or 1. */
static DEFINE_PER_CPU(atomic_t, rax_nmi_pending);
static atomic64_t rax_nmi_handled;

static int rax_nmi_handler(unsigned int type, struct pt_regs *regs)
{
	/* Not ours unless one was sent to this CPU. */
	if (!atomic_add_unless(this_cpu_ptr(&rax_nmi_pending), -1, 0))
		return NMI_DONE;
	atomic64_inc(&rax_nmi_handled);
	return NMI_HANDLED;
}

NOKPROBE_SYMBOL(rax_nmi_handler);

/* Send one NMI to @cpu and wait until its handler has run. */
static int rax_nmi_send(unsigned int cpu)
{
	atomic_t *pending = per_cpu_ptr(&rax_nmi_pending, cpu);
	ktime_t end = ktime_add_ms(ktime_get(), RAX_NMI_TIMEOUT_MS);

	atomic_set(pending, 1);
	__apic_send_IPI(cpu, NMI_VECTOR);
	while (atomic_read(pending)) {
		if (ktime_after(ktime_get(), end)) {
			/* Take it back, unless it is being handled now. */
			if (atomic_add_unless(pending, -1, 0)) {
				pr_warn("NMI to CPU %u not handled in %u ms\n", cpu,
					RAX_NMI_TIMEOUT_MS);
				return -ETIMEDOUT;
			}
			break;
		}
		usleep_range(20, 50);
	}
	return 0;
}

static ssize_t rax_nmi_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	static DEFINE_MUTEX(lock);
	unsigned int cpu, count = 1, i;
	char buf[32];
	int n, err = 0;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	n = sscanf(buf, "%u %u", &cpu, &count);
	if (n < 1 || !count || count > RAX_NMI_MAX_COUNT)
		return -EINVAL;

	mutex_lock(&lock);
	cpus_read_lock();
	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		err = -EINVAL;
	for (i = 0; !err && i < count; i++)
		err = rax_nmi_send(cpu);
	cpus_read_unlock();
	mutex_unlock(&lock);
	return err ?: len;
}

static ssize_t rax_nmi_read(struct file *file, char __user *ubuf, size_t len,
			    loff_t *ppos)
{
	char buf[24];
	int n;

	n = scnprintf(buf, sizeof(buf), "%lld\n",
		      (long long)atomic64_read(&rax_nmi_handled));
	return simple_read_from_buffer(ubuf, len, ppos, buf, n);
}

static const struct file_operations rax_nmi_fops = {
	.owner	= THIS_MODULE,
	.read	= rax_nmi_read,
	.write	= rax_nmi_write,
	.llseek	= default_llseek,
};

static int __init rax_nmi_trigger_init(void)
{
	struct dentry *dir;
	int err;

	err = register_nmi_handler(NMI_LOCAL, rax_nmi_handler, 0, "rax_nmi_trigger");
	if (err)
		return err;
	dir = rax_debugfs_dir();
	debugfs_create_file("nmi", 0600, dir, NULL, &rax_nmi_fops);
	pr_info("NMI trigger at /sys/kernel/debug/rax/nmi (testing only)\n");
	return 0;
}
late_initcall(rax_nmi_trigger_init);
