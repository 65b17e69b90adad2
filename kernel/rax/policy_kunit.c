// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the provenance policy, on objects crafted in memory:
 * each rule of rax_policy_check() refuses what it must, with its errno,
 * and a well-formed object passes.
 */

#include <kunit/test.h>
#include <linux/bpf.h>
#include <linux/module.h>
#include <linux/sizes.h>

#include "rax.h"

struct rax_policy_fixture {
	struct rax_obj obj;
	struct rax_entry_def entries[2];
	u32 stack[2];
	u8 rustc[RAX_SHA256_SIZE];
	u8 crate[RAX_SHA256_SIZE];
	u8 plugin[RAX_SHA256_SIZE];
	u8 layouts[RAX_SHA256_SIZE];
};

static int rax_helper_bit(const char *name)
{
	int h = rax_helper_find(name, strlen(name));

	return h < 0 ? 0 : h;
}

/* An XDP entry and a tc entry, importing one helper both may use. */
static struct rax_obj *rax_policy_obj(struct kunit *test)
{
	struct rax_policy_fixture *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	const u8 *sha;

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->entries[0].prog_type = BPF_PROG_TYPE_XDP;
	strscpy(f->entries[0].symbol, "rax_entry_a", sizeof(f->entries[0].symbol));
	f->entries[1].prog_type = BPF_PROG_TYPE_SCHED_CLS;
	strscpy(f->entries[1].symbol, "rax_entry_b", sizeof(f->entries[1].symbol));
	f->stack[0] = 512;
	f->stack[1] = 1024;
	memset(f->rustc, 0xab, sizeof(f->rustc));
	memset(f->crate, 0xcd, sizeof(f->crate));
	f->obj.entries = f->entries;
	f->obj.nentries = 2;
	f->obj.prov.format = RAX_FORMAT_VERSION;
	f->obj.prov.rustc_sha256 = f->rustc;
	f->obj.prov.crate_sha256 = f->crate;
	memset(f->plugin, 0xef, sizeof(f->plugin));
	f->obj.prov.plugin_sha256 = f->plugin;
	f->obj.prov.stack = f->stack;
	f->obj.stack_bytes = (unsigned long)rax_stack_size_kb() * SZ_1K;
	/* Built for this kernel's context layouts. */
	KUNIT_ASSERT_EQ(test, rax_ctx_layouts_sha256(&sha), 0);
	memcpy(f->layouts, sha, sizeof(f->layouts));
	f->obj.prov.btf_sha256 = f->layouts;
	f->obj.imports = BIT_ULL(rax_helper_bit("rax_map_lookup_elem")) |
			 BIT_ULL(rax_helper_bit("rax_budget_check"));
	return &f->obj;
}

static void rax_policy_accepts_test(struct kunit *test)
{
	struct rax_obj *obj = rax_policy_obj(test);

	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), 0);
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 1, BPF_PROG_TYPE_SCHED_CLS, 0), 0);
}

static void rax_policy_format_test(struct kunit *test)
{
	struct rax_obj *obj = rax_policy_obj(test);

	obj->prov.format = RAX_FORMAT_VERSION + 1;
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), -EINVAL);
}

/*
 * kernel.rax.min_format_version revokes older format versions. Its sysctl
 * keeps it at or below RAX_FORMAT_VERSION; set past it here, it revokes
 * the version this kernel reads.
 */
static void rax_policy_min_format_test(struct kunit *test)
{
	struct rax_obj *obj = rax_policy_obj(test);
	unsigned int saved = READ_ONCE(rax_params.min_format_version);

	WRITE_ONCE(rax_params.min_format_version, RAX_FORMAT_VERSION);
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), 0);
	WRITE_ONCE(rax_params.min_format_version, RAX_FORMAT_VERSION + 1);
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), -EACCES);
	WRITE_ONCE(rax_params.min_format_version, saved);
}

static void rax_policy_entry_test(struct kunit *test)
{
	struct rax_obj *obj = rax_policy_obj(test);

	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 2, BPF_PROG_TYPE_XDP, 0), -EINVAL);
	/* Entry 0 is XDP: loading it as tc, or for a devmap, is refused. */
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_SCHED_CLS, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, BPF_XDP_DEVMAP),
			-EINVAL);
}

static void rax_policy_stack_test(struct kunit *test)
{
	struct rax_obj *obj = rax_policy_obj(test);
	u32 limit = READ_ONCE(rax_params.stack_size_kb) * SZ_1K - RAX_STACK_RESERVE;

	obj->prov.stack[0] = limit;
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), 0);
	obj->prov.stack[0] = limit + 1;
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), -E2BIG);
	/*
	 * The bound is checked against the stacks the load holds, not the
	 * sysctl: a larger sysctl value does not let a larger bound in.
	 */
	obj->stack_bytes = 32 * SZ_1K;
	obj->prov.stack[0] = 32 * SZ_1K - RAX_STACK_RESERVE + 1;
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), -E2BIG);
	obj->stack_bytes = RAX_STACK_RESERVE;
	obj->prov.stack[0] = 0;
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), 0);
	obj->prov.stack[0] = 1;
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), -E2BIG);
}

