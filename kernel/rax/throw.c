// SPDX-License-Identifier: GPL-2.0-only
/*
 * Exceptions: how a Rax program is stopped, and what is released when it is.
 *
 * An invocation's cleanup log (struct rax_frame's held[]) records every
 * resource a helper handed the program: a spin lock, a ring buffer record,
 * a task reference. A panic in the program calls rax_throw(); a helper
 * that finds the program breaking its contract, the budget check past the
 * deadline and the recursion guard short of stack call rax_stop(). Each
 * releases the log, last taken first, counts and logs the stop and returns
 * from rax_run() through rax_unwind() with the program type's default
 * verdict. Nothing between rax_enter() and rax_stop() returns.
 *
 * So nothing on that path may be traced with a return hook: an ftrace
 * function-graph entry, a kretprobe's rethook node or a BPF trampoline's
 * fexit frame would be abandoned with the stack, and the next return in
 * the task would jump through it. This file, budget.c, stack.c and
 * helper_impl.c are built without ftrace (Makefile), their functions are
 * NOKPROBE_SYMBOL and BPF tracing programs may not attach to them
 * (rax_text_unwound()).
 *
 * A program that reaches its panic limit is disabled and, through an
 * irq_work and a work item, detached from its links.
 */

#define pr_fmt(fmt) "rax: " fmt

#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/kasan.h>
#include <linux/kprobes.h>
#include <linux/sched/task.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "rax.h"

int rax_held_find(const struct rax_frame *frame, enum rax_held_kind kind,
		  const void *obj)
{
	int i;

	for (i = frame->nheld - 1; i >= 0; i--)
		if (frame->held[i].kind == kind && frame->held[i].obj == obj)
			return i;
	return -1;
}

NOKPROBE_SYMBOL(rax_held_find);

/* rax_unhold() of an entry that is not the last: closes the gap. */
bool rax_unhold_slow(struct rax_frame *frame, enum rax_held_kind kind, void *obj)
{
	int i = rax_held_find(frame, kind, obj);

	if (i < 0)
		return false;
	frame->nheld--;
	memmove(&frame->held[i], &frame->held[i + 1],
		(frame->nheld - i) * sizeof(frame->held[0]));
	return true;
}

NOKPROBE_SYMBOL(rax_unhold_slow);

/* Releases everything in the cleanup log, last taken first. */
void rax_release_held(struct rax_frame *frame)
{
	while (frame->nheld) {
		struct rax_held *h = &frame->held[--frame->nheld];

		switch (h->kind) {
		case RAX_HELD_LOCK:
			arch_spin_unlock(h->obj);
			local_irq_restore(frame->lock_flags);
			break;
		case RAX_HELD_RINGBUF:
			bpf_ringbuf_discard_proto.func((unsigned long)h->obj, 0, 0, 0, 0);
			break;
		case RAX_HELD_TASK:
			put_task_struct_rcu_user(h->obj);
			break;
		}
	}
}

NOKPROBE_SYMBOL(rax_release_held);

/*
 * Count a panic. The one that reaches the program's panic limit disables
 * it (rax_run() no longer runs it) and, through an irq_work (a panic may
 * come in NMI context) and a work item, detaches it from its links. That
 * path holds a reference to the program until the work is done.
 *
 * A run may outlive the last reference to its program: hooks run programs
 * under RCU, and the program is freed after a grace period. A panic in
 * that window finds the count at zero; the program is going away with
 * its links, so nothing is queued (a reference taken from zero would be
 * put twice, and the work would run on a freed program).
 */
void rax_count_panic(struct rax_prog *rp)
{
	s64 n = atomic64_inc_return(&rp->panics);

	if (unlikely(rp->panic_limit && n == rp->panic_limit)) {
		WRITE_ONCE(rp->disabled, true);
		if (!IS_ERR(bpf_prog_inc_not_zero(rp->prog)))
			irq_work_queue(&rp->detach_irq);
	}
}

static void rax_detach_irq(struct irq_work *irq)
{
	struct rax_prog *rp = container_of(irq, struct rax_prog, detach_irq);

	schedule_work(&rp->detach_work);
}

/* Detach a disabled program from every link that can be detached. */
static void rax_detach_work(struct work_struct *work)
{
	struct rax_prog *rp = container_of(work, struct rax_prog, detach_work);
	struct bpf_prog *prog = rp->prog;
	struct bpf_link *link;
	u32 id, detached = 0;

	for (id = 0; (link = bpf_link_get_curr_or_next(&id)); id++) {
		if (READ_ONCE(link->prog) == prog && link->ops->detach &&
		    !link->ops->detach(link))
			detached++;
		bpf_link_put(link);
	}
	pr_warn("program %s (tag %*phN) disabled after %u panics (kernel.rax.panic_limit), detached from %u links\n",
		prog->aux->name, BPF_TAG_SIZE, prog->tag, rp->panic_limit, detached);
	bpf_prog_put(prog);
}

/**
 * rax_prog_init_limit() - Set up a program's panic limit.
 * @rp: the program, before it can run.
 * @limit: the number of panics that disables it; 0 for none.
 */
void rax_prog_init_limit(struct rax_prog *rp, u32 limit)
{
	rp->panic_limit = limit;
	rp->disabled = false;
	atomic64_set(&rp->skipped, 0);
	init_irq_work(&rp->detach_irq, rax_detach_irq);
	INIT_WORK(&rp->detach_work, rax_detach_work);
}

/*
 * The program returned without giving back what it took (a guard it
 * leaked with mem::forget): release it and treat the run like a panic.
 */
