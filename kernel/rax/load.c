// SPDX-License-Identifier: GPL-2.0-only
/*
 * Loading Rax programs through BPF_PROG_LOAD.
 *
 * A Rax load replaces the verifier, not the rest of bpf_prog_load(): the
 * token, capability, LSM, audit and kallsyms steps run as they do for
 * eBPF. The checks below run in this order, and nothing later is parsed
 * before everything earlier has passed:
 *
 *  1. attributes and privilege, early in bpf_prog_load()
 *     (rax_prog_check_attr());
 *  2. the image and its signature are copied in once, within size limits;
 *     user memory is not read again;
 *  3. the PKCS#7 signature over RAX_SIGNED_PREFIX and the image's SHA-256
 *     digest, against the .rax keyring only;
 *  4. strict ELF parsing of the signed image (elf.c);
 *  5. the object format and the provenance policy (format.c, policy.c);
 *  6. the maps of fd_array against the object's signed definitions;
 *  7. relocation against the helper table only, and the image (image.c).
 *
 * Every rejection returns a specific errno and writes its reason, naming
 * the stage, to the BPF log buffer, with the verifier's log semantics
 * (log_level, ENOSPC on truncation, log_true_size).
 */

#define pr_fmt(fmt) "rax: " fmt

#include <linux/bpf.h>
#include <linux/bpf_verifier.h>
#include <linux/audit.h>
#include <linux/bpfptr.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/key.h>
#include <linux/mm.h>
#include <linux/perf_event.h>
#include <linux/seq_file.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/verification.h>
#include <crypto/hash.h>
#include <crypto/sha2.h>
#include <keys/system_keyring.h>

#include "rax.h"

static const char *rax_prog_type_name(enum bpf_prog_type type)
{
	switch (type) {
	case BPF_PROG_TYPE_KPROBE:
		return "kprobe";
	case BPF_PROG_TYPE_TRACEPOINT:
		return "tracepoint";
	case BPF_PROG_TYPE_PERF_EVENT:
		return "perf_event";
	case BPF_PROG_TYPE_XDP:
		return "xdp";
	case BPF_PROG_TYPE_SCHED_CLS:
		return "sched_cls";
	default:
		return NULL;
	}
}

/*
 * Write one message to the log of a load that has not set up its own.
 * Return: 0, or -ENOSPC when the message did not fit, -EINVAL for bad log
 * attributes, -EFAULT or -ENOMEM, as the verifier's log would.
 */
static __printf(4, 5) int rax_log_once(const union bpf_attr *attr,
				       bpfptr_t uattr, u32 uattr_size,
				       const char *fmt, ...)
{
	struct bpf_verifier_log *log;
	u32 true_size;
	va_list args;
	int err;

	if (!attr->log_level)
		return 0;
	log = kzalloc(sizeof(*log), GFP_KERNEL);
	if (!log)
		return -ENOMEM;
	err = bpf_vlog_init(log, attr->log_level,
			    u64_to_user_ptr(attr->log_buf), attr->log_size);
	if (err)
		goto out;
	va_start(args, fmt);
	bpf_verifier_vlog(log, fmt, args);
	va_end(args);
	err = bpf_vlog_finalize(log, &true_size);
	if (uattr_size >= offsetofend(union bpf_attr, log_true_size) &&
	    copy_to_bpfptr_offset(uattr,
				  offsetof(union bpf_attr, log_true_size),
				  &true_size, sizeof(true_size)))
		err = -EFAULT;
out:
	kfree(log);
	return err;
}

/**
 * rax_prog_check_attr() - Check the attributes of a Rax program load.
 * @attr: the BPF_PROG_LOAD attributes, with BPF_F_RAX set.
 * @uattr: the attributes in user (or kernel) memory, for log_true_size.
 * @uattr_size: size of @uattr.
 *
 * Runs before bpf_prog_load() looks at anything else. A Rax program is
 * not verified, so only a caller with CAP_SYS_ADMIN in the initial user
 * namespace may load one, never through a BPF token; per-type
 * capabilities (CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON) are checked by
 * bpf_prog_load() afterwards as for eBPF. Attributes that only make sense
 * for verified or JIT-compiled eBPF are refused.
 *
 * Return: 0, -EPERM for an unprivileged caller, a token or Rax disabled,
 * -EINVAL for attributes a Rax load cannot take or a budget over
 * kernel.rax.budget_max_us, -ENOSPC when the reason
 * does not fit in the log buffer.
 */