static void rax_policy_helpers_test(struct kunit *test)
{
	struct rax_obj *obj = rax_policy_obj(test);

	/* A tracing-only helper: refused for the XDP entry being loaded,
	 * and for the object's tc entry when the XDP entry is a kprobe.
	 */
	obj->imports |= BIT_ULL(rax_helper_bit("rax_get_current_pid_tgid"));
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), -EACCES);
	container_of(obj, struct rax_policy_fixture, obj)->entries[0].prog_type =
		BPF_PROG_TYPE_KPROBE;
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_KPROBE, 0), -EACCES);
	obj->nentries = 1;
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_KPROBE, 0), 0);
}

static void rax_policy_termination_test(struct kunit *test)
{
	struct rax_obj *obj = rax_policy_obj(test);
	const u8 *plugin = obj->prov.plugin_sha256;

	/* No record of the termination pass. */
	obj->prov.plugin_sha256 = NULL;
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), -EACCES);
	/* The record, a helper call, but no cancellation point in the code. */
	obj->prov.plugin_sha256 = plugin;
	obj->imports &= ~BIT_ULL(rax_helper_bit("rax_budget_check"));
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), -EACCES);
	/* The same with only a helper that needs no frame. */
	obj->imports = BIT_ULL(rax_helper_bit("rax_jiffies64"));
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), -EACCES);
	obj->imports |= BIT_ULL(rax_helper_bit("rax_budget_check"));
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), 0);
	/*
	 * Leaves only: no import at all, or only the compiler's ABI (a copy
	 * the back end made a call of), and no check is needed.
	 */
	obj->imports = 0;
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), 0);
	obj->imports = BIT_ULL(rax_helper_bit("memcpy"));
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), 0);
	/* Still not without the record. */
	obj->prov.plugin_sha256 = NULL;
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), -EACCES);
}

/*
 * An object built for other context layouts, or without the record, is
 * refused: there is no CO-RE.
 */
static void rax_policy_ctx_layouts_test(struct kunit *test)
{
	struct rax_obj *obj = rax_policy_obj(test);
	u8 *other = kunit_kzalloc(test, RAX_SHA256_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, other);
	memcpy(other, obj->prov.btf_sha256, RAX_SHA256_SIZE);
	other[31] ^= 1;
	obj->prov.btf_sha256 = other;
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), -EINVAL);
	obj->prov.btf_sha256 = NULL;
	KUNIT_EXPECT_EQ(test, rax_policy_check(obj, 0, BPF_PROG_TYPE_XDP, 0), -EACCES);
}

/*
 * The layouts as the toolchain writes them from the same BTF (see
 * userspace/tests/test_btf_ctx.cpp): x86-64's pt_regs and xdp_buff.
 */
static void rax_ctx_layouts_text_test(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, 2048, GFP_KERNEL);
	int len;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = rax_ctx_layouts_text(buf, 2048);
	KUNIT_ASSERT_GT(test, len, 0);
	KUNIT_EXPECT_EQ(test, strlen(buf), (size_t)len);
	KUNIT_EXPECT_TRUE(test, str_has_prefix(buf, "struct xdp_buff 56\n  data 0 8\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\nstruct pt_regs 168\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\n  ip 128 8\n  flags 144 8\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "\nstruct bpf_perf_event_data_kern 24\n"));
	KUNIT_EXPECT_EQ(test, rax_ctx_layouts_text(buf, 64), -ENOSPC);
}

/* The module loader's rules for native code (rax_code_policy()). */
static void rax_code_policy_test(struct kunit *test)
{
	const char *why = NULL;

	KUNIT_EXPECT_EQ(test, rax_code_policy(true, &why), 0);
	KUNIT_EXPECT_EQ(test, rax_code_policy(false, &why), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, strstr(why, "GPL"));
#ifdef CONFIG_MODULES
	/* The sysctl only goes one way; the test puts the value back. */
	KUNIT_ASSERT_EQ(test, modules_disabled, 0);
	modules_disabled = 1;
	KUNIT_EXPECT_EQ(test, rax_code_policy(true, &why), -EPERM);
	modules_disabled = 0;
	KUNIT_EXPECT_NOT_NULL(test, strstr(why, "modules_disabled"));
	KUNIT_EXPECT_EQ(test, rax_code_policy(true, &why), 0);
#endif
}

static struct kunit_case rax_policy_test_cases[] = {
	KUNIT_CASE(rax_policy_accepts_test),
	KUNIT_CASE(rax_policy_format_test),
	KUNIT_CASE(rax_policy_min_format_test),
	KUNIT_CASE(rax_policy_entry_test),
	KUNIT_CASE(rax_policy_stack_test),
	KUNIT_CASE(rax_policy_helpers_test),
	KUNIT_CASE(rax_policy_termination_test),
	KUNIT_CASE(rax_policy_ctx_layouts_test),
	KUNIT_CASE(rax_ctx_layouts_text_test),
	KUNIT_CASE(rax_code_policy_test),
	{}
};

static struct kunit_suite rax_policy_test_suite = {
	.name = "rax_policy",
	.test_cases = rax_policy_test_cases,
};

kunit_test_suite(rax_policy_test_suite);

MODULE_DESCRIPTION("KUnit tests of the Rax provenance policy");
MODULE_LICENSE("GPL");
