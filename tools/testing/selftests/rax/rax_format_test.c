// SPDX-License-Identifier: GPL-2.0
/*
 * The object format and provenance policy checks of a Rax program load,
 * on objects built by the Rax toolchain (rax build) and signed with the
 * kernel's build-time key, and on variants of them made by
 * scripts/mutate-object.py and signed again, so that each reaches the
 * check meant to refuse it.
 *
 * RAX_TEST_OBJECTS names the directory scripts/make-test-objects.sh made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/rax.h>

#include "../kselftest_harness.h"
#include "rax_util.h"


/* Load entry @entry of object @name (signed by @sig_name) as @type. */
/* The expected attach type load_obj() asks for (0 but for one test). */
static unsigned int load_attach_type;

static int load_obj(const char *name, const char *sig_name,
		    enum bpf_prog_type type, unsigned int entry)
{
	struct blob img = load_file(name), sig = load_file(sig_name);
	union bpf_attr attr;
	int fd;

	memset(log_buf, 0, sizeof(log_buf));
	if (!img.size || !sig.size) {
		snprintf(log_buf, sizeof(log_buf), "test object %s or %s missing",
			 name, sig_name);
		free(img.data);
		free(sig.data);
		return -ENOENT;
	}
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = type;
	attr.expected_attach_type = load_attach_type;
	attr.prog_flags = BPF_F_RAX;
	attr.license = (unsigned long)"GPL";
	attr.log_level = 1;
	attr.log_buf = (unsigned long)log_buf;
	attr.log_size = sizeof(log_buf);
	attr.rax_image = (unsigned long)img.data;
	attr.rax_image_size = img.size;
	attr.signature = (unsigned long)sig.data;
	attr.signature_size = sig.size;
	attr.rax_entry = entry;
	memcpy(attr.prog_name, "rax_fmt", sizeof("rax_fmt"));
	fd = syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	fd = fd < 0 ? -errno : fd;
	free(img.data);
	free(sig.data);
	return fd;
}

static const char toolchains[] = "/proc/sys/kernel/rax/toolchains";
static const char zero_id[] =
	"0000000000000000000000000000000000000000000000000000000000000000";

/*
 * A toolchain object passes the format and policy checks and stops at the
 * next stage, its maps, which this test does not give it.
 */
TEST(built_object_passes_format_and_policy)
{
	EXPECT_EQ(-EINVAL, load_obj("xdp.o", "xdp.o.sig", BPF_PROG_TYPE_XDP, 0));
	expect_log(_metadata, "rax: maps: the object defines 2 maps");
	EXPECT_EQ(NULL, strstr(log_buf, "rax: format:"));
	EXPECT_EQ(NULL, strstr(log_buf, "rax: policy:"));
}

TEST(entry_out_of_range)
{
	EXPECT_EQ(-EINVAL, load_obj("xdp.o", "xdp.o.sig", BPF_PROG_TYPE_XDP, 7));
	expect_log(_metadata, "rax: policy: entry 7 requested; the object has 1");
}

TEST(entry_of_another_program_type)
{
	EXPECT_EQ(-EINVAL, load_obj("xdp.o", "xdp.o.sig", BPF_PROG_TYPE_KPROBE, 0));
	expect_log(_metadata, "is for program type 6");
}

TEST(wrong_format_version)
{
	EXPECT_EQ(-EINVAL, load_obj("format1.o", "format1.o.sig", BPF_PROG_TYPE_XDP, 0));
	expect_log(_metadata,
		   "rax: policy: object format version 1; this kernel accepts version 0");
}

TEST(stack_bound_over_the_limit)
{
	EXPECT_EQ(-E2BIG, load_obj("bigstack.o", "bigstack.o.sig", BPF_PROG_TYPE_XDP, 0));
	expect_log(_metadata, "needs 1048576 bytes of stack");
}

/* Built for other context layouts (RAX_PROV_BTF_SHA256): there is no CO-RE. */
TEST(context_layouts_of_another_kernel)
{
	EXPECT_EQ(-EINVAL, load_obj("otherbtf.o", "otherbtf.o.sig", BPF_PROG_TYPE_XDP, 0));
	expect_log(_metadata, "rax: policy: built for context layouts ");
	expect_log(_metadata, "no CO-RE: regenerate the rax crate's bindings");
}

TEST(unknown_helper)
{
	EXPECT_EQ(-EINVAL, load_obj("unknown-helper.o", "unknown-helper.o.sig",
				    BPF_PROG_TYPE_TRACEPOINT, 0));
	expect_log(_metadata, "rax: format: symbol rax_trace_prinx: not a Rax helper");
}

