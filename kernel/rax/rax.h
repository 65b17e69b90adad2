/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Definitions shared by the files of kernel/rax.
 */
#ifndef _KERNEL_RAX_RAX_H
#define _KERNEL_RAX_RAX_H

#include <linux/atomic.h>
#include <linux/elf.h>
#include <linux/init.h>
#include <linux/irq_work.h>
#include <linux/percpu.h>
#include <linux/rax.h>
#include <linux/workqueue.h>

#include <asm/stacktrace.h>

struct bpf_insn;
struct bpf_prog;
struct bpf_verifier_log;

/*
 * Run-time parameters, set through the kernel.rax.* sysctls and read
 * locklessly with READ_ONCE() on the load and run paths.
 */
struct rax_params {
	/* Non-zero while new Rax programs may be loaded. */
	unsigned int enabled;
	/* Size of each per-CPU, per-nesting-level program stack, in KiB. */
	unsigned int stack_size_kb;
	/* Largest time budget a program may ask for, in microseconds. */
	unsigned int budget_max_us;
	/* Oldest object format version still accepted. */
	unsigned int min_format_version;
	/* Panics after which a program is disabled and detached; 0: never. */
	unsigned int panic_limit;
};

#define RAX_PANIC_LIMIT_MAX	1000000

/* Bytes of RAX_SIGNED_PREFIX that a signature covers before the digest. */
#define RAX_SIGNED_PREFIX_LEN	(sizeof(RAX_SIGNED_PREFIX) - 1)

/*
 * What signature v1 covered before the whole image: recognised only to
 * explain the refusal of an object signed by an older toolchain.
 */
#define RAX_SIGNED_PREFIX_V1	"Rax object signature v1\n"

extern struct rax_params rax_params;

/* The build-time certificate(s), in certs.S; freed after boot. */
extern __initconst const u8 rax_builtin_certs[];
extern __initconst const u8 rax_builtin_certs_end[];

/* ELF definitions the kernel's elf.h lacks. */
#ifndef SHN_XINDEX
#define SHN_XINDEX		0xffff
#endif
#ifndef SHF_MERGE
#define SHF_MERGE		0x10
#endif
#ifndef SHF_STRINGS
#define SHF_STRINGS		0x20
#endif
#ifndef SHF_INFO_LINK
#define SHF_INFO_LINK		0x40
#endif
#ifndef SHT_LLVM_ADDRSIG
#define SHT_LLVM_ADDRSIG	0x6fff4c03
#endif

/* Limits of the ELF container of a Rax object. */
#define RAX_ELF_MAX_SECTIONS	4096U
#define RAX_ELF_MAX_SYMBOLS	65536U

/*
 * An image whose ELF container passed rax_elf_parse(): every pointer is
 * into the image, every index and count is in range.
 */
struct rax_elf {
	const void *image;
	u32 size;
	struct bpf_verifier_log *log;
	const struct elf64_hdr *ehdr;
	const struct elf64_shdr *shdrs;
	u32 shnum;
	u32 shstrndx;
	const char *shstrtab;
	u32 shstrtab_size;
	u32 symtab;		/* section index of the symbol table, or 0 */
	const struct elf64_sym *syms;
	u32 nsyms;
	const char *strtab;
	u32 strtab_size;
	u32 nrelas;		/* relocations in all SHT_RELA sections */
};

int rax_elf_parse(struct rax_elf *elf, const void *image, u32 size,
		  struct bpf_verifier_log *log);
unsigned int rax_elf_reloc_width(u32 type);
const char *rax_elf_section_name(const struct rax_elf *elf, u32 idx);
u32 rax_elf_find_section(const struct rax_elf *elf, const char *name);

/* Limits of the Rax object format. */
#define RAX_MAX_ENTRIES		64U
#define RAX_MAX_MAPS		64U
#define RAX_SHA256_SIZE		32U

/* What each section of an object is, by its name and type. */
enum rax_sec_class {
	RAX_SEC_BAD = 0,
	RAX_SEC_TEXT,
	RAX_SEC_RODATA,
	RAX_SEC_DATA,
	RAX_SEC_BSS,
	RAX_SEC_ENTRIES,
	RAX_SEC_MAPS,
	RAX_SEC_NOTE,
	RAX_SEC_RELA,
	RAX_SEC_META,
};

