// SPDX-License-Identifier: GPL-2.0-only
/*
 * The stacks Rax programs run on.
 *
 * Each CPU has N_RAX_STACKS stacks, one per nesting depth: a program that
 * starts while another runs on the same CPU (an interrupt, an NMI, a
 * kprobe in a helper, tc egress reached from tc ingress) takes the next
 * one, so no two invocations ever share a stack. A program that would
 * nest deeper is not run; its recursion_misses counter goes up, as for an
 * eBPF program skipped by the recursion check.
 *
 * A stack is kernel.rax.stack_size_kb in size and comes from vmalloc, so
 * an unmapped guard page lies below it, as below a VMAP_STACK task
 * stack. The load path only accepts an object whose provenance stack
 * bound leaves RAX_STACK_RESERVE bytes free for the hardirq handlers that
 * run on the stack they interrupt (a softirq's program interrupted while
 * the IRQ stack is in use), and for a program run bare (rax_runs_bare())
 * on a hook reached from there, which takes up to MAX_BPF_STACK bytes of
 * it, as an eBPF program would. Running into the guard page is a double fault,
 * which panics the kernel: nothing can be recovered on a stack that has
 * no room left. The guarantee is that it is not reached: the static bound,
 * the reserve, and the rax crate's recursion guard, which checks the room
 * left before each recursive call and throws when it runs short.
 *
 * The stacks are allocated when the first program is loaded and kept
 * until the stack size changes, which kernel.rax.stack_size_kb allows
 * only while no Rax program is loaded (EBUSY otherwise).
 *
 * The unwinder learns about them through rax_stack_info(): each depth is
 * its own stack type, and the word RAX_TOS_WORDS words below the top of a
 * stack holds the stack pointer of the code that switched to it, as the
 * top word of the IRQ stack does (two words down, so that the program's
 * entry is called with the stack aligned as the x86-64 ABI wants).
 */

#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/kasan.h>
#include <linux/kprobes.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/topology.h>
#include <linux/vmalloc.h>

#include <asm/stacktrace.h>

#include "rax.h"

DEFINE_PER_CPU(struct rax_cpu_stacks, rax_cpu_stacks);
DEFINE_PER_CPU(unsigned int, rax_depth);
unsigned long rax_stack_bytes;

static DEFINE_MUTEX(rax_stack_mutex);

/*
 * New stacks are filled with this word, so that the deepest any code went
 * on them shows (/sys/kernel/debug/rax/stack_used).
 */
#define RAX_STACK_PAINT		0x214b415453584152ULL	/* "RAXSTAK!" */
/* Loaded Rax programs; each holds the stacks. */
static unsigned int rax_stack_users;

/**
 * rax_stack_info() - Describe a Rax stack to the x86 unwinder.
 * @stack: an address on some stack of this CPU.
 * @info: filled when @stack is on one of this CPU's Rax stacks.
 *
 * Called from get_stack_info_noinstr(), in any context.
 *
 * Return: true if @stack is on a Rax stack of this CPU.
 */
bool noinstr rax_stack_info(unsigned long *stack, struct stack_info *info)
{
	unsigned long size = READ_ONCE(rax_stack_bytes);
	unsigned long addr = (unsigned long)stack;
	unsigned int d;

	for (d = 0; d < N_RAX_STACKS; d++) {
		unsigned long base = this_cpu_read(rax_cpu_stacks.base[d]);
		unsigned long *end;

		if (!base || addr < base || addr >= base + size)
			continue;
		end = (unsigned long *)(base + size);
		info->type = STACK_TYPE_RAX + d;
		info->begin = (unsigned long *)base;
		info->end = end;
		/* Where rax_enter() left the stack pointer it switched from. */
		info->next_sp = (unsigned long *)*(end - RAX_TOS_WORDS);
		return true;
	}
	return false;
}

/*
 * Frees every stack. Called with rax_stack_mutex held and no program
 * loaded, so none runs; the unwinder on another CPU may still look at the
 * bases, hence the grace period before the memory goes.
 */
static void rax_stacks_free(void)
{
	unsigned int cpu, d;

	for_each_possible_cpu(cpu)
		for (d = 0; d < N_RAX_STACKS; d++)
			WRITE_ONCE(per_cpu(rax_cpu_stacks, cpu).base[d], 0);
	synchronize_rcu();
	for_each_possible_cpu(cpu) {
		for (d = 0; d < N_RAX_STACKS; d++) {
			vfree(per_cpu(rax_cpu_stacks, cpu).mem[d]);
			per_cpu(rax_cpu_stacks, cpu).mem[d] = NULL;
		}
	}
	WRITE_ONCE(rax_stack_bytes, 0);
}

static int rax_stacks_alloc(unsigned long size)
{
	struct rax_cpu_stacks *s;
	unsigned int cpu, d;

	for_each_possible_cpu(cpu) {
		s = per_cpu_ptr(&rax_cpu_stacks, cpu);
		for (d = 0; d < N_RAX_STACKS; d++) {
			s->mem[d] = vmalloc_node(size, cpu_to_node(cpu));
			if (!s->mem[d])
				goto fail;
			memset64(s->mem[d], RAX_STACK_PAINT, size / sizeof(u64));
		}
	}
	WRITE_ONCE(rax_stack_bytes, size);
	for_each_possible_cpu(cpu) {
		s = per_cpu_ptr(&rax_cpu_stacks, cpu);
		for (d = 0; d < N_RAX_STACKS; d++)
			WRITE_ONCE(s->base[d], (unsigned long)s->mem[d]);
	}
	return 0;

fail:
	for_each_possible_cpu(cpu) {
		s = per_cpu_ptr(&rax_cpu_stacks, cpu);
		for (d = 0; d < N_RAX_STACKS; d++) {
			vfree(s->mem[d]);
			s->mem[d] = NULL;
		}
	}
	return -ENOMEM;
}