int rax_prog_check_attr(const union bpf_attr *attr, bpfptr_t uattr,
			u32 uattr_size)
{
	const char *why = NULL;
	int err = -EINVAL;

	if (!rax_enabled()) {
		why = "Rax program loading is disabled (kernel.rax.enabled=0)";
		err = -EPERM;
	} else if (attr->prog_flags & BPF_F_TOKEN_FD) {
		why = "a BPF token cannot grant loading a Rax program";
		err = -EPERM;
	} else if (!capable(CAP_SYS_ADMIN)) {
		why = "loading a Rax program needs CAP_SYS_ADMIN in the initial user namespace";
		err = -EPERM;
	} else if (!rax_prog_type_name(attr->prog_type)) {
		why = "this program type is not supported by Rax";
	} else if (attr->insns || attr->insn_cnt) {
		why = "a Rax load carries no eBPF instructions (insns and insn_cnt must be 0)";
	} else if (!attr->rax_image || !attr->rax_image_size) {
		why = "no Rax image (rax_image, rax_image_size)";
	} else if (attr->prog_flags & (BPF_F_SLEEPABLE | BPF_F_XDP_HAS_FRAGS |
				       BPF_F_XDP_DEV_BOUND_ONLY |
				       BPF_F_TEST_RND_HI32 |
				       BPF_F_TEST_STATE_FREQ |
				       BPF_F_TEST_REG_INVARIANTS)) {
		why = "prog_flags not supported for Rax programs";
	} else if (attr->prog_ifindex) {
		why = "Rax programs cannot be offloaded (prog_ifindex)";
	} else if (attr->attach_prog_fd || attr->attach_btf_id) {
		why = "Rax programs do not attach through BTF (attach_prog_fd, attach_btf_id)";
	} else if (attr->func_info_cnt || attr->line_info_cnt ||
		   attr->core_relo_cnt || attr->prog_btf_fd) {
		why = "BTF, func_info, line_info and CO-RE do not apply to Rax";
	} else if (attr->fd_array_cnt && !attr->fd_array) {
		why = "fd_array_cnt without fd_array";
	} else if (attr->rax_budget_us > rax_budget_max_us()) {
		return rax_log_once(attr, uattr, uattr_size,
				    "rax: attr: rax_budget_us %u is over kernel.rax.budget_max_us (%u)\n",
				    attr->rax_budget_us, rax_budget_max_us()) ?: -EINVAL;
	} else {
		return 0;
	}

	/* As for the verifier, a log that did not fit turns into the error. */
	return rax_log_once(attr, uattr, uattr_size, "rax: attr: %s\n", why) ?: err;
}

/**
 * rax_prog_refuse_target() - Refuse an eBPF load that targets a Rax program.
 * @attr: the BPF_PROG_LOAD attributes, whose attach_prog_fd is a Rax program.
 * @uattr: the attributes in user (or kernel) memory, for log_true_size.
 * @uattr_size: size of @uattr.
 *
 * fentry, fexit and freplace programs are built against their target's BTF
 * and JIT layout; a Rax program has neither, so bpf_prog_load() refuses
 * them before the verifier runs, with the reason in the log buffer.
 *
 * Return: -EINVAL, or -ENOSPC when the reason does not fit in the log.
 */
int rax_prog_refuse_target(const union bpf_attr *attr, bpfptr_t uattr,
			   u32 uattr_size)
{
	int err;

	err = rax_log_once(attr, uattr, uattr_size,
			   "rax: attach_prog_fd is a Rax program: fentry, fexit and freplace cannot target one\n");
	return err ?: -EINVAL;
}

/* State of one Rax load, from the copy of the image to the bpf_prog. */
struct rax_load {
	struct bpf_verifier_log log;
	const union bpf_attr *attr;
	struct bpf_prog *prog;
	void *image;
	u32 image_size;
	void *sig;
	u32 sig_size;
	struct rax_obj obj;
	struct rax_prog *rp;	/* NULL once the program holds it */
	/* What the signature covers: RAX_SIGNED_PREFIX, then the digest. */
	u8 signed_msg[RAX_SIGNED_PREFIX_LEN + SHA256_DIGEST_SIZE];
	u8 digest[SHA256_DIGEST_SIZE];	/* of the image */
	char signer[RAX_SIGNER_LEN];	/* the key that signed it */
};

static __printf(2, 3) void rax_log(struct rax_load *ld, const char *fmt, ...)
{
	va_list args;

	if (!bpf_verifier_log_needed(&ld->log))
		return;
	va_start(args, fmt);
	bpf_verifier_vlog(&ld->log, fmt, args);
	va_end(args);
}