/* The decoded provenance note; pointers are into the image. */
struct rax_prov {
	u32 format;
	const u8 *rustc_version;
	u32 rustc_version_len;
	const u8 *rustc_sha256;
	const u8 *crate_sha256;
	const u8 *plugin_sha256;	/* the termination pass, or NULL */
	const u8 *btf_sha256;		/* the context layouts, or NULL */
	u32 *stack;		/* worst-case stack per entry, in bytes */
};

/* An object that passed rax_format_parse(). */
struct rax_obj {
	struct rax_elf elf;
	u8 *sec_class;		/* enum rax_sec_class per section */
	const struct rax_entry_def *entries;
	u32 nentries;
	u32 *entry_sym;		/* symbol index of each entry */
	const struct rax_map_def *maps;
	u32 nmaps;
	u64 imports;		/* bit i: helper i of the list is imported */
	unsigned long stack_bytes;	/* the Rax stacks' size, held by the load */
	struct rax_prov prov;
};

/* Stack kept free below a program's bound for interrupts. */
#define RAX_STACK_RESERVE	(16U * 1024)

int rax_format_parse(struct rax_obj *obj);
int rax_policy_check(struct rax_obj *obj, u32 entry, u32 prog_type, u32 attach_type);
int rax_code_policy(bool gpl_compatible, const char **why);
bool rax_toolchain_allowed(const u8 *rustc_sha256);
int rax_ctx_layouts_text(char *buf, size_t size);
int rax_ctx_layouts_sha256(const u8 **sha);
bool rax_hash_denied(const u8 *sha256);
void rax_format_free(struct rax_obj *obj);

/* The helper list (helpers.h), in order. */
#define RAX_HT_KPROBE		BIT(0)
#define RAX_HT_TRACEPOINT	BIT(1)
#define RAX_HT_PERF_EVENT	BIT(2)
#define RAX_HT_XDP		BIT(3)
#define RAX_HT_SCHED_CLS	BIT(4)
#define RAX_HT_TRACING		(RAX_HT_KPROBE | RAX_HT_TRACEPOINT | RAX_HT_PERF_EVENT)
#define RAX_HT_NET		(RAX_HT_XDP | RAX_HT_SCHED_CLS)
#define RAX_HT_ALL		(RAX_HT_TRACING | RAX_HT_NET)
#define RAX_HT_TC		RAX_HT_SCHED_CLS

struct rax_helper {
	const char *name;
	void *addr;
	u8 nargs;
	u8 types;		/* RAX_HT_* */
	bool abi;		/* a symbol of the compiler's ABI, not a helper */
};

extern const struct rax_helper rax_helpers[];
extern const unsigned int rax_nr_helpers;
int rax_helper_find(const char *name, size_t len);
u32 rax_prog_type_bit(u32 prog_type);

struct bpf_map;

/*
 * A loaded Rax program: what its struct bpf_prog does not hold itself.
 * Reached from prog->aux->rax; freed with the program.
 */
/* Room for a key's description: a subject CN and a key identifier. */
#define RAX_SIGNER_LEN	128

struct rax_prog {
	struct bpf_prog *prog;
	unsigned int (*entry)(void *ctx);	/* the entry in the image */
	u32 prog_type;
	u32 expected_attach_type;
	u32 default_ret;	/* returned after a panic */
	u32 ret_max;		/* a larger return value returns default_ret */
	bool bare;		/* run without rax_run(): rax_runs_bare() */
	u8 *image;		/* the stub, then the code */
	u32 image_size;
	u8 *text;
	u8 *ro_data;		/* read-only data, in a shared chunk */
	u32 ro_size;
	u8 *rw_data;		/* writable data */
	u32 rw_size;
	struct bpf_ksym *ksyms;	/* one kernel symbol per function */
	u32 nksyms;
	struct bpf_map **maps;	/* in definition order; refs in used_maps */
	u32 nmaps;
	const struct rax_map_def *map_defs;	/* .rax.maps in the image */
	atomic64_t panics;
	atomic64_t timeouts;	/* stops past the budget */
	u32 panic_limit;	/* kernel.rax.panic_limit at load; 0: none */
	bool disabled;		/* past panic_limit: not run any more */
	atomic64_t skipped;	/* runs not made because it was disabled */
	struct irq_work detach_irq;	/* from any context, to detach_work */
	struct work_struct detach_work;	/* detaches its links */
	u64 budget_ns;		/* time budget of one run */
	unsigned long stack_bytes;	/* the size of the stacks it runs on */
	u64 overrun_max_ns;	/* the latest stop past a deadline, at most */
	u64 overrun_last_ns;	/* how late the last stop past it was */
	u64 interval_last_ns;	/* the check interval before that stop */
	char entry_name[RAX_SYMBOL_LEN];
	char signer[RAX_SIGNER_LEN];	/* description of the signing key */
};