void rax_returned_holding(struct rax_frame *frame)
{
	struct rax_prog *rp = frame->rp;
	u32 n = frame->nheld;

	rax_release_held(frame);
	frame->thrown = true;
	rax_count_panic(rp);
	pr_warn_ratelimited("program %s (tag %*phN) returned holding %u resources; released them\n",
			    rp->prog->aux->name, BPF_TAG_SIZE, rp->prog->tag, n);
}

NOKPROBE_SYMBOL(rax_returned_holding);

static bool rax_in_data(const struct rax_prog *rp, const u8 *p, size_t len)
{
	return (rp->ro_data && rax_range_in(p, len, rp->ro_data, rp->ro_size)) ||
	       (rp->rw_data && rax_range_in(p, len, rp->rw_data, rp->rw_size));
}

/*
 * rax_stop()'s reasons for a program past its budget, and past its time
 * under a spin lock.
 */
static const char rax_timeout_reason[] = "ran past its budget";
static const char rax_lock_timeout_reason[] = "held a spin lock too long";

/*
 * Stops the running program: releases what it holds, counts the panic (or
 * the timeout, for the timeout reasons), logs @why or the panic's location
 * (rate limited) and returns from rax_run() with the program type's
 * default verdict.
 */
static void __noreturn rax_stop(const char *why, const u8 *file,
				size_t file_len, u32 line, u32 column)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	unsigned long sp = round_down(current_stack_pointer, 8);
	struct rax_prog *rp;

	/* Only a running program calls it: there is always a frame. */
	rp = frame->rp;
	frame->thrown = true;
	rax_release_held(frame);
	if (why == rax_timeout_reason) {
		atomic64_inc(&rp->timeouts);
		pr_warn_ratelimited("program %s (tag %*phN) stopped: ran past its budget of %llu us\n",
				    rp->prog->aux->name, BPF_TAG_SIZE, rp->prog->tag,
				    div_u64(rp->budget_ns, NSEC_PER_USEC));
	} else if (why == rax_lock_timeout_reason) {
		atomic64_inc(&rp->timeouts);
		pr_warn_ratelimited("program %s (tag %*phN) stopped: held a spin lock, interrupts off, past %ld us\n",
				    rp->prog->aux->name, BPF_TAG_SIZE, rp->prog->tag,
				    RAX_BUDGET_IRQ_NS / NSEC_PER_USEC);
	} else if (why) {
		rax_count_panic(rp);
		pr_warn_ratelimited("program %s (tag %*phN) stopped: %s\n",
				    rp->prog->aux->name, BPF_TAG_SIZE, rp->prog->tag, why);
	} else {
		rax_count_panic(rp);
		if (!rax_in_data(rp, file, file_len)) {
			file = "?";
			file_len = 1;
		}
		pr_warn_ratelimited("program %s (tag %*phN) panicked at %.*s:%u:%u\n",
				    rp->prog->aux->name, BPF_TAG_SIZE, rp->prog->tag,
				    (int)min_t(size_t, file_len, 256), file, line, column);
	}

	/*
	 * What is below the saved stack pointer on the Rax stack is
	 * abandoned: drop the KASAN poison of the frames left on it.
	 */
	if ((unsigned long)frame->tos > sp)
		kasan_unpoison_range((void *)sp, (unsigned long)frame->tos - sp);
	rax_unwind(frame);
}

NOKPROBE_SYMBOL(rax_stop);

/* A helper found the program breaking a rule of its contract. */
void __noreturn rax_refuse(const char *why)
{
	rax_stop(why, NULL, 0, 0, 0);
}

NOKPROBE_SYMBOL(rax_refuse);

/*
 * The budget check found the program past its deadline, or, with
 * @under_lock, past RAX_BUDGET_IRQ_NS under a spin lock.
 */
void __noreturn rax_stop_timeout(bool under_lock)
{
	rax_stop(under_lock ? rax_lock_timeout_reason : rax_timeout_reason, NULL, 0, 0, 0);
}

NOKPROBE_SYMBOL(rax_stop_timeout);

/**
 * rax_throw() - Stop the running program after a panic.
 * @file: the panic's source file, in the program's read-only data.
 * @file_len: its length.
 * @line: the panic's line.
 * @column: the panic's column.
 *
 * Called by the rax crate's panic handler with the location only; the
 * panic message is never formatted. Releases what the invocation holds
 * (its cleanup log, last taken first: spin locks unlocked with the
 * interrupt state restored, ring buffer records discarded, task
 * references put), counts the panic, logs the program's name and tag and
 * the location (rate limited) and returns from rax_run() with the program
 * type's default verdict. Never returns to the program.
 */
void __noreturn rax_throw(const u8 *file, size_t file_len, u32 line, u32 column)
{
	rax_stop(NULL, file, file_len, line, column);
}

NOKPROBE_SYMBOL(rax_throw);

/**
 * rax_text_unwound() - Whether a Rax program can be unwound across a function.
 * @addr: the address of a kernel function, as kallsyms gives it.
 *
 * The BPF core refuses to attach tracing programs (fentry, fexit,
 * fmod_ret) to such a function: a trampoline's frame would be abandoned
 * when the program is stopped inside it. The static functions of the
 * files built without ftrace need no check: they have no ftrace call site
 * a trampoline could use.
 *
 * Return: true if @addr is a helper of the list (not the compiler's mem*
 * functions, which never call back) or a function that stops a program.
 */
bool rax_text_unwound(unsigned long addr)
{
	unsigned int i;

	if (addr == (unsigned long)rax_stop || addr == (unsigned long)rax_refuse ||
	    addr == (unsigned long)rax_stop_timeout)
		return true;
	for (i = 0; i < rax_nr_helpers; i++)
		if ((unsigned long)rax_helpers[i].addr == addr &&
		    str_has_prefix(rax_helpers[i].name, "rax_"))
			return true;
	return false;
}
