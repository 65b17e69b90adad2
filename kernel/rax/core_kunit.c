// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the Rax core.
 */

#include <kunit/test.h>
#include <linux/key.h>

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

static struct kunit_case rax_core_test_cases[] = {
	KUNIT_CASE(rax_stack_size_valid_test),
	KUNIT_CASE(rax_params_default_test),
	KUNIT_CASE(rax_keyring_test),
	{}
};

static struct kunit_suite rax_core_test_suite = {
	.name = "rax_core",
	.test_cases = rax_core_test_cases,
};

kunit_test_suite(rax_core_test_suite);

MODULE_DESCRIPTION("KUnit tests of the Rax core");
MODULE_LICENSE("GPL");
