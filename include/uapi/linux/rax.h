/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Rax: safe Rust kernel extensions loaded through bpf(2).
 *
 * This header holds what userspace shares with the kernel: the version of
 * the Rax object format and the layout of the provenance note the trusted
 * toolchain writes into every object. See Documentation/rax/.
 */
#ifndef _UAPI_LINUX_RAX_H
#define _UAPI_LINUX_RAX_H

#include <linux/types.h>

/* Name of the keyring that holds the keys Rax objects are verified with. */
#define RAX_KEYRING_NAME	".rax"

/* Version of the Rax object format this header describes. */
#define RAX_FORMAT_VERSION	0

/* Largest image and signature BPF_PROG_LOAD accepts (else E2BIG). */
#define RAX_IMAGE_SIZE_MAX	(16U << 20)
#define RAX_SIGNATURE_SIZE_MAX	16384U

/*
 * What a Rax signature signs: these bytes (no terminating NUL), then the
 * SHA-256 digest of the image (32 bytes). The prefix binds the signature
 * to loading a Rax object, so that no signature made for another purpose
 * (a module, a firmware file, a dm-verity root hash) with the same key is
 * a Rax signature, nor the reverse. The image is hashed once, by the
 * kernel, and the same digest names it to the .blacklist keyring and
 * kernel.rax.denied. The PKCS#7 message is checked as
 * VERIFYING_RAX_SIGNATURE: pkcs7-data, no authenticated attributes.
 */
#define RAX_SIGNED_PREFIX	"Rax object signature v2\n"

/*
 * Object format v0: an ELF64 x86-64 relocatable object whose sections are,
 * by name (see Documentation/rax/format.rst):
 *
 *   .text, .text.*       code
 *   .rodata, .rodata.*   read-only data
 *   .rax.entries         struct rax_entry_def[], the entry points
 *   .rax.maps            struct rax_map_def[], the maps
 *   .rax.provenance      the provenance note (SHT_NOTE)
 *   .rela<section>       relocations of one of the above
 *   .symtab, .strtab, .shstrtab, .llvm_addrsig
 */
#define RAX_SECTION_ENTRIES	".rax.entries"
#define RAX_SECTION_MAPS	".rax.maps"
#define RAX_SECTION_PROVENANCE	".rax.provenance"

#define RAX_SYMBOL_LEN		48

/*
 * Stack one step of guarded recursion may use, in bytes: the rax crate's
 * recursion guard (rax::stack::recurse) has the rax_stack_check helper
 * check that this much is left before each step, and the toolchain checks
 * that no step from one guard to the next needs more.
 */
#define RAX_RECURSION_STEP	4096

/*
 * Besides the helpers, code may reference two undefined symbols, the
 * kernel's thunks: every return is "jmp RAX_THUNK_RETURN" and every
 * indirect call or jump "call/jmp RAX_THUNK_INDIRECT" (R_X86_64_PLT32 or
 * PC32 of a rel32 jmp or call), resolved at load time to what the running
 * kernel uses for its own code.
 */
#define RAX_THUNK_RETURN	"__x86_return_thunk"
#define RAX_THUNK_INDIRECT	"__x86_indirect_thunk_r11"
#define RAX_MAP_NAME_LEN	16

/*
 * The most functions (STT_FUNC symbols of code) an object may have: each
 * gets a kernel symbol, which stack traces and the unwinder need.
 */
#define RAX_MAX_FUNCTIONS	4096

/*
 * The most a TRACEPOINT entry may say it reads of its record, and the
 * least: every record starts with 8 bytes of common fields (struct
 * trace_entry), and an entry that says less was built before entries
 * said what they read.
 */
#define RAX_MAX_CTX_OFFSET	65536
#define RAX_MIN_CTX_OFFSET	8

/* One entry point: a function the program can be loaded at. */
struct rax_entry_def {
	__u32	prog_type;		/* enum bpf_prog_type */
	__u32	expected_attach_type;	/* enum bpf_attach_type */
	__u32	max_ctx_offset;		/* TRACEPOINT: record bytes read, else 0 */
	__u32	flags;			/* 0 */
	char	symbol[RAX_SYMBOL_LEN];	/* ELF symbol of the function */
};