/*
 * One running invocation on this CPU, on the stack of rax_run(); the
 * innermost is in rax_cur_frame. rax_throw() goes back to it.
 */
/*
 * What an invocation holds: the cleanup log. Helpers that take a resource
 * enter it and those that give it back remove it; a throw, or a return
 * with anything left, releases the rest in reverse order.
 */
enum rax_held_kind {
	RAX_HELD_LOCK = 1,	/* a bpf_spin_lock, taken with irqs off */
	RAX_HELD_RINGBUF,	/* a ring buffer record, discarded */
	RAX_HELD_TASK,		/* a task reference (rcu_users), put */
};

#define RAX_MAX_HELD		8

struct rax_held {
	void *obj;
	unsigned long kind;	/* enum rax_held_kind */
	unsigned long size;	/* a ring buffer record's size */
};

/*
 * The budget timer of a run (budget.c): none for a run that no timer
 * interrupt reaches, idle until the run has lasted long enough to need
 * it, armed after that.
 */
enum rax_timer_state {
	RAX_TIMER_NONE,
	RAX_TIMER_IDLE,
	RAX_TIMER_ARMED,
};

struct rax_frame {
	unsigned long sp;	/* stack pointer after rax_enter()'s pushes */
	struct rax_frame *prev;
	struct rax_prog *rp;
	unsigned long lock_flags;	/* irq state under the held lock */
	u64 locked_at;		/* the first clock read under it, or 0 */
	u64 deadline;		/* ktime_get_mono_fast_ns() to stop at */
	u64 last_read;		/* the clock at the last read */
	u32 budget_left;	/* cancellation points before the next clock read */
	u32 budget_every;	/* cancellation points between clock reads */
	unsigned long stack_base;	/* the Rax stack it runs on */
	unsigned long stack_top;
	unsigned long *tos;	/* where rax_enter() saves the old stack pointer */
	struct sk_buff *skb;	/* a tc program's packet */
	struct rax_tc_ctx *tc;	/* and the context made from it */
	void *ctx;		/* the context the entry gets */
	u32 depth;		/* nesting depth on this CPU: which stack */
	u32 nheld;
	bool thrown;
	bool override;		/* rax_override_return() asked for override_rc */
	u8 timer;		/* enum rax_timer_state, from the first clock read */
	u64 override_rc;
	struct rax_held held[RAX_MAX_HELD];
};

/* Offsets used by entry.S; checked in run.c. */
#define RAX_FRAME_SP		0

int rax_image_build(struct rax_obj *obj, struct rax_prog *rp, u32 entry);
void rax_image_free(struct rax_prog *rp);

/* Whether [@p, @p + @len) lies inside [@start, @start + @size). */
static __always_inline bool rax_range_in(const void *p, size_t len, const void *start,
					 size_t size)
{
	unsigned long a = (unsigned long)p, s = (unsigned long)start;

	return a >= s && len <= size && a - s <= size - len;
}

/* Read-only data is given out in units of this many bytes (rodata.c). */
#define RAX_RO_UNIT		64U
void *rax_ro_alloc(u32 size, u32 align);
int rax_ro_write(void *dst, const void *src, u32 size);
void rax_ro_free(void *p, u32 size);
unsigned int rax_ro_chunks_used(unsigned long *units);
/* The saved stack pointer's place below the top of a Rax stack, in words. */
#define RAX_TOS_WORDS		2

struct dentry;
struct dentry *rax_debugfs_dir(void);

