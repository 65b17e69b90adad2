// SPDX-License-Identifier: GPL-2.0-only
/*
 * The helpers a Rax object may import (helpers.h), with their contracts.
 *
 * The kernel does not take the toolchain's word for what a program passes
 * them: every map definition, lock, record, task, context and buffer is
 * checked against what the running program owns, and a bad one stops the
 * program through the exception path (throw.c). Built without ftrace and
 * kept from kprobes, as a program can be stopped inside a helper and
 * unwound across it (throw.c).
 */

#define pr_fmt(fmt) "rax: " fmt

#include <linux/bpf.h>
#include <linux/cred.h>
#include <linux/filter.h>
#include <linux/jiffies.h>
#include <linux/kprobes.h>
#include <linux/log2.h>
#include <linux/pid_namespace.h>
#include <linux/prandom.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/security.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/topology.h>
#include <linux/uaccess.h>
#include <net/sch_generic.h>
#include <net/xdp.h>

#include "rax.h"

static DEFINE_PER_CPU(struct rnd_state, rax_rnd_state);
static const struct bpf_func_proto *rax_printk_proto __read_mostly;
static const struct bpf_func_proto *rax_clone_redirect_proto __ro_after_init;

static_assert(sizeof(arch_spinlock_t) == sizeof(struct bpf_spin_lock));

/*
 * The kernel does not take the toolchain's word for what a program passes
 * to a helper: each pointer is checked against what the running program
 * owns, and a bad one stops the program like a panic, with a message
 * naming the helper.
 */
static void __noreturn rax_refuse_call(const char *helper,
				       const char *what, const char *why)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	struct rax_prog *rp = frame->rp;

	/*
	 * Release first (rax_stop() would, after this message): not print
	 * with a value's spin lock held and interrupts off, while another
	 * CPU may spin on it.
	 */
	rax_release_held(frame);
	pr_warn_ratelimited("program %s (tag %*phN): %s: %s\n",
			    rp->prog->aux->name, BPF_TAG_SIZE, rp->prog->tag, helper, what);
	rax_refuse(why);
}

NOKPROBE_SYMBOL(rax_refuse_call);

static void __noreturn rax_refuse_arg(const char *helper, const char *what)
{
	rax_refuse_call(helper, what, "passed a helper an argument it does not own");
}

NOKPROBE_SYMBOL(rax_refuse_arg);

/*
 * The small checks below are inlined into every helper that makes them
 * (a call each was a fifth of a map lookup's instructions); they are
 * kprobe-free as the helpers are, being part of them.
 *
 * The map of a definition in the program's own .rax.maps, at a definition
 * boundary. The map comes from the kernel's own array (rp->maps), never
 * from the definition's map field, which the program could have written.
 */
static __always_inline struct bpf_map *rax_def_map(const struct rax_map_def *def,
						   const char *helper)
{
	struct rax_prog *rp = this_cpu_read(rax_cur_frame)->rp;
	unsigned long off = (unsigned long)def - (unsigned long)rp->map_defs;

	if (unlikely(!rp->map_defs || off >= (unsigned long)rp->nmaps * sizeof(*def) ||
		     off % sizeof(*def)))
		rax_refuse_arg(helper, "not a map definition of its .rax.maps section");
	return rp->maps[off / sizeof(*def)];
}

/*
 * The offset of @p into the value of an element of @map, an array or a
 * preallocated hash or LRU hash map, or -1 when it is in none.
 */
static __always_inline long rax_map_value_off(struct bpf_map *map, const void *p)
{
	struct bpf_array *array;
	unsigned long off;
	u32 rem;

	if (map->map_type == BPF_MAP_TYPE_HASH || map->map_type == BPF_MAP_TYPE_LRU_HASH)
		return bpf_htab_value_off(map, p);
	if (map->map_type != BPF_MAP_TYPE_ARRAY)
		return -1;
	array = container_of(map, struct bpf_array, map);
	off = (unsigned long)p - (unsigned long)array->value;
	if (off >= (u64)array->elem_size * map->max_entries)
		return -1;
	/* elem_size is value_size rounded up to 8: often a power of two. */
	if (is_power_of_2(array->elem_size))
		rem = off & (array->elem_size - 1);
	else
		div_u64_rem(off, array->elem_size, &rem);
	return rem < map->value_size ? (long)rem : -1;
}

/* The lock word of @map's values, if they have one: its offset, else -1. */
static __always_inline long rax_map_lock_off(const struct bpf_map *map)
{
	if (IS_ERR_OR_NULL(map->record) || !(map->record->field_mask & BPF_SPIN_LOCK))
		return -1;
	return map->record->spin_lock_off;
}

/*
 * Whether the @len bytes at @p are in the packet of an XDP or tc program,
 * which the program reads through slices of it (a key, a value).
 */
static bool rax_in_packet(const struct rax_frame *frame, const void *p, size_t len)
{
	unsigned long data, end;

	switch (frame->rp->prog_type) {
	case BPF_PROG_TYPE_XDP:
		data = (unsigned long)((const struct xdp_buff *)frame->ctx)->data;
		end = (unsigned long)((const struct xdp_buff *)frame->ctx)->data_end;
		break;
	case BPF_PROG_TYPE_SCHED_CLS:
		data = frame->tc->data;
		end = frame->tc->data_end;
		break;
	default:
		return false;
	}
	return end >= data && rax_range_in(p, len, (void *)data, end - data);
}

/*
 * Whether the @len bytes at @p are memory the running program owns: its
 * Rax stack between the helper's frame and the entry's return address
 * (@fp is the helper's frame address: the saved frame pointer, then the
 * return address into the program), its writable data (and, for a helper
 * that only reads, its read-only data and its packet), a ring buffer
 * record it holds, or a value of one of its maps (the compiler may have a
 * helper write a result straight into its final place, or read a key
 * from a map value). Not a per-CPU value: those are separate allocations,
 * one per element, and finding one would be a walk of every element with
 * interrupts possibly off; the crate copies them out instead.
 * A helper never writes a lock word: the lock in a value stays the lock
 * helpers' alone.
 */
static __always_inline bool rax_buf_on_stack(const struct rax_frame *frame, const void *p,
					     size_t len, void *fp)
{
	unsigned long prog_sp = (unsigned long)fp + 2 * sizeof(long);
	unsigned long prog_top = (unsigned long)frame->tos - sizeof(long);

	return prog_sp >= frame->stack_base && prog_sp <= prog_top &&
	       rax_range_in(p, len, (void *)prog_sp, prog_top - prog_sp);
}

static bool rax_buf_owned(struct rax_frame *frame, const void *p, size_t len,
			  void *fp, bool write)
{
	struct rax_prog *rp = frame->rp;
	u32 i;

	if (rax_buf_on_stack(frame, p, len, fp))
		return true;
	if (rp->rw_data && rax_range_in(p, len, rp->rw_data, rp->rw_size))
		return true;
	if (!write && rp->ro_data && rax_range_in(p, len, rp->ro_data, rp->ro_size))
		return true;
	if (!write && rax_in_packet(frame, p, len))
		return true;
	for (i = 0; i < frame->nheld; i++)
		if (frame->held[i].kind == RAX_HELD_RINGBUF &&
		    rax_range_in(p, len, frame->held[i].obj, frame->held[i].size))
			return true;
	for (i = 0; i < rp->nmaps; i++) {
		struct bpf_map *map = rp->maps[i];
		long off = rax_map_value_off(map, p);
		long lock = rax_map_lock_off(map);

		if (off < 0 || len > map->value_size - off)
			continue;
		return !(write && lock >= 0 && off < lock + (long)sizeof(struct bpf_spin_lock) &&
			 off + (long)len > lock);
	}
	return false;
}

/*
 * The buffer checks rely on @fp being the frame of a helper the program
 * called: the return address above it must be in the program's code.
 */
static __always_inline bool rax_called_from(const struct rax_prog *rp, void *fp)
{
	unsigned long ret = ((unsigned long *)fp)[1];

	return ret >= (unsigned long)rp->image &&
	       ret - (unsigned long)rp->image < rp->image_size;
}

static const char rax_bad_dst[] =
	"a destination outside its stack, data, records and map values, or a lock word";
static const char rax_bad_src[] =
	"a source outside its stack, data, records and map values";

/*
 * Stops the program unless it owns the @len bytes at @p (rax_buf_owned()),
 * for the helper to write them (@write) or to read them. No bytes are
 * always owned: an empty slice's pointer is dangling, and the helpers
 * touch nothing for them. A macro: the frame address must be the
 * helper's own. The program's stack, where keys and values mostly are, is
 * checked first and inline.
 */
#define rax_check_buf(p, len, write, helper)					\
	do {									\
		struct rax_frame *__frame = this_cpu_read(rax_cur_frame);	\
		void *__fp = __builtin_frame_address(0);			\
		size_t __len = (len);						\
		bool __w = (write);						\
										\
		if (unlikely(!rax_called_from(__frame->rp, __fp) ||		\
			     (__len && !rax_buf_on_stack(__frame, (p), __len, __fp) &&	\
			      !rax_buf_owned(__frame, (p), __len, __fp, __w))))		\
			rax_refuse_arg((helper), __w ? rax_bad_dst : rax_bad_src); \
	} while (0)

