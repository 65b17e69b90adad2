// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel.rax.* sysctls.
 *
 *   enabled        0 refuses every new Rax program load, 1 allows them.
 *   stack_size_kb  size of each per-CPU Rax program stack, a power of two
 *                  in [32, 1024]; EBUSY while a Rax program is loaded.
 *   budget_max_us  the largest run-time budget a program may ask for, in
 *                  [1, 10000000] microseconds.
 *   panic_limit    the number of panics, in [0, 1000000], after which a
 *                  program loaded from now on is disabled and detached
 *                  from its links; 0 never does.
 *   format_version the Rax object format version this kernel accepts
 *                  (read-only).
 *   min_format_version
 *                  the oldest format version still accepted, in
 *                  [0, format_version]: raising it revokes every object
 *                  built for an older format.
 *   toolchains     the toolchain identities (RAX_PROV_RUSTC_SHA256 of the
 *                  provenance note, 64 hex digits each, separated by
 *                  commas or spaces) whose objects may be loaded; empty
 *                  accepts every toolchain whose object is signed.
 *   denied         revoked hashes, in the same syntax: an object whose
 *                  toolchain identity, rax crate hash (RAX_PROV_CRATE_SHA256)
 *                  or image SHA-256 is listed is refused.
 *
 * A write outside a parameter's range fails with EINVAL and leaves the
 * parameter unchanged.
 */

#include <linux/hex.h>
#include <linux/init.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
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
static unsigned int rax_panic_limit_max = RAX_PANIC_LIMIT_MAX;

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
	if (param == &rax_params.stack_size_kb) {
		if (!rax_stack_size_valid(val))
			return -EINVAL;
		return rax_stack_size_set(val);
	}

	mutex_lock(&rax_sysctl_mutex);
	WRITE_ONCE(*param, val);
	mutex_unlock(&rax_sysctl_mutex);
	return 0;
}

#define RAX_MAX_HASHES		16
#define RAX_HASHES_LEN		(RAX_MAX_HASHES * (2 * RAX_SHA256_SIZE + 1) + 1)

/* A list of SHA-256 hashes set through a sysctl. */
struct rax_hash_list {
	u8 ids[RAX_MAX_HASHES][RAX_SHA256_SIZE];
	unsigned int n;
};

/* The toolchains accepted, and the hashes revoked. */
static struct rax_hash_list rax_toolchains, rax_denied;

/* Parse a list of hashes; on success replace @list. */
static int rax_hash_list_set(struct rax_hash_list *list, char *s)
{
	u8 ids[RAX_MAX_HASHES][RAX_SHA256_SIZE];
	unsigned int n = 0;
	char *tok;

	while ((tok = strsep(&s, ", \t\n"))) {
		if (!*tok)
			continue;
		if (n == RAX_MAX_HASHES || strlen(tok) != 2 * RAX_SHA256_SIZE ||
		    hex2bin(ids[n], tok, RAX_SHA256_SIZE))
			return -EINVAL;
		n++;
	}
	memcpy(list->ids, ids, n * RAX_SHA256_SIZE);
	list->n = n;
	return 0;
}

static int rax_hash_list_handler(const struct ctl_table *table, int write,
				 void *buffer, size_t *lenp, loff_t *ppos)
{
	struct rax_hash_list *list = table->data;
	struct ctl_table tmp = *table;
	unsigned int i;
	char *buf, *p;
	int err;

	buf = kzalloc(RAX_HASHES_LEN, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	tmp.data = buf;
	tmp.maxlen = RAX_HASHES_LEN;

	mutex_lock(&rax_sysctl_mutex);
	if (!write) {
		for (i = 0, p = buf; i < list->n; i++)
			p += sprintf(p, "%s%*phN", i ? "," : "", RAX_SHA256_SIZE,
				     list->ids[i]);
	}
	err = proc_dostring(&tmp, write, buffer, lenp, ppos);
	if (!err && write)
		err = rax_hash_list_set(list, buf);
	mutex_unlock(&rax_sysctl_mutex);
	kfree(buf);
	return err;
}

static bool rax_hash_listed(struct rax_hash_list *list, const u8 *hash)
{
	bool found = false;
	unsigned int i;

	mutex_lock(&rax_sysctl_mutex);
	for (i = 0; i < list->n && !found; i++)
		found = !memcmp(list->ids[i], hash, RAX_SHA256_SIZE);
	mutex_unlock(&rax_sysctl_mutex);
	return found;
}

/**
 * rax_toolchain_allowed() - Does the administrator accept this toolchain?
 * @rustc_sha256: the toolchain identity from an object's provenance note.
 *
 * Return: true when kernel.rax.toolchains is empty or lists it.
 */
bool rax_toolchain_allowed(const u8 *rustc_sha256)
{
	return !READ_ONCE(rax_toolchains.n) ||
	       rax_hash_listed(&rax_toolchains, rustc_sha256);
}

/**
 * rax_hash_denied() - Has the administrator revoked this hash?
 * @sha256: a toolchain identity, a rax crate hash or an image's SHA-256.
 *
 * Return: true when kernel.rax.denied lists it.
 */
bool rax_hash_denied(const u8 *sha256)
{
	return rax_hash_listed(&rax_denied, sha256);
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
		.procname	= "panic_limit",
		.data		= &rax_params.panic_limit,
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= rax_uint_handler,
		.extra1		= &rax_zero,
		.extra2		= &rax_panic_limit_max,
	},
	{
		.procname	= "format_version",
		.data		= &rax_format_version,
		.maxlen		= sizeof(unsigned int),
		.mode		= 0444,
		.proc_handler	= proc_douintvec,
	},
	{
		.procname	= "min_format_version",
		.data		= &rax_params.min_format_version,
		.maxlen		= sizeof(unsigned int),
		.mode		= 0644,
		.proc_handler	= rax_uint_handler,
		.extra1		= &rax_zero,
		.extra2		= &rax_format_version,
	},
	{
		.procname	= "toolchains",
		.data		= &rax_toolchains,
		.maxlen		= RAX_HASHES_LEN,
		.mode		= 0644,
		.proc_handler	= rax_hash_list_handler,
	},
	{
		.procname	= "denied",
		.data		= &rax_denied,
		.maxlen		= RAX_HASHES_LEN,
		.mode		= 0644,
		.proc_handler	= rax_hash_list_handler,
	},
};

int __init rax_sysctl_init(void)
{
	if (!register_sysctl("kernel/rax", rax_sysctl_table))
		return -ENOMEM;
	return 0;
}
