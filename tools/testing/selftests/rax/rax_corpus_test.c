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

struct blob {
	unsigned char *data;
	size_t size;
};

static struct blob load_path(const char *path)
{
	struct blob b = { NULL, 0 };
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return b;
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		b.data = malloc(st.st_size);
		if (b.data && read(fd, b.data, st.st_size) == st.st_size)
			b.size = st.st_size;
	}
	close(fd);
	return b;
}

static char log_buf[16384];

/*
 * Load corpus object @name as a Rax kprobe program (the type of the
 * corpus' entry point); the fd or -errno.
 */
static int load_case(const char *dir, const char *name)
{
	char path[1024];
	struct blob img, sig;
	union bpf_attr attr;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	img = load_path(path);
	snprintf(path, sizeof(path), "%s/%s.sig", dir, name);
	sig = load_path(path);
	if (!img.size || !sig.size) {
		free(img.data);
		free(sig.data);
		return -ENOENT;
	}
	memset(&attr, 0, sizeof(attr));
	memset(log_buf, 0, sizeof(log_buf));
	attr.prog_type = BPF_PROG_TYPE_KPROBE;
	attr.prog_flags = BPF_F_RAX;
	attr.license = (unsigned long)"GPL";
	attr.log_level = 1;
	attr.log_buf = (unsigned long)log_buf;
	attr.log_size = sizeof(log_buf);
	attr.rax_image = (unsigned long)img.data;
	attr.rax_image_size = img.size;
	attr.signature = (unsigned long)sig.data;
	attr.signature_size = sig.size;
	fd = syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	fd = fd < 0 ? -errno : fd;
	free(img.data);
	free(sig.data);
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

TEST_F(corpus, valid_object_passes)
{
	EXPECT_EQ(-EOPNOTSUPP, load_case(self->dir, "valid.o"))
		TH_LOG("log: %s", log_buf);
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
		ret = load_case(dir, names[i]->d_name);
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