/*
 * Under a value's spin lock, interrupts are off and the lock may be one
 * another CPU waits for: a helper that takes a lock of its own could
 * deadlock (a hash map update takes the bucket's lock, while a BPF_F_LOCK
 * lookup-and-delete from userspace or eBPF takes the bucket's and then the
 * value's), and one that may sleep or send a packet must not run with
 * interrupts off. Every helper that takes a lock, or calls into code that
 * may, stops the program here; helpers.h lists those that do not.
 */
static __always_inline void rax_check_unlocked(const char *helper)
{
	const struct rax_frame *frame;

	/*
	 * A program nested in one that holds a lock (a kprobe on a function
	 * a helper allowed under the lock calls, a program in NMI) runs with
	 * that lock held too: every frame on this CPU counts.
	 */
	for (frame = this_cpu_read(rax_cur_frame); frame; frame = frame->prev)
		if (unlikely(rax_holds_kind(frame, RAX_HELD_LOCK)))
			rax_refuse_call(helper, "called while holding a spin lock",
					"called a helper that may take a lock while holding a spin lock");
}

/*
 * Whether @lock is the bpf_spin_lock of a value of one of the program's
 * lock maps, at that map's spin_lock_off (from the map's own BTF record,
 * which the load checked against the definition).
 */
static bool rax_lock_owned(const struct rax_prog *rp, const void *lock)
{
	u32 i;

	for (i = 0; i < rp->nmaps; i++) {
		struct bpf_map *map = rp->maps[i];
		long off = rax_map_lock_off(map);

		if (off >= 0 && rax_map_value_off(map, lock) == off)
			return true;
	}
	return false;
}

/*
 * The maps of keys and values a program reaches through the lookup,
 * update and delete helpers. The others keep other things in their
 * elements (a device, a CPU's queue, a perf event, stack traces, queued
 * values), which a program reaches only through their own helpers: their
 * lookup would hand it a kernel object, or an error pointer, as a value.
 */
static __always_inline bool rax_map_has_values(const struct bpf_map *map)
{
	switch (map->map_type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		return true;
	default:
		return false;
	}
}

/*
 * An LRU map's update and delete take its lists' raw spin locks, which
 * have no NMI guard: in NMI they could spin on a lock the interrupted
 * code holds on this CPU.
 */
static bool rax_map_lru_in_nmi(const struct bpf_map *map)
{
	return in_nmi() && (map->map_type == BPF_MAP_TYPE_LRU_HASH ||
			    map->map_type == BPF_MAP_TYPE_LRU_PERCPU_HASH);
}

/*
 * An element of an array or a per-CPU array, found as
 * array_map_lookup_elem() and percpu_array_map_lookup_elem() find it, in
 * place of the call through the map's ops: the verifier inlines the same
 * for eBPF (array_map_gen_lookup()). An index past the array is a miss;
 * the index mask bounds a mispredicted one.
 */
static __always_inline void *rax_array_lookup(struct bpf_map *map, u32 index)
{
	struct bpf_array *array = container_of(map, struct bpf_array, map);

	if (unlikely(index >= map->max_entries))
		return NULL;
	index &= array->index_mask;
	if (map->map_type == BPF_MAP_TYPE_PERCPU_ARRAY)
		return this_cpu_ptr(array->pptrs[index]);
	return array->value + (u64)array->elem_size * index;
}

/**
 * rax_map_lookup_elem() - Look a key up in a map.
 * @def: the map's definition in the program's .rax.maps section.
 * @key: key_size readable bytes.
 *
 * Return: the value, valid until the program returns, or NULL (always,
 * for a map without values: see rax_map_has_values()).
 */
void *rax_map_lookup_elem(const struct rax_map_def *def, const void *key)
{
	struct bpf_map *map = rax_def_map(def, __func__);

	rax_charge(map->key_size);
	if (!rax_map_has_values(map))
		return NULL;
	rax_check_buf(key, map->key_size, false, __func__);
	if (map->map_type == BPF_MAP_TYPE_ARRAY || map->map_type == BPF_MAP_TYPE_PERCPU_ARRAY)
		return rax_array_lookup(map, *(const u32 *)key);
	return map->ops->map_lookup_elem(map, (void *)key);
}

NOKPROBE_SYMBOL(rax_map_lookup_elem);

/**
 * rax_map_update_elem() - Insert or update an element of a map.
 * @def: the map's definition.
 * @key: key_size readable bytes.
 * @value: value_size readable bytes.
 * @flags: BPF_ANY, BPF_NOEXIST or BPF_EXIST.
 *
 * A call while the program holds a spin lock stops it (see
 * rax_check_unlocked()), and so does a @key or @value it does not own.
 *
 * Return: 0 or a negative errno, as bpf_map_update_elem() from eBPF
 * (-EINVAL for a map without values, -EBUSY for an LRU map in NMI).
 */
s64 rax_map_update_elem(const struct rax_map_def *def, const void *key,
			const void *value, u64 flags)
{
	struct bpf_map *map = rax_def_map(def, __func__);

	rax_charge((size_t)map->key_size + map->value_size);
	rax_check_unlocked(__func__);
	if (!rax_map_has_values(map))
		return -EINVAL;
	if (rax_map_lru_in_nmi(map))
		return -EBUSY;
	rax_check_buf(key, map->key_size, false, __func__);
	rax_check_buf(value, map->value_size, false, __func__);
	if (flags & ~(u64)(BPF_NOEXIST | BPF_EXIST))
		return -EINVAL;
	return map->ops->map_update_elem(map, (void *)key, (void *)value, flags);
}

NOKPROBE_SYMBOL(rax_map_update_elem);

/**
 * rax_map_delete_elem() - Delete an element of a map.
 * @def: the map's definition.
 * @key: key_size readable bytes.
 *
 * Return: 0 or a negative errno (-EINVAL for arrays and maps without
 * values, -EBUSY for an LRU map in NMI).
 */
s64 rax_map_delete_elem(const struct rax_map_def *def, const void *key)
{
	struct bpf_map *map = rax_def_map(def, __func__);

	rax_charge(map->key_size);
	rax_check_unlocked(__func__);
	if (!rax_map_has_values(map))
		return -EINVAL;
	if (rax_map_lru_in_nmi(map))
		return -EBUSY;
	rax_check_buf(key, map->key_size, false, __func__);
	return map->ops->map_delete_elem(map, (void *)key);
}

NOKPROBE_SYMBOL(rax_map_delete_elem);

/*
 * The compiler's ABI calls (helpers.h): the kernel's own functions,
 * after the call is counted against the budget by the bytes it is given.
 * A copy or a comparison of a large slice is one call of the program,
 * and can take longer than thousands of its loop iterations.
 */
void *rax_abi_memcpy(void *dst, const void *src, size_t n)
{
	rax_charge(n);
	return memcpy(dst, src, n);
}

NOKPROBE_SYMBOL(rax_abi_memcpy);

void *rax_abi_memmove(void *dst, const void *src, size_t n)
{
	rax_charge(n);
	return memmove(dst, src, n);
}

NOKPROBE_SYMBOL(rax_abi_memmove);

void *rax_abi_memset(void *dst, int c, size_t n)
{
	rax_charge(n);
	return memset(dst, c, n);
}

NOKPROBE_SYMBOL(rax_abi_memset);

int rax_abi_memcmp(const void *a, const void *b, size_t n)
{
	rax_charge(n);
	return memcmp(a, b, n);
}

NOKPROBE_SYMBOL(rax_abi_memcmp);

int rax_abi_bcmp(const void *a, const void *b, size_t n)
{
	rax_charge(n);
	return bcmp(a, b, n);
}

NOKPROBE_SYMBOL(rax_abi_bcmp);

/**
 * rax_ktime_get_ns() - Monotonic time, NMI safe.
 *
 * Return: nanoseconds since boot, not counting suspend.
 */
u64 rax_ktime_get_ns(void)
{
	rax_charge(0);
	return ktime_get_mono_fast_ns();
}

NOKPROBE_SYMBOL(rax_ktime_get_ns);

/**
 * rax_ktime_get_boot_ns() - Boot time, NMI safe.
 *
 * Return: nanoseconds since boot, counting suspend.
 */
u64 rax_ktime_get_boot_ns(void)
{
	rax_charge(0);
	return ktime_get_boot_fast_ns();
}

NOKPROBE_SYMBOL(rax_ktime_get_boot_ns);

/**
 * rax_get_prandom_u32() - A pseudo-random number, not for cryptography.
 *
 * Return: 32 pseudo-random bits from this CPU's generator.
 */
u32 rax_get_prandom_u32(void)
{
	rax_charge(0);
	return prandom_u32_state(this_cpu_ptr(&rax_rnd_state));
}

NOKPROBE_SYMBOL(rax_get_prandom_u32);

/**
 * rax_get_smp_processor_id() - The CPU the program runs on.
 *
 * Return: the CPU number; the dispatcher keeps the program on it.
 */
u32 rax_get_smp_processor_id(void)
{
	rax_charge(0);
	return smp_processor_id();
}

