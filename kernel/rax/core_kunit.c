// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the Rax core.
 */

#include <kunit/test.h>
#include <linux/ftrace.h>
#include <linux/key.h>
#include <linux/kprobes.h>
#include <linux/rax.h>
#include <linux/string.h>
#include <net/xdp.h>

#include "rax.h"

static void rax_stack_size_valid_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, rax_stack_size_valid(32));
	KUNIT_EXPECT_TRUE(test, rax_stack_size_valid(64));
	KUNIT_EXPECT_TRUE(test, rax_stack_size_valid(1024));
	KUNIT_EXPECT_FALSE(test, rax_stack_size_valid(0));
	KUNIT_EXPECT_FALSE(test, rax_stack_size_valid(16));
	KUNIT_EXPECT_FALSE(test, rax_stack_size_valid(48));
	KUNIT_EXPECT_FALSE(test, rax_stack_size_valid(33));
	KUNIT_EXPECT_FALSE(test, rax_stack_size_valid(2048));
	KUNIT_EXPECT_FALSE(test, rax_stack_size_valid(UINT_MAX));
}

static void rax_params_default_test(struct kunit *test)
{
	/* The boot-time defaults are themselves valid parameters. */
	KUNIT_EXPECT_TRUE(test,
			  rax_stack_size_valid(CONFIG_RAX_STACK_SIZE_KB));
	KUNIT_EXPECT_GE(test, RAX_BUDGET_US_DEFAULT, RAX_BUDGET_US_MIN);
	KUNIT_EXPECT_LE(test, RAX_BUDGET_US_DEFAULT, RAX_BUDGET_US_MAX);
}

static void rax_keyring_test(struct kunit *test)
{
	struct key *keyring = rax_keyring();

	KUNIT_ASSERT_NOT_NULL(test, keyring);
	KUNIT_EXPECT_STREQ(test, keyring->description, RAX_KEYRING_NAME);
	/* The build-time certificate was loaded at boot. */
	KUNIT_EXPECT_GE(test, keyring->keys.nr_leaves_on_tree, 1UL);
	/* Runtime additions are restricted to keys the kernel trusts. */
	KUNIT_EXPECT_NOT_NULL(test, keyring->restrict_link);
}

/*
 * A stopped program is unwound across the helper it was stopped in
 * (throw.c): no helper may have an ftrace call site, a kprobe or a BPF
 * trampoline. A helper added without NOKPROBE_SYMBOL, or in a file built
 * with ftrace, fails here.
 */
static void rax_helpers_untraceable_test(struct kunit *test)
{
	unsigned int i;

	for (i = 0; i < rax_nr_helpers; i++) {
		const char *name = rax_helpers[i].name;
		unsigned long addr = (unsigned long)rax_helpers[i].addr;

		if (!str_has_prefix(name, "rax_"))
			continue;
		KUNIT_EXPECT_TRUE_MSG(test, rax_text_unwound(addr), "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, ftrace_location(addr), 0UL,
				    "%s has an ftrace call site", name);
		if (IS_ENABLED(CONFIG_KPROBES))
			KUNIT_EXPECT_TRUE_MSG(test, within_kprobe_blacklist(addr),
					      "%s is not NOKPROBE_SYMBOL", name);
	}
	/* Controls: the dispatcher and memcpy are not on the list. */
	KUNIT_EXPECT_FALSE(test, rax_text_unwound((unsigned long)rax_run));
	KUNIT_EXPECT_FALSE(test, rax_text_unwound((unsigned long)memcpy));
}

/*
 * The bound on a run's return value, set at load: an XDP program run from
 * a devmap or cpumap entry may only abort, drop or pass, as the verifier's
 * check_return_code() has it; other types and attach points take any value.
 */
static void rax_ret_max_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, rax_ret_max(BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP), XDP_PASS);
	KUNIT_EXPECT_EQ(test, rax_ret_max(BPF_PROG_TYPE_XDP, BPF_XDP_CPUMAP), XDP_PASS);
	KUNIT_EXPECT_EQ(test, rax_ret_max(BPF_PROG_TYPE_XDP, 0), U32_MAX);
	KUNIT_EXPECT_EQ(test, rax_ret_max(BPF_PROG_TYPE_XDP, BPF_XDP), U32_MAX);
	/* The attach types' numbers mean nothing for another type. */
	KUNIT_EXPECT_EQ(test, rax_ret_max(BPF_PROG_TYPE_SCHED_CLS, BPF_XDP_DEVMAP), U32_MAX);
	KUNIT_EXPECT_EQ(test, rax_ret_max(BPF_PROG_TYPE_KPROBE, BPF_XDP_CPUMAP), U32_MAX);
	KUNIT_EXPECT_EQ(test, rax_ret_max(BPF_PROG_TYPE_TRACEPOINT, 0), U32_MAX);
}

/*
 * Only an object that imports nothing, with a stack eBPF may have on the
 * hook's stack, runs bare; a helper or the compiler's ABI needs the frame
 * (the ABI's wrappers count the call against the budget), and so do a tc
 * context and a bounded return value.
 */
static void rax_runs_bare_test(struct kunit *test)
{
	unsigned int h;

	KUNIT_EXPECT_TRUE(test, rax_runs_bare(0, 16, BPF_PROG_TYPE_XDP, U32_MAX));
	KUNIT_EXPECT_TRUE(test, rax_runs_bare(0, MAX_BPF_STACK, BPF_PROG_TYPE_TRACEPOINT,
					      U32_MAX));
	KUNIT_EXPECT_TRUE(test, rax_runs_bare(0, 0, BPF_PROG_TYPE_KPROBE, U32_MAX));
	KUNIT_EXPECT_TRUE(test, rax_runs_bare(0, 64, BPF_PROG_TYPE_PERF_EVENT, U32_MAX));
	KUNIT_EXPECT_FALSE(test, rax_runs_bare(0, MAX_BPF_STACK + 1, BPF_PROG_TYPE_XDP,
					       U32_MAX));
	KUNIT_EXPECT_FALSE(test, rax_runs_bare(0, U32_MAX, BPF_PROG_TYPE_XDP, U32_MAX));
	KUNIT_EXPECT_FALSE(test, rax_runs_bare(0, 16, BPF_PROG_TYPE_SCHED_CLS, U32_MAX));
	KUNIT_EXPECT_FALSE(test, rax_runs_bare(0, 16, BPF_PROG_TYPE_XDP, XDP_PASS));
	for (h = 0; h < rax_nr_helpers; h++)
		KUNIT_EXPECT_FALSE_MSG(test, rax_runs_bare(BIT_ULL(h), 16, BPF_PROG_TYPE_XDP,
							   U32_MAX),
				       "importing %s", rax_helpers[h].name);
	KUNIT_EXPECT_FALSE(test, rax_runs_bare(BIT_ULL(63), 16, BPF_PROG_TYPE_XDP, U32_MAX));
}

static struct kunit_case rax_core_test_cases[] = {
	KUNIT_CASE(rax_stack_size_valid_test),
	KUNIT_CASE(rax_params_default_test),
	KUNIT_CASE(rax_keyring_test),
	KUNIT_CASE(rax_helpers_untraceable_test),
	KUNIT_CASE(rax_ret_max_test),
	KUNIT_CASE(rax_runs_bare_test),
	{}
};

static struct kunit_suite rax_core_test_suite = {
	.name = "rax_core",
	.test_cases = rax_core_test_cases,
};

kunit_test_suite(rax_core_test_suite);

MODULE_DESCRIPTION("KUnit tests of the Rax core");
MODULE_LICENSE("GPL");