static void *rax_copy_in(bpfptr_t src, u32 size)
{
	void *p = kvmalloc(size, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);

	if (!p)
		return ERR_PTR(-ENOMEM);
	if (copy_from_bpfptr(p, src, size)) {
		kvfree(p);
		return ERR_PTR(-EFAULT);
	}
	return p;
}

/* Stage 2: copy the image and the signature in, once. */
static int rax_load_copy(struct rax_load *ld, bpfptr_t uattr)
{
	const union bpf_attr *attr = ld->attr;
	void *p;

	if (attr->rax_image_size > RAX_IMAGE_SIZE_MAX) {
		rax_log(ld, "rax: size: image of %u bytes is over the limit of %u\n",
			attr->rax_image_size, RAX_IMAGE_SIZE_MAX);
		return -E2BIG;
	}
	if (!attr->signature || !attr->signature_size) {
		rax_log(ld,
			"rax: signature: the image is not signed (no signature, signature_size)\n");
		return -EKEYREJECTED;
	}
	if (attr->signature_size > RAX_SIGNATURE_SIZE_MAX) {
		rax_log(ld, "rax: size: signature of %u bytes is over the limit of %u\n",
			attr->signature_size, RAX_SIGNATURE_SIZE_MAX);
		return -E2BIG;
	}

	p = rax_copy_in(make_bpfptr(attr->rax_image, uattr.is_kernel),
			attr->rax_image_size);
	if (IS_ERR(p)) {
		rax_log(ld, "rax: copy: cannot copy the image in\n");
		return PTR_ERR(p);
	}
	ld->image = p;
	ld->image_size = attr->rax_image_size;

	p = rax_copy_in(make_bpfptr(attr->signature, uattr.is_kernel),
			attr->signature_size);
	if (IS_ERR(p)) {
		rax_log(ld, "rax: copy: cannot copy the signature in\n");
		return PTR_ERR(p);
	}
	ld->sig = p;
	ld->sig_size = attr->signature_size;
	return 0;
}

/*
 * Whether a key of @keyring made @ld's signature over @prefix (@prefix_len
 * bytes, maybe none), then the whole image.
 */
static bool rax_sig_covers(struct rax_load *ld, struct key *keyring,
			   const char *prefix, size_t prefix_len)
{
	u8 *msg;
	int err;

	msg = kvmalloc(prefix_len + ld->image_size,
		       GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!msg)
		return false;
	memcpy(msg, prefix, prefix_len);
	memcpy(msg + prefix_len, ld->image, ld->image_size);
	err = verify_pkcs7_signature(msg, prefix_len + ld->image_size,
				     ld->sig, ld->sig_size, keyring,
				     VERIFYING_UNSPECIFIED_SIGNATURE, NULL, NULL);
	kvfree(msg);
	return !err;
}

/*
 * Why a key of @keyring did not accept the signature. Only on this failure
 * path is the signature checked again without the Rax purpose: to tell a
 * signature of the wrong form or purpose from a changed image.
 */
static const char *rax_sig_rejected(struct rax_load *ld, struct key *keyring)
{
	if (!verify_pkcs7_signature(ld->signed_msg, sizeof(ld->signed_msg),
				    ld->sig, ld->sig_size, keyring,
				    VERIFYING_UNSPECIFIED_SIGNATURE, NULL, NULL))
		return "signed attributes or a digest weaker than SHA-256: not a Rax signature";
	if (rax_sig_covers(ld, keyring, "", 0))
		return "made over the image alone, not for a Rax object (no RAX_SIGNED_PREFIX)";
	if (rax_sig_covers(ld, keyring, RAX_SIGNED_PREFIX_V1,
			   sizeof(RAX_SIGNED_PREFIX_V1) - 1))
		return "made over the whole image, as signature v1 was: sign the object again";
	return "does not match the image, or its PKCS#7 form is refused (see the kernel log)";
}

/*
 * The image's SHA-256 through the crypto API, which, unlike sha256() of
 * lib/crypto, takes the architecture's code (SHA-NI, AVX2) when it has
 * one: the hash was a sixth of a small load in the generic code. The
 * transform is made at the first load, when a distribution's modular
 * sha256-ssse3 has been loaded for the CPU, and kept: a shash transform
 * has no key, and the state is in each caller's descriptor, so loads
 * share it. The x86 code keeps the FPU, preemption off, for a whole
 * update: the image goes in chunks, with a chance to reschedule between
 * them. Without a transform (no memory at the first load) or should an
 * update fail, sha256() hashes the image. The transform chosen first is
 * kept, holding its module: a sha256-ssse3 loaded only after the first
 * load is not used until the next boot.
 */
