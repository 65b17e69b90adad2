// SPDX-License-Identifier: GPL-2.0
/*
 * The checks of a Rax program load, in their order: attributes and
 * privilege, size limits, the signature, the ELF container. Each bad input
 * must be refused with its documented errno and a log_buf line naming the
 * stage, and must leave no program behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/rax.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

FIXTURE(load) {
	struct blob prov, prov_sig;
	unsigned int progs_before;
};

FIXTURE_SETUP(load)
{
	self->prov = load_file("prov.o");
	self->prov_sig = load_file("prov.o.sig");
	ASSERT_NE(0, self->prov.size) TH_LOG("RAX_TEST_OBJECTS/prov.o missing");
	ASSERT_NE(0, self->prov_sig.size);
	self->progs_before = count_progs();
}

FIXTURE_TEARDOWN(load)
{
	/* No rejected load leaves a program behind. */
	EXPECT_EQ(self->progs_before, count_progs());
	free(self->prov.data);
	free(self->prov_sig.data);
}

/*
 * A signed, well-formed ELF object with a provenance note but none of the
 * format's other sections passes the signature and ELF stages and stops
 * at the format check.
 */
TEST_F(load, signed_object_passes_signature_and_elf)
{
	int ret = rax_load(self->prov.data, self->prov.size,
			   self->prov_sig.data, self->prov_sig.size, 0, 0);

	EXPECT_EQ(-EINVAL, ret);
	expect_log(_metadata, "rax: format: needs one .rax.entries");
	EXPECT_EQ(NULL, strstr(log_buf, "signature:"));
	EXPECT_EQ(NULL, strstr(log_buf, "rax: elf:"));
}

TEST_F(load, unsigned_object)
{
	EXPECT_EQ(-EKEYREJECTED, rax_load(self->prov.data, self->prov.size,
					  NULL, 0, 0, 0));
	expect_log(_metadata, "rax: signature: the image is not signed");
}

TEST_F(load, untrusted_key)
{
	struct blob sig = load_file("prov.o.untrusted.sig");

	ASSERT_NE(0, sig.size);
	EXPECT_EQ(-ENOKEY, rax_load(self->prov.data, self->prov.size,
				    sig.data, sig.size, 0, 0));
	expect_log(_metadata, "rax: signature: no key in the .rax keyring");
	free(sig.data);
}

TEST_F(load, flipped_byte_in_code)
{
	/* The last bytes of .text: the instructions of rax_test_fn. */
	unsigned char *img = malloc(self->prov.size);

	ASSERT_NE(NULL, img);
	memcpy(img, self->prov.data, self->prov.size);
	img[0x40] ^= 0x01;
	EXPECT_EQ(-EKEYREJECTED, rax_load(img, self->prov.size,
					  self->prov_sig.data,
					  self->prov_sig.size, 0, 0));
	expect_log(_metadata, "rax: signature: does not match the image");
	free(img);
}

TEST_F(load, flipped_byte_in_note)
{
	unsigned char *img = malloc(self->prov.size);

	ASSERT_NE(NULL, img);
	memcpy(img, self->prov.data, self->prov.size);
	img[0x44 + 12] ^= 0x20; /* the note's name, "Rax" */
	EXPECT_EQ(-EKEYREJECTED, rax_load(img, self->prov.size,
					  self->prov_sig.data,
					  self->prov_sig.size, 0, 0));
	expect_log(_metadata, "rax: signature: does not match the image");
	free(img);
}

TEST_F(load, flipped_byte_in_signature)
{
	unsigned char *sig = malloc(self->prov_sig.size);

	ASSERT_NE(NULL, sig);
	memcpy(sig, self->prov_sig.data, self->prov_sig.size);
	sig[self->prov_sig.size - 1] ^= 0x01; /* inside the RSA signature */
	EXPECT_EQ(-EKEYREJECTED, rax_load(self->prov.data, self->prov.size,
					  sig, self->prov_sig.size, 0, 0));
	expect_log(_metadata, "rax: signature: does not match the image");
	free(sig);
}