/*
 * One map. The kernel writes the map's address to @map at load time.
 *
 * HASH and ARRAY values may hold one struct bpf_spin_lock, at
 * @spin_lock_off with RAX_MAP_SPIN_LOCK in @flags; the loader creates
 * such a map with BTF that places the lock there, as for eBPF. A RINGBUF
 * has key and value size 0 and @max_entries bytes, a power of 2 and a
 * multiple of the page size.
 */
struct rax_map_def {
	__u32	type;			/* enum bpf_map_type */
	__u32	key_size;
	__u32	value_size;
	__u32	max_entries;
	__u32	map_flags;
	__u32	flags;			/* RAX_MAP_* */
	__u64	map;			/* 0 in the object */
	char	name[RAX_MAP_NAME_LEN];
	__u32	spin_lock_off;		/* with RAX_MAP_SPIN_LOCK, else 0 */
	__u32	reserved;
	__u64	reserved2;
};

#define RAX_MAP_SPIN_LOCK	(1U << 0)	/* a bpf_spin_lock in the value */

/*
 * The context of a SCHED_CLS (tc) entry: the dispatcher fills it from the
 * sk_buff. The packet bytes [data, data_end) are readable; they are
 * writable after rax_tc_make_writable(), which may move them.
 */
struct rax_tc_ctx {
	__u64	data;			/* address of the first packet byte */
	__u64	data_end;		/* one past the last linear byte */
	__u32	len;			/* skb->len */
	__u32	protocol;		/* skb->protocol, network order */
	__u32	ifindex;		/* device the packet is on */
	__u32	mark;
	__u32	priority;
	__u32	ingress;		/* 1 on ingress, 0 on egress */
};

/* The packet fields a tc program sets with the rax_tc_set() helper. */
enum rax_tc_field {
	RAX_TC_MARK,			/* skb->mark */
	RAX_TC_PRIORITY,		/* skb->priority */
	RAX_TC_CLASSID,			/* the classid tc's classifier reports */
	RAX_TC_INDEX,			/* skb->tc_index (16 bits) */
};

/*
 * The provenance note: name "Rax", type RAX_NOTE_PROVENANCE; its
 * descriptor is a sequence of records, each a struct rax_prov_record
 * followed by @len bytes of data padded to a multiple of 4.
 */
#define RAX_NOTE_NAME		"Rax"
#define RAX_NOTE_PROVENANCE	1

struct rax_prov_record {
	__u16	tag;			/* enum rax_prov_tag */
	__u16	reserved;		/* 0 */
	__u32	len;			/* bytes of data that follow */
};

enum rax_prov_tag {
	RAX_PROV_FORMAT		= 1,	/* __u32: format version */
	RAX_PROV_RUSTC_VERSION	= 2,	/* string: rustc --version --verbose */
	RAX_PROV_RUSTC_SHA256	= 3,	/* 32 bytes: the toolchain identity */
	RAX_PROV_SYSROOT_SHA256	= 4,	/* 32 bytes */
	RAX_PROV_CRATE_SHA256	= 5,	/* 32 bytes: the rax kernel crate */
	RAX_PROV_TARGET_SHA256	= 6,	/* 32 bytes: the target spec */
	RAX_PROV_FLAGS		= 7,	/* string: compiler flags */
	RAX_PROV_SOURCE_SHA256	= 8,	/* 32 bytes: every source file read */
	RAX_PROV_STACK		= 9,	/* __u32 entry index, __u32 bytes */
	RAX_PROV_HELPER		= 10,	/* string: one imported helper */
	RAX_PROV_BTF_SHA256	= 11,	/* 32 bytes: the target kernel's BTF */
	RAX_PROV_PLUGIN_SHA256	= 12,	/* 32 bytes: the termination pass */
};

#endif /* _UAPI_LINUX_RAX_H */
