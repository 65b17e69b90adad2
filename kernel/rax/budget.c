// SPDX-License-Identifier: GPL-2.0-only
/*
 * Termination: a Rax program runs at most its time budget.
 *
 * The toolchain's termination pass puts a cancellation point, a call to
 * rax_budget_check(), at the entry of every function and on every cycle
 * of the machine code (the toolchain's machine-code check proves it), but
 * none in a program of leaves only, which runs bare (rax_runs_bare()).
 * The check sets the deadline at its first clock read, a few cancellation
 * points into the run; past it the check stops the program through the
 * exception path (throw.c). Helper and ABI calls count as many points,
 * by the work they are given (rax_charge()), so that an interval grown on
 * cheap iterations does not hide expensive ones. Built without ftrace, as
 * the program is unwound across it (throw.c).
 */

#include <linux/hrtimer.h>
#include <linux/kprobes.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/preempt.h>
#include <linux/timekeeping.h>

#include "rax.h"

/*
 * The count of cancellation points between two clock reads assumes the
 * points come at a steady pace. A run that turns from cheap iterations to
 * a loop around long straight-line code (a function entry and a back-edge
 * are points, the code between them is any length) would run thousands
 * of those iterations before its next read.
 *
 * So the interval grows past RAX_BUDGET_CHECKS_UNTIMED points only with a
 * timer armed at the run's deadline, one per CPU and nesting depth: at the
 * deadline, and every RAX_TIMER_NS after it while the run lasts, it makes
 * the run's next cancellation point read the clock. The timer only
 * notices; the program still stops itself at a point where stopping is
 * safe. Below that many points, the code between two reads is no longer
 * than the code before a run's first read (RAX_BUDGET_START points). The
 * timer costs a run about 470 instructions to arm and cancel, more than
 * a short run itself: it is armed only once the run has lasted
 * RAX_TIMER_AFTER_NS and its interval would grow past the untimed
 * points. Runs in hardirq or NMI context or with interrupts off, which no
 * timer interrupts, have RAX_BUDGET_IRQ_NS, and their interval stays at
 * most RAX_BUDGET_CHECKS_UNTIMED points.
 */
#define RAX_TIMER_NS			(100 * NSEC_PER_USEC)
#define RAX_TIMER_AFTER_NS		(20 * NSEC_PER_USEC)
#define RAX_BUDGET_CHECKS_UNTIMED	256

struct rax_budget_timer {
	struct hrtimer timer;
	struct rax_frame *frame;	/* the run it is armed for, or NULL */
};

struct rax_budget_timers {
	struct rax_budget_timer depth[N_RAX_STACKS];
};

static DEFINE_PER_CPU(struct rax_budget_timers, rax_budget_timers);

/* In hardirq context, on the CPU the run is on, which it interrupted. */
static enum hrtimer_restart rax_budget_timer_fn(struct hrtimer *timer)
{
	struct rax_budget_timer *bt = container_of(timer, struct rax_budget_timer, timer);

	if (!bt->frame)
		return HRTIMER_NORESTART;
	bt->frame->budget_left = 1;
	hrtimer_forward_now(timer, ns_to_ktime(RAX_TIMER_NS));
	return HRTIMER_RESTART;
}

static void rax_budget_timer_arm(struct rax_frame *frame)
{
	struct rax_budget_timer *bt = this_cpu_ptr(&rax_budget_timers.depth[frame->depth]);

	frame->timer = RAX_TIMER_ARMED;
	bt->frame = frame;
	hrtimer_start(&bt->timer, ns_to_ktime(frame->deadline), HRTIMER_MODE_ABS_PINNED_HARD);
}

/**
 * rax_budget_end() - Disarm the timer of a run that read the clock.
 * @frame: the run, at its end, on its CPU with preemption disabled.
 *
 * Called by rax_run() for a run with a deadline, which may not have armed
 * the timer; the timer's frame is cleared before the timer is cancelled,
 * so a callback that comes in between does nothing.
 */
void rax_budget_end(struct rax_frame *frame)
{
	struct rax_budget_timer *bt;

	if (frame->timer != RAX_TIMER_ARMED)
		return;
	bt = this_cpu_ptr(&rax_budget_timers.depth[frame->depth]);
	if (bt->frame != frame)
		return;
	bt->frame = NULL;
	hrtimer_try_to_cancel(&bt->timer);
}

/**
 * rax_budget_init() - Set up the budget timers of every CPU.
 */
void __init rax_budget_init(void)
{
	unsigned int cpu, d;

	for_each_possible_cpu(cpu) {
		for (d = 0; d < N_RAX_STACKS; d++) {
			struct rax_budget_timer *bt = &per_cpu(rax_budget_timers, cpu).depth[d];

			hrtimer_init(&bt->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_PINNED_HARD);
			bt->timer.function = rax_budget_timer_fn;
			bt->frame = NULL;
		}
	}
}

/* Whether the run holds a spin lock: the last entry of its log, if any. */
static __always_inline bool rax_frame_locked(const struct rax_frame *frame)
{
	return frame->nheld && frame->held[frame->nheld - 1].kind == RAX_HELD_LOCK;
}

/*
 * The first clock read of a run, after RAX_BUDGET_START points (a
 * cancellation point is one, a helper call RAX_CALL_POINTS or more): the
 * deadline is set from here. rax_run() reads no clock, so a run that ends
 * sooner costs no clock read; the time before this point, at most
 * RAX_BUDGET_START cancellation points or four calls, is not counted.
 */