NOKPROBE_SYMBOL(rax_get_smp_processor_id);

/**
 * rax_trace_print() - Write bytes to the trace pipe.
 * @buf: @len readable bytes; never a format string.
 * @len: the number of bytes; at most 255 are written.
 *
 * The bytes appear in /sys/kernel/tracing/trace_pipe as a bpf_trace_printk
 * event, up to the first NUL.
 *
 * Return: the number of bytes written, or a negative errno.
 */
s64 rax_trace_print(const u8 *buf, u32 len)
{
	const struct bpf_func_proto *proto = READ_ONCE(rax_printk_proto);
	char tmp[256];

	rax_charge(len);
	rax_check_unlocked(__func__);
	if (!proto)
		return -ENOENT;
	len = min_t(u32, len, sizeof(tmp) - 1);
	rax_check_buf(buf, len, false, __func__);
	memcpy(tmp, buf, len);
	tmp[len] = '\0';
	return proto->func((unsigned long)"%s", sizeof("%s"), (unsigned long)tmp, 0, 0);
}

NOKPROBE_SYMBOL(rax_trace_print);

/**
 * rax_get_current_pid_tgid() - The current task's ids.
 *
 * Return: tgid << 32 | pid, in the initial pid namespace.
 */
u64 rax_get_current_pid_tgid(void)
{
	struct task_struct *task = current;

	rax_charge(0);
	return (u64)task->tgid << 32 | task->pid;
}

NOKPROBE_SYMBOL(rax_get_current_pid_tgid);

/**
 * rax_get_current_uid_gid() - The current task's credentials.
 *
 * Return: gid << 32 | uid, in the initial user namespace.
 */
u64 rax_get_current_uid_gid(void)
{
	kuid_t uid;
	kgid_t gid;

	rax_charge(0);
	current_uid_gid(&uid, &gid);
	return (u64)from_kgid(&init_user_ns, gid) << 32 |
	       from_kuid(&init_user_ns, uid);
}

NOKPROBE_SYMBOL(rax_get_current_uid_gid);

/**
 * rax_get_current_comm() - The current task's name.
 * @buf: @size writable bytes; filled and NUL-terminated.
 * @size: the size of @buf.
 *
 * Return: 0, or -EINVAL for a zero @size.
 */
s64 rax_get_current_comm(u8 *buf, u32 size)
{
	rax_charge(size);
	if (!size)
		return -EINVAL;
	rax_check_buf(buf, size, true, __func__);
	strscpy_pad(buf, current->comm, size);
	return 0;
}

NOKPROBE_SYMBOL(rax_get_current_comm);

/**
 * rax_probe_read_kernel() - Read kernel memory that may not be mapped.
 * @dst: @size writable bytes; zeroed on failure.
 * @size: the number of bytes.
 * @src: the kernel address to read.
 *
 * Refused under lockdown's confidentiality mode, as for eBPF.
 *
 * Return: 0, -EFAULT for an unreadable address, or -EPERM.
 */
s64 rax_probe_read_kernel(void *dst, u32 size, const void *src)
{
	long ret;

	rax_charge(size);
	rax_check_buf(dst, size, true, __func__);
	ret = security_locked_down(LOCKDOWN_BPF_READ_KERNEL);
	if (!ret)
		ret = copy_from_kernel_nofault(dst, src, size);
	if (ret)
		memset(dst, 0, size);
	return ret;
}

NOKPROBE_SYMBOL(rax_probe_read_kernel);

/**
 * rax_spin_lock() - Take a bpf_spin_lock in a map value.
 * @lock: the lock.
 *
 * For XDP and tc programs only, as the verifier keeps bpf_spin_lock from
 * tracing programs: one in NMI could spin on the lock the program it
 * interrupted holds. A @lock that is not the lock of a value of one of
 * the program's lock maps, at the map's spin_lock_off, stops the program
 * (a lock word it made itself could hang the CPU with interrupts off, or
 * send the qspinlock slow path through a pointer it computed). Disables
 * interrupts and takes the lock, which the
 * invocation's cleanup log records. An invocation holds at most one such lock at a time, as
 * an eBPF program does: taking a second one stops the program (it would
 * deadlock on the same lock, or could on another). A panic, or a return
 * with the lock held, releases it.
 */
void rax_spin_lock(u32 *lock)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	unsigned long flags;

	rax_charge(0);
	if (unlikely(!rax_lock_owned(frame->rp, lock)))
		rax_refuse_arg(__func__, "not the spin lock of a value of one of its lock maps");
	if (unlikely(rax_holds_kind(frame, RAX_HELD_LOCK)))
		rax_refuse_call(__func__, "a second spin lock",
				"took a second spin lock while holding one");
	if (unlikely(frame->nheld >= RAX_MAX_HELD))
		rax_refuse_call(__func__, "a full cleanup log",
				"holds too many resources to take a spin lock");
	local_irq_save(flags);
	arch_spin_lock((arch_spinlock_t *)lock);
	frame->lock_flags = flags;
	frame->locked_at = 0;	/* set by the next clock read (budget.c) */
	/* Cannot fail: the log had room above and nothing ran since. */
	rax_hold(frame, RAX_HELD_LOCK, lock);
}

NOKPROBE_SYMBOL(rax_spin_lock);

/**
 * rax_spin_unlock() - Release the lock taken by rax_spin_lock().
 * @lock: the lock.
 *
 * Releasing a lock the invocation does not hold stops the program.
 */
void rax_spin_unlock(u32 *lock)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);

	rax_charge(0);
	if (unlikely(!rax_unhold(frame, RAX_HELD_LOCK, lock)))
		rax_refuse_call(__func__, "a lock it does not hold",
				"released a spin lock it does not hold");
	arch_spin_unlock((arch_spinlock_t *)lock);
	local_irq_restore(frame->lock_flags);
}

NOKPROBE_SYMBOL(rax_spin_unlock);

/**
 * rax_ringbuf_reserve() - Reserve a record in a ring buffer.
 * @def: the definition of a BPF_MAP_TYPE_RINGBUF map.
 * @size: the record's size.
 * @flags: 0.
 *
 * As bpf_ringbuf_reserve() from eBPF; the record enters the invocation's
 * cleanup log until it is submitted or discarded, and is discarded if the
 * program stops or returns first.
 *
 * Return: the record (8-byte aligned, @size writable bytes, not
 * initialised), or NULL when the map is not a ring buffer, it has no
 * room, @flags is not 0 or the invocation holds too much.
 */
void *rax_ringbuf_reserve(const struct rax_map_def *def, u64 size, u64 flags)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	struct bpf_map *map = rax_def_map(def, __func__);
	void *rec;

	rax_charge(0);
	rax_check_unlocked(__func__);
	if (map->map_type != BPF_MAP_TYPE_RINGBUF || frame->nheld >= RAX_MAX_HELD)
		return NULL;
	rec = (void *)(unsigned long)
		bpf_ringbuf_reserve_proto.func((unsigned long)map, size, flags, 0, 0);
	if (rec) {
		rax_hold(frame, RAX_HELD_RINGBUF, rec);
		frame->held[frame->nheld - 1].size = size;
	}
	return rec;
}

NOKPROBE_SYMBOL(rax_ringbuf_reserve);

/**
 * rax_ringbuf_submit() - Publish a record reserved by rax_ringbuf_reserve().
 * @rec: the record.
 * @flags: 0, BPF_RB_NO_WAKEUP or BPF_RB_FORCE_WAKEUP.
 *
 * A record the invocation does not hold stops the program.
 */
void rax_ringbuf_submit(void *rec, u64 flags)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);

	rax_charge(0);
	rax_check_unlocked(__func__);
	if (!rax_unhold(frame, RAX_HELD_RINGBUF, rec))
		rax_refuse_call(__func__, "a record it does not hold",
				"submitted a ring buffer record it does not hold");
	bpf_ringbuf_submit_proto.func((unsigned long)rec, flags, 0, 0, 0);
}

NOKPROBE_SYMBOL(rax_ringbuf_submit);

/**
 * rax_ringbuf_discard() - Drop a record reserved by rax_ringbuf_reserve().
 * @rec: the record.
 * @flags: 0, BPF_RB_NO_WAKEUP or BPF_RB_FORCE_WAKEUP.
 *
 * A record the invocation does not hold stops the program.
 */
void rax_ringbuf_discard(void *rec, u64 flags)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);

	rax_charge(0);
	rax_check_unlocked(__func__);
	if (!rax_unhold(frame, RAX_HELD_RINGBUF, rec))
		rax_refuse_call(__func__, "a record it does not hold",
				"discarded a ring buffer record it does not hold");
	bpf_ringbuf_discard_proto.func((unsigned long)rec, flags, 0, 0, 0);
}

NOKPROBE_SYMBOL(rax_ringbuf_discard);

/**
 * rax_ringbuf_output() - Copy a record into a ring buffer.
 * @def: the definition of a BPF_MAP_TYPE_RINGBUF map.
 * @data: @size readable bytes.
 * @size: the record's size.
 * @flags: 0, BPF_RB_NO_WAKEUP or BPF_RB_FORCE_WAKEUP.
 *
 * Return: 0, -EINVAL if the map is not a ring buffer or @flags is
 * invalid, -EAGAIN when it has no room.
 */