int rax_stacks_get(unsigned long *bytes);
void rax_stacks_put(void);
int rax_stack_size_set(unsigned int kb);

/*
 * This CPU's stacks: mem[] owns them, base[] publishes them to the
 * unwinder (0 while they are being freed).
 */
struct rax_cpu_stacks {
	unsigned long base[N_RAX_STACKS];
	void *mem[N_RAX_STACKS];
};

DECLARE_PER_CPU(struct rax_cpu_stacks, rax_cpu_stacks);
/* The depth of the next program to start on this CPU. */
DECLARE_PER_CPU(unsigned int, rax_depth);
/* Size of every stack in bytes; 0 while none is allocated. */
extern unsigned long rax_stack_bytes;

/**
 * rax_stack_enter() - Take this CPU's stack for the next nesting depth.
 * @frame: the invocation; its stack top is set.
 *
 * Called with preemption disabled. The depth is taken with one per-CPU
 * increment, so an interrupt that comes in between sees it taken.
 *
 * Return: false, with nothing taken, when this CPU already runs
 * N_RAX_STACKS programs (or, which a loaded program's hold on the stacks
 * rules out, when they are not allocated).
 */
static inline bool rax_stack_enter(struct rax_frame *frame)
{
	unsigned int depth = this_cpu_inc_return(rax_depth) - 1;

	if (unlikely(depth >= N_RAX_STACKS)) {
		this_cpu_dec(rax_depth);
		return false;
	}
	frame->depth = depth;
	frame->stack_base = this_cpu_read(rax_cpu_stacks.base[depth]);
	/* A loaded program holds the stacks; never run without them. */
	if (unlikely(!frame->stack_base)) {
		this_cpu_dec(rax_depth);
		return false;
	}
	frame->stack_top = frame->stack_base + READ_ONCE(rax_stack_bytes);
	frame->tos = (unsigned long *)frame->stack_top - RAX_TOS_WORDS;
	return true;
}

/**
 * rax_stack_leave() - Give back the stack rax_stack_enter() took.
 */
static inline void rax_stack_leave(void)
{
	this_cpu_dec(rax_depth);
}

/* Bytes of the per-program stub before the first section of code. */
#define RAX_STUB_SIZE		16U
unsigned int rax_run(const void *ctx, const struct bpf_insn *insn);
u32 rax_default_ret(u32 prog_type);
u32 rax_ret_max(u32 prog_type, u32 expected_attach_type);
bool rax_runs_bare(u64 imports, u32 stack, u32 prog_type, u32 ret_max);
void rax_trace_print_enable(void);
int __init rax_helpers_init(void);
u64 rax_enter(void *ctx, void *entry, struct rax_frame *frame, unsigned long *tos);
void __noreturn rax_unwind(struct rax_frame *frame);

/* The innermost invocation running on this CPU (run.c). */
DECLARE_PER_CPU(struct rax_frame *, rax_cur_frame);

/*
 * Exceptions (throw.c): the cleanup log, the panic limit, stopping.
 *
 * The log's entries and removals are inline: a spin-lock section is a
 * hold and an unhold, and their calls were a fifth of its instructions.
 */

/* Enters @obj in the invocation's cleanup log; false when it is full. */
static __always_inline bool rax_hold(struct rax_frame *frame, enum rax_held_kind kind,
				     void *obj)
{
	struct rax_held *h;

	if (unlikely(frame->nheld >= RAX_MAX_HELD))
		return false;
	h = &frame->held[frame->nheld++];
	h->obj = obj;
	h->kind = kind;
	h->size = 0;
	return true;
}

int rax_held_find(const struct rax_frame *frame, enum rax_held_kind kind,
		  const void *obj);

/* Whether the invocation holds a resource of @kind. */
static __always_inline bool rax_holds_kind(const struct rax_frame *frame,
					   enum rax_held_kind kind)
{
	u32 i;

	for (i = 0; i < frame->nheld; i++)
		if (frame->held[i].kind == kind)
			return true;
	return false;
}

bool rax_unhold_slow(struct rax_frame *frame, enum rax_held_kind kind, void *obj);

/*
 * Removes @obj from the cleanup log; false if the invocation does not
 * hold it. The last entry is the one given back first, mostly: a spin
 * lock always (nothing that takes a resource may be called under it),
 * a record when records are submitted in the order reserved backwards.
 * The search of the whole log, newest first, finds the same entry.
 */