#define RAX_HASH_CHUNK		SZ_64K

static struct crypto_shash *rax_sha256_tfm;

static struct crypto_shash *rax_sha256_get(void)
{
	struct crypto_shash *tfm = READ_ONCE(rax_sha256_tfm), *old;

	if (tfm)
		return tfm;
	tfm = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(tfm))
		return NULL;
	old = cmpxchg(&rax_sha256_tfm, NULL, tfm);
	if (old) {
		crypto_free_shash(tfm);
		return old;
	}
	return tfm;
}

/* Not inlined: its descriptor stays off rax_load_verify()'s deep frame. */
static noinline_for_stack void rax_image_sha256(const u8 *image, size_t size, u8 *out)
{
	struct crypto_shash *tfm = rax_sha256_get();

	if (tfm) {
		SHASH_DESC_ON_STACK(desc, tfm);
		size_t off = 0;
		int err;

		desc->tfm = tfm;
		err = crypto_shash_init(desc);
		while (!err && off < size) {
			size_t n = min_t(size_t, size - off, RAX_HASH_CHUNK);

			err = crypto_shash_update(desc, image + off, n);
			off += n;
			if (off < size)
				cond_resched();
		}
		if (!err)
			err = crypto_shash_final(desc, out);
		shash_desc_zero(desc);
		if (!err)
			return;
	}
	sha256(image, size, out);
}

/*
 * Stage 3: the detached PKCS#7 signature over RAX_SIGNED_PREFIX and the
 * image's SHA-256 digest. The image is hashed once, here; the digest also
 * names it to the .blacklist keyring, kernel.rax.denied and its tag.
 */
static int rax_load_verify(struct rax_load *ld)
{
	struct key *keyring = rax_keyring();
	s32 id = ld->attr->keyring_id;
	int err;

	if (!keyring) {
		rax_log(ld, "rax: signature: the .rax keyring is not set up\n");
		return -ENOKEY;
	}
	if (id && id != (s32)key_serial(keyring)) {
		rax_log(ld,
			"rax: signature: keyring_id %d: Rax objects are verified only against the %s keyring (id %d, or 0)\n",
			id, RAX_KEYRING_NAME, key_serial(keyring));
		return -EINVAL;
	}

	rax_image_sha256(ld->image, ld->image_size, ld->digest);
	memcpy(ld->signed_msg, RAX_SIGNED_PREFIX, RAX_SIGNED_PREFIX_LEN);
	memcpy(ld->signed_msg + RAX_SIGNED_PREFIX_LEN, ld->digest,
	       sizeof(ld->digest));
	err = verify_pkcs7_signature(ld->signed_msg, sizeof(ld->signed_msg),
				     ld->sig, ld->sig_size, keyring,
				     VERIFYING_RAX_SIGNATURE, NULL, NULL);
	switch (err) {
	case 0:
		rax_signer_describe(ld->sig, ld->sig_size, keyring, ld->signer,
				    sizeof(ld->signer));
		return 0;
	case -ENOKEY:
		rax_log(ld, "rax: signature: no key in the %s keyring matches the signer\n",
			RAX_KEYRING_NAME);
		break;
	case -EKEYREJECTED:
		rax_log(ld, "rax: signature: %s\n", rax_sig_rejected(ld, keyring));
		break;
	case -EBADMSG:
		rax_log(ld, "rax: signature: malformed or truncated PKCS#7 message\n");
		break;
	case -ENOPKG:
		rax_log(ld, "rax: signature: algorithm not supported by this kernel\n");
		break;
	default:
		rax_log(ld, "rax: signature: verification failed (%d)\n", err);
		break;
	}
	return err;
}

