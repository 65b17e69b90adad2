// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running Rax programs: the dispatcher every Rax bpf_func leads to, the
 * throw helper that makes a panic a safe stop, and the helpers a Rax
 * object may import (helpers.h).
 *
 * The dispatcher runs the entry with preemption disabled, inside a frame
 * recorded in rax_cur_frame. A panic in the program calls rax_throw(),
 * which releases what the invocation holds, counts and logs the panic and
 * returns from the dispatcher with the program type's default verdict.
 */

#define pr_fmt(fmt) "rax: " fmt

#include <linux/bpf.h>
#include <linux/cred.h>
#include <linux/filter.h>
#include <linux/kasan.h>
#include <linux/kprobes.h>
#include <linux/pid_namespace.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/security.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <net/pkt_cls.h>
#include <net/xdp.h>

#include "rax.h"

static DEFINE_PER_CPU(struct rax_frame *, rax_cur_frame);
static DEFINE_PER_CPU(struct rnd_state, rax_rnd_state);
static const struct bpf_func_proto *rax_printk_proto __read_mostly;

static_assert(sizeof(arch_spinlock_t) == sizeof(struct bpf_spin_lock));

static_assert(offsetof(struct rax_frame, sp) == RAX_FRAME_SP);

/**
 * rax_default_ret() - What a program of a type returns after a panic.
 * @prog_type: an enum bpf_prog_type Rax supports.
 *
 * XDP programs abort (the packet is dropped and the xdp_exception
 * tracepoint fires, as for an eBPF program that returns an invalid
 * action), tc programs drop the packet (TC_ACT_SHOT), tracing programs
 * return 0 (the event is not passed on).
 *
 * Return: the verdict.
 */
u32 rax_default_ret(u32 prog_type)
{
	switch (prog_type) {
	case BPF_PROG_TYPE_XDP:
		return XDP_ABORTED;
	case BPF_PROG_TYPE_SCHED_CLS:
		return (u32)TC_ACT_SHOT;
	default:
		return 0;
	}
}

/* The context a tc entry gets, from the sk_buff tc passes. */
static bool rax_tc_ctx_fill(struct rax_tc_ctx *tc, struct sk_buff *skb)
{
	/* The packet's linear bytes are writable by the program. */
	if (skb_ensure_writable(skb, skb_headlen(skb)))
		return false;
	tc->data = (unsigned long)skb->data;
	tc->data_end = (unsigned long)skb->data + skb_headlen(skb);
	tc->len = skb->len;
	tc->protocol = (__force u32)skb->protocol;
	tc->ifindex = skb->dev ? skb->dev->ifindex : 0;
	tc->mark = skb->mark;
	tc->priority = skb->priority;
	tc->ingress = skb_at_tc_ingress(skb);
	return true;
}

/*
 * What the verifier's check_return_code() enforces on eBPF: an XDP program
 * run from a devmap or cpumap entry may only abort, drop or pass. Other
 * types and attach points take any value, as from eBPF.
 */
static bool rax_ret_valid(const struct rax_prog *rp, u32 ret)
{
	if (rp->prog_type == BPF_PROG_TYPE_XDP &&
	    (rp->expected_attach_type == BPF_XDP_DEVMAP ||
	     rp->expected_attach_type == BPF_XDP_CPUMAP))
		return ret <= XDP_PASS;
	return true;
}

/**
 * rax_run() - Run a Rax program; every Rax program's bpf_func leads here.
 * @ctx: the context the hook passes, as to an eBPF program.
 * @insn: the program's insnsi, which __bpf_prog_run() and the XDP
 *	dispatcher pass; it locates the program.
 *
 * Return: the program's return value, or its type's default after a panic.
 */
unsigned int rax_run(const void *ctx, const struct bpf_insn *insn)
{
	const struct bpf_prog *prog = (const void *)insn - offsetof(struct bpf_prog, insnsi);
	struct rax_prog *rp = prog->aux->rax;
	struct rax_frame frame = { .rp = rp };
	void *arg = (void *)ctx;
	struct rax_tc_ctx tc;
	u64 ret;

	if (rp->prog_type == BPF_PROG_TYPE_SCHED_CLS) {
		if (!rax_tc_ctx_fill(&tc, (struct sk_buff *)ctx))
			return rp->default_ret;
		arg = &tc;
	}

	preempt_disable();
	frame.prev = this_cpu_read(rax_cur_frame);
	this_cpu_write(rax_cur_frame, &frame);
	ret = rax_enter(arg, rp->entry, &frame);
	this_cpu_write(rax_cur_frame, frame.prev);
	preempt_enable();

	if (frame.thrown || !rax_ret_valid(rp, (u32)ret))
		return rp->default_ret;
	return ret;
}

