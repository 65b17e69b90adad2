/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the Rax selftests share: reading the test objects, loading one as
 * a Rax program, creating the maps it defines, and counting programs.
 *
 * The test runner passes, through the environment, RAX_TEST_OBJECTS: a
 * directory made by scripts/make-test-objects.sh with images signed by the
 * kernel's build-time key (FILE and FILE.sig).
 */
#ifndef __RAX_UTIL_H
#define __RAX_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/elf.h>
#include <linux/rax.h>

struct blob {
	unsigned char *data;
	size_t size;
};

/* A file of RAX_TEST_OBJECTS; size 0 when it is missing. */
static inline struct blob load_file(const char *name)
{
	const char *dir = getenv("RAX_TEST_OBJECTS");
	struct blob b = { NULL, 0 };
	char path[512];
	struct stat st;
	int fd;

	if (!dir)
		return b;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return b;
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		b.data = calloc(1, st.st_size + 1);	/* NUL-terminated */
		if (b.data && read(fd, b.data, st.st_size) == st.st_size)
			b.size = st.st_size;
	}
	close(fd);
	return b;
}

static inline void blob_free(struct blob *b)
{
	free(b->data);
	b->data = NULL;
	b->size = 0;
}

/* An object and its signature, FILE and FILE.sig. */
struct rax_obj_file {
	struct blob img;
	struct blob sig;
};

static inline struct rax_obj_file rax_obj_read(const char *name)
{
	struct rax_obj_file o;
	char sig[256];

	snprintf(sig, sizeof(sig), "%s.sig", name);
	o.img = load_file(name);
	o.sig = load_file(sig);
	return o;
}

static inline void rax_obj_free(struct rax_obj_file *o)
{
	blob_free(&o->img);
	blob_free(&o->sig);
}

static char log_buf[65536];

static inline int sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

struct rax_load_opts {
	unsigned int prog_type;
	unsigned int expected_attach_type;
	unsigned int entry;
	unsigned int flags;		/* prog_flags beyond BPF_F_RAX */
	int keyring_id;
	const int *fd_array;
	unsigned int fd_array_cnt;
	const char *name;
	void (*edit)(union bpf_attr *attr);	/* last change before the call */
};

/* Load @img/@sig as a Rax program; returns the fd or -errno. */
static inline int rax_load_opts(const void *img, size_t img_size,
				const void *sig, size_t sig_size,
				const struct rax_load_opts *o)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	memset(log_buf, 0, sizeof(log_buf));
	attr.prog_type = o->prog_type;
	attr.expected_attach_type = o->expected_attach_type;
	attr.prog_flags = BPF_F_RAX | o->flags;
	attr.license = (unsigned long)"GPL";
	attr.log_level = 1;
	attr.log_buf = (unsigned long)log_buf;
	attr.log_size = sizeof(log_buf);
	attr.rax_image = (unsigned long)img;
	attr.rax_image_size = img_size;
	attr.rax_entry = o->entry;
	attr.signature = (unsigned long)sig;
	attr.signature_size = sig_size;
	attr.keyring_id = o->keyring_id;
	attr.fd_array = (unsigned long)o->fd_array;
	attr.fd_array_cnt = o->fd_array_cnt;
	snprintf(attr.prog_name, sizeof(attr.prog_name), "%s",
		 o->name ? o->name : "rax_test");
	if (o->edit)
		o->edit(&attr);
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	return fd < 0 ? -errno : fd;
}

/* Load @img/@sig as a Rax XDP program with no maps. */
static inline int rax_load(const void *img, size_t img_size, const void *sig,
			   size_t sig_size, unsigned int extra_flags,
			   int keyring_id)
{
	struct rax_load_opts o = {
		.prog_type = BPF_PROG_TYPE_XDP,
		.flags = extra_flags,
		.keyring_id = keyring_id,
	};

	return rax_load_opts(img, img_size, sig, sig_size, &o);
}