/* Whether the program type may use a map as the object defines it. */
static const char *rax_map_mismatch(const struct rax_map_def *def,
				    struct bpf_map *map, u32 type_bit)
{
	if (map->map_type != def->type)
		return "map type";
	if (map->key_size != def->key_size)
		return "key size";
	if (map->value_size != def->value_size)
		return "value size";
	if (map->max_entries != def->max_entries)
		return "max_entries";
	/* The kernel makes every devmap read-only to programs: its lookup
	 * would hand out the device's ifindex in place. A Rax program
	 * reaches a devmap only through rax_redirect_map().
	 */
	if (map->map_type == BPF_MAP_TYPE_DEVMAP) {
		if ((map->map_flags & ~BPF_F_RDONLY_PROG) != def->map_flags)
			return "map_flags";
	} else if (map->map_flags != def->map_flags) {
		return "map_flags";
	} else if (map->map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) {
		return "program access flags (BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG)";
	}
	if (def->flags & RAX_MAP_SPIN_LOCK) {
		/* As for eBPF: a program in NMI could spin on a lock the
		 * program it interrupted holds.
		 */
		if (type_bit & RAX_HT_TRACING)
			return "a spin lock in the value, which a tracing program cannot use";
		if (IS_ERR_OR_NULL(map->record) ||
		    map->record->field_mask != BPF_SPIN_LOCK ||
		    map->record->spin_lock_off != def->spin_lock_off)
			return "value BTF without exactly one bpf_spin_lock at spin_lock_off";
		/* The lock helpers check lock addresses against the
		 * preallocated elements of a hash map.
		 */
		if (map->map_flags & BPF_F_NO_PREALLOC)
			return "BPF_F_NO_PREALLOC with a spin lock in the value";
	} else if (!IS_ERR_OR_NULL(map->record)) {
		return "BTF-described fields (kptr, timer, lock, list, rbtree)";
	}
	if (bpf_map_is_offloaded(map))
		return "offload";
	/* As for eBPF: tracing programs may run in NMI, where the
	 * allocation of an element of a hash map could deadlock.
	 */
	if ((type_bit & RAX_HT_TRACING) && (map->map_flags & BPF_F_NO_PREALLOC))
		return "BPF_F_NO_PREALLOC, which a tracing program cannot use";
	return NULL;
}

/*
 * Stage 6: the maps, one per definition, from fd_array. The loader is not
 * trusted: each map must be what the signed object defines. References go
 * to aux->used_maps, which the BPF core releases with the program.
 */
static int rax_load_maps(struct rax_load *ld, bpfptr_t uattr)
{
	const union bpf_attr *attr = ld->attr;
	struct bpf_prog_aux *aux = ld->prog->aux;
	const struct rax_obj *obj = &ld->obj;
	bpfptr_t fds = make_bpfptr(attr->fd_array, uattr.is_kernel);
	u32 type_bit = rax_prog_type_bit(attr->prog_type);
	struct rax_prog *rp;
	u32 i;

	rp = kzalloc(sizeof(*rp), GFP_KERNEL_ACCOUNT);
	if (!rp)
		return -ENOMEM;
	ld->rp = rp;
	if (attr->fd_array_cnt != obj->nmaps) {
		rax_log(ld,
			"rax: maps: the object defines %u maps, fd_array_cnt is %u\n",
			obj->nmaps, attr->fd_array_cnt);
		return -EINVAL;
	}
	if (!obj->nmaps)
		return 0;
	rp->maps = kcalloc(obj->nmaps, sizeof(*rp->maps), GFP_KERNEL_ACCOUNT);
	aux->used_maps = kcalloc(obj->nmaps, sizeof(*aux->used_maps), GFP_KERNEL_ACCOUNT);
	if (!rp->maps || !aux->used_maps)
		return -ENOMEM;

	for (i = 0; i < obj->nmaps; i++) {
		const struct rax_map_def *def = &obj->maps[i];
		struct bpf_map *map;
		const char *why;
		int fd;

		if (copy_from_bpfptr_offset(&fd, fds, i * sizeof(fd), sizeof(fd)))
			return -EFAULT;
		map = bpf_map_get(fd);
		if (IS_ERR(map)) {
			rax_log(ld, "rax: maps: map %u (%.*s): fd %d is not a map\n",
				i, RAX_MAP_NAME_LEN, def->name, fd);
			return PTR_ERR(map);
		}
		aux->used_maps[aux->used_map_cnt++] = map;
		rp->maps[i] = map;
		why = rax_map_mismatch(def, map, type_bit);
		if (why) {
			rax_log(ld,
				"rax: maps: map %u (%.*s): fd %d differs from the signed definition: %s\n",
				i, RAX_MAP_NAME_LEN, def->name, fd, why);
			return -EINVAL;
		}
	}
	rp->nmaps = obj->nmaps;
	return 0;
}

/* Whether the object imports the helper @name. */
static bool rax_imports(const struct rax_load *ld, const char *name)
{
	int h = rax_helper_find(name, strlen(name));

	return h >= 0 && (ld->obj.imports & BIT_ULL(h));
}

