/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The running kernel's BTF through the tree's libbpf, for the tests that
 * link it (see the Makefile): a function's id and a struct member's offset.
 */
#ifndef __RAX_BTF_H
#define __RAX_BTF_H

#include <errno.h>
#include <string.h>

#include <bpf/btf.h>

/* The id of FUNC @name in the kernel's BTF, or -errno. */
static inline int rax_btf_func_id(const char *name)
{
	struct btf *btf = btf__load_vmlinux_btf();
	int id;

	if (!btf)
		return -errno;
	id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	btf__free(btf);
	return id;
}

/* The byte offset of member @member of struct @sname in @btf, or -errno. */
static inline int rax_btf_member_off(const struct btf *btf, const char *sname,
				     const char *member)
{
	int id = btf__find_by_name_kind(btf, sname, BTF_KIND_STRUCT);
	const struct btf_member *m;
	const struct btf_type *t;
	int i;

	if (id < 0)
		return id;
	t = btf__type_by_id(btf, id);
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++, m++) {
		__u32 bits = btf_member_bit_offset(t, i);

		if (!strcmp(btf__name_by_offset(btf, m->name_off), member))
			return bits % 8 ? -EINVAL : (int)(bits / 8);
	}
	return -ENOENT;
}

#endif /* __RAX_BTF_H */
