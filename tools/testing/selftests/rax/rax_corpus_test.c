// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's checks of a Rax object against the corpus of malformed
 * objects that userspace's parser is tested with (userspace/tests/
 * test_corpus.cpp): every object of the corpus, signed with the kernel's
 * build-time key so that it reaches the ELF, format and policy checks,
 * must be refused by them with EINVAL, E2BIG or EACCES and a reason in the
 * log, and the corpus' valid object must pass them all.
 *
 * RAX_TEST_OBJECTS/corpus holds NAME.o and NAME.o.sig for each case, made
 * by scripts/make-test-objects.sh.
 */
#define _GNU_SOURCE
#include <dirent.h>
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

/*
 * Load corpus object @name as a Rax kprobe program (the type of the
 * corpus' entry point), without maps; the fd or -errno.
 */
static int load_case(const char *name)
{
	struct rax_load_opts opts = { .prog_type = BPF_PROG_TYPE_KPROBE };
	struct rax_obj_file o;
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "corpus/%s", name);
	o = rax_obj_read(path);
	if (!o.img.size || !o.sig.size) {
		rax_obj_free(&o);
		return -ENOENT;
	}
	fd = rax_load_opts(o.img.data, o.img.size, o.sig.data, o.sig.size, &opts);
	rax_obj_free(&o);
	return fd;
}

static int is_case(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 2 && !strcmp(d->d_name + n - 2, ".o") &&
	       strcmp(d->d_name, "valid.o");
}

FIXTURE(corpus) {
	char dir[512];
};

FIXTURE_SETUP(corpus)
{
	snprintf(self->dir, sizeof(self->dir), "%s/corpus",
		 getenv("RAX_TEST_OBJECTS") ?: ".");
}

FIXTURE_TEARDOWN(corpus)
{
}

/*
 * The valid object, given its maps, loads: code, read-only data, writable
 * data with a pointer to be relocated, bss and two helpers.
 */
TEST_F(corpus, valid_object_loads)
{
	struct rax_obj_file o = rax_obj_read("corpus/valid.o");
	struct rax_load_opts opts = { .prog_type = BPF_PROG_TYPE_KPROBE };
	const struct rax_map_def *defs;
	int fds[4], n, fd, i;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/corpus/valid.o missing");
	n = rax_create_maps(&o.img, fds, 4);
	ASSERT_EQ(rax_obj_maps(&o.img, &defs), n) TH_LOG("creating the maps: %d", n);
	opts.fd_array = fds;
	opts.fd_array_cnt = n;
	fd = rax_load_opts(o.img.data, o.img.size, o.sig.data, o.sig.size, &opts);
	EXPECT_LE(0, fd) TH_LOG("load: %s\n%s", strerror(-fd), log_buf);
	if (fd >= 0)
		close(fd);
	for (i = 0; i < n; i++)
		close(fds[i]);
	rax_obj_free(&o);
}

/* Each load checks an RSA signature: give the whole corpus time. */
TEST_F_TIMEOUT(corpus, every_malformed_object_refused, 600)
{
	struct dirent **names;
	unsigned int refused = 0;
	const char *dir = self->dir;
	int i, n, ret;

	n = scandir(dir, &names, is_case, alphasort);
	ASSERT_LT(50, n) TH_LOG("no corpus in %s", dir);
	for (i = 0; i < n; i++) {
		ret = load_case(names[i]->d_name);
		if (ret >= 0)
			close(ret);
		EXPECT_TRUE(ret == -EINVAL || ret == -E2BIG || ret == -EACCES)
			TH_LOG("%s: expected a refusal, got %d: %s",
			       names[i]->d_name, ret, log_buf);
		EXPECT_EQ(0, strncmp(log_buf, "rax: ", 5))
			TH_LOG("%s: no reason in the log", names[i]->d_name);
		if (ret == -EINVAL || ret == -E2BIG || ret == -EACCES)
			refused++;
		free(names[i]);
	}
	free(names);
	EXPECT_EQ((unsigned int)n, refused);
}

TEST_HARNESS_MAIN