s64 rax_ringbuf_output(const struct rax_map_def *def, const void *data,
		       u64 size, u64 flags)
{
	struct bpf_map *map = rax_def_map(def, __func__);

	rax_charge(size);
	rax_check_unlocked(__func__);
	if (map->map_type != BPF_MAP_TYPE_RINGBUF)
		return -EINVAL;
	rax_check_buf(data, size, false, __func__);
	return bpf_ringbuf_output_proto.func((unsigned long)map, (unsigned long)data,
					     size, flags, 0);
}

NOKPROBE_SYMBOL(rax_ringbuf_output);

/*
 * A task reference is a count on rcu_users, as bpf_task_acquire() takes:
 * the last put frees the task through call_rcu(), which NMI context must
 * not call. So no reference is taken in NMI, and none can be put there.
 */
static struct task_struct *rax_task_hold(struct rax_frame *frame,
					 struct task_struct *task)
{
	if (!task || !refcount_inc_not_zero(&task->rcu_users))
		return NULL;
	rax_hold(frame, RAX_HELD_TASK, task);
	return task;
}

/**
 * rax_task_acquire_current() - Take a reference on the current task.
 *
 * The reference enters the invocation's cleanup log until
 * rax_task_release(); a panic or a return puts it.
 *
 * Return: the task, or NULL in NMI context, for an exiting task, or when
 * the invocation holds too much.
 */
struct task_struct *rax_task_acquire_current(void)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);

	rax_charge(0);
	rax_check_unlocked(__func__);
	if (in_nmi() || frame->nheld >= RAX_MAX_HELD)
		return NULL;
	return rax_task_hold(frame, current);
}

NOKPROBE_SYMBOL(rax_task_acquire_current);

/**
 * rax_task_from_pid() - Take a reference on a task by its pid.
 * @pid: a pid in the initial pid namespace.
 *
 * As rax_task_acquire_current(), for the task with pid @pid.
 *
 * Return: the task, or NULL if there is none, in NMI context, or when
 * the invocation holds too much.
 */
struct task_struct *rax_task_from_pid(s32 pid)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	struct task_struct *task;

	rax_charge(0);
	rax_check_unlocked(__func__);
	if (in_nmi() || frame->nheld >= RAX_MAX_HELD)
		return NULL;
	rcu_read_lock();
	task = rax_task_hold(frame, find_task_by_pid_ns(pid, &init_pid_ns));
	rcu_read_unlock();
	return task;
}

NOKPROBE_SYMBOL(rax_task_from_pid);

/* Stops the program, naming @helper, unless it holds a reference on @task. */
static void rax_task_check(const struct task_struct *task, const char *helper)
{
	if (rax_held_find(this_cpu_read(rax_cur_frame), RAX_HELD_TASK, task) < 0)
		rax_refuse_call(helper, "a task it holds no reference on",
				"used a task it holds no reference on");
}

NOKPROBE_SYMBOL(rax_task_check);

/**
 * rax_task_release() - Put a task reference taken by this invocation.
 * @task: the task.
 *
 * A task the invocation holds no reference on stops the program.
 */
void rax_task_release(struct task_struct *task)
{
	rax_charge(0);
	rax_check_unlocked(__func__);
	if (!rax_unhold(this_cpu_read(rax_cur_frame), RAX_HELD_TASK, task))
		rax_refuse_call(__func__, "a task it holds no reference on",
				"released a task it holds no reference on");
	put_task_struct_rcu_user(task);
}

NOKPROBE_SYMBOL(rax_task_release);

/**
 * rax_task_pid_tgid() - A referenced task's ids.
 * @task: a task this invocation holds a reference on.
 *
 * Return: tgid << 32 | pid, in the initial pid namespace.
 */
u64 rax_task_pid_tgid(const struct task_struct *task)
{
	rax_charge(0);
	rax_task_check(task, __func__);
	return (u64)task->tgid << 32 | (u32)task->pid;
}

NOKPROBE_SYMBOL(rax_task_pid_tgid);

/**
 * rax_task_comm() - A referenced task's name.
 * @task: a task this invocation holds a reference on.
 * @buf: @size writable bytes; filled and NUL-terminated.
 * @size: the size of @buf.
 *
 * Return: 0, or -EINVAL for a zero @size.
 */
s64 rax_task_comm(const struct task_struct *task, u8 *buf, u32 size)
{
	rax_charge(size);
	rax_task_check(task, __func__);
	if (!size)
		return -EINVAL;
	rax_check_buf(buf, size, true, __func__);
	strscpy_pad(buf, task->comm, size);
	return 0;
}

NOKPROBE_SYMBOL(rax_task_comm);

/*
 * Point @tc at @skb's data again, after a helper that may have moved it
 * (reallocated the head to unclone it).
 */
static __always_inline void rax_tc_reload(struct rax_tc_ctx *tc, const struct sk_buff *skb)
{
	tc->data = (unsigned long)skb->data;
	tc->data_end = (unsigned long)skb->data + skb_headlen(skb);
	tc->len = skb->len;
}

/**
 * rax_clone_redirect() - Send a clone of a tc program's packet to a device.
 * @tc: the program's context.
 * @ifindex: the device, in the packet's network namespace.
 * @flags: 0 to transmit the clone on the device (its tc egress programs
 *	run first, nested in this one, on the next Rax stack), BPF_F_INGRESS
 *	to receive it there.
 *
 * As bpf_clone_redirect() from eBPF, which it calls. Like that helper it
 * may move the packet's data: @tc's data, data_end and len are updated,
 * and the crate has the program give up every slice of the packet first.
 * A context other than the program's own stops the program, and so does
 * a call under a spin lock (interrupts are off there, as the transmit
 * path must not have them), as the verifier refuses it for eBPF.
 *
 * Return: 0, or a negative errno from bpf_clone_redirect() (-EINVAL for an
 * unknown device or invalid @flags).
 */
s64 rax_clone_redirect(struct rax_tc_ctx *tc, u32 ifindex, u64 flags)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	struct sk_buff *skb = frame->skb;
	s64 ret;

	rax_charge(0);
	if (tc != frame->tc)
		rax_refuse_call(__func__, "a tc context that is not its own",
				"passed a tc context that is not its own");
	/* Transmitting ends with local_bh_enable(), not for irqs off. */
	rax_check_unlocked(__func__);
	ret = rax_clone_redirect_proto->func((unsigned long)skb, ifindex, flags, 0, 0);
	rax_tc_reload(tc, skb);
	return ret;
}

NOKPROBE_SYMBOL(rax_clone_redirect);

/**
 * rax_tc_make_writable() - Make a tc program's packet data writable.
 * @tc: the program's context.
 *
 * A tc program's packet may share its linear data with clones (a packet
 * socket's copy, a clone on its way to another device), which the program
 * must not change. The rax crate calls this before it first hands out the
 * packet for writing, as the verifier gives an eBPF program that writes
 * the packet an unclone prologue: the linear data is copied if it is
 * shared (skb_ensure_writable()), which moves it, so @tc's data, data_end
 * and len are updated. Programs that only read pay nothing. A context
 * other than the program's own stops the program, and so does a call
 * under a spin lock (it allocates).
 *
 * Return: 0, or -ENOMEM when the data could not be copied (it stays
 * shared, and the crate keeps it read-only).
 */
s64 rax_tc_make_writable(struct rax_tc_ctx *tc)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	struct sk_buff *skb = frame->skb;
	int err;

	rax_charge(0);
	if (tc != frame->tc)
		rax_refuse_call(__func__, "a tc context that is not its own",
				"passed a tc context that is not its own");
	rax_check_unlocked(__func__);
	err = skb_ensure_writable(skb, skb_headlen(skb));
	rax_tc_reload(tc, skb);
	return err;
}

NOKPROBE_SYMBOL(rax_tc_make_writable);

/* Whether @map keeps its values in a queue or a stack. */
static bool rax_map_is_queue(const struct bpf_map *map)
{
	return map->map_type == BPF_MAP_TYPE_QUEUE || map->map_type == BPF_MAP_TYPE_STACK;
}

/**
 * rax_map_push_elem() - Push a value onto a queue or a stack.
 * @def: the definition of a BPF_MAP_TYPE_QUEUE or BPF_MAP_TYPE_STACK map.
 * @value: value_size readable bytes.
 * @flags: 0, or BPF_EXIST to drop the oldest value when the map is full.
 *
 * As bpf_map_push_elem() from eBPF. The map's lock makes a call under a
 * spin lock stop the program.
 *
 * Return: 0, -E2BIG when the map is full, -EBUSY when its lock is held
 * by the context this one interrupted, -EINVAL for another map type or
 * invalid @flags.
 */
s64 rax_map_push_elem(const struct rax_map_def *def, const void *value, u64 flags)
{
	struct bpf_map *map = rax_def_map(def, __func__);

	rax_charge(map->value_size);
	rax_check_unlocked(__func__);
	if (!rax_map_is_queue(map))
		return -EINVAL;
	rax_check_buf(value, map->value_size, false, __func__);
	return map->ops->map_push_elem(map, (void *)value, flags);
}

