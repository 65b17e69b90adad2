// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running Rax programs: the dispatcher every Rax bpf_func leads to.
 *
 * The dispatcher runs the entry with preemption disabled, on this CPU's
 * Rax stack for its nesting depth (stack.c), inside a frame recorded in
 * rax_cur_frame. What stops a program is elsewhere, one safety property
 * per file: a panic or a refused helper argument in throw.c (exceptions
 * and their cleanup), the time budget in budget.c (termination), the
 * stack bound in stack.c; the helpers are in helper_impl.c.
 */

#define pr_fmt(fmt) "rax: " fmt

#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/preempt.h>
#include <linux/skbuff.h>
#include <net/pkt_cls.h>
#include <net/xdp.h>

#include "rax.h"

DEFINE_PER_CPU(struct rax_frame *, rax_cur_frame);

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

/*
 * The context a tc entry gets, from the sk_buff tc passes. The linear
 * data may be shared with clones: the program reads it as it is, and
 * rax_tc_make_writable() unclones it before the program may write it.
 */
static void rax_tc_ctx_fill(struct rax_tc_ctx *tc, struct sk_buff *skb)
{
	memset(tc, 0, sizeof(*tc));	/* the program reads it, padding too */
	tc->data = (unsigned long)skb->data;
	tc->data_end = (unsigned long)skb->data + skb_headlen(skb);
	tc->len = skb->len;
	tc->protocol = (__force u32)skb->protocol;
	tc->ifindex = skb->dev ? skb->dev->ifindex : 0;
	tc->mark = skb->mark;
	tc->priority = skb->priority;
	tc->ingress = skb_at_tc_ingress(skb);
}

/**
 * rax_ret_max() - The largest value a program may return from its hook.
 * @prog_type: an enum bpf_prog_type Rax supports.
 * @expected_attach_type: the program's expected attach type.
 *
 * What the verifier's check_return_code() enforces on eBPF: an XDP program
 * run from a devmap or cpumap entry may only abort, drop or pass. Other
 * types and attach points take any value, as from eBPF. Set once at load:
 * a run compares its return value with it.
 *
 * Return: the bound; a larger value is replaced by the type's default.
 */
u32 rax_ret_max(u32 prog_type, u32 expected_attach_type)
{
	if (prog_type == BPF_PROG_TYPE_XDP &&
	    (expected_attach_type == BPF_XDP_DEVMAP ||
	     expected_attach_type == BPF_XDP_CPUMAP))
		return XDP_PASS;
	return U32_MAX;
}

/**
 * rax_runs_bare() - Whether a program runs without rax_run().
 * @imports: the object's imports (bit i: rax_helpers[i]).
 * @stack: the entry's stack bound in bytes, from the object's provenance.
 * @prog_type: the program's type.
 * @ret_max: its return value's bound, from rax_ret_max().
 *
 * The termination pass puts a cancellation point, a call to
 * rax_budget_check(), at the entry of every function and on every loop,
 * except in a program of leaves only (no loop, no call); a panic calls
 * rax_throw(), a helper is an import, and so is a call the compiler makes
 * to copy memory. An object that imports nothing is made of leaves: it
 * has no loop, calls nothing and cannot panic (rax build's machine-code
 * check refuses a call between functions of a program that imports
 * nothing).
 * A run of it is one function's straight-line code, as eBPF's is,
 * needs no frame to unwind to, and no helper looks for its frame: its
 * bpf_func leads straight to its entry, on the caller's stack, as an eBPF
 * program runs, when its stack bound fits in what eBPF may use there
 * (MAX_BPF_STACK). Not a tc program, whose context rax_run() makes, nor
 * one whose return value is bounded.
 *
 * Return: true when the program is run bare.
 */
bool rax_runs_bare(u64 imports, u32 stack, u32 prog_type, u32 ret_max)
{
	return !imports && stack <= MAX_BPF_STACK && prog_type != BPF_PROG_TYPE_SCHED_CLS &&
	       ret_max == U32_MAX;
}

/**
 * rax_run() - Run a Rax program; the bpf_func of every Rax program not run
 *	bare (rax_runs_bare()) leads here.
 * @ctx: the context the hook passes, as to an eBPF program.
 * @insn: the program's insnsi, which __bpf_prog_run() and the XDP
 *	dispatcher pass; it locates the program.
 *
 * The program runs on this CPU's Rax stack for the current nesting
 * depth. When N_RAX_STACKS programs already run on this CPU it is not
 * run: its recursion_misses counter goes up.
 *
 * A program disabled by its panic limit is not run either: its rax_skipped
 * counter goes up.
 *
 * Return: the program's return value, or its type's default after a panic
 * or when it was not run.
 */
unsigned int rax_run(const void *ctx, const struct bpf_insn *insn)
{
	const struct bpf_prog *prog = (const void *)insn - offsetof(struct bpf_prog, insnsi);
	struct rax_prog *rp = prog->aux->rax;
	/*
	 * Not cleared by the compiler (CONFIG_INIT_STACK_ALL_ZERO would clear
	 * the whole frame, held[] too, at every run): every field is written
	 * before it is read, held[] as nheld counts it, lock_flags when a lock
	 * is taken, override_rc when override is set.
	 */
	struct rax_frame frame __uninitialized;
	struct rax_tc_ctx tc __uninitialized;	/* cleared when filled */
	void *arg = (void *)ctx;
	u64 ret;

	if (unlikely(READ_ONCE(rp->disabled))) {
		atomic64_inc(&rp->skipped);
		return rp->default_ret;
	}
	frame.skb = NULL;
	frame.tc = NULL;
	if (rp->prog_type == BPF_PROG_TYPE_SCHED_CLS) {
		rax_tc_ctx_fill(&tc, (struct sk_buff *)ctx);
		arg = &tc;
		frame.skb = (struct sk_buff *)ctx;
		frame.tc = &tc;
	}

	frame.ctx = arg;
	frame.rp = rp;
	frame.nheld = 0;
	frame.thrown = false;
	frame.override = false;
	preempt_disable();
	if (unlikely(!rax_stack_enter(&frame))) {
		preempt_enable();
		bpf_prog_inc_misses_counter((struct bpf_prog *)prog);
		return rp->default_ret;
	}
	/* The clock is first read, and the deadline set, by the budget
	 * check (budget.c): a short run reads no clock.
	 */
	frame.budget_left = RAX_BUDGET_START;
	frame.budget_every = RAX_BUDGET_CHECKS;
	frame.deadline = 0;
	frame.prev = this_cpu_read(rax_cur_frame);
	this_cpu_write(rax_cur_frame, &frame);
	ret = rax_enter(arg, rp->entry, &frame, frame.tos);
	if (unlikely(frame.deadline))
		rax_budget_end(&frame);
	if (unlikely(frame.nheld))
		rax_returned_holding(&frame);
	if (unlikely(frame.override) && !frame.thrown)
		rax_override_apply(&frame);
	this_cpu_write(rax_cur_frame, frame.prev);
	/*
	 * A run nested in another (on a hook that one of its helpers
	 * reached, or in an interrupt) took time the outer run's count of
	 * cancellation points does not see: its next one reads the clock.
	 */
	if (frame.prev)
		frame.prev->budget_left = 1;
	rax_stack_leave();
	preempt_enable();

	if (frame.thrown || (u32)ret > rp->ret_max)
		return rp->default_ret;
	return ret;
}