/* The section @name of an ELF object, or NULL. */
static inline const void *rax_elf_section(const struct blob *b, const char *name,
					  size_t *size)
{
	const struct elf64_hdr *eh = (const void *)b->data;
	const struct elf64_shdr *sh;
	const char *names;
	unsigned int i;

	if (b->size < sizeof(*eh) || eh->e_shoff > b->size ||
	    eh->e_shnum > (b->size - eh->e_shoff) / sizeof(*sh) ||
	    eh->e_shstrndx >= eh->e_shnum)
		return NULL;
	sh = (const void *)(b->data + eh->e_shoff);
	names = (const char *)b->data + sh[eh->e_shstrndx].sh_offset;
	for (i = 1; i < eh->e_shnum; i++) {
		if (sh[i].sh_offset > b->size || sh[i].sh_size > b->size - sh[i].sh_offset)
			continue;
		if (!strcmp(names + sh[i].sh_name, name)) {
			*size = sh[i].sh_size;
			return b->data + sh[i].sh_offset;
		}
	}
	return NULL;
}

/* The number of maps @b defines; their definitions in *@defs. */
static inline unsigned int rax_obj_maps(const struct blob *b,
					const struct rax_map_def **defs)
{
	size_t size = 0;

	*defs = rax_elf_section(b, RAX_SECTION_MAPS, &size);
	return *defs ? size / sizeof(**defs) : 0;
}

/* Create a map as @def defines it; returns the fd or -errno. */
static inline int rax_map_create(const struct rax_map_def *def)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = def->type;
	attr.key_size = def->key_size;
	attr.value_size = def->value_size;
	attr.max_entries = def->max_entries;
	attr.map_flags = def->map_flags;
	memcpy(attr.map_name, def->name,
	       sizeof(attr.map_name) < RAX_MAP_NAME_LEN ?
	       sizeof(attr.map_name) - 1 : RAX_MAP_NAME_LEN - 1);
	fd = sys_bpf(BPF_MAP_CREATE, &attr);
	return fd < 0 ? -errno : fd;
}

/* Create every map @b defines into @fds; returns how many, or -errno. */
static inline int rax_create_maps(const struct blob *b, int *fds, unsigned int max)
{
	const struct rax_map_def *defs;
	unsigned int i, n = rax_obj_maps(b, &defs);

	if (n > max)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		fds[i] = rax_map_create(&defs[i]);
		if (fds[i] < 0) {
			int err = fds[i];

			while (i--)
				close(fds[i]);
			return err;
		}
	}
	return n;
}

/* The index of the map @name in @b's definitions, or -1. */
static inline int rax_map_index(const struct blob *b, const char *name)
{
	const struct rax_map_def *defs;
	unsigned int i, n = rax_obj_maps(b, &defs);

	for (i = 0; i < n; i++)
		if (!strncmp(defs[i].name, name, RAX_MAP_NAME_LEN))
			return i;
	return -1;
}

/* Look @key up in map @fd; 0 or -errno. */
static inline int map_lookup(int fd, const void *key, void *value)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (unsigned long)key;
	attr.value = (unsigned long)value;
	return sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr) ? -errno : 0;
}

/* Set @key of map @fd to @value; 0 or -errno. */
static inline int map_update(int fd, const void *key, const void *value)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (unsigned long)key;
	attr.value = (unsigned long)value;
	return sys_bpf(BPF_MAP_UPDATE_ELEM, &attr) ? -errno : 0;
}

static inline unsigned int count_progs(void)
{
	union bpf_attr attr;
	unsigned int n = 0;

	memset(&attr, 0, sizeof(attr));
	while (!sys_bpf(BPF_PROG_GET_NEXT_ID, &attr)) {
		attr.start_id = attr.next_id;
		n++;
	}
	return n;
}

static inline unsigned int count_maps(void)
{
	union bpf_attr attr;
	unsigned int n = 0;

	memset(&attr, 0, sizeof(attr));
	while (!sys_bpf(BPF_MAP_GET_NEXT_ID, &attr)) {
		attr.start_id = attr.next_id;
		n++;
	}
	return n;
}

/* kselftest_harness.h must come first. */
static inline void expect_log(struct __test_metadata *_metadata, const char *needle)
{
	EXPECT_NE(NULL, strstr(log_buf, needle))
		TH_LOG("no '%s' in log_buf: %s", needle, log_buf);
}

#endif /* __RAX_UTIL_H */