/*
 * Signatures by a trusted key that are not Rax signatures: a Rax signature
 * covers RAX_SIGNED_PREFIX, then the image's SHA-256 digest, and has no
 * signed attributes
 * (VERIFYING_RAX_SIGNATURE). Each of these is refused before the image is
 * parsed, with a log line that says what the signature was.
 */
static void expect_not_rax_signature(struct __test_metadata *_metadata,
				     const struct blob *img, const char *sig_file,
				     const char *why)
{
	struct blob sig = load_file(sig_file);

	ASSERT_NE(0, sig.size) TH_LOG("RAX_TEST_OBJECTS/%s missing", sig_file);
	EXPECT_EQ(-EKEYREJECTED, rax_load(img->data, img->size, sig.data,
					  sig.size, 0, 0));
	expect_log(_metadata, why);
	EXPECT_EQ(NULL, strstr(log_buf, "rax: format:"));
	free(sig.data);
}

TEST_F(load, signature_over_the_image_alone)
{
	expect_not_rax_signature(_metadata, &self->prov, "prov.o.bare.sig",
				 "rax: signature: made over the image alone, not for a Rax object");
}

TEST_F(load, signature_with_signed_attributes)
{
	expect_not_rax_signature(_metadata, &self->prov, "prov.o.attrs.sig",
				 "rax: signature: signed attributes or a digest weaker than SHA-256");
}

/* The kernel's PKCS#7 parser refuses S/MIME capabilities outright. */
TEST_F(load, signature_with_smime_capabilities)
{
	expect_not_rax_signature(_metadata, &self->prov, "prov.o.smime.sig",
				 "rax: signature: does not match the image");
}

/*
 * SHA-1 is not a Rax digest: a chosen-prefix collision is practical. The
 * usage check refuses it before hashing (without it, a kernel without
 * SHA-1 would say ENOPKG). Such a kernel cannot verify the signature
 * without the purpose either, so its log line is the general one.
 */
TEST_F(load, signature_with_a_sha1_digest)
{
	struct blob sig = load_file("prov.o.sha1.sig");

	ASSERT_NE(0, sig.size) TH_LOG("RAX_TEST_OBJECTS/prov.o.sha1.sig missing");
	EXPECT_EQ(-EKEYREJECTED, rax_load(self->prov.data, self->prov.size, sig.data,
					  sig.size, 0, 0));
	EXPECT_TRUE(strstr(log_buf, "rax: signature: signed attributes or a digest weaker") ||
		    strstr(log_buf, "rax: signature: does not match the image, or its PKCS#7 form"))
		TH_LOG("log: %s", log_buf);
	EXPECT_EQ(NULL, strstr(log_buf, "rax: format:"));
	free(sig.data);
}

TEST_F(load, signature_over_the_whole_image_as_v1)
{
	expect_not_rax_signature(_metadata, &self->prov, "prov.o.v1.sig",
				 "rax: signature: made over the whole image, as signature v1 was");
}

TEST_F(load, signature_over_another_prefix)
{
	expect_not_rax_signature(_metadata, &self->prov, "prov.o.v0.sig",
				 "rax: signature: does not match the image");
}

/* The prefix, then the whole image in place of its digest. */
TEST_F(load, signature_over_the_prefix_and_the_image)
{
	expect_not_rax_signature(_metadata, &self->prov, "prov.o.whole.sig",
				 "rax: signature: does not match the image");
}

/*
 * With a public exponent of 3 (the build's key, CONFIG_RAX_SIG_KEY_EXP), a
 * forger takes cube roots over the integers: scripts/forge-signature.py
 * makes, without the private key, signatures whose cube holds the signed
 * digest where a lax check looks, with garbage where it does not look
 * (Bleichenbacher, 2006). The kernel's check reads every byte of the
 * padded digest and must refuse both. Skipped for a key of another
 * exponent, for which no such forgery is made.
 */
