/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The eBPF twins of the Rax samples (twins/NAME.bpf.c, built with clang
 * for the BPF target and installed beside the tests), opened and loaded
 * with the tree's libbpf: for the tests and benchmarks that link it.
 */
#ifndef RAX_TWIN_H
#define RAX_TWIN_H

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <unistd.h>

#include <bpf/libbpf.h>

/*
 * twins/@name.bpf.c, installed beside this program, loaded; its map
 * @shared (or none, NULL) is the map @shared_fd of the Rax side.
 */
static inline struct bpf_object *twin_open_sharing(const char *name, const char *shared,
						   int shared_fd)
{
	char exe[512], path[600];
	struct bpf_object *obj;
	struct bpf_map *m;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/%s.bpf.o", dirname(exe), name);
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return NULL;
	if (shared) {
		m = bpf_object__find_map_by_name(obj, shared);
		if (!m || bpf_map__reuse_fd(m, shared_fd)) {
			bpf_object__close(obj);
			return NULL;
		}
	}
	if (bpf_object__load(obj)) {
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static inline struct bpf_object *twin_open(const char *name)
{
	return twin_open_sharing(name, NULL, -1);
}

/* The fd of the twin's program @name, or -ENOENT. */
static inline int twin_prog(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	return p ? bpf_program__fd(p) : -ENOENT;
}

/* The fd of the twin's map @name, or -ENOENT. */
static inline int twin_map(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	return m ? bpf_map__fd(m) : -ENOENT;
}

#endif /* RAX_TWIN_H */