/* Stage 7: relocation, the image, and the program's bpf_func. */
static int rax_load_image(struct rax_load *ld)
{
	const union bpf_attr *attr = ld->attr;
	struct rax_prog *rp = ld->rp;
	struct bpf_prog *prog = ld->prog;
	unsigned int budget_us;
	int err;

	/* As the verifier marks an eBPF program that calls
	 * bpf_override_return(): the kprobe attach path then allows it only
	 * on the entry of a function open to error injection.
	 */
	if (rax_imports(ld, "rax_override_return")) {
		if (!IS_ENABLED(CONFIG_BPF_KPROBE_OVERRIDE)) {
			rax_log(ld, "rax: rax_override_return needs CONFIG_BPF_KPROBE_OVERRIDE\n");
			return -EOPNOTSUPP;
		}
		prog->kprobe_override = 1;
	}

	rp->prog = prog;
	rp->prog_type = attr->prog_type;
	rp->expected_attach_type = attr->expected_attach_type;
	rp->default_ret = rax_default_ret(attr->prog_type);
	rp->ret_max = rax_ret_max(attr->prog_type, attr->expected_attach_type);
	rp->stack_bytes = ld->obj.stack_bytes;
	strscpy(rp->entry_name, ld->obj.entries[attr->rax_entry].symbol,
		sizeof(rp->entry_name));
	strscpy(rp->signer, ld->signer, sizeof(rp->signer));
	atomic64_set(&rp->panics, 0);
	atomic64_set(&rp->timeouts, 0);
	rax_prog_init_limit(rp, READ_ONCE(rax_params.panic_limit));
	/* The budget asked for, or the maximum; the maximum may have been
	 * lowered since rax_prog_check_attr() looked at it.
	 */
	budget_us = rax_budget_max_us();
	if (attr->rax_budget_us && attr->rax_budget_us < budget_us)
		budget_us = attr->rax_budget_us;
	rp->budget_ns = (u64)budget_us * NSEC_PER_USEC;

	/* The tag names the signed image, as it names the instructions
	 * of an eBPF program; the function symbols carry it.
	 */
	memcpy(prog->tag, ld->digest, sizeof(prog->tag));
	err = rax_image_build(&ld->obj, rp, attr->rax_entry);
	if (err)
		return err;

	if (rax_imports(ld, "rax_trace_print"))
		rax_trace_print_enable();

	/* The entry table says how far into its record a tracepoint entry
	 * reads (at least the common fields, 0 for other types): the attach
	 * paths check it against the tracepoint's record, as for eBPF.
	 */
	prog->aux->max_ctx_offset = ld->obj.entries[attr->rax_entry].max_ctx_offset;
	prog->bpf_func = (void *)rp->image;
	prog->jited = 1;
	prog->jited_len = rp->image_size;
	prog->aux->rax = rp;
	ld->rp = NULL;
	return 0;
}

/**
 * rax_prog_free() - Free what a Rax program holds beyond its bpf_prog.
 * @aux: the program's aux, from bpf_prog_free_deferred(), before
 *	bpf_jit_free() frees the code from bpf_func.
 *
 * The maps are released with aux->used_maps by the BPF core.
 */
void rax_prog_free(struct bpf_prog_aux *aux)
{
	struct rax_prog *rp = aux->rax;

	if (!rp)
		return;
	/*
	 * The detach path holds a reference until its work is done, so
	 * neither can be pending here; make sure of it before rp goes.
	 */
	irq_work_sync(&rp->detach_irq);
	cancel_work_sync(&rp->detach_work);
	rax_image_free(rp);
	kfree(rp->maps);
	kfree(rp);
	aux->rax = NULL;
	rax_stacks_put();
}

/**
 * rax_prog_kallsyms_add() - Give each function of a Rax program a symbol.
 * @prog: a program whose own symbol bpf_prog_kallsyms_add() has named and
 *	placed over [bpf_func, bpf_func + jited_len) but not yet added.
 *
 * The program's symbol shrinks to the stub; each function of the image
 * gets its own, bpf_prog_<tag>_<function>, so that /proc/kallsyms, perf
 * and stack traces name the Rust function that runs. Nothing for an eBPF
 * program. Called under the same conditions as the BPF core's own
 * symbol; undone by rax_prog_kallsyms_del().
 */
void rax_prog_kallsyms_add(struct bpf_prog *prog)
{
	struct rax_prog *rp = prog->aux->rax;
	u32 i;

	if (!rp)
		return;
	prog->aux->ksym.end = prog->aux->ksym.start + RAX_STUB_SIZE;
	for (i = 0; i < rp->nksyms; i++)
		bpf_ksym_add(&rp->ksyms[i]);
}