NOKPROBE_SYMBOL(rax_map_push_elem);

/**
 * rax_map_pop_elem() - Take the next value off a queue or a stack.
 * @def: the definition of a BPF_MAP_TYPE_QUEUE or BPF_MAP_TYPE_STACK map.
 * @value: value_size writable bytes, written only on success.
 *
 * Return: 0, -ENOENT when the map is empty, -EBUSY or -EINVAL as for
 * rax_map_push_elem().
 */
s64 rax_map_pop_elem(const struct rax_map_def *def, void *value)
{
	struct bpf_map *map = rax_def_map(def, __func__);

	rax_charge(map->value_size);
	rax_check_unlocked(__func__);
	if (!rax_map_is_queue(map))
		return -EINVAL;
	rax_check_buf(value, map->value_size, true, __func__);
	return map->ops->map_pop_elem(map, value);
}

NOKPROBE_SYMBOL(rax_map_pop_elem);

/**
 * rax_map_peek_elem() - Copy the next value of a queue or a stack.
 * @def: the definition of a BPF_MAP_TYPE_QUEUE or BPF_MAP_TYPE_STACK map.
 * @value: value_size writable bytes, written only on success.
 *
 * As rax_map_pop_elem(), leaving the value in the map.
 *
 * Return: as rax_map_pop_elem().
 */
s64 rax_map_peek_elem(const struct rax_map_def *def, void *value)
{
	struct bpf_map *map = rax_def_map(def, __func__);

	rax_charge(map->value_size);
	rax_check_unlocked(__func__);
	if (!rax_map_is_queue(map))
		return -EINVAL;
	rax_check_buf(value, map->value_size, true, __func__);
	return map->ops->map_peek_elem(map, value);
}

NOKPROBE_SYMBOL(rax_map_peek_elem);

/*
 * The tracing helpers that need the hook's registers are eBPF's own, one
 * per program type, which find them in the context as eBPF's do: a
 * kprobe's pt_regs, the pointer a tracepoint's record starts with, a perf
 * event's sample data. Rax passes them the context the hook gave the
 * program (frame->ctx), never one the program names.
 */
enum { RAX_TP_OUTPUT, RAX_TP_STACKID, RAX_TP_STACK, RAX_TP_NPROTOS };

/* The largest raw record: a u16 size, less room for the sample's headers. */
#define RAX_PERF_RECORD_MAX	0xff00
static const struct bpf_func_proto *rax_tracing_protos[3][RAX_TP_NPROTOS] __ro_after_init;
static const struct bpf_func_proto *rax_send_signal_proto __ro_after_init;
static const struct bpf_func_proto *rax_override_return_proto __ro_after_init;

static const struct bpf_func_proto *
rax_tracing_proto(const struct rax_frame *frame, unsigned int which, const char *helper)
{
	const struct bpf_func_proto *proto = NULL;

	switch (frame->rp->prog_type) {
	case BPF_PROG_TYPE_KPROBE:
		proto = rax_tracing_protos[0][which];
		break;
	case BPF_PROG_TYPE_TRACEPOINT:
		proto = rax_tracing_protos[1][which];
		break;
	case BPF_PROG_TYPE_PERF_EVENT:
		proto = rax_tracing_protos[2][which];
		break;
	default:
		break;
	}
	/* The helper list keeps these from other program types. */
	if (unlikely(!proto))
		rax_refuse_call(helper, "not a tracing program",
				"called a tracing helper outside a tracing program");
	return proto;
}

NOKPROBE_SYMBOL(rax_tracing_proto);

/**
 * rax_perf_event_output() - Send a record to a perf event's ring buffer.
 * @def: the definition of a BPF_MAP_TYPE_PERF_EVENT_ARRAY map.
 * @flags: the index of the perf event in the map, or BPF_F_CURRENT_CPU.
 * @data: @size readable bytes, the record's raw data.
 * @size: the size of the record.
 *
 * As bpf_perf_event_output() from a tracing eBPF program, which it calls
 * with the program's own context: the record is a PERF_SAMPLE_RAW sample
 * of the perf event userspace put at that index (a
 * PERF_COUNT_SW_BPF_OUTPUT event on that CPU).
 *
 * Return: 0, -EINVAL for another map type, invalid @flags or an index
 * out of range, -E2BIG for more than RAX_PERF_RECORD_MAX bytes, -ENOENT
 * when no event is at the index, -EOPNOTSUPP for an event on another
 * CPU, -EBUSY when nested too deeply.
 */
s64 rax_perf_event_output(const struct rax_map_def *def, u64 flags, const void *data,
			  u64 size)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	struct bpf_map *map = rax_def_map(def, __func__);
	const struct bpf_func_proto *proto = rax_tracing_proto(frame, RAX_TP_OUTPUT, __func__);

	rax_charge(size);
	rax_check_unlocked(__func__);
	if (map->map_type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return -EINVAL;
	/* A record's header holds its size in 16 bits, headers included. */
	if (size > RAX_PERF_RECORD_MAX)
		return -E2BIG;
	rax_check_buf(data, size, false, __func__);
	return proto->func((unsigned long)frame->ctx, (unsigned long)map, flags,
			   (unsigned long)data, size);
}

NOKPROBE_SYMBOL(rax_perf_event_output);

/**
 * rax_get_stackid() - Record the current stack trace in a stack trace map.
 * @def: the definition of a BPF_MAP_TYPE_STACK_TRACE map.
 * @flags: frames to skip (BPF_F_SKIP_FIELD_MASK), BPF_F_USER_STACK for
 *	the user stack, BPF_F_FAST_STACK_CMP, BPF_F_REUSE_STACKID.
 *
 * As bpf_get_stackid() from a tracing eBPF program, with the program's
 * own context.
 *
 * Return: the stack's id (the key of its entry) or a negative errno:
 * -EINVAL for another map type or invalid @flags, -EFAULT when there is
 * no stack, -EEXIST for a hash collision without BPF_F_REUSE_STACKID,
 * -ENOMEM when the map is full.
 */
s64 rax_get_stackid(const struct rax_map_def *def, u64 flags)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	struct bpf_map *map = rax_def_map(def, __func__);
	const struct bpf_func_proto *proto = rax_tracing_proto(frame, RAX_TP_STACKID, __func__);

	rax_charge(0);
	rax_check_unlocked(__func__);
	if (map->map_type != BPF_MAP_TYPE_STACK_TRACE)
		return -EINVAL;
	return proto->func((unsigned long)frame->ctx, (unsigned long)map, flags, 0, 0);
}

NOKPROBE_SYMBOL(rax_get_stackid);

/**
 * rax_get_stack() - Copy the current stack trace into a buffer.
 * @buf: @size writable bytes.
 * @size: the size of @buf.
 * @flags: frames to skip (BPF_F_SKIP_FIELD_MASK), BPF_F_USER_STACK for
 *	the user stack, BPF_F_USER_BUILD_ID.
 *
 * As bpf_get_stack() from a tracing eBPF program, with the program's own
 * context; the rest of @buf is zeroed.
 *
 * Return: the number of bytes written (a multiple of 8), or a negative
 * errno (-EINVAL for invalid @flags, -EFAULT when there is no stack).
 */
s64 rax_get_stack(void *buf, u32 size, u64 flags)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	const struct bpf_func_proto *proto = rax_tracing_proto(frame, RAX_TP_STACK, __func__);

	rax_charge(size);
	rax_check_unlocked(__func__);
	rax_check_buf(buf, size, true, __func__);
	return proto->func((unsigned long)frame->ctx, (unsigned long)buf, size, flags, 0);
}

NOKPROBE_SYMBOL(rax_get_stack);

/**
 * rax_probe_read_user() - Read user memory of the current task.
 * @dst: @size writable bytes; zeroed on failure.
 * @size: the number of bytes.
 * @src: the user address to read.
 *
 * Return: 0, or -EFAULT when the memory is not mapped or would fault.
 */
s64 rax_probe_read_user(void *dst, u32 size, const void __user *src)
{
	long ret;

	rax_charge(size);
	rax_check_buf(dst, size, true, __func__);
	ret = copy_from_user_nofault(dst, src, size);
	if (ret)
		memset(dst, 0, size);
	return ret;
}

NOKPROBE_SYMBOL(rax_probe_read_user);

/**
 * rax_probe_read_user_str() - Read a string from user memory.
 * @dst: @size writable bytes; NUL-terminated, zeroed on failure.
 * @size: the size of @dst.
 * @src: the user address of the string.
 *
 * Return: the length of the string copied, including its NUL, or
 * -EFAULT (0 for a zero @size).
 */
s64 rax_probe_read_user_str(void *dst, u32 size, const void __user *src)
{
	long ret;

	rax_charge(size);
	if (!size)
		return 0;
	rax_check_buf(dst, size, true, __func__);
	ret = strncpy_from_user_nofault(dst, src, size);
	if (ret < 0)
		memset(dst, 0, size);
	return ret;
}

NOKPROBE_SYMBOL(rax_probe_read_user_str);

