/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rax: signed safe-Rust kernel extensions loaded through bpf().
 *
 * Kernel-internal interface of the Rax core, used by the BPF hooks.
 */
#ifndef _LINUX_RAX_H
#define _LINUX_RAX_H

#include <linux/bpfptr.h>
#include <linux/errno.h>
#include <linux/time64.h>
#include <linux/types.h>
#include <uapi/linux/rax.h>

struct audit_buffer;
struct bpf_prog;
struct bpf_prog_aux;
struct key;
struct seq_file;
struct stack_info;
union bpf_attr;

/* Bounds of the kernel.rax.* sysctls. */
#define RAX_STACK_SIZE_KB_MIN		32U
#define RAX_STACK_SIZE_KB_MAX		1024U
#define RAX_BUDGET_US_MIN		1U
#define RAX_BUDGET_US_MAX		(10U * USEC_PER_SEC)
#define RAX_BUDGET_US_DEFAULT		(10U * USEC_PER_MSEC)

#ifdef CONFIG_RAX

bool rax_enabled(void);
unsigned int rax_stack_size_kb(void);
unsigned int rax_budget_max_us(void);
bool rax_stack_size_valid(unsigned int kb);
struct key *rax_keyring(void);
int rax_prog_check_attr(const union bpf_attr *attr, bpfptr_t uattr,
			u32 uattr_size);
int rax_prog_load(struct bpf_prog *prog, const union bpf_attr *attr,
		  bpfptr_t uattr, u32 uattr_size);
void rax_prog_free(struct bpf_prog_aux *aux);
void rax_prog_kallsyms_add(struct bpf_prog *prog);
void rax_prog_kallsyms_del(struct bpf_prog *prog);
bool rax_prog_perf_ksymbols(struct bpf_prog *prog, bool unregister);
void rax_prog_show_fdinfo(const struct bpf_prog *prog, struct seq_file *m);
void rax_prog_audit(struct audit_buffer *ab, const struct bpf_prog *prog);
bool rax_prog_is_rax(const struct bpf_prog *prog);
int rax_prog_refuse_target(const union bpf_attr *attr, bpfptr_t uattr,
			   u32 uattr_size);
bool rax_stack_info(unsigned long *stack, struct stack_info *info);
bool rax_text_unwound(unsigned long addr);

struct bpf_map;
long bpf_htab_value_off(const struct bpf_map *map, const void *p);

#else /* !CONFIG_RAX */

static inline bool rax_enabled(void)
{
	return false;
}

static inline int rax_prog_check_attr(const union bpf_attr *attr,
				      bpfptr_t uattr, u32 uattr_size)
{
	return -EINVAL;
}

static inline int rax_prog_load(struct bpf_prog *prog,
				const union bpf_attr *attr,
				bpfptr_t uattr, u32 uattr_size)
{
	return -EINVAL;
}

static inline void rax_prog_free(struct bpf_prog_aux *aux)
{
}

static inline void rax_prog_kallsyms_add(struct bpf_prog *prog)
{
}

static inline void rax_prog_kallsyms_del(struct bpf_prog *prog)
{
}

static inline bool rax_prog_perf_ksymbols(struct bpf_prog *prog,
					  bool unregister)
{
	return false;
}

static inline void rax_prog_show_fdinfo(const struct bpf_prog *prog,
					struct seq_file *m)
{
}

static inline void rax_prog_audit(struct audit_buffer *ab,
				  const struct bpf_prog *prog)
{
}

static inline bool rax_prog_is_rax(const struct bpf_prog *prog)
{
	return false;
}

static inline int rax_prog_refuse_target(const union bpf_attr *attr,
					 bpfptr_t uattr, u32 uattr_size)
{
	return -EINVAL;
}

static inline bool rax_text_unwound(unsigned long addr)
{
	return false;
}

static __always_inline bool rax_stack_info(unsigned long *stack,
					   struct stack_info *info)
{
	return false;
}

#endif /* CONFIG_RAX */

#endif /* _LINUX_RAX_H */
