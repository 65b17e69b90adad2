// SPDX-License-Identifier: GPL-2.0-only
/*
 * The provenance policy: what the kernel requires of an object's
 * provenance note before it relocates and runs the object, in place of
 * the verifier's analysis. The signature says the trusted toolchain built
 * the object; the policy says whether this kernel accepts what it built:
 * the format version, the toolchain, the context layouts, the stack bound
 * and the helpers.
 */

#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "rax.h"

static __printf(2, 3) void rax_policy_log(struct rax_obj *obj, const char *fmt, ...)
{
	struct bpf_verifier_log *log = obj->elf.log;
	va_list args;

	if (!log || !bpf_verifier_log_needed(log))
		return;
	bpf_log(log, "rax: policy: ");
	va_start(args, fmt);
	bpf_verifier_vlog(log, fmt, args);
	va_end(args);
	bpf_log(log, "\n");
}

/**
 * rax_policy_check() - Check an object's provenance against the policy.
 * @obj: the object, parsed by rax_format_parse().
 * @entry: the entry to load.
 * @prog_type: the program type of the load.
 * @attach_type: the expected attach type of the load.
 *
 * Return: 0; -EINVAL for a format version or entry this kernel does not
 * accept, or an object built for other context layouts than this kernel's
 * BTF gives; -E2BIG when the entry's stack bound does not fit the Rax stack;
 * -EACCES for a format version below kernel.rax.min_format_version, a
 * toolchain the administrator did not accept or revoked, an object built
 * without the termination pass or without context layouts (or a kernel
 * without BTF to check them against), or a helper the program type may
 * not import. The reason is in the log.
 */