/**
 * rax_probe_read_kernel_str() - Read a string from kernel memory.
 * @dst: @size writable bytes; NUL-terminated, zeroed on failure.
 * @size: the size of @dst.
 * @src: the kernel address of the string.
 *
 * Refused under lockdown's confidentiality mode, as for eBPF.
 *
 * Return: the length of the string copied, including its NUL, -EFAULT or
 * -EPERM (0 for a zero @size).
 */
s64 rax_probe_read_kernel_str(void *dst, u32 size, const void *src)
{
	long ret;

	rax_charge(size);
	if (!size)
		return 0;
	rax_check_buf(dst, size, true, __func__);
	ret = security_locked_down(LOCKDOWN_BPF_READ_KERNEL);
	if (!ret)
		ret = strncpy_from_kernel_nofault(dst, src, size);
	if (ret < 0)
		memset(dst, 0, size);
	return ret;
}

NOKPROBE_SYMBOL(rax_probe_read_kernel_str);

/**
 * rax_jiffies64() - The jiffies counter.
 *
 * Return: jiffies since boot, 64 bits.
 */
u64 rax_jiffies64(void)
{
	rax_charge(0);
	return get_jiffies_64();
}

NOKPROBE_SYMBOL(rax_jiffies64);

/**
 * rax_get_numa_node_id() - The NUMA node of the CPU the program runs on.
 *
 * Return: the node's id (0 without NUMA).
 */
s64 rax_get_numa_node_id(void)
{
	rax_charge(0);
	return numa_node_id();
}

NOKPROBE_SYMBOL(rax_get_numa_node_id);

/**
 * rax_send_signal() - Send a signal to the current process.
 * @sig: the signal.
 *
 * As bpf_send_signal() from eBPF, which it calls: the signal goes to the
 * current task's thread group, later (from an irq_work) when interrupts
 * are off.
 *
 * Return: 0, -EINVAL for an invalid @sig, -EPERM for a kernel thread, an
 * exiting task or init, -EBUSY when the deferred signal is still pending.
 */
s64 rax_send_signal(u32 sig)
{
	rax_charge(0);
	rax_check_unlocked(__func__);
	if (unlikely(!rax_send_signal_proto))
		rax_refuse_call(__func__, "not a tracing program",
				"called a tracing helper outside a tracing program");
	return rax_send_signal_proto->func(sig, 0, 0, 0, 0);
}

NOKPROBE_SYMBOL(rax_send_signal);

/**
 * rax_override_return() - Have the probed function return @rc at once.
 * @rc: the return value.
 *
 * For kprobe programs on the entry of a function that allows error
 * injection (ALLOW_ERROR_INJECTION()): the load marks a program that
 * imports it (prog->kprobe_override), and attaching it anywhere else
 * fails with -EINVAL, as for eBPF. The override is made when the program
 * returns (rax_override_apply()), not here: the registers are the
 * program's context, which it may be reading through a reference, and a
 * program that panics afterwards changes nothing. The last call wins.
 *
 * Return: 0.
 */
s64 rax_override_return(u64 rc)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);

	rax_charge(0);
	if (unlikely(frame->rp->prog_type != BPF_PROG_TYPE_KPROBE || !rax_override_return_proto))
		rax_refuse_call(__func__, "not a kprobe program",
				"overrode a return outside a kprobe program");
	frame->override_rc = rc;
	frame->override = true;
	return 0;
}

NOKPROBE_SYMBOL(rax_override_return);

/**
 * rax_override_apply() - Make the override a kprobe program asked for.
 * @frame: the program's frame, after it returned without a panic.
 *
 * As bpf_override_return(), which it calls, with the program's registers:
 * the probed function returns override_rc without running.
 */
void rax_override_apply(struct rax_frame *frame)
{
	rax_override_return_proto->func((unsigned long)frame->ctx, frame->override_rc, 0, 0, 0);
}

NOKPROBE_SYMBOL(rax_override_apply);

/**
 * rax_get_current_cgroup_id() - The current task's cgroup, on the default
 * hierarchy.
 *
 * Return: the cgroup's id (its inode number in cgroupfs), or 0 without
 * cgroups.
 */
u64 rax_get_current_cgroup_id(void)
{
	rax_charge(0);
#ifdef CONFIG_CGROUPS
	return bpf_get_current_cgroup_id_proto.func(0, 0, 0, 0, 0);
#else
	return 0;
#endif
}

NOKPROBE_SYMBOL(rax_get_current_cgroup_id);

/**
 * rax_task_acquire_parent() - Take a reference on a task's parent.
 * @task: a task this invocation holds a reference on.
 *
 * As rax_task_acquire_current(), for the task's real parent (the process
 * that forked it, or the reaper that adopted it).
 *
 * Return: the parent, or NULL in NMI context, for a task already
 * released or a parent that is exiting, or when the invocation holds too
 * much.
 */
struct task_struct *rax_task_acquire_parent(const struct task_struct *task)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	struct task_struct *parent;

	rax_charge(0);
	rax_task_check(task, __func__);
	rax_check_unlocked(__func__);
	if (in_nmi() || frame->nheld >= RAX_MAX_HELD)
		return NULL;
	rcu_read_lock();
	/* Once released, a task's real_parent is no longer kept valid. */
	parent = pid_alive(task) ?
		 rax_task_hold(frame, rcu_dereference(task->real_parent)) : NULL;
	rcu_read_unlock();
	return parent;
}

NOKPROBE_SYMBOL(rax_task_acquire_parent);

/*
 * The packet helpers are eBPF's own for XDP and tc, found at init (their
 * get_func_proto() does not look at the program for these) and called
 * with the hook's context: the xdp_buff, or the sk_buff behind a tc
 * program's rax_tc_ctx.
 */
enum {
	RAX_NP_XDP_ADJUST_HEAD, RAX_NP_XDP_ADJUST_TAIL, RAX_NP_XDP_ADJUST_META,
	RAX_NP_XDP_REDIRECT, RAX_NP_XDP_REDIRECT_MAP, RAX_NP_XDP_FIB_LOOKUP,
	RAX_NP_CSUM_DIFF, RAX_NP_TC_REDIRECT, RAX_NP_TC_FIB_LOOKUP,
	RAX_NP_TC_STORE_BYTES, RAX_NP_TC_LOAD_BYTES, RAX_NP_TC_L3_CSUM,
	RAX_NP_TC_L4_CSUM, RAX_NP_TC_CHANGE_TAIL, RAX_NP_NPROTOS
};

static const struct bpf_func_proto *rax_net_protos[RAX_NP_NPROTOS] __ro_after_init;

static u64 rax_net_call(unsigned int which, u64 a, u64 b, u64 c, u64 d, u64 e)
{
	return rax_net_protos[which]->func(a, b, c, d, e);
}

/* Stops the program unless @xdp is the context of the XDP program running. */
static void rax_xdp_check(const struct rax_frame *frame, const struct xdp_buff *xdp,
			  const char *helper)
{
	if (unlikely(frame->rp->prog_type != BPF_PROG_TYPE_XDP || xdp != frame->ctx))
		rax_refuse_call(helper, "not its own XDP context",
				"passed an XDP context that is not its own");
}

NOKPROBE_SYMBOL(rax_xdp_check);

/* Stops the program unless @tc is the context of the tc program running. */
static void rax_tc_check(const struct rax_frame *frame, const struct rax_tc_ctx *tc,
			 const char *helper)
{
	if (unlikely(!frame->skb || tc != frame->tc))
		rax_refuse_call(helper, "not its own tc context",
				"passed a tc context that is not its own");
}

NOKPROBE_SYMBOL(rax_tc_check);

/**
 * rax_xdp_adjust_head() - Move the start of an XDP program's packet.
 * @xdp: the program's context.
 * @delta: bytes to take off the front (negative: to add, from the headroom).
 *
 * As bpf_xdp_adjust_head(), which it calls. The crate re-derives every
 * slice of the packet from the context afterwards (the call takes the
 * context mutably, so none lives across it).
 *
 * Return: 0, or -EINVAL when the packet would leave its buffer or become
 * shorter than an Ethernet header.
 */
s64 rax_xdp_adjust_head(struct xdp_buff *xdp, s32 delta)
{
	rax_charge(0);
	rax_xdp_check(this_cpu_read(rax_cur_frame), xdp, __func__);
	rax_check_unlocked(__func__);
	return rax_net_call(RAX_NP_XDP_ADJUST_HEAD, (unsigned long)xdp, (u32)delta, 0, 0, 0);
}

NOKPROBE_SYMBOL(rax_xdp_adjust_head);

/**
 * rax_xdp_adjust_tail() - Move the end of an XDP program's packet.
 * @xdp: the program's context.
 * @delta: bytes to add at the end (negative: to cut).
 *
 * As bpf_xdp_adjust_tail(), which it calls; as rax_xdp_adjust_head() for
 * the slices.
 *
 * Return: 0, or -EINVAL when the packet would leave its buffer or become
 * shorter than an Ethernet header.
 */