/**
 * rax_prog_kallsyms_del() - Remove the function symbols of a Rax program.
 * @prog: a program passed to rax_prog_kallsyms_add(), or an eBPF program.
 *
 * The symbols themselves are freed with the program, after an RCU grace
 * period.
 */
void rax_prog_kallsyms_del(struct bpf_prog *prog)
{
	struct rax_prog *rp = prog->aux->rax;
	u32 i;

	if (!rp)
		return;
	for (i = 0; i < rp->nksyms; i++)
		bpf_ksym_del(&rp->ksyms[i]);
}

/**
 * rax_prog_perf_ksymbols() - Send perf a record for each Rax function.
 * @prog: a program being loaded or unloaded.
 * @unregister: whether the records remove the symbols.
 *
 * For an eBPF program perf gets one PERF_RECORD_KSYMBOL per JIT'd
 * function. A Rax program's [bpf_func, bpf_func + jited_len) holds the stub
 * and every function of the image, each with its own kernel symbol
 * (rax_prog_kallsyms_add()): perf gets the same symbols, the stub under the
 * program's name, so that it names the Rust function a sample falls in.
 *
 * Return: true for a Rax program, whose records are sent; false for an
 * eBPF program.
 */
bool rax_prog_perf_ksymbols(struct bpf_prog *prog, bool unregister)
{
	struct rax_prog *rp = prog->aux->rax;
	u32 i;

	if (!rp)
		return false;
	perf_event_ksymbol(PERF_RECORD_KSYMBOL_TYPE_BPF,
			   (unsigned long)prog->bpf_func, RAX_STUB_SIZE,
			   unregister, prog->aux->ksym.name);
	for (i = 0; i < rp->nksyms; i++)
		perf_event_ksymbol(PERF_RECORD_KSYMBOL_TYPE_BPF,
				   rp->ksyms[i].start,
				   rp->ksyms[i].end - rp->ksyms[i].start,
				   unregister, rp->ksyms[i].name);
	return true;
}

/**
 * rax_prog_is_rax() - Whether a program is a Rax program.
 * @prog: a program.
 *
 * For the paths that assume a JIT image laid out by the eBPF JIT (tail
 * calls, trampolines) and must refuse a Rax program.
 *
 * Return: true for a Rax program.
 */
bool rax_prog_is_rax(const struct bpf_prog *prog)
{
	return prog->aux->rax;
}

/**
 * rax_prog_show_fdinfo() - Tell a Rax program apart in its fdinfo.
 * @prog: a program.
 * @m: the fdinfo file.
 *
 * Adds, for a Rax program only, "rax: 1", the entry's symbol, the
 * number of panics so far, the description of the key that signed it, its
 * time budget, the number of runs stopped past it and the largest and the
 * last overrun of the deadline at a stop, the size of the Rax stacks it
 * runs on, its panic limit, whether that
 * limit disabled it and the runs skipped since, and whether it runs bare
 * (rax_runs_bare()). Runs and run time are the
 * BPF core's run_cnt and run_time_ns (with BPF_ENABLE_STATS).
 */
void rax_prog_show_fdinfo(const struct bpf_prog *prog, struct seq_file *m)
{
	const struct rax_prog *rp = prog->aux->rax;

	if (!rp)
		return;
	seq_printf(m, "rax:\t1\nrax_entry:\t%s\nrax_panics:\t%lld\nrax_signer:\t%s\n",
		   rp->entry_name, (long long)atomic64_read(&rp->panics),
		   rp->signer);
	seq_printf(m, "rax_budget_ns:\t%llu\nrax_timeouts:\t%lld\n",
		   rp->budget_ns, (long long)atomic64_read(&rp->timeouts));
	seq_printf(m, "rax_overrun_max_ns:\t%llu\nrax_overrun_last_ns:\t%llu\n",
		   READ_ONCE(rp->overrun_max_ns), READ_ONCE(rp->overrun_last_ns));
	seq_printf(m, "rax_check_interval_last_ns:\t%llu\n", READ_ONCE(rp->interval_last_ns));
	seq_printf(m, "rax_stack_bytes:\t%lu\n", rp->stack_bytes);
	seq_printf(m, "rax_panic_limit:\t%u\nrax_disabled:\t%d\nrax_skipped:\t%lld\n",
		   rp->panic_limit, READ_ONCE(rp->disabled),
		   (long long)atomic64_read(&rp->skipped));
	seq_printf(m, "rax_bare:\t%d\n", rp->bare);
}