static void expect_e3_forgery_refused(struct __test_metadata *_metadata,
				      const char *name)
{
	char path[64];
	struct blob exp = load_file("key-exponent");
	struct blob img, sig;

	ASSERT_NE(0, exp.size) TH_LOG("RAX_TEST_OBJECTS/key-exponent missing");
	if (exp.size != 2 || memcmp(exp.data, "3\n", 2) != 0) {
		free(exp.data);
		SKIP(return, "the signing key's exponent is not 3: no forgery to try");
	}
	free(exp.data);
	snprintf(path, sizeof(path), "%s.o", name);
	img = load_file(path);
	snprintf(path, sizeof(path), "%s.o.sig", name);
	sig = load_file(path);
	ASSERT_NE(0, img.size) TH_LOG("RAX_TEST_OBJECTS/%s.o missing", name);
	ASSERT_NE(0, sig.size) TH_LOG("RAX_TEST_OBJECTS/%s.o.sig missing", name);
	EXPECT_EQ(-EKEYREJECTED, rax_load(img.data, img.size, sig.data, sig.size, 0, 0));
	expect_log(_metadata, "rax: signature: does not match the image");
	EXPECT_EQ(NULL, strstr(log_buf, "rax: format:"));
	free(img.data);
	free(sig.data);
}

/* 00 01, eight FF, 00, DigestInfo, the digest, then garbage. */
TEST_F(load, exponent_3_forgery_with_garbage_after_the_digest)
{
	expect_e3_forgery_refused(_metadata, "e3-tail");
}

/* 00 01, eight FF, garbage, 00, DigestInfo, the digest. */
TEST_F(load, exponent_3_forgery_with_garbage_in_the_padding)
{
	expect_e3_forgery_refused(_metadata, "e3-padding");
}

/*
 * The prefix is not part of the image, nor is the message the signature
 * covers: sending either as the image with the image's signature is
 * refused (the kernel hashes the image and adds the prefix itself).
 */
TEST_F(load, prefix_inside_the_image)
{
	static const char prefix[] = RAX_SIGNED_PREFIX;
	size_t n = sizeof(prefix) - 1;
	unsigned char *img = malloc(n + self->prov.size);

	ASSERT_NE(NULL, img);
	memcpy(img, prefix, n);
	memcpy(img + n, self->prov.data, self->prov.size);
	EXPECT_EQ(-EKEYREJECTED, rax_load(img, n + self->prov.size,
					  self->prov_sig.data,
					  self->prov_sig.size, 0, 0));
	expect_log(_metadata, "rax: signature: does not match the image");
	free(img);
}

TEST_F(load, signed_message_as_the_image)
{
	static const char prefix[] = RAX_SIGNED_PREFIX;
	size_t n = sizeof(prefix) - 1;
	/* make-test-objects.sh leaves prov.o's digest beside it. */
	struct blob digest = load_file("prov.o.sha256.bin");
	unsigned char msg[sizeof(prefix) - 1 + 32];

	ASSERT_EQ(32, digest.size) TH_LOG("RAX_TEST_OBJECTS/prov.o.sha256.bin missing");
	memcpy(msg, prefix, n);
	memcpy(msg + n, digest.data, 32);
	/* Which is what the signature covers, as bytes of no purpose. */
	EXPECT_EQ(-EKEYREJECTED, rax_load(msg, sizeof(msg), self->prov_sig.data,
					  self->prov_sig.size, 0, 0));
	expect_log(_metadata, "rax: signature: made over the image alone");
	EXPECT_EQ(NULL, strstr(log_buf, "rax: format:"));
	free(digest.data);
}

TEST_F(load, truncated_signature)
{
	EXPECT_EQ(-EBADMSG, rax_load(self->prov.data, self->prov.size,
				     self->prov_sig.data,
				     self->prov_sig.size / 2, 0, 0));
	expect_log(_metadata, "rax: signature: malformed or truncated");
}

TEST_F(load, truncated_image)
{
	EXPECT_EQ(-EKEYREJECTED, rax_load(self->prov.data, self->prov.size - 8,
					  self->prov_sig.data,
					  self->prov_sig.size, 0, 0));
	expect_log(_metadata, "rax: signature: does not match the image");
}

TEST_F(load, image_over_size_limit)
{
	EXPECT_EQ(-E2BIG, rax_load(self->prov.data, RAX_IMAGE_SIZE_MAX + 1,
				   self->prov_sig.data, self->prov_sig.size,
				   0, 0));
	expect_log(_metadata, "rax: size: image of");
}