static __always_inline bool rax_unhold(struct rax_frame *frame, enum rax_held_kind kind,
				       void *obj)
{
	u32 n = frame->nheld;

	if (likely(n && frame->held[n - 1].obj == obj && frame->held[n - 1].kind == kind)) {
		frame->nheld = n - 1;
		return true;
	}
	return rax_unhold_slow(frame, kind, obj);
}

void rax_release_held(struct rax_frame *frame);
void rax_prog_init_limit(struct rax_prog *rp, u32 limit);
void rax_count_panic(struct rax_prog *rp);
void rax_returned_holding(struct rax_frame *frame);
void __noreturn rax_refuse(const char *why);
void __noreturn rax_stop_timeout(bool under_lock);

struct task_struct;
struct xdp_buff;

/* The helpers: the functions helpers.h lists, with their contracts. */
void *rax_map_lookup_elem(const struct rax_map_def *def, const void *key);
s64 rax_map_update_elem(const struct rax_map_def *def, const void *key,
			const void *value, u64 flags);
s64 rax_map_delete_elem(const struct rax_map_def *def, const void *key);
u64 rax_ktime_get_ns(void);
u64 rax_ktime_get_boot_ns(void);
u32 rax_get_prandom_u32(void);
void *rax_abi_memcpy(void *dst, const void *src, size_t n);
void *rax_abi_memmove(void *dst, const void *src, size_t n);
void *rax_abi_memset(void *dst, int c, size_t n);
int rax_abi_memcmp(const void *a, const void *b, size_t n);
int rax_abi_bcmp(const void *a, const void *b, size_t n);
u32 rax_get_smp_processor_id(void);
s64 rax_trace_print(const u8 *buf, u32 len);
u64 rax_get_current_pid_tgid(void);
u64 rax_get_current_uid_gid(void);
s64 rax_get_current_comm(u8 *buf, u32 size);
s64 rax_probe_read_kernel(void *dst, u32 size, const void *src);
void rax_spin_lock(u32 *lock);
void rax_spin_unlock(u32 *lock);
void *rax_ringbuf_reserve(const struct rax_map_def *def, u64 size, u64 flags);
void rax_ringbuf_submit(void *rec, u64 flags);
void rax_stack_check(u64 need);
void rax_budget_check(void);
void rax_budget_end(struct rax_frame *frame);
void __init rax_budget_init(void);

/*
 * The longest a run may last in hardirq or NMI context (an int3 kprobe
 * runs in NMI context too) or with interrupts off, whatever the program's
 * budget: nothing else runs on the CPU meanwhile, interrupts included.
 * A spin lock section, with interrupts off, lasts at most as long from
 * the first clock read under the lock.
 */
#define RAX_BUDGET_IRQ_NS	(1000 * NSEC_PER_USEC)
/*
 * Cancellation points between two reads of the clock: adapted to keep the
 * time between reads (the check interval) between RAX_CHECK_NS_MIN and
 * RAX_CHECK_NS_MAX whatever a loop iteration costs.
 */
#define RAX_BUDGET_CHECKS	16
#define RAX_BUDGET_CHECKS_MAX	4096
#define RAX_CHECK_NS_MIN	(10 * NSEC_PER_USEC)
#define RAX_CHECK_NS_MAX	(50 * NSEC_PER_USEC)
/*
 * A helper or compiler ABI call counts as RAX_CALL_POINTS cancellation
 * points, and one more for every RAX_CALL_BYTES bytes it is given: the
 * count does not tell a cheap loop iteration from one that calls, and
 * once cheap iterations have made the interval RAX_BUDGET_CHECKS_MAX
 * points, so many expensive ones would pass unseen. Between two reads come
 * at most RAX_BUDGET_CHECKS_MAX / RAX_CALL_POINTS calls, given at most
 * RAX_BUDGET_CHECKS_MAX * RAX_CALL_BYTES bytes in all. A run starts with
 * RAX_BUDGET_START points, so that one of a few calls still reads no
 * clock.
 */