/**
 * rax_prog_audit() - Name a Rax program's signer in its audit record.
 * @ab: the AUDIT_BPF record bpf_audit_prog() is writing.
 * @prog: the program.
 *
 * Appends, for a Rax program only, "rax=1", the signing key's
 * description (hex-encoded by the audit code when it has spaces) and the
 * program's tag, so an audit trail tells which key let each Rax program
 * in.
 */
void rax_prog_audit(struct audit_buffer *ab, const struct bpf_prog *prog)
{
	const struct rax_prog *rp = prog->aux->rax;

	if (!rp)
		return;
	audit_log_format(ab, " rax=1 rax_tag=%*phN rax_signer=",
			 BPF_TAG_SIZE, prog->tag);
	audit_log_untrustedstring(ab, rp->signer);
}

/**
 * rax_prog_load() - Load a Rax program into @prog, in place of the verifier.
 * @prog: the program allocated by bpf_prog_load(), type and name set.
 * @attr: the BPF_PROG_LOAD attributes, checked by rax_prog_check_attr().
 * @uattr: the attributes in user (or kernel) memory.
 * @uattr_size: size of @uattr.
 *
 * Return: 0 with @prog ready to run, or a negative errno, the reason in
 * the log buffer and nothing held; -ENOSPC when the log buffer was too
 * small, whatever the outcome, as for the verifier.
 */
int rax_prog_load(struct bpf_prog *prog, const union bpf_attr *attr,
		  bpfptr_t uattr, u32 uattr_size)
{
	bool stacks = false;
	struct rax_load *ld;
	const char *why;
	u32 true_size;
	int err, lerr;

	ld = kzalloc(sizeof(*ld), GFP_KERNEL_ACCOUNT);
	if (!ld)
		return -ENOMEM;
	ld->attr = attr;
	ld->prog = prog;
	err = bpf_vlog_init(&ld->log, attr->log_level,
			    u64_to_user_ptr(attr->log_buf), attr->log_size);
	if (err)
		goto out_free;

	err = rax_code_policy(prog->gpl_compatible, &why);
	if (err)
		rax_log(ld, "rax: policy: %s\n", why);
	if (!err)
		err = rax_load_copy(ld, uattr);
	if (!err)
		err = rax_load_verify(ld);
	if (!err && is_binary_blacklisted(ld->digest, sizeof(ld->digest))) {
		rax_log(ld, "rax: signature: image %*phN... is in the .blacklist keyring\n",
			8, ld->digest);
		err = -EKEYREJECTED;
	} else if (!err && rax_hash_denied(ld->digest)) {
		rax_log(ld, "rax: policy: image %*phN... is revoked (kernel.rax.denied)\n",
			8, ld->digest);
		err = -EACCES;
	}
	if (!err) {
		err = rax_elf_parse(&ld->obj.elf, ld->image, ld->image_size,
				    &ld->log);
	}
	if (!err && !rax_elf_find_section(&ld->obj.elf, RAX_SECTION_PROVENANCE)) {
		rax_log(ld,
			"rax: format: no %s note: the object was not built by the Rax toolchain\n",
			RAX_SECTION_PROVENANCE);
		err = -EINVAL;
	}
	if (!err)
		err = rax_format_parse(&ld->obj);
	/* Holding the stacks fixes their size for the policy's stack check. */
	if (!err) {
		err = rax_stacks_get(&ld->obj.stack_bytes);
		if (err)
			rax_log(ld, "rax: no memory for the Rax stacks\n");
		else
			stacks = true;
	}
	if (!err)
		err = rax_policy_check(&ld->obj, attr->rax_entry, attr->prog_type,
				       attr->expected_attach_type);
	if (!err)
		err = rax_load_maps(ld, uattr);
	if (!err)
		err = rax_load_image(ld);
	if (err && stacks)
		rax_stacks_put();
	rax_format_free(&ld->obj);
	if (ld->rp) {
		kfree(ld->rp->maps);
		kfree(ld->rp);
	}

	lerr = bpf_vlog_finalize(&ld->log, &true_size);
	if (uattr_size >= offsetofend(union bpf_attr, log_true_size) &&
	    copy_to_bpfptr_offset(uattr,
				  offsetof(union bpf_attr, log_true_size),
				  &true_size, sizeof(true_size)))
		lerr = -EFAULT;
	/* The verifier's rule: a truncated log (-ENOSPC) overrides the error. */
	if (lerr)
		err = lerr;

out_free:
	kvfree(ld->sig);
	kvfree(ld->image);
	kfree(ld);
	return err;
}