static bool rax_in_data(const struct rax_prog *rp, const u8 *p, size_t len)
{
	unsigned long start = (unsigned long)rp->data;
	unsigned long a = (unsigned long)p;

	return rp->data && a >= start && len <= rp->data_size &&
	       a - start <= rp->data_size - len;
}

/**
 * rax_throw() - Stop the running program after a panic.
 * @file: the panic's source file, in the program's read-only data.
 * @file_len: its length.
 * @line: the panic's line.
 * @column: the panic's column.
 *
 * Called by the rax crate's panic handler with the location only; the
 * panic message is never formatted. Releases the spin lock the
 * invocation holds, if any, restoring the interrupt state it saved,
 * counts the panic, logs the program's name and tag and the location
 * (rate limited) and returns from rax_run() with the program type's
 * default verdict. Never returns to the program.
 */
void __noreturn notrace rax_throw(const u8 *file, size_t file_len, u32 line, u32 column)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	unsigned long sp = round_down(current_stack_pointer, 8);
	struct rax_prog *rp;

	/* Only a running program calls it: there is always a frame. */
	rp = frame->rp;
	frame->thrown = true;
	if (frame->held_lock) {
		arch_spin_unlock((arch_spinlock_t *)frame->held_lock);
		local_irq_restore(frame->lock_flags);
		frame->held_lock = NULL;
	}
	atomic64_inc(&rp->panics);
	if (!rax_in_data(rp, file, file_len)) {
		file = "?";
		file_len = 1;
	}
	pr_warn_ratelimited("program %s (tag %*phN) panicked at %.*s:%u:%u\n",
			    rp->prog->aux->name, BPF_TAG_SIZE, rp->prog->tag,
			    (int)min_t(size_t, file_len, 256), file, line, column);

	/* The stack below the frame is abandoned: drop its KASAN poison. */
	if (frame->sp > sp)
		kasan_unpoison_range((void *)sp, frame->sp - sp);
	rax_unwind(frame);
}

NOKPROBE_SYMBOL(rax_throw);

static struct bpf_map *rax_def_map(const struct rax_map_def *def)
{
	return (struct bpf_map *)(unsigned long)READ_ONCE(def->map);
}

/**
 * rax_map_lookup_elem() - Look a key up in a map.
 * @def: the map's definition in the program's .rax.maps section.
 * @key: key_size readable bytes.
 *
 * Return: the value, valid until the program returns, or NULL.
 */
void *rax_map_lookup_elem(const struct rax_map_def *def, const void *key)
{
	struct bpf_map *map = rax_def_map(def);

	return map->ops->map_lookup_elem(map, (void *)key);
}

/**
 * rax_map_update_elem() - Insert or update an element of a map.
 * @def: the map's definition.
 * @key: key_size readable bytes.
 * @value: value_size readable bytes.
 * @flags: BPF_ANY, BPF_NOEXIST or BPF_EXIST.
 *
 * Return: 0 or a negative errno, as bpf_map_update_elem() from eBPF.
 */
s64 rax_map_update_elem(const struct rax_map_def *def, const void *key,
			const void *value, u64 flags)
{
	struct bpf_map *map = rax_def_map(def);

	if (flags & ~(u64)(BPF_NOEXIST | BPF_EXIST))
		return -EINVAL;
	return map->ops->map_update_elem(map, (void *)key, (void *)value, flags);
}

/**
 * rax_map_delete_elem() - Delete an element of a map.
 * @def: the map's definition.
 * @key: key_size readable bytes.
 *
 * Return: 0 or a negative errno (-EINVAL for arrays).
 */
s64 rax_map_delete_elem(const struct rax_map_def *def, const void *key)
{
	struct bpf_map *map = rax_def_map(def);

	return map->ops->map_delete_elem(map, (void *)key);
}

/**
 * rax_ktime_get_ns() - Monotonic time, NMI safe.
 *
 * Return: nanoseconds since boot, not counting suspend.
 */
u64 rax_ktime_get_ns(void)
{
	return ktime_get_mono_fast_ns();
}

/**
 * rax_ktime_get_boot_ns() - Boot time, NMI safe.
 *
 * Return: nanoseconds since boot, counting suspend.
 */
u64 rax_ktime_get_boot_ns(void)
{
	return ktime_get_boot_fast_ns();
}