s64 rax_xdp_adjust_tail(struct xdp_buff *xdp, s32 delta)
{
	rax_charge(0);
	rax_xdp_check(this_cpu_read(rax_cur_frame), xdp, __func__);
	rax_check_unlocked(__func__);
	return rax_net_call(RAX_NP_XDP_ADJUST_TAIL, (unsigned long)xdp, (u32)delta, 0, 0, 0);
}

NOKPROBE_SYMBOL(rax_xdp_adjust_tail);

/**
 * rax_xdp_adjust_meta() - Move the start of an XDP packet's metadata.
 * @xdp: the program's context.
 * @delta: bytes to take off the metadata (negative: to add, at most 32
 *	in all, a multiple of 4).
 *
 * As bpf_xdp_adjust_meta(), which it calls; as rax_xdp_adjust_head() for
 * the slices.
 *
 * Return: 0, -EINVAL for a size the metadata cannot have, -ENOTSUPP when
 * the driver gives none.
 */
s64 rax_xdp_adjust_meta(struct xdp_buff *xdp, s32 delta)
{
	rax_charge(0);
	rax_xdp_check(this_cpu_read(rax_cur_frame), xdp, __func__);
	rax_check_unlocked(__func__);
	return rax_net_call(RAX_NP_XDP_ADJUST_META, (unsigned long)xdp, (u32)delta, 0, 0, 0);
}

NOKPROBE_SYMBOL(rax_xdp_adjust_meta);

/**
 * rax_redirect() - Send the packet to a device once the program returns.
 * @ifindex: the device.
 * @flags: BPF_F_INGRESS (tc only: receive it there instead of sending).
 *
 * As bpf_redirect() from XDP or tc, which it calls: the program must
 * then return XDP_REDIRECT or TC_ACT_REDIRECT, which this returns.
 *
 * Return: XDP_REDIRECT or TC_ACT_REDIRECT, or XDP_ABORTED or TC_ACT_SHOT
 * for invalid @flags or where there is no redirecting (no net context:
 * a classifier under a classful qdisc).
 */
s64 rax_redirect(u32 ifindex, u64 flags)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);

	rax_charge(0);
	rax_check_unlocked(__func__);
	/*
	 * The redirect target lives in the net context the XDP and tc
	 * hooks set up; a classifier under a classful qdisc runs without.
	 */
	if (unlikely(!bpf_net_ctx_get()))
		return frame->skb ? TC_ACT_SHOT : XDP_ABORTED;
	return rax_net_call(frame->skb ? RAX_NP_TC_REDIRECT : RAX_NP_XDP_REDIRECT, ifindex,
			    flags, 0, 0, 0);
}

NOKPROBE_SYMBOL(rax_redirect);

/**
 * rax_redirect_map() - Send an XDP packet through a device or CPU map.
 * @def: the definition of a BPF_MAP_TYPE_DEVMAP or BPF_MAP_TYPE_CPUMAP.
 * @key: the slot.
 * @flags: what to return when the slot is empty (XDP_ABORTED to
 *	XDP_TX), BPF_F_BROADCAST and BPF_F_EXCLUDE_INGRESS for a devmap.
 *
 * As bpf_redirect_map() from XDP, which it calls.
 *
 * Return: XDP_REDIRECT, the action in @flags' low bits for an empty slot,
 * or XDP_ABORTED for another map type.
 */
s64 rax_redirect_map(const struct rax_map_def *def, u64 key, u64 flags)
{
	struct bpf_map *map = rax_def_map(def, __func__);

	rax_charge(0);
	rax_check_unlocked(__func__);
	if ((map->map_type != BPF_MAP_TYPE_DEVMAP && map->map_type != BPF_MAP_TYPE_CPUMAP) ||
	    unlikely(!bpf_net_ctx_get()))
		return XDP_ABORTED;
	return rax_net_call(RAX_NP_XDP_REDIRECT_MAP, (unsigned long)map, key, flags, 0, 0);
}

NOKPROBE_SYMBOL(rax_redirect_map);

/**
 * rax_fib_lookup() - Look a route and its next hop up in the FIB.
 * @params: a struct bpf_fib_lookup, read and written (through a copy).
 * @plen: its size: at least that of the struct, whose bytes alone are used.
 * @flags: BPF_FIB_LOOKUP_DIRECT, BPF_FIB_LOOKUP_OUTPUT, ...
 *
 * As bpf_fib_lookup() from XDP or tc, which it calls with the program's
 * packet (its device and network namespace).
 *
 * Return: a BPF_FIB_LKUP_RET_* code, or a negative errno.
 */
s64 rax_fib_lookup(void *params, u32 plen, u64 flags)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	struct bpf_fib_lookup copy;
	s64 ret;

	rax_charge(0);
	rax_check_unlocked(__func__);
	if (plen < sizeof(copy))
		return -EINVAL;
	rax_check_buf(params, sizeof(copy), true, __func__);
	/*
	 * The lookup writes fields and reads them back (the egress
	 * device's ifindex): it works on a copy no one else can change
	 * meanwhile, as the program's buffer may be a map value userspace
	 * writes.
	 */
	memcpy(&copy, params, sizeof(copy));
	if (frame->skb)
		ret = rax_net_call(RAX_NP_TC_FIB_LOOKUP, (unsigned long)frame->skb,
				   (unsigned long)&copy, sizeof(copy), flags, 0);
	else
		ret = rax_net_call(RAX_NP_XDP_FIB_LOOKUP, (unsigned long)frame->ctx,
				   (unsigned long)&copy, sizeof(copy), flags, 0);
	memcpy(params, &copy, sizeof(copy));
	return ret;
}

NOKPROBE_SYMBOL(rax_fib_lookup);

/**
 * rax_csum_diff() - The checksum difference between two buffers.
 * @from: @from_size readable bytes (a multiple of 4), the old data.
 * @from_size: its size.
 * @to: @to_size readable bytes (a multiple of 4), the new data.
 * @to_size: its size.
 * @seed: a checksum to add the difference to.
 *
 * As bpf_csum_diff(), which it calls.
 *
 * Return: the 32-bit checksum, or -EINVAL for sizes that are not
 * multiples of 4 or too large.
 */
s64 rax_csum_diff(const void *from, u32 from_size, const void *to, u32 to_size, u32 seed)
{
	rax_charge((size_t)from_size + to_size);
	rax_check_buf(from, from_size, false, __func__);
	rax_check_buf(to, to_size, false, __func__);
	return rax_net_call(RAX_NP_CSUM_DIFF, (unsigned long)from, from_size,
			    (unsigned long)to, to_size, seed);
}

NOKPROBE_SYMBOL(rax_csum_diff);

/**
 * rax_skb_store_bytes() - Write bytes into a tc program's packet.
 * @tc: the program's context.
 * @offset: where, from the packet's start.
 * @from: @len readable bytes.
 * @len: how many.
 * @flags: BPF_F_RECOMPUTE_CSUM, BPF_F_INVALIDATE_HASH.
 *
 * As bpf_skb_store_bytes(), which it calls: it may unclone or pull the
 * data, which moves it, so @tc's data, data_end and len are updated.
 *
 * Return: 0, or -EFAULT for a range outside the packet or -EINVAL.
 */
s64 rax_skb_store_bytes(struct rax_tc_ctx *tc, u32 offset, const void *from, u32 len,
			u64 flags)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	s64 ret;

	rax_charge(len);
	rax_tc_check(frame, tc, __func__);
	rax_check_unlocked(__func__);
	rax_check_buf(from, len, false, __func__);
	/* Making the packet writable may free its head before the copy. */
	if (unlikely(len && rax_in_packet(frame, from, len)))
		rax_refuse_arg(__func__, "a source inside the packet it writes");
	ret = rax_net_call(RAX_NP_TC_STORE_BYTES, (unsigned long)frame->skb, offset,
			   (unsigned long)from, len, flags);
	rax_tc_reload(tc, frame->skb);
	return ret;
}

NOKPROBE_SYMBOL(rax_skb_store_bytes);

/**
 * rax_skb_load_bytes() - Copy bytes of a tc program's packet, linear or not.
 * @tc: the program's context.
 * @offset: where, from the packet's start.
 * @to: @len writable bytes; zeroed on failure.
 * @len: how many.
 *
 * As bpf_skb_load_bytes(), which it calls.
 *
 * Return: 0, or -EFAULT for a range outside the packet.
 */
s64 rax_skb_load_bytes(struct rax_tc_ctx *tc, u32 offset, void *to, u32 len)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);

	rax_charge(len);
	rax_tc_check(frame, tc, __func__);
	rax_check_buf(to, len, true, __func__);
	return rax_net_call(RAX_NP_TC_LOAD_BYTES, (unsigned long)frame->skb, offset,
			    (unsigned long)to, len, 0);
}

NOKPROBE_SYMBOL(rax_skb_load_bytes);

/**
 * rax_l3_csum_replace() - Fix an L3 checksum in a tc program's packet.
 * @tc: the program's context.
 * @offset: the checksum's offset.
 * @from: the old value (or 0, with the difference in @to).
 * @to: the new value.
 * @flags: the size of the values (2 or 4) in BPF_F_HDR_FIELD_MASK.
 *
 * As bpf_l3_csum_replace(), which it calls; as rax_skb_store_bytes() for
 * @tc.
 *
 * Return: 0, -EFAULT or -EINVAL.
 */