/**
 * rax_stacks_get() - Make sure the stacks exist, for a program being loaded.
 * @bytes: set to the size of the stacks the program will run on.
 *
 * Allocates the stacks at kernel.rax.stack_size_kb if there are none, and
 * counts the program as a user, which keeps the stack size from changing
 * until rax_stacks_put(). The sysctl is read under rax_stack_mutex, which
 * rax_stack_size_set() takes too, and stacks in use are never freed: the
 * size in @bytes is the one the program's stack bound must fit.
 *
 * Return: 0 or -ENOMEM.
 */
int rax_stacks_get(unsigned long *bytes)
{
	unsigned long size;
	int err = 0;

	mutex_lock(&rax_stack_mutex);
	size = (unsigned long)rax_params.stack_size_kb * SZ_1K;
	/* Sized for a value written while nothing was loaded. */
	if (rax_stack_bytes != size && !rax_stack_users) {
		if (rax_stack_bytes)
			rax_stacks_free();
		err = rax_stacks_alloc(size);
	}
	if (!err) {
		rax_stack_users++;
		*bytes = rax_stack_bytes;
	}
	mutex_unlock(&rax_stack_mutex);
	return err;
}

/**
 * rax_stacks_put() - Drop the hold rax_stacks_get() took.
 */
void rax_stacks_put(void)
{
	mutex_lock(&rax_stack_mutex);
	rax_stack_users--;
	mutex_unlock(&rax_stack_mutex);
}

/**
 * rax_stack_size_set() - Set kernel.rax.stack_size_kb.
 * @kb: a valid stack size (rax_stack_size_valid()).
 *
 * Return: 0, or -EBUSY while a Rax program is loaded.
 */
int rax_stack_size_set(unsigned int kb)
{
	int err = 0;

	mutex_lock(&rax_stack_mutex);
	if (rax_stack_users)
		err = -EBUSY;
	else
		WRITE_ONCE(rax_params.stack_size_kb, kb);
	mutex_unlock(&rax_stack_mutex);
	return err;
}

/**
 * rax_stack_check() - Check the stack has room for one more step of recursion.
 * @need: the room the caller needs, in bytes: RAX_RECURSION_STEP from the
 *	rax crate's recursion guard.
 *
 * Stops the program, like a panic, when fewer than @need bytes are left
 * on its Rax stack above the RAX_STACK_RESERVE bytes kept for interrupts
 * and helpers. The toolchain checks that no step of recursion from one
 * guard to the next uses more than RAX_RECURSION_STEP, so a program that
 * recurses through the guard stops before it reaches the guard page.
 */
void rax_stack_check(u64 need)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	unsigned long sp = current_stack_pointer;
	unsigned long floor = frame->stack_base + RAX_STACK_RESERVE;

	if (sp < floor || sp - floor < need)
		rax_refuse("ran out of stack: recursion too deep");
}

NOKPROBE_SYMBOL(rax_stack_check);

/**
 * rax_debugfs_dir() - The Rax directory of debugfs, made on first use.
 *
 * Return: /sys/kernel/debug/rax (an error pointer without debugfs, which
 * debugfs_create_file() accepts and ignores).
 */
struct dentry *rax_debugfs_dir(void)
{
	static struct dentry *dir;

	if (!dir)
		dir = debugfs_create_dir("rax", NULL);
	return dir;
}

/*
 * The deepest anything went on stack @d of @cpu since the stacks were
 * allocated, in bytes below its top: the first word from the bottom that
 * is no longer the paint. Other CPUs may be running on the stack, and
 * KASAN may have poisoned frames in use: the scan is a statistic, read
 * with KASAN's reports off.
 */
static unsigned long rax_stack_used(unsigned int cpu, unsigned int d)
{
	const u64 *w = per_cpu(rax_cpu_stacks, cpu).mem[d];
	unsigned long i, n = rax_stack_bytes / sizeof(u64);

	for (i = 0; i < n; i++)
		/* Racy with code running on the stack: a statistic. */
		if (data_race(w[i]) != RAX_STACK_PAINT)
			break;
	return (n - i) * sizeof(u64);
}

static int rax_stack_used_show(struct seq_file *m, void *unused)
{
	unsigned int cpu, d;

	mutex_lock(&rax_stack_mutex);
	seq_printf(m, "stack_bytes %lu reserve %u\n", rax_stack_bytes, RAX_STACK_RESERVE);
	if (rax_stack_bytes) {
		kasan_disable_current();
		for (d = 0; d < N_RAX_STACKS; d++) {
			unsigned long most = 0;

			for_each_possible_cpu(cpu)
				most = max(most, rax_stack_used(cpu, d));
			seq_printf(m, "depth %u used %lu\n", d, most);
		}
		kasan_enable_current();
	}
	mutex_unlock(&rax_stack_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rax_stack_used);

static int __init rax_stack_debugfs_init(void)
{
	debugfs_create_file("stack_used", 0400, rax_debugfs_dir(), NULL,
			    &rax_stack_used_fops);
	return 0;
}
late_initcall(rax_stack_debugfs_init);