/**
 * rax_get_prandom_u32() - A pseudo-random number, not for cryptography.
 *
 * Return: 32 pseudo-random bits from this CPU's generator.
 */
u32 rax_get_prandom_u32(void)
{
	return prandom_u32_state(this_cpu_ptr(&rax_rnd_state));
}

/**
 * rax_get_smp_processor_id() - The CPU the program runs on.
 *
 * Return: the CPU number; the dispatcher keeps the program on it.
 */
u32 rax_get_smp_processor_id(void)
{
	return smp_processor_id();
}

/**
 * rax_trace_print() - Write bytes to the trace pipe.
 * @buf: @len readable bytes; never a format string.
 * @len: the number of bytes; at most 255 are written.
 *
 * The bytes appear in /sys/kernel/tracing/trace_pipe as a bpf_trace_printk
 * event, up to the first NUL.
 *
 * Return: the number of bytes written, or a negative errno.
 */
s64 rax_trace_print(const u8 *buf, u32 len)
{
	const struct bpf_func_proto *proto = READ_ONCE(rax_printk_proto);
	char tmp[256];

	if (!proto)
		return -ENOENT;
	len = min_t(u32, len, sizeof(tmp) - 1);
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	return proto->func((unsigned long)"%s", sizeof("%s"), (unsigned long)tmp, 0, 0);
}

/**
 * rax_get_current_pid_tgid() - The current task's ids.
 *
 * Return: tgid << 32 | pid, in the initial pid namespace.
 */
u64 rax_get_current_pid_tgid(void)
{
	struct task_struct *task = current;

	return (u64)task->tgid << 32 | task->pid;
}

/**
 * rax_get_current_uid_gid() - The current task's credentials.
 *
 * Return: gid << 32 | uid, in the initial user namespace.
 */
u64 rax_get_current_uid_gid(void)
{
	kuid_t uid;
	kgid_t gid;

	current_uid_gid(&uid, &gid);
	return (u64)from_kgid(&init_user_ns, gid) << 32 |
	       from_kuid(&init_user_ns, uid);
}

/**
 * rax_get_current_comm() - The current task's name.
 * @buf: @size writable bytes; filled and NUL-terminated.
 * @size: the size of @buf.
 *
 * Return: 0, or -EINVAL for a zero @size.
 */
s64 rax_get_current_comm(u8 *buf, u32 size)
{
	if (!size)
		return -EINVAL;
	strscpy_pad(buf, current->comm, size);
	return 0;
}

/**
 * rax_probe_read_kernel() - Read kernel memory that may not be mapped.
 * @dst: @size writable bytes; zeroed on failure.
 * @size: the number of bytes.
 * @src: the kernel address to read.
 *
 * Refused under lockdown's confidentiality mode, as for eBPF.
 *
 * Return: 0, -EFAULT for an unreadable address, or -EPERM.
 */
s64 rax_probe_read_kernel(void *dst, u32 size, const void *src)
{
	long ret = security_locked_down(LOCKDOWN_BPF_READ_KERNEL);

	if (!ret)
		ret = copy_from_kernel_nofault(dst, src, size);
	if (ret)
		memset(dst, 0, size);
	return ret;
}

/**
 * rax_spin_lock() - Take a bpf_spin_lock in a map value.
 * @lock: the lock.
 *
 * Disables interrupts and takes the lock. An invocation holds at most one
 * such lock at a time; a panic releases it.
 */
void rax_spin_lock(u32 *lock)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	unsigned long flags;

	local_irq_save(flags);
	arch_spin_lock((arch_spinlock_t *)lock);
	frame->held_lock = lock;
	frame->lock_flags = flags;
}

/**
 * rax_spin_unlock() - Release the lock taken by rax_spin_lock().
 * @lock: the lock.
 */
void rax_spin_unlock(u32 *lock)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	unsigned long flags = frame->lock_flags;

	frame->held_lock = NULL;
	arch_spin_unlock((arch_spinlock_t *)lock);
	local_irq_restore(flags);
}

/**
 * rax_trace_print_enable() - Prepare rax_trace_print() for a new program.
 *
 * Called at load time of a program that imports it, in process context:
 * enables the bpf_trace_printk event, as loading an eBPF program that
 * calls bpf_trace_printk() does.
 */
void rax_trace_print_enable(void)
{
	WRITE_ONCE(rax_printk_proto, bpf_get_trace_printk_proto());
}

/**
 * rax_run_init() - Seed the per-CPU random number generators.
 *
 * Return: 0.
 */
int __init rax_run_init(void)
{
	prandom_seed_full_state(&rax_rnd_state);
	return 0;
}
