// SPDX-License-Identifier: GPL-2.0-only
/*
 * The context layouts of this kernel: the structures and members that
 * ctx_types.h lists, as the kernel's own BTF lays them out, written as
 * text and hashed with SHA-256 exactly as the toolchain does from the BTF
 * it generated the rax crate's bindings from. A Rax program reads these
 * structures at the offsets it was compiled with; there is no CO-RE, so
 * an object whose RAX_PROV_BTF_SHA256 differs from this kernel's hash was
 * built for other layouts and is refused.
 */

#include <crypto/sha2.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "rax.h"

#define RAX_CTX_TEXT_MAX	2048

static const struct {
	bool is_struct;
	const char *name;
} rax_ctx_list[] = {
#define RAX_CTX_STRUCT(n) { true, #n },
#define RAX_CTX_MEMBER(n) { false, #n },
#include "ctx_types.h"
#undef RAX_CTX_STRUCT
#undef RAX_CTX_MEMBER
};

static DEFINE_MUTEX(rax_ctx_lock);
static int rax_ctx_state;		/* 0: not computed, 1: done, <0: -errno */
static u8 rax_ctx_sha[SHA256_DIGEST_SIZE];

/*
 * Member @name of the struct or union @t, looked for in its anonymous
 * members too; its bit offset from the start of @t in *@bits. NULL when
 * it is not there, an ERR_PTR for a bitfield.
 */
static const struct btf_member *rax_ctx_member(const struct btf *btf, const struct btf_type *t,
					       const char *name, u32 *bits, int depth)
{
	const struct btf_member *m, *found;
	const struct btf_type *mt;
	const char *n;
	u32 i, sub = 0;

	if (depth > 8)
		return NULL;
	for_each_member(i, t, m) {
		n = btf_name_by_offset(btf, m->name_off);
		if (n && *n) {
			if (strcmp(n, name))
				continue;
			if (__btf_member_bitfield_size(t, m))
				return ERR_PTR(-EINVAL);
			*bits = __btf_member_bit_offset(t, m);
			return m;
		}
		mt = btf_type_skip_modifiers(btf, m->type, NULL);
		if (!mt || !btf_type_is_struct(mt))
			continue;
		found = rax_ctx_member(btf, mt, name, &sub, depth + 1);
		if (IS_ERR(found))
			return found;
		if (found) {
			*bits = __btf_member_bit_offset(t, m) + sub;
			return found;
		}
	}
	return NULL;
}

/**
 * rax_ctx_layouts_text() - Write this kernel's context layouts.
 * @buf: where to write them.
 * @size: the size of @buf.
 *
 * One line "struct NAME SIZE" per structure of ctx_types.h and one line
 * "  MEMBER OFFSET SIZE" per member, in bytes, in the list's order: the
 * text whose SHA-256 the toolchain records as RAX_PROV_BTF_SHA256.
 *
 * Return: the length of the text; -ENOENT when the kernel has no BTF or
 * its BTF lacks a structure or member; -EINVAL for a member that is a
 * bitfield or not at a byte offset; -ENOSPC when @buf is too small.
 */
int rax_ctx_layouts_text(char *buf, size_t size)
{
	const struct btf_type *st = NULL, *mt;
	const struct btf_member *m;
	struct btf *btf;
	size_t len = 0;
	u32 bits, id, msize;
	unsigned int i;
	s32 sid;

	btf = bpf_get_btf_vmlinux();
	if (IS_ERR_OR_NULL(btf))
		return -ENOENT;
	for (i = 0; i < ARRAY_SIZE(rax_ctx_list); i++) {
		const char *name = rax_ctx_list[i].name;

		if (rax_ctx_list[i].is_struct) {
			sid = btf_find_by_name_kind(btf, name, BTF_KIND_STRUCT);
			if (sid < 0)
				return -ENOENT;
			st = btf_type_by_id(btf, sid);
			len += scnprintf(buf + len, size - len, "struct %s %u\n", name, st->size);
		} else {
			if (!st)
				return -EINVAL;
			m = rax_ctx_member(btf, st, name, &bits, 0);
			if (IS_ERR(m))
				return PTR_ERR(m);
			if (!m)
				return -ENOENT;
			if (bits % 8)
				return -EINVAL;
			id = m->type;
			mt = btf_type_id_size(btf, &id, &msize);
			if (!mt)
				return -EINVAL;
			len += scnprintf(buf + len, size - len, "  %s %u %u\n", name, bits / 8,
					 msize);
		}
		if (len + 1 >= size)
			return -ENOSPC;
	}
	return len;
}

/**
 * rax_ctx_layouts_sha256() - The hash of this kernel's context layouts.
 * @sha: set to the SHA-256 of rax_ctx_layouts_text(), which stays valid.
 *
 * Computed from the kernel's BTF at the first call, then remembered.
 *
 * Return: 0, or the error of rax_ctx_layouts_text(), which is remembered
 * too; -ENOMEM, which is not (the next call tries again).
 */
int rax_ctx_layouts_sha256(const u8 **sha)
{
	int len, err = 0;
	char *buf;

	mutex_lock(&rax_ctx_lock);
	if (!rax_ctx_state) {
		buf = kmalloc(RAX_CTX_TEXT_MAX, GFP_KERNEL);
		if (!buf) {
			err = -ENOMEM;
			goto out;
		}
		len = rax_ctx_layouts_text(buf, RAX_CTX_TEXT_MAX);
		if (len >= 0)
			sha256((const u8 *)buf, len, rax_ctx_sha);
		rax_ctx_state = len >= 0 ? 1 : len;
		kfree(buf);
	}
	if (rax_ctx_state < 0)
		err = rax_ctx_state;
out:
	mutex_unlock(&rax_ctx_lock);
	*sha = rax_ctx_sha;
	return err;
}