TEST_F(load, signature_over_size_limit)
{
	EXPECT_EQ(-E2BIG, rax_load(self->prov.data, self->prov.size,
				   self->prov_sig.data,
				   RAX_SIGNATURE_SIZE_MAX + 1, 0, 0));
	expect_log(_metadata, "rax: size: signature of");
}

TEST_F(load, signed_but_not_elf)
{
	struct blob img = load_file("notelf.bin"), sig = load_file("notelf.bin.sig");

	ASSERT_NE(0, img.size);
	ASSERT_NE(0, sig.size);
	EXPECT_EQ(-EINVAL, rax_load(img.data, img.size, sig.data, sig.size, 0, 0));
	expect_log(_metadata, "rax: elf: not an ELF object");
	free(img.data);
	free(sig.data);
}

/*
 * An image whose SHA-256 is in the system .blacklist keyring is refused
 * right after the signature check, before it is parsed. The Rax test
 * kernel has the hash of blacklisted.bin in CONFIG_SYSTEM_BLACKLIST_HASH_LIST;
 * another kernel may not, so outside the Rax runner this is skipped.
 */
TEST_F(load, blacklisted_image)
{
	struct blob img = load_file("blacklisted.bin"), sig = load_file("blacklisted.bin.sig");

	if (!getenv("RAX_BUILD_KEY_SKID"))
		SKIP(return, "not the Rax test kernel: its .blacklist hash list is unknown");
	ASSERT_NE(0, img.size);
	ASSERT_NE(0, sig.size);
	EXPECT_EQ(-EKEYREJECTED, rax_load(img.data, img.size, sig.data, sig.size, 0, 0));
	expect_log(_metadata, "rax: signature: image ");
	expect_log(_metadata, "is in the .blacklist keyring");
	EXPECT_EQ(NULL, strstr(log_buf, "rax: elf:"));
	free(img.data);
	free(sig.data);
}

TEST_F(load, signed_elf_without_provenance)
{
	struct blob img = load_file("noprov.o"), sig = load_file("noprov.o.sig");

	ASSERT_NE(0, img.size);
	ASSERT_NE(0, sig.size);
	EXPECT_EQ(-EINVAL, rax_load(img.data, img.size, sig.data, sig.size, 0, 0));
	expect_log(_metadata, "rax: format: no .rax.provenance note");
	free(img.data);
	free(sig.data);
}

TEST_F(load, other_keyring_refused)
{
	/* 1 would be the secondary trusted keyring for signed eBPF. */
	EXPECT_EQ(-EINVAL, rax_load(self->prov.data, self->prov.size,
				    self->prov_sig.data, self->prov_sig.size,
				    0, 1));
	expect_log(_metadata, "verified only against the .rax keyring");
}

TEST_F(load, token_refused)
{
	EXPECT_EQ(-EPERM, rax_load(self->prov.data, self->prov.size,
				   self->prov_sig.data, self->prov_sig.size,
				   BPF_F_TOKEN_FD, 0));
	expect_log(_metadata, "a BPF token cannot grant");
}

TEST_F(load, sleepable_refused)
{
	EXPECT_EQ(-EINVAL, rax_load(self->prov.data, self->prov.size,
				    self->prov_sig.data, self->prov_sig.size,
				    BPF_F_SLEEPABLE, 0));
	expect_log(_metadata, "rax: attr:");
}

/* Attributes that assume verified or JIT-compiled eBPF, one at a time. */
static int load_edited(const struct blob *img, const struct blob *sig,
		       void (*edit)(union bpf_attr *))
{
	struct rax_load_opts o = { .prog_type = BPF_PROG_TYPE_XDP, .edit = edit };

	return rax_load_opts(img->data, img->size, sig->data, sig->size, &o);
}

static void set_xdp_frags(union bpf_attr *attr)
{
	attr->prog_flags |= BPF_F_XDP_HAS_FRAGS;
}

static void set_prog_ifindex(union bpf_attr *attr)
{
	attr->prog_ifindex = 1;
}

