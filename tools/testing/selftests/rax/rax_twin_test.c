// SPDX-License-Identifier: GPL-2.0
/*
 * Rax samples against their eBPF twins. Each sample of userspace/samples/
 * that does what an eBPF program does has a twin in twins/ (C, clang for
 * the BPF target, loaded here with the tree's libbpf). Both are attached
 * to the same hooks and run on the same events, and what they leave in
 * their maps must be the same, and what the events make it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <libgen.h>
#include <sys/wait.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

/* An eBPF twin: twins/@name.bpf.c, installed beside this test. */
static struct bpf_object *twin_open(const char *name)
{
	char exe[512], path[600];
	struct bpf_object *obj;
	ssize_t n;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	snprintf(path, sizeof(path), "%s/%s.bpf.o", dirname(exe), name);
	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return NULL;
	if (bpf_object__load(obj)) {
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static int twin_prog(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	return p ? bpf_program__fd(p) : -ENOENT;
}

static int twin_map(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	return m ? bpf_map__fd(m) : -ENOENT;
}

/* Up to this many perf events per test. */
#define MAX_EVENTS	32

struct events {
	int fd[MAX_EVENTS];
	int n;
};

/*
 * Attach @prog to tracepoint @event. One perf event is enough: a
 * tracepoint runs its programs on every CPU, for every task, as long as
 * one is attached (and attaching the same program twice is EEXIST).
 */
static int attach_tp(struct events *ev, const char *event, int prog)
{
	int fd;

	if (ev->n == MAX_EVENTS)
		return -E2BIG;
	fd = rax_tracepoint_attach(event, -1, 0, prog);
	if (fd < 0)
		return fd;
	ev->fd[ev->n++] = fd;
	return 0;
}

static void detach_all(struct events *ev)
{
	while (ev->n)
		close(ev->fd[--ev->n]);
}

/*
 * syscall_tp: open and openat of this process, at entry and exit, and the
 * failures. The process makes a known number of each, successful and
 * failing, and a child makes more that neither may count.
 */
#define SYSCALL_TP_SLOTS	6

static const char *const syscall_tp_slot[SYSCALL_TP_SLOTS] = {
	"open entries", "openat entries", "open exits", "openat exits",
	"open failures", "openat failures",
};

static void open_calls(int good_openat, int bad_openat, int good_open, int bad_open)
{
	int i, fd;

	for (i = 0; i < good_openat; i++) {
		fd = openat(AT_FDCWD, "/dev/null", O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
	for (i = 0; i < bad_openat; i++)
		openat(AT_FDCWD, "/nonexistent/rax", O_RDONLY);
	for (i = 0; i < good_open; i++) {
		fd = syscall(SYS_open, "/dev/null", O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
	for (i = 0; i < bad_open; i++)
		syscall(SYS_open, "/nonexistent/rax", O_RDONLY);
}

TEST(syscall_tp)
{
	static const char *const enter[] = {
		"syscalls/sys_enter_open", "syscalls/sys_enter_openat",
	};
	static const char *const exits[] = {
		"syscalls/sys_exit_open", "syscalls/sys_exit_openat",
	};
	const unsigned long long want[SYSCALL_TP_SLOTS] = { 40, 70, 40, 70, 10, 20 };
	unsigned long long rax[SYSCALL_TP_SLOTS], ebpf[SYSCALL_TP_SLOTS];
	struct rax_obj_file o = rax_obj_read("syscall_tp.o");
	int fds[4], n, rax_enter, rax_exit, tw_enter, tw_exit, tw_target, tw_counts;
	int rax_target, rax_counts, i, status;
	struct bpf_object *twin;
	struct events ev = { .n = 0 };
	__u32 key = 0, me = getpid(), nobody = 0xffffffff;
	pid_t child;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/syscall_tp.o missing");
	n = rax_create_maps(&o.img, fds, 4);
	ASSERT_EQ(2, n);
	rax_target = fds[rax_map_index(&o.img, "TARGET")];
	rax_counts = fds[rax_map_index(&o.img, "COUNTS")];
	rax_enter = rax_load_entry(&o, fds, n, "rax_entry_syscall_enter",
				   BPF_PROG_TYPE_TRACEPOINT);
	ASSERT_LE(0, rax_enter) TH_LOG("load: %s\n%s", strerror(-rax_enter), log_buf);
	rax_exit = rax_load_entry(&o, fds, n, "rax_entry_syscall_exit",
				  BPF_PROG_TYPE_TRACEPOINT);
	ASSERT_LE(0, rax_exit) TH_LOG("load: %s\n%s", strerror(-rax_exit), log_buf);

	twin = twin_open("syscall_tp");
	ASSERT_NE(NULL, twin) TH_LOG("twins/syscall_tp.bpf.o: %s", strerror(errno));
	tw_enter = twin_prog(twin, "syscall_enter");
	tw_exit = twin_prog(twin, "syscall_exit");
	tw_target = twin_map(twin, "target");
	tw_counts = twin_map(twin, "counts");
	ASSERT_LE(0, tw_enter);
	ASSERT_LE(0, tw_exit);
	ASSERT_LE(0, tw_target);
	ASSERT_LE(0, tw_counts);

	/*
	 * Attaching opens tracefs files: count nobody until every program is
	 * attached (no task has tgid 0xffffffff), then this process.
	 */
	ASSERT_EQ(0, map_update(rax_target, &key, &nobody));
	ASSERT_EQ(0, map_update(tw_target, &key, &nobody));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, attach_tp(&ev, enter[i], rax_enter)) TH_LOG("%s", enter[i]);
		ASSERT_EQ(0, attach_tp(&ev, enter[i], tw_enter)) TH_LOG("%s", enter[i]);
		ASSERT_EQ(0, attach_tp(&ev, exits[i], rax_exit)) TH_LOG("%s", exits[i]);
		ASSERT_EQ(0, attach_tp(&ev, exits[i], tw_exit)) TH_LOG("%s", exits[i]);
	}

	ASSERT_EQ(0, map_update(rax_target, &key, &me));
	ASSERT_EQ(0, map_update(tw_target, &key, &me));

	/* Another process's calls count for neither. */
	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		open_calls(25, 5, 5, 5);
		_exit(0);
	}
	open_calls(50, 20, 30, 10);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	detach_all(&ev);

	for (i = 0; i < SYSCALL_TP_SLOTS; i++) {
		rax[i] = rax_map_u64(rax_counts, i);
		ebpf[i] = rax_map_u64(tw_counts, i);
		EXPECT_EQ(ebpf[i], rax[i])
			TH_LOG("%s: Rax %llu, eBPF %llu", syscall_tp_slot[i], rax[i], ebpf[i]);
		EXPECT_EQ(want[i], rax[i])
			TH_LOG("%s: Rax %llu, want %llu", syscall_tp_slot[i], rax[i], want[i]);
	}
	ksft_print_msg("syscall_tp: Rax and eBPF counted %llu/%llu/%llu/%llu/%llu/%llu\n",
		       rax[0], rax[1], rax[2], rax[3], rax[4], rax[5]);

	bpf_object__close(twin);
	close(rax_enter);
	close(rax_exit);
	for (i = 0; i < n; i++)
		close(fds[i]);
	rax_obj_free(&o);
}

TEST_HARNESS_MAIN