static void rax_budget_start(struct rax_frame *frame, u64 now)
{
	u64 budget = frame->rp->budget_ns;
	bool locked = rax_frame_locked(frame);
	bool irq_ctx = in_hardirq() || in_nmi();
	bool irqs_off = irqs_disabled();

	/* Interrupts off for a spin lock are the lock's limit, below. */
	if (unlikely(irq_ctx || (irqs_off && !locked)))
		budget = min_t(u64, budget, RAX_BUDGET_IRQ_NS);
	if (locked)
		frame->locked_at = now;
	frame->deadline = now + budget;
	frame->last_read = now;
	frame->budget_left = frame->budget_every;
	/* No timer interrupts a run in hardirq or NMI or with interrupts off. */
	frame->timer = irq_ctx || irqs_off ? RAX_TIMER_NONE : RAX_TIMER_IDLE;
}

/*
 * The points between reads after an interval of @interval ns, shorter
 * than RAX_CHECK_NS_MIN, over the run's current number: as many more as
 * keep the next interval under RAX_CHECK_NS_MIN at the same cost per
 * point, a power of two from 2 to 8 times, at most RAX_BUDGET_CHECKS_MAX.
 * Growing by eight when the interval allows it takes a run from 16 points
 * to the most in three reads of the clock instead of eight. Past
 * RAX_BUDGET_CHECKS_UNTIMED points only with the timer armed: it is armed
 * here, at the read at @now, if the run may have one and has lasted
 * RAX_TIMER_AFTER_NS (a run with a timer has the budget in full, so the
 * deadline tells when it began).
 */
static __always_inline u32 rax_budget_grow(struct rax_frame *frame, u64 now, u64 interval)
{
	u64 room = interval ? div64_u64(RAX_CHECK_NS_MIN, interval) : 8;
	u32 every = frame->budget_every, max = RAX_BUDGET_CHECKS_MAX;

	if (frame->timer != RAX_TIMER_ARMED) {
		if (frame->timer == RAX_TIMER_IDLE && every >= RAX_BUDGET_CHECKS_UNTIMED &&
		    now + frame->rp->budget_ns - frame->deadline >= RAX_TIMER_AFTER_NS)
			rax_budget_timer_arm(frame);
		else
			max = RAX_BUDGET_CHECKS_UNTIMED;
	}
	every <<= room >= 8 ? 3 : room >= 4 ? 2 : 1;
	return min_t(u32, every, max);
}

/*
 * The clock read of a cancellation point, out of line: its registers would
 * otherwise be saved and restored at every point, eight instructions more
 * on the path where the count has not run out.
 */
static noinline void rax_budget_read(struct rax_frame *frame)
{
	struct rax_prog *rp;
	u64 now, interval;

	now = ktime_get_mono_fast_ns();
	if (unlikely(!frame->deadline)) {
		rax_budget_start(frame, now);
		return;
	}
	interval = now - frame->last_read;
	frame->last_read = now;
	if (interval > RAX_CHECK_NS_MAX && frame->budget_every > 1)
		frame->budget_every /= 2;
	else if (interval < RAX_CHECK_NS_MIN && frame->budget_every < RAX_BUDGET_CHECKS_MAX)
		frame->budget_every = rax_budget_grow(frame, now, interval);
	frame->budget_left = frame->budget_every;
	/*
	 * Under a spin lock (the last entry of the log, when there is one)
	 * interrupts are off, and other CPUs may spin on it with theirs off:
	 * at most RAX_BUDGET_IRQ_NS from the first read under the lock,
	 * whatever the budget.
	 */
	if (unlikely(rax_frame_locked(frame))) {
		if (!frame->locked_at)
			frame->locked_at = now;
		else if (now - frame->locked_at > RAX_BUDGET_IRQ_NS)
			rax_stop_timeout(true);
	}
	if (likely(now <= frame->deadline))
		return;

	rp = frame->rp;
	/* Racy between CPUs, and only statistics. */
	WRITE_ONCE(rp->overrun_last_ns, now - frame->deadline);
	WRITE_ONCE(rp->interval_last_ns, interval);
	if (now - frame->deadline > READ_ONCE(rp->overrun_max_ns))
		WRITE_ONCE(rp->overrun_max_ns, now - frame->deadline);
	rax_stop_timeout(false);
}

NOKPROBE_SYMBOL(rax_budget_read);

/**
 * rax_budget_check() - A cancellation point: stop the program past its budget.
 *
 * The toolchain's termination pass calls it at the entry of every function
 * of a program and on every back-edge of its loops (not in a program of
 * leaves only, which has neither loops nor calls). Every so many calls it
 * reads the clock (ktime_get_mono_fast_ns(), NMI safe): how many adapts so
 * that reads come every RAX_CHECK_NS_MIN to RAX_CHECK_NS_MAX, however long
 * the program's loop iterations take. The first read sets the deadline
 * from the program's budget; past it, the check stops the program as a panic does: the
 * cleanup log is run, the program type's default verdict is returned and
 * the program's timeout counter goes up. Between two calls the program
 * runs its own code or a helper, which always returns first.
 */
void rax_budget_check(void)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);

	if (likely(--frame->budget_left))
		return;
	rax_budget_read(frame);
}

NOKPROBE_SYMBOL(rax_budget_check);
