// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel.rax.* sysctls.
 *
 *   enabled        0 refuses every new Rax program load, 1 allows them.
 *   stack_size_kb  size of each per-CPU Rax program stack, a power of two
 *                  in [32, 1024].
 *   budget_max_us  the largest run-time budget a program may ask for, in
 *                  [1, 10000000] microseconds.
 *   format_version the Rax object format version this kernel accepts
 *                  (read-only).
 *
 * A write outside a parameter's range fails with EINVAL and leaves the
 * parameter unchanged.
 */

#include <linux/init.h>
#include <linux/mutex.h>
#include <linux/sysctl.h>

#include "rax.h"

static DEFINE_MUTEX(rax_sysctl_mutex);

static unsigned int rax_zero;
static unsigned int rax_one = 1;
static unsigned int rax_stack_min = RAX_STACK_SIZE_KB_MIN;
static unsigned int rax_stack_max = RAX_STACK_SIZE_KB_MAX;
static unsigned int rax_budget_min = RAX_BUDGET_US_MIN;
static unsigned int rax_budget_max = RAX_BUDGET_US_MAX;
static unsigned int rax_format_version = RAX_FORMAT_VERSION;

/*
 * Write a value only if it is in range (and, for the stack size, a valid
 * stack size); report any out-of-range write as EINVAL, where
 * proc_douintvec_minmax() says ERANGE.
 */
static int rax_uint_handler(const struct ctl_table *table, int write,
			    void *buffer, size_t *lenp, loff_t *ppos)
{
	unsigned int *param = table->data;
	struct ctl_table tmp = *table;
	unsigned int val;
	int err;

	val = READ_ONCE(*param);
	tmp.data = &val;
	err = proc_douintvec_minmax(&tmp, write, buffer, lenp, ppos);
	if (err == -ERANGE)
		return -EINVAL;
	if (err || !write)
		return err;
	if (param == &rax_params.stack_size_kb && !rax_stack_size_valid(val))
		return -EINVAL;

	mutex_lock(&rax_sysctl_mutex);
	WRITE_ONCE(*param, val);
	mutex_unlock(&rax_sysctl_mutex);
	return 0;
}

static struct ctl_table rax_sysctl_table[] = {
	{
		.procname	= "enabled",
		.data		= &rax_params.enabled,
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= rax_uint_handler,
		.extra1		= &rax_zero,
		.extra2		= &rax_one,
	},
	{
		.procname	= "stack_size_kb",
		.data		= &rax_params.stack_size_kb,
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= rax_uint_handler,
		.extra1		= &rax_stack_min,
		.extra2		= &rax_stack_max,
	},
	{
		.procname	= "budget_max_us",
		.data		= &rax_params.budget_max_us,
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= rax_uint_handler,
		.extra1		= &rax_budget_min,
		.extra2		= &rax_budget_max,
	},
	{
		.procname	= "format_version",
		.data		= &rax_format_version,
		.maxlen		= sizeof(unsigned int),
		.mode		= 0444,
		.proc_handler	= proc_douintvec,
	},
};

int __init rax_sysctl_init(void)
{
	if (!register_sysctl("kernel/rax", rax_sysctl_table))
		return -ENOMEM;
	return 0;
}