int rax_policy_check(struct rax_obj *obj, u32 entry, u32 prog_type, u32 attach_type)
{
	const struct rax_entry_def *e;
	u32 stack, limit, type_bit;
	const u8 *layouts;
	unsigned int i, n;
	int h, err;

	if (obj->prov.format != RAX_FORMAT_VERSION) {
		rax_policy_log(obj, "object format version %u; this kernel accepts version %u",
			       obj->prov.format, RAX_FORMAT_VERSION);
		return -EINVAL;
	}
	if (obj->prov.format < READ_ONCE(rax_params.min_format_version)) {
		rax_policy_log(obj,
			       "object format version %u is revoked (kernel.rax.min_format_version %u)",
			       obj->prov.format,
			       READ_ONCE(rax_params.min_format_version));
		return -EACCES;
	}
	if (entry >= obj->nentries) {
		rax_policy_log(obj, "entry %u requested; the object has %u", entry,
			       obj->nentries);
		return -EINVAL;
	}
	e = &obj->entries[entry];
	if (e->prog_type != prog_type || e->expected_attach_type != attach_type) {
		rax_policy_log(obj,
			       "entry %u (%s) is for program type %u attach type %u, not %u/%u",
			       entry, e->symbol, e->prog_type, e->expected_attach_type,
			       prog_type, attach_type);
		return -EINVAL;
	}

	if (!rax_toolchain_allowed(obj->prov.rustc_sha256)) {
		rax_policy_log(obj,
			       "toolchain %*phN... is not in kernel.rax.toolchains",
			       8, obj->prov.rustc_sha256);
		return -EACCES;
	}

	if (rax_hash_denied(obj->prov.rustc_sha256)) {
		rax_policy_log(obj, "toolchain %*phN... is revoked (kernel.rax.denied)",
			       8, obj->prov.rustc_sha256);
		return -EACCES;
	}
	if (rax_hash_denied(obj->prov.crate_sha256)) {
		rax_policy_log(obj, "rax crate %*phN... is revoked (kernel.rax.denied)",
			       8, obj->prov.crate_sha256);
		return -EACCES;
	}

	/*
	 * Only the toolchain's termination pass makes a program stoppable:
	 * its calls to rax_budget_check() are the cancellation points. It
	 * puts one at the entry of every function, so an object that calls
	 * a helper calls the check too; only a program of leaves only (no
	 * loop, no call: see rax_runs_bare()) has none, and it imports at
	 * most the compiler's ABI.
	 */
	h = rax_helper_find("rax_budget_check", strlen("rax_budget_check"));
	if (!obj->prov.plugin_sha256) {
		rax_policy_log(obj,
			       "no plugin record: the object was not built with the termination pass");
		return -EACCES;
	}
	if (h < 0 || !(obj->imports & BIT_ULL(h))) {
		for (i = 0; i < rax_nr_helpers; i++) {
			if (!(obj->imports & BIT_ULL(i)) || rax_helpers[i].abi)
				continue;
			rax_policy_log(obj,
				       "it calls %s and no rax_budget_check: the object was not built with the termination pass",
				       rax_helpers[i].name);
			return -EACCES;
		}
	}

	/*
	 * The program reads the context structures at the offsets the rax
	 * crate's bindings gave it; there is no CO-RE to move them.
	 */
	if (!obj->prov.btf_sha256) {
		rax_policy_log(obj, "no context layouts record (RAX_PROV_BTF_SHA256)");
		return -EACCES;
	}
	err = rax_ctx_layouts_sha256(&layouts);
	if (err) {
		rax_policy_log(obj, "this kernel's context layouts are unknown (%d): no BTF?",
			       err);
		return -EACCES;
	}
	if (memcmp(obj->prov.btf_sha256, layouts, RAX_SHA256_SIZE)) {
		rax_policy_log(obj,
			       "built for context layouts %*phN..., this kernel's are %*phN...; no CO-RE: regenerate the rax crate's bindings from this kernel's BTF and rebuild",
			       8, obj->prov.btf_sha256, 8, layouts);
		return -EINVAL;
	}

	stack = obj->prov.stack[entry];
	/* The stacks the load holds, not the sysctl, which may differ. */
	limit = obj->stack_bytes > RAX_STACK_RESERVE ? obj->stack_bytes - RAX_STACK_RESERVE : 0;
	if (stack > limit) {
		rax_policy_log(obj,
			       "entry %u (%s) needs %u bytes of stack; %u fit in the %lu KiB Rax stack",
			       entry, e->symbol, stack, limit, obj->stack_bytes / SZ_1K);
		return -E2BIG;
	}

	/*
	 * Imports are the object's, not an entry's: every entry's program
	 * type must allow every imported helper, the loaded entry's first.
	 */
	for (n = 0; n <= obj->nentries; n++) {
		u32 type = n ? obj->entries[n - 1].prog_type : prog_type;

		type_bit = rax_prog_type_bit(type);
		for (i = 0; i < rax_nr_helpers; i++) {
			if (!(obj->imports & BIT_ULL(i)) || (rax_helpers[i].types & type_bit))
				continue;
			rax_policy_log(obj, "helper %s is not allowed for program type %u",
				       rax_helpers[i].name, type);
			return -EACCES;
		}
	}
	/*
	 * An override is for a kprobe: the uprobe attach paths do not look
	 * at prog->kprobe_override, and would have a process return to the
	 * kernel address the override puts in its registers.
	 */
	h = rax_helper_find("rax_override_return", strlen("rax_override_return"));
	for (n = 0; h >= 0 && (obj->imports & BIT_ULL(h)) && n <= obj->nentries; n++) {
		u32 type = n ? obj->entries[n - 1].expected_attach_type : attach_type;

		if (type && type != BPF_TRACE_KPROBE_MULTI) {
			rax_policy_log(obj,
				       "helper rax_override_return is not allowed for attach type %u",
				       type);
			return -EACCES;
		}
	}
	return 0;
}

/**
 * rax_code_policy() - Whether native code may be loaded into this kernel now.
 * @gpl_compatible: whether the load's licence is GPL-compatible.
 * @why: set to the reason when it may not.
 *
 * A Rax program is native code, as a module is, and follows the module
 * loader's rules: none once kernel.modules_disabled is set, and only
 * under a GPL-compatible licence, since Rax code runs on GPL-only kernel
 * interfaces (the helpers call them). Under lockdown, modules must be
 * signed by a trusted key; Rax objects always are (.rax).
 *
 * Return: 0, -EPERM when kernel.modules_disabled is set, or -EINVAL for
 * a licence that is not GPL-compatible.
 */
int rax_code_policy(bool gpl_compatible, const char **why)
{
#ifdef CONFIG_MODULES
	if (READ_ONCE(modules_disabled)) {
		*why = "kernel.modules_disabled is set: no native code may be loaded";
		return -EPERM;
	}
#endif
	if (!gpl_compatible) {
		*why = "the licence is not GPL-compatible: Rax code calls GPL-only kernel code";
		return -EINVAL;
	}
	return 0;
}