#define RAX_CALL_POINTS		64
#define RAX_CALL_BYTES		64
#define RAX_BUDGET_START	(RAX_BUDGET_CHECKS + 4 * RAX_CALL_POINTS)

/**
 * rax_charge() - Count a helper call against the time budget.
 * @bytes: the bytes the call was given to copy, compare, hash or send.
 *
 * Brings the next read of the clock closer by the call's points (see
 * RAX_CALL_POINTS), never past the next cancellation point. Only from a
 * helper that a running program called.
 */
static __always_inline void rax_charge(size_t bytes)
{
	struct rax_frame *frame = this_cpu_read(rax_cur_frame);
	size_t points = RAX_CALL_POINTS + bytes / RAX_CALL_BYTES;

	frame->budget_left = frame->budget_left > points ? frame->budget_left - points : 1;
}
void rax_ringbuf_discard(void *rec, u64 flags);
s64 rax_ringbuf_output(const struct rax_map_def *def, const void *data,
		       u64 size, u64 flags);
struct task_struct *rax_task_acquire_current(void);
struct task_struct *rax_task_from_pid(s32 pid);
void rax_task_release(struct task_struct *task);
u64 rax_task_pid_tgid(const struct task_struct *task);
s64 rax_task_comm(const struct task_struct *task, u8 *buf, u32 size);
s64 rax_clone_redirect(struct rax_tc_ctx *tc, u32 ifindex, u64 flags);
s64 rax_tc_make_writable(struct rax_tc_ctx *tc);
s64 rax_map_push_elem(const struct rax_map_def *def, const void *value, u64 flags);
s64 rax_map_pop_elem(const struct rax_map_def *def, void *value);
s64 rax_map_peek_elem(const struct rax_map_def *def, void *value);
s64 rax_perf_event_output(const struct rax_map_def *def, u64 flags, const void *data,
			  u64 size);
s64 rax_get_stackid(const struct rax_map_def *def, u64 flags);
s64 rax_get_stack(void *buf, u32 size, u64 flags);
s64 rax_probe_read_user(void *dst, u32 size, const void __user *src);
s64 rax_probe_read_user_str(void *dst, u32 size, const void __user *src);
s64 rax_probe_read_kernel_str(void *dst, u32 size, const void *src);
u64 rax_jiffies64(void);
s64 rax_get_numa_node_id(void);
s64 rax_send_signal(u32 sig);
s64 rax_override_return(u64 rc);
u64 rax_get_current_cgroup_id(void);
struct task_struct *rax_task_acquire_parent(const struct task_struct *task);
void rax_override_apply(struct rax_frame *frame);
s64 rax_xdp_adjust_head(struct xdp_buff *xdp, s32 delta);
s64 rax_xdp_adjust_tail(struct xdp_buff *xdp, s32 delta);
s64 rax_xdp_adjust_meta(struct xdp_buff *xdp, s32 delta);
s64 rax_redirect(u32 ifindex, u64 flags);
s64 rax_redirect_map(const struct rax_map_def *def, u64 key, u64 flags);
s64 rax_fib_lookup(void *params, u32 plen, u64 flags);
s64 rax_csum_diff(const void *from, u32 from_size, const void *to, u32 to_size, u32 seed);
s64 rax_skb_store_bytes(struct rax_tc_ctx *tc, u32 offset, const void *from, u32 len,
			u64 flags);
s64 rax_skb_load_bytes(struct rax_tc_ctx *tc, u32 offset, void *to, u32 len);
s64 rax_l3_csum_replace(struct rax_tc_ctx *tc, u32 offset, u64 from, u64 to, u64 flags);
s64 rax_l4_csum_replace(struct rax_tc_ctx *tc, u32 offset, u64 from, u64 to, u64 flags);
s64 rax_skb_change_tail(struct rax_tc_ctx *tc, u32 len, u64 flags);
s64 rax_tc_set(struct rax_tc_ctx *tc, u32 field, u32 value);
void __noreturn rax_throw(const u8 *file, size_t file_len, u32 line, u32 column);

int __init rax_sysctl_init(void);
int __init rax_keyring_init(void);
bool rax_is_thunk(const char *name);
int rax_signer_describe(const void *sig, size_t size, struct key *keyring,
			char *buf, size_t len);

#endif /* _KERNEL_RAX_RAX_H */