static struct bpf_insn exit_insns[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 2 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static void set_insns(union bpf_attr *attr)
{
	attr->insns = (unsigned long)exit_insns;
	attr->insn_cnt = 2;
}

static void set_insn_cnt_only(union bpf_attr *attr)
{
	attr->insn_cnt = 1;
}

static void set_attach_btf_id(union bpf_attr *attr)
{
	attr->attach_btf_id = 1;
}

static void set_proprietary(union bpf_attr *attr)
{
	attr->license = (unsigned long)"Proprietary";
}

static void set_dual_bsd_gpl(union bpf_attr *attr)
{
	attr->license = (unsigned long)"Dual BSD/GPL";
}

/*
 * Rax code runs on GPL-only kernel interfaces: a load whose licence is
 * not GPL-compatible is refused before its signature is even looked at;
 * "Dual BSD/GPL" is GPL-compatible and goes on to the format check.
 */
TEST_F(load, licence_must_be_gpl_compatible)
{
	EXPECT_EQ(-EINVAL, load_edited(&self->prov, &self->prov_sig, set_proprietary));
	expect_log(_metadata, "rax: policy: the licence is not GPL-compatible");
	EXPECT_EQ(-EINVAL, load_edited(&self->prov, &self->prov_sig, set_dual_bsd_gpl));
	expect_log(_metadata, "rax: format: needs one .rax.entries");
}

TEST_F(load, xdp_frags_refused)
{
	EXPECT_EQ(-EINVAL, load_edited(&self->prov, &self->prov_sig, set_xdp_frags));
	expect_log(_metadata, "rax: attr: prog_flags not supported");
}

TEST_F(load, offload_refused)
{
	EXPECT_EQ(-EINVAL, load_edited(&self->prov, &self->prov_sig, set_prog_ifindex));
	expect_log(_metadata, "rax: attr: Rax programs cannot be offloaded");
}

TEST_F(load, ebpf_insns_refused)
{
	EXPECT_EQ(-EINVAL, load_edited(&self->prov, &self->prov_sig, set_insns));
	expect_log(_metadata, "rax: attr: a Rax load carries no eBPF instructions");
	EXPECT_EQ(-EINVAL, load_edited(&self->prov, &self->prov_sig, set_insn_cnt_only));
	expect_log(_metadata, "rax: attr: a Rax load carries no eBPF instructions");
}

TEST_F(load, btf_attach_refused)
{
	EXPECT_EQ(-EINVAL, load_edited(&self->prov, &self->prov_sig, set_attach_btf_id));
	expect_log(_metadata, "rax: attr: Rax programs do not attach through BTF");
}

TEST_F(load, disabled_by_sysctl)
{
	int fd = open("/proc/sys/kernel/rax/enabled", O_WRONLY);

	ASSERT_LE(0, fd);
	ASSERT_EQ(1, write(fd, "0", 1));
	EXPECT_EQ(-EPERM, rax_load(self->prov.data, self->prov.size,
				   self->prov_sig.data, self->prov_sig.size,
				   0, 0));
	expect_log(_metadata, "kernel.rax.enabled=0");
	ASSERT_EQ(1, pwrite(fd, "1", 1, 0));
	close(fd);
}

/* A caller with CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN but without
 * CAP_SYS_ADMIN may load eBPF, but not Rax.
 */
TEST_F(load, unprivileged_caller)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct __user_cap_header_struct hdr = {
			.version = _LINUX_CAPABILITY_VERSION_3,
		};
		struct __user_cap_data_struct data[2] = {};
		int caps[] = { CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN };
		int ret;
		size_t i;

		for (i = 0; i < ARRAY_SIZE(caps); i++) {
			data[caps[i] / 32].effective |= 1U << (caps[i] % 32);
			data[caps[i] / 32].permitted |= 1U << (caps[i] % 32);
		}
		if (syscall(__NR_capset, &hdr, data))
			_exit(10);
		ret = rax_load(self->prov.data, self->prov.size,
			       self->prov_sig.data, self->prov_sig.size, 0, 0);
		if (ret != -EPERM)
			_exit(11);
		if (!strstr(log_buf, "needs CAP_SYS_ADMIN"))
			_exit(12);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* Without BPF_F_RAX, the Rax fields must be zero. */
TEST(signature_without_rax_flag)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	char sig[16] = {};

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = 2;
	attr.license = (unsigned long)"GPL";
	attr.signature = (unsigned long)sig;
	attr.signature_size = sizeof(sig);
	EXPECT_EQ(-1, syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)));
	EXPECT_EQ(EINVAL, errno);
}