TEST(helper_not_allowed_for_program_type)
{
	EXPECT_EQ(-EACCES, load_obj("xdp-tracing.o", "xdp-tracing.o.sig",
				    BPF_PROG_TYPE_XDP, 0));
	expect_log(_metadata, "is not allowed for program type 6");
}

/* rax_override_return is for kprobe programs alone, not every tracing type. */
TEST(override_return_outside_a_kprobe)
{
	EXPECT_EQ(-EACCES, load_obj("error_injector-pe.o", "error_injector-pe.o.sig",
				    BPF_PROG_TYPE_PERF_EVENT, 0));
	expect_log(_metadata, "rax_override_return");
	expect_log(_metadata, "is not allowed for program type 7");
}

/*
 * Nor for a kprobe program attached as a uprobe: the uprobe attach paths
 * do not look at kprobe_override, and an override would put a kernel
 * address into a process's registers.
 */
TEST(override_return_for_uprobes)
{
	load_attach_type = BPF_TRACE_UPROBE_MULTI;
	EXPECT_EQ(-EACCES, load_obj("error_injector-uprobe.o", "error_injector-uprobe.o.sig",
				    BPF_PROG_TYPE_KPROBE, 0));
	load_attach_type = 0;
	expect_log(_metadata, "helper rax_override_return is not allowed for attach type 48");
}

TEST(flipped_byte_in_built_code)
{
	EXPECT_EQ(-EKEYREJECTED, load_obj("xdp-flipped-text.o", "xdp.o.sig",
					  BPF_PROG_TYPE_XDP, 0));
	expect_log(_metadata, "rax: signature: does not match");
}

TEST(flipped_byte_in_built_note)
{
	EXPECT_EQ(-EKEYREJECTED, load_obj("xdp-flipped-note.o", "xdp.o.sig",
					  BPF_PROG_TYPE_XDP, 0));
	expect_log(_metadata, "rax: signature: does not match");
}

TEST(toolchain_not_accepted)
{
	struct blob id = load_file("toolchain");
	char old[1024] = "";
	int fd = open(toolchains, O_RDONLY);
	ssize_t n;

	ASSERT_LE(0, fd);
	n = read(fd, old, sizeof(old) - 1);
	close(fd);
	ASSERT_LE(0, n);

	/* Malformed lists are refused and change nothing. */
	EXPECT_EQ(-EINVAL, write_file(toolchains, "not-a-hash"));
	EXPECT_EQ(-EINVAL, write_file(toolchains, "00"));

	ASSERT_EQ(0, write_file(toolchains, zero_id));
	EXPECT_EQ(-EACCES, load_obj("xdp.o", "xdp.o.sig", BPF_PROG_TYPE_XDP, 0));
	expect_log(_metadata, "is not in kernel.rax.toolchains");

	/* The object's own toolchain, listed, is accepted again. */
	ASSERT_NE(0, id.size) TH_LOG("RAX_TEST_OBJECTS/toolchain missing");
	ASSERT_EQ(0, write_file(toolchains, (char *)id.data));
	EXPECT_EQ(-EINVAL, load_obj("xdp.o", "xdp.o.sig", BPF_PROG_TYPE_XDP, 0));
	expect_log(_metadata, "rax: maps:");

	ASSERT_EQ(0, write_file(toolchains, old));
	free(id.data);
}

static const char denied[] = "/proc/sys/kernel/rax/denied";

/* Revoke @file's hash: the load is refused with @why, then allowed again. */
static void expect_revoked(struct __test_metadata *_metadata, const char *file,
			   const char *why)
{
	struct blob id = load_file(file);

	ASSERT_NE(0, id.size) TH_LOG("RAX_TEST_OBJECTS/%s missing", file);
	ASSERT_EQ(0, write_file(denied, (char *)id.data));
	EXPECT_EQ(-EACCES, load_obj("xdp.o", "xdp.o.sig", BPF_PROG_TYPE_XDP, 0));
	expect_log(_metadata, why);
	ASSERT_EQ(0, write_file(denied, "\n"));
	/* Not revoked: past the policy, to the maps stage. */
	EXPECT_EQ(-EINVAL, load_obj("xdp.o", "xdp.o.sig", BPF_PROG_TYPE_XDP, 0));
	expect_log(_metadata, "rax: maps:");
	free(id.data);
}

/* kernel.rax.denied revokes a toolchain, a rax crate or one image. */
TEST(revoked_toolchain_crate_and_image)
{
	EXPECT_EQ(-EINVAL, write_file(denied, "not-a-hash"));
	expect_revoked(_metadata, "toolchain", "rax: policy: toolchain");
	expect_revoked(_metadata, "crate", "rax: policy: rax crate");
	expect_revoked(_metadata, "xdp.o.sha256", "rax: policy: image");
}

TEST_HARNESS_MAIN