s64 rax_l3_csum_replace(struct rax_tc_ctx *tc, u32 offset, u64 from, u64 to, u64 flags)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	s64 ret;

	rax_charge(0);
	rax_tc_check(frame, tc, __func__);
	rax_check_unlocked(__func__);
	ret = rax_net_call(RAX_NP_TC_L3_CSUM, (unsigned long)frame->skb, offset, from, to,
			   flags);
	rax_tc_reload(tc, frame->skb);
	return ret;
}

NOKPROBE_SYMBOL(rax_l3_csum_replace);

/**
 * rax_l4_csum_replace() - Fix an L4 checksum in a tc program's packet.
 * @tc: the program's context.
 * @offset: the checksum's offset.
 * @from: the old value (or 0, with the difference in @to).
 * @to: the new value.
 * @flags: the size of the values, BPF_F_PSEUDO_HDR, BPF_F_MARK_MANGLED_0,
 *	BPF_F_MARK_ENFORCE.
 *
 * As bpf_l4_csum_replace(), which it calls; as rax_skb_store_bytes() for
 * @tc.
 *
 * Return: 0, -EFAULT or -EINVAL.
 */
s64 rax_l4_csum_replace(struct rax_tc_ctx *tc, u32 offset, u64 from, u64 to, u64 flags)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	s64 ret;

	rax_charge(0);
	rax_tc_check(frame, tc, __func__);
	rax_check_unlocked(__func__);
	ret = rax_net_call(RAX_NP_TC_L4_CSUM, (unsigned long)frame->skb, offset, from, to,
			   flags);
	rax_tc_reload(tc, frame->skb);
	return ret;
}

NOKPROBE_SYMBOL(rax_l4_csum_replace);

/**
 * rax_skb_change_tail() - Grow or cut a tc program's packet.
 * @tc: the program's context.
 * @len: the new length.
 * @flags: 0.
 *
 * As bpf_skb_change_tail(), which it calls; as rax_skb_store_bytes() for
 * @tc.
 *
 * Return: 0, -EINVAL or -ENOMEM.
 */
s64 rax_skb_change_tail(struct rax_tc_ctx *tc, u32 len, u64 flags)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	s64 ret;

	rax_charge(len);
	rax_tc_check(frame, tc, __func__);
	rax_check_unlocked(__func__);
	ret = rax_net_call(RAX_NP_TC_CHANGE_TAIL, (unsigned long)frame->skb, len, flags, 0, 0);
	rax_tc_reload(tc, frame->skb);
	return ret;
}

NOKPROBE_SYMBOL(rax_skb_change_tail);

/**
 * rax_tc_set() - Set a field of a tc program's packet.
 * @tc: the program's context.
 * @field: RAX_TC_MARK, RAX_TC_PRIORITY, RAX_TC_CLASSID or RAX_TC_INDEX.
 * @value: the value (tc_index keeps 16 bits).
 *
 * The fields an eBPF tc program writes through its __sk_buff; @tc's copy
 * of the mark and the priority follows.
 *
 * Return: 0, or -EINVAL for an unknown @field.
 */
s64 rax_tc_set(struct rax_tc_ctx *tc, u32 field, u32 value)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	struct sk_buff *skb = frame->skb;

	rax_charge(0);
	rax_tc_check(frame, tc, __func__);
	switch (field) {
	case RAX_TC_MARK:
		skb->mark = value;
		tc->mark = value;
		return 0;
	case RAX_TC_PRIORITY:
		skb->priority = value;
		tc->priority = value;
		return 0;
	case RAX_TC_CLASSID:
		qdisc_skb_cb(skb)->tc_classid = value;
		return 0;
	case RAX_TC_INDEX:
#ifdef CONFIG_NET_SCHED
		skb->tc_index = value;
		return 0;
#else
		return -EINVAL;
#endif
	default:
		return -EINVAL;
	}
}

NOKPROBE_SYMBOL(rax_tc_set);

/**
 * rax_trace_print_enable() - Prepare rax_trace_print() for a new program.
 *
 * Called at load time of a program that imports it, in process context:
 * enables the bpf_trace_printk event, as loading an eBPF program that
 * calls bpf_trace_printk() does.
 */
void rax_trace_print_enable(void)
{
	WRITE_ONCE(rax_printk_proto, bpf_get_trace_printk_proto());
}

#ifdef CONFIG_BPF_EVENTS
/*
 * The tracing types' get_func_proto() does not look at the program for
 * these, except a kprobe's for bpf_get_stack(), which looks at whether
 * the program sleeps: a Rax program does not, so it is
 * bpf_get_stack_proto. Without CONFIG_BPF_EVENTS there are no tracing
 * programs, and the helper list keeps these helpers from the others.
 */
static int __init rax_tracing_init(void)
{
	static const struct bpf_verifier_ops *const tracing[] = {
		&kprobe_verifier_ops, &tracepoint_verifier_ops, &perf_event_verifier_ops,
	};
	static const enum bpf_func_id ids[RAX_TP_NPROTOS] = {
		[RAX_TP_OUTPUT] = BPF_FUNC_perf_event_output,
		[RAX_TP_STACKID] = BPF_FUNC_get_stackid,
		[RAX_TP_STACK] = BPF_FUNC_get_stack,
	};
	unsigned int t, i;

	for (t = 0; t < ARRAY_SIZE(tracing); t++) {
		for (i = 0; i < RAX_TP_NPROTOS; i++) {
			if (t == 0 && i == RAX_TP_STACK)
				rax_tracing_protos[t][i] = &bpf_get_stack_proto;
			else
				rax_tracing_protos[t][i] =
					tracing[t]->get_func_proto(ids[i], NULL);
			if (!rax_tracing_protos[t][i])
				return -ENOENT;
		}
	}
	rax_send_signal_proto = kprobe_verifier_ops.get_func_proto(BPF_FUNC_send_signal, NULL);
	if (!rax_send_signal_proto)
		return -ENOENT;
	/* Without the option, kprobe_prog_func_proto() would look at the program. */
	if (IS_ENABLED(CONFIG_BPF_KPROBE_OVERRIDE))
		rax_override_return_proto =
			kprobe_verifier_ops.get_func_proto(BPF_FUNC_override_return, NULL);
	return 0;
}
#else
static int __init rax_tracing_init(void)
{
	return 0;
}
#endif

/**
 * rax_helpers_init() - Seed the per-CPU random number generators and find
 * the eBPF helpers Rax calls.
 *
 * Return: 0, or -ENOENT when one of them is missing.
 */
int __init rax_helpers_init(void)
{
	static const struct {
		bool tc;
		enum bpf_func_id id;
	} net[RAX_NP_NPROTOS] = {
		[RAX_NP_XDP_ADJUST_HEAD] = { false, BPF_FUNC_xdp_adjust_head },
		[RAX_NP_XDP_ADJUST_TAIL] = { false, BPF_FUNC_xdp_adjust_tail },
		[RAX_NP_XDP_ADJUST_META] = { false, BPF_FUNC_xdp_adjust_meta },
		[RAX_NP_XDP_REDIRECT] = { false, BPF_FUNC_redirect },
		[RAX_NP_XDP_REDIRECT_MAP] = { false, BPF_FUNC_redirect_map },
		[RAX_NP_XDP_FIB_LOOKUP] = { false, BPF_FUNC_fib_lookup },
		[RAX_NP_CSUM_DIFF] = { false, BPF_FUNC_csum_diff },
		[RAX_NP_TC_REDIRECT] = { true, BPF_FUNC_redirect },
		[RAX_NP_TC_FIB_LOOKUP] = { true, BPF_FUNC_fib_lookup },
		[RAX_NP_TC_STORE_BYTES] = { true, BPF_FUNC_skb_store_bytes },
		[RAX_NP_TC_LOAD_BYTES] = { true, BPF_FUNC_skb_load_bytes },
		[RAX_NP_TC_L3_CSUM] = { true, BPF_FUNC_l3_csum_replace },
		[RAX_NP_TC_L4_CSUM] = { true, BPF_FUNC_l4_csum_replace },
		[RAX_NP_TC_CHANGE_TAIL] = { true, BPF_FUNC_skb_change_tail },
	};
	unsigned int i;

	prandom_seed_full_state(&rax_rnd_state);
	/* Neither xdp_func_proto() nor tc_cls_act_func_proto() looks at
	 * the program for these.
	 */
	rax_clone_redirect_proto =
		tc_cls_act_verifier_ops.get_func_proto(BPF_FUNC_clone_redirect, NULL);
	if (!rax_clone_redirect_proto)
		return -ENOENT;
	for (i = 0; i < ARRAY_SIZE(net); i++) {
		rax_net_protos[i] = net[i].tc ?
			tc_cls_act_verifier_ops.get_func_proto(net[i].id, NULL) :
			xdp_verifier_ops.get_func_proto(net[i].id, NULL);
		if (!rax_net_protos[i])
			return -ENOENT;
	}
	return rax_tracing_init();
}

