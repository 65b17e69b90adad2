// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rax core: the subsystem's parameters and its initialisation at boot.
 *
 * Rax replaces the eBPF verifier, for programs built by the trusted Rax
 * toolchain, with a check of the object's signature against the .rax
 * keyring and of the toolchain's provenance note. This file owns the
 * state the rest of the subsystem reads.
 */

#define pr_fmt(fmt) "rax: " fmt

#include <linux/errno.h>
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/printk.h>
#include <linux/sizes.h>

#include <asm/page.h>

#include "rax.h"

struct rax_params rax_params = {
	.enabled	= 1,
	.stack_size_kb	= CONFIG_RAX_STACK_SIZE_KB,
	.budget_max_us	= RAX_BUDGET_US_DEFAULT,
};

/**
 * rax_enabled() - Whether Rax programs may be loaded.
 *
 * Return: true unless the administrator set kernel.rax.enabled to 0.
 */
bool rax_enabled(void)
{
	return READ_ONCE(rax_params.enabled);
}

/**
 * rax_stack_size_kb() - Size of each Rax program stack.
 *
 * Return: the current value of kernel.rax.stack_size_kb, in KiB.
 */
unsigned int rax_stack_size_kb(void)
{
	return READ_ONCE(rax_params.stack_size_kb);
}

/**
 * rax_budget_max_us() - Largest run-time budget of a Rax program.
 *
 * Return: the current value of kernel.rax.budget_max_us, in microseconds.
 */
unsigned int rax_budget_max_us(void)
{
	return READ_ONCE(rax_params.budget_max_us);
}

/**
 * rax_stack_size_valid() - Check a Rax program stack size.
 * @kb: the size in KiB.
 *
 * A stack is a whole number of pages, a power of two in size, and large
 * enough for interrupt handlers that land on it.
 *
 * Return: true if @kb is an acceptable stack size.
 */
bool rax_stack_size_valid(unsigned int kb)
{
	return kb >= RAX_STACK_SIZE_KB_MIN && kb <= RAX_STACK_SIZE_KB_MAX &&
	       is_power_of_2(kb) && (kb * SZ_1K) % PAGE_SIZE == 0;
}

static int __init rax_init(void)
{
	int err;

	if (!rax_stack_size_valid(rax_params.stack_size_kb)) {
		pr_err("CONFIG_RAX_STACK_SIZE_KB=%u is not a power of two\n",
		       rax_params.stack_size_kb);
		return -EINVAL;
	}

	err = rax_keyring_init();
	if (err)
		return err;

	err = rax_sysctl_init();
	if (err)
		return err;

	err = rax_helpers_init();
	if (err)
		return err;

	rax_budget_init();

	pr_info("format v%u, stack %u KiB, budget max %u us\n",
		RAX_FORMAT_VERSION, rax_params.stack_size_kb,
		rax_params.budget_max_us);
	return 0;
}
late_initcall(rax_init);
