// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the Rax stacks: one per nesting depth, a miss beyond the
 * last, what the unwinder is told, and the stack size held by users.
 */

#include <kunit/test.h>
#include <linux/preempt.h>
#include <linux/sizes.h>

#include <asm/stacktrace.h>

#include "rax.h"

static unsigned long rax_test_stack_bytes(void)
{
	return (unsigned long)rax_stack_size_kb() * SZ_1K;
}

static void rax_stack_depth_test(struct kunit *test)
{
	unsigned long size = rax_test_stack_bytes(), bytes;
	bool entered[N_RAX_STACKS], over;
	struct rax_frame *frames;
	int i, j;

	/* One frame more than there are stacks; too big for this stack. */
	frames = kunit_kcalloc(test, N_RAX_STACKS + 1, sizeof(*frames), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, frames);
	KUNIT_ASSERT_EQ(test, rax_stacks_get(&bytes), 0);
	preempt_disable();
	for (i = 0; i < N_RAX_STACKS; i++)
		entered[i] = rax_stack_enter(&frames[i]);
	over = rax_stack_enter(&frames[N_RAX_STACKS]);
	for (i = 0; i < N_RAX_STACKS; i++)
		if (entered[i])
			rax_stack_leave();
	if (over)
		rax_stack_leave();
	preempt_enable();
	rax_stacks_put();

	KUNIT_EXPECT_FALSE(test, over);
	for (i = 0; i < N_RAX_STACKS; i++) {
		KUNIT_ASSERT_TRUE(test, entered[i]);
		KUNIT_EXPECT_EQ(test, frames[i].depth, i);
		KUNIT_EXPECT_PTR_EQ(test, (void *)frames[i].tos,
				    (void *)(frames[i].stack_top - RAX_TOS_WORDS * sizeof(long)));
		/* Page aligned, so the entry is called with an aligned stack. */
		KUNIT_EXPECT_EQ(test, frames[i].stack_top % PAGE_SIZE, 0);
		for (j = 0; j < i; j++) {
			unsigned long a = frames[i].stack_top, b = frames[j].stack_top;

			/* Separate stacks, with at least a guard page between. */
			KUNIT_EXPECT_GE(test, a > b ? a - b : b - a, size + PAGE_SIZE);
		}
	}
}

static void rax_stack_info_test(struct kunit *test)
{
	unsigned long size = rax_test_stack_bytes(), bytes;
	struct stack_info info;
	struct rax_frame frame;
	unsigned long local;
	bool entered, in = false, below = false, above = false, task;
	void *saved = &local;

	KUNIT_ASSERT_EQ(test, rax_stacks_get(&bytes), 0);
	preempt_disable();
	entered = rax_stack_enter(&frame);
	if (entered) {
		/* What rax_enter() stores before switching. */
		*frame.tos = (unsigned long)saved;
		in = rax_stack_info((unsigned long *)(frame.stack_top - 64), &info);
		/* The guard page below, and the one above. */
		below = rax_stack_info((unsigned long *)(frame.stack_top - size) - 1, &info);
		above = rax_stack_info((unsigned long *)frame.stack_top, &info);
		rax_stack_leave();
	}
	preempt_enable();
	task = rax_stack_info(&local, &info);
	rax_stacks_put();

	KUNIT_ASSERT_TRUE(test, entered);
	KUNIT_EXPECT_TRUE(test, in);
	KUNIT_EXPECT_FALSE(test, below);
	KUNIT_EXPECT_FALSE(test, above);
	KUNIT_EXPECT_FALSE(test, task);

	/* Again, to check what was filled in, outside preempt_disable(). */
	memset(&info, 0, sizeof(info));
	in = false;
	KUNIT_ASSERT_EQ(test, rax_stacks_get(&bytes), 0);
	preempt_disable();
	entered = rax_stack_enter(&frame);
	if (entered) {
		*frame.tos = (unsigned long)saved;
		in = rax_stack_info((unsigned long *)frame.stack_top - 1, &info);
		rax_stack_leave();
	}
	preempt_enable();
	rax_stacks_put();
	KUNIT_ASSERT_TRUE(test, entered);
	KUNIT_ASSERT_TRUE(test, in);
	KUNIT_EXPECT_EQ(test, info.type, STACK_TYPE_RAX + frame.depth);
	KUNIT_EXPECT_PTR_EQ(test, (void *)info.begin, (void *)(frame.stack_top - size));
	KUNIT_EXPECT_PTR_EQ(test, (void *)info.end, (void *)frame.stack_top);
	KUNIT_EXPECT_PTR_EQ(test, (void *)info.next_sp, saved);
	KUNIT_EXPECT_STREQ(test, stack_type_name(info.type), "RAX0");
}

static void rax_stack_size_busy_test(struct kunit *test)
{
	unsigned int kb = rax_stack_size_kb();
	unsigned int other = kb == 64 ? 128 : 64;
	unsigned long bytes;

	KUNIT_ASSERT_EQ(test, rax_stacks_get(&bytes), 0);
	KUNIT_EXPECT_EQ(test, bytes, (unsigned long)kb * SZ_1K);
	KUNIT_EXPECT_EQ(test, rax_stack_size_set(other), -EBUSY);
	KUNIT_EXPECT_EQ(test, rax_stack_size_kb(), kb);
	rax_stacks_put();

	/* No program is loaded while the tests run at boot. */
	KUNIT_EXPECT_EQ(test, rax_stack_size_set(other), 0);
	KUNIT_ASSERT_EQ(test, rax_stacks_get(&bytes), 0);
	KUNIT_EXPECT_EQ(test, rax_test_stack_bytes(), (unsigned long)other * SZ_1K);
	KUNIT_EXPECT_EQ(test, bytes, (unsigned long)other * SZ_1K);
	rax_stacks_put();
	KUNIT_EXPECT_EQ(test, rax_stack_size_set(kb), 0);
}

static struct kunit_case rax_stack_test_cases[] = {
	KUNIT_CASE(rax_stack_depth_test),
	KUNIT_CASE(rax_stack_info_test),
	KUNIT_CASE(rax_stack_size_busy_test),
	{}
};

static struct kunit_suite rax_stack_test_suite = {
	.name = "rax_stack",
	.test_cases = rax_stack_test_cases,
};

kunit_test_suite(rax_stack_test_suite);

MODULE_DESCRIPTION("KUnit tests of the Rax stacks");
MODULE_LICENSE("GPL");