/* eBPF still goes through the verifier: a valid program loads, an invalid
 * one is rejected with the verifier's reason.
 */
TEST(ebpf_still_verified)
{
	struct bpf_insn good[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 2 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct bpf_insn bad[] = {
		/* r0 = *(u64 *)(r10 + 8): reads above the stack */
		{ .code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = 0, .src_reg = 10, .off = 8 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.insns = (unsigned long)good;
	attr.insn_cnt = 2;
	attr.license = (unsigned long)"GPL";
	fd = syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	ASSERT_LE(0, fd) TH_LOG("valid eBPF refused: %s", strerror(errno));
	close(fd);

	memset(log_buf, 0, sizeof(log_buf));
	attr.insns = (unsigned long)bad;
	attr.log_level = 1;
	attr.log_buf = (unsigned long)log_buf;
	attr.log_size = sizeof(log_buf);
	EXPECT_EQ(-1, syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)));
	EXPECT_EQ(EACCES, errno);
	EXPECT_NE(NULL, strstr(log_buf, "invalid read from stack"))
		TH_LOG("log_buf: %s", log_buf);
}

/* log_buf follows the verifier's rules: with a buffer too small for the
 * reason, the load fails with ENOSPC, the log is truncated and
 * NUL-terminated, and log_true_size gives the size the reason needs. The
 * default log keeps the end of the reason, BPF_LOG_FIXED its start.
 */
/* BPF_LOG_FIXED: the log keeps its start (include/linux/bpf_verifier.h). */
#define LOG_FIXED	8

static void small_log_load(struct __test_metadata *_metadata, __u32 prog_flags,
			   __u32 log_level, __u32 log_size)
{
	struct blob img = load_file("notelf.bin"), sig = load_file("notelf.bin.sig");
	union bpf_attr attr;
	char small[8];

	ASSERT_NE(0, img.size);
	memset(small, 'x', sizeof(small));
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.prog_flags = BPF_F_RAX | prog_flags;
	attr.license = (unsigned long)"GPL";
	attr.log_level = log_level;
	attr.log_buf = (unsigned long)small;
	attr.log_size = log_size;
	attr.rax_image = (unsigned long)img.data;
	attr.rax_image_size = img.size;
	if (log_size) {
		attr.signature = (unsigned long)sig.data;
		attr.signature_size = sig.size;
	}
	EXPECT_EQ(-1, syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr)));
	if (log_size) {
		EXPECT_EQ(ENOSPC, errno);
		EXPECT_GT(attr.log_true_size, log_size);
		EXPECT_EQ(log_size - 1, strlen(small));
		/* The start of the reason, or the end of its line. */
		EXPECT_EQ(0, log_level & LOG_FIXED ? memcmp(small, "rax: ", 5) :
			  small[log_size - 2] != '\n') TH_LOG("log_buf: %s", small);
	} else {
		/* A buffer without a size is a bad log attribute: EINVAL
		 * where the unsigned image would otherwise be EKEYREJECTED.
		 */
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ('x', small[0]);
	}
	free(img.data);
	free(sig.data);
}

/* The ELF stage's reason does not fit. */
TEST(log_enospc_in_a_stage)
{
	small_log_load(_metadata, 0, 1, 8);
	small_log_load(_metadata, 0, 1 | LOG_FIXED, 8);
}

/* An attribute refusal's reason does not fit. */
TEST(log_enospc_in_attr_check)
{
	small_log_load(_metadata, BPF_F_SLEEPABLE, 1, 8);
	small_log_load(_metadata, BPF_F_SLEEPABLE, 1 | LOG_FIXED, 8);
}

TEST(log_buf_without_size)
{
	small_log_load(_metadata, 0, 1, 0);
}

TEST_HARNESS_MAIN
