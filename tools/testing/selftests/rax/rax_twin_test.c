// SPDX-License-Identifier: GPL-2.0
/*
 * Rax samples against their eBPF twins. Each sample of userspace/samples/
 * that does what an eBPF program does has a twin in twins/ (C, clang for
 * the BPF target, loaded here with the tree's libbpf). Both are attached
 * to the same hooks and run on the same events, and what they leave in
 * their maps must be the same, and what the events make it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <libgen.h>
#include <sched.h>
#include <signal.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <linux/pkt_cls.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../kselftest_harness.h"
#include "rax_twin.h"
#include "rax_util.h"

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

/*
 * syscount: per system call number, the calls of this process, their
 * errors and their time. Both sides read one target map (the Rax
 * object's, reused by the twin), so that switching it on and off is the
 * same event for both; the process then makes a known number of calls
 * of three kinds, and nothing else.
 */
struct syscount_stats {
	__u64 count;
	__u64 errors;
	__u64 total_ns;
};

struct syscount_want {
	__u32 nr;
	__u64 count, errors;
};

/* The syscall numbers of @fd (a STATS map) in @nrs; how many, or -1. */
static int stats_keys(int fd, __u32 *nrs, int max)
{
	__u32 key, next;
	int n = 0;

	if (bpf_map_get_next_key(fd, NULL, &next))
		return 0;
	do {
		if (n == max)
			return -1;
		nrs[n++] = next;
		key = next;
	} while (!bpf_map_get_next_key(fd, &key, &next));
	return n;
}

TEST(syscount)
{
	const struct syscount_want want[] = {
		{ SYS_getppid, 100, 0 }, { SYS_openat, 30, 30 }, { SYS_close, 20, 20 },
	};
	struct rax_obj_file o = rax_obj_read("syscount.o");
	int fds[4], n, rax_enter, rax_exit, tw_enter, tw_exit, target, rax_stats, tw_stats;
	int i, nr, nkeys;
	__u32 key = 0, me = getpid(), nobody = 0xffffffff, keys[64];
	struct syscount_stats r, e;
	struct events ev = { .n = 0 };
	struct bpf_object *twin;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/syscount.o missing");
	n = rax_create_maps(&o.img, fds, 4);
	ASSERT_EQ(3, n);
	target = fds[rax_map_index(&o.img, "TARGET")];
	rax_stats = fds[rax_map_index(&o.img, "STATS")];
	ASSERT_EQ(0, map_update(target, &key, &nobody));
	rax_enter = rax_load_entry(&o, fds, n, "rax_entry_syscount_enter",
				   BPF_PROG_TYPE_TRACEPOINT);
	ASSERT_LE(0, rax_enter) TH_LOG("load: %s\n%s", strerror(-rax_enter), log_buf);
	rax_exit = rax_load_entry(&o, fds, n, "rax_entry_syscount_exit",
				  BPF_PROG_TYPE_TRACEPOINT);
	ASSERT_LE(0, rax_exit) TH_LOG("load: %s\n%s", strerror(-rax_exit), log_buf);

	twin = twin_open_sharing("syscount", "target", target);
	ASSERT_NE(NULL, twin) TH_LOG("twins/syscount.bpf.o: %s", strerror(errno));
	tw_enter = twin_prog(twin, "syscount_enter");
	tw_exit = twin_prog(twin, "syscount_exit");
	tw_stats = twin_map(twin, "stats");
	ASSERT_LE(0, tw_enter);
	ASSERT_LE(0, tw_exit);
	ASSERT_LE(0, tw_stats);

	ASSERT_EQ(0, attach_tp(&ev, "raw_syscalls/sys_enter", rax_enter));
	ASSERT_EQ(0, attach_tp(&ev, "raw_syscalls/sys_enter", tw_enter));
	ASSERT_EQ(0, attach_tp(&ev, "raw_syscalls/sys_exit", rax_exit));
	ASSERT_EQ(0, attach_tp(&ev, "raw_syscalls/sys_exit", tw_exit));

	/* The bpf() calls that switch the target count for neither side. */
	ASSERT_EQ(0, map_update(target, &key, &me));
	for (i = 0; i < 100; i++)
		syscall(SYS_getppid);
	for (i = 0; i < 30; i++)
		syscall(SYS_openat, AT_FDCWD, "/nonexistent/rax", O_RDONLY);
	for (i = 0; i < 20; i++)
		syscall(SYS_close, -1);
	ASSERT_EQ(0, map_update(target, &key, &nobody));
	detach_all(&ev);

	nkeys = stats_keys(rax_stats, keys, 64);
	EXPECT_EQ(ARRAY_SIZE(want), nkeys)
		TH_LOG("Rax counted %d system call numbers", nkeys);
	EXPECT_EQ(nkeys, stats_keys(tw_stats, keys, 64));
	for (i = 0; i < (int)ARRAY_SIZE(want); i++) {
		nr = want[i].nr;
		memset(&r, 0, sizeof(r));
		memset(&e, 0, sizeof(e));
		EXPECT_EQ(0, bpf_map_lookup_elem(rax_stats, &nr, &r)) TH_LOG("Rax: no %d", nr);
		EXPECT_EQ(0, bpf_map_lookup_elem(tw_stats, &nr, &e)) TH_LOG("eBPF: no %d", nr);
		EXPECT_EQ(want[i].count, r.count) TH_LOG("syscall %d: Rax count", nr);
		EXPECT_EQ(want[i].errors, r.errors) TH_LOG("syscall %d: Rax errors", nr);
		EXPECT_EQ(e.count, r.count) TH_LOG("syscall %d: count", nr);
		EXPECT_EQ(e.errors, r.errors) TH_LOG("syscall %d: errors", nr);
		/* Times differ by the other side's run time: bound them. */
		EXPECT_LT(0, r.total_ns);
		EXPECT_LT(0, e.total_ns);
		EXPECT_GT(r.count * 2000000ULL, r.total_ns > e.total_ns ?
			  r.total_ns - e.total_ns : e.total_ns - r.total_ns)
			TH_LOG("syscall %d: Rax %llu ns, eBPF %llu ns", nr, r.total_ns, e.total_ns);
		ksft_print_msg("syscount: syscall %d: %llu calls, %llu errors, ", nr,
			       r.count, r.errors);
		printf("Rax %llu ns, eBPF %llu ns\n", r.total_ns, e.total_ns);
	}

	bpf_object__close(twin);
	close(rax_enter);
	close(rax_exit);
	for (i = 0; i < n; i++)
		close(fds[i]);
	rax_obj_free(&o);
}

/*
 * hello: the same lines in the trace buffer. The two sides are attached
 * and detached in turn, so each line count tells whether each side
 * printed, and every line must read the same.
 */

/* The lines of the trace buffer that hold @prefix; the first in @first. */
static int trace_lines(const char *prefix, char *first, size_t size, int *differ)
{
	FILE *f = fopen(RAX_TRACEFS "trace", "r");
	char line[1024];
	int n = 0;

	*differ = 0;
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		const char *msg = strstr(line, prefix);

		if (!msg)
			continue;
		if (!n++)
			snprintf(first, size, "%s", msg);
		else if (strcmp(first, msg))
			(*differ)++;
	}
	fclose(f);
	return n;
}

/* A kprobe perf event on @func running @prog; the fd or -errno. */
static int kprobe_attach(const char *func, int prog)
{
	long long type = read_ll_file("/sys/bus/event_source/devices/kprobe/type");
	struct perf_event_attr pa;
	int fd;

	if (type < 0)
		return -ENOENT;
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = type;
	pa.config1 = (unsigned long)func;
	fd = syscall(__NR_perf_event_open, &pa, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog) || ioctl(fd, PERF_EVENT_IOC_ENABLE, 0)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

TEST(hello)
{
	struct rax_obj_file o = rax_obj_read("hello.o");
	int rax_tp, rax_kp, tw_tp, tw_kp, a, b, i, n, differ;
	char want[128], first[1024];
	struct bpf_object *twin;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/hello.o missing");
	ASSERT_EQ(0, rax_pin_cpu(0));
	rax_tp = rax_load_entry(&o, NULL, 0, "rax_entry_hello_tracepoint",
				BPF_PROG_TYPE_TRACEPOINT);
	ASSERT_LE(0, rax_tp) TH_LOG("load: %s\n%s", strerror(-rax_tp), log_buf);
	rax_kp = rax_load_entry(&o, NULL, 0, "rax_entry_hello_kprobe", BPF_PROG_TYPE_KPROBE);
	ASSERT_LE(0, rax_kp) TH_LOG("load: %s\n%s", strerror(-rax_kp), log_buf);
	twin = twin_open("hello");
	ASSERT_NE(NULL, twin) TH_LOG("twins/hello.bpf.o: %s", strerror(errno));
	tw_tp = twin_prog(twin, "hello_tracepoint");
	tw_kp = twin_prog(twin, "hello_kprobe");
	ASSERT_LE(0, tw_tp);
	ASSERT_LE(0, tw_kp);

	/* The tracepoint: Rax alone for 3 calls, both for 4, eBPF alone for 2. */
	ASSERT_EQ(0, write_file(RAX_TRACEFS "trace", ""));
	a = rax_tracepoint_attach("syscalls/sys_enter_getppid", -1, 0, rax_tp);
	ASSERT_LE(0, a);
	for (i = 0; i < 3; i++)
		syscall(SYS_getppid);
	b = rax_tracepoint_attach("syscalls/sys_enter_getppid", -1, 0, tw_tp);
	ASSERT_LE(0, b);
	for (i = 0; i < 4; i++)
		syscall(SYS_getppid);
	close(a);
	for (i = 0; i < 2; i++)
		syscall(SYS_getppid);
	close(b);
	snprintf(want, sizeof(want), "hello from tracepoint: tgid %d syscall %d\n",
		 getpid(), SYS_getppid);
	n = trace_lines(want, first, sizeof(first), &differ);
	EXPECT_EQ(3 + 2 * 4 + 2, n) TH_LOG("lines \"%s\"", want);

	/* The kprobe, on CPU 0: every line the same, 2 + 2 * 3 + 1 of them. */
	ASSERT_EQ(0, write_file(RAX_TRACEFS "trace", ""));
	a = kprobe_attach("__x64_sys_getpgid", rax_kp);
	ASSERT_LE(0, a) TH_LOG("kprobe: %s", strerror(-a));
	for (i = 0; i < 2; i++)
		syscall(SYS_getpgid, 0);
	b = kprobe_attach("__x64_sys_getpgid", tw_kp);
	ASSERT_LE(0, b) TH_LOG("kprobe: %s", strerror(-b));
	for (i = 0; i < 3; i++)
		syscall(SYS_getpgid, 0);
	close(a);
	syscall(SYS_getpgid, 0);
	close(b);
	n = trace_lines("hello from kprobe at ", first, sizeof(first), &differ);
	EXPECT_EQ(2 + 2 * 3 + 1, n);
	EXPECT_EQ(0, differ) TH_LOG("%d lines differ from %s", differ, first);
	ksft_print_msg("hello: %d kprobe lines: %s", n, first);

	bpf_object__close(twin);
	close(rax_tp);
	close(rax_kp);
	rax_obj_free(&o);
}

/*
 * atomic: add, sub, or, and, xor, exchange and compare-and-exchange on
 * map values. The same operands go to both through test runs; after each
 * run the two maps must hold the same values, and what a model of the
 * operations computes here.
 */
#define ATOMIC_SLOTS	8

static void atomic_model(unsigned long long *m, unsigned long long v)
{
	m[0] += v;
	m[1] -= v;
	m[2] |= v;
	m[3] &= ~(v & 0xff);
	m[4] ^= v;
	m[6] += m[5];
	m[5] = v;
	m[7] = m[7] * 3 + v;
}

TEST(atomic)
{
	struct rax_obj_file o = rax_obj_read("atomic.o");
	unsigned long long model[ATOMIC_SLOTS] = { 0 }, v = 0x9e3779b97f4a7c15ULL;
	unsigned long long start[ATOMIC_SLOTS] = {
		0, 0, 0, ~0ULL, 0x5555, 7, 0, 1,
	};
	unsigned char pkt[64] = { 0 };
	int fds[2], n, rax, tw, rax_values, tw_values, run, i;
	struct bpf_object *twin;
	__u32 key;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/atomic.o missing");
	n = rax_create_maps(&o.img, fds, 2);
	ASSERT_EQ(1, n);
	rax_values = fds[0];
	rax = rax_load_entry(&o, fds, n, "rax_entry_atomic", BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, rax) TH_LOG("load: %s\n%s", strerror(-rax), log_buf);
	twin = twin_open("atomic");
	ASSERT_NE(NULL, twin) TH_LOG("twins/atomic.bpf.o: %s", strerror(errno));
	tw = twin_prog(twin, "atomic");
	tw_values = twin_map(twin, "values");
	ASSERT_LE(0, tw);
	ASSERT_LE(0, tw_values);
	for (key = 0; key < ATOMIC_SLOTS; key++) {
		ASSERT_EQ(0, map_update(rax_values, &key, &start[key]));
		ASSERT_EQ(0, map_update(tw_values, &key, &start[key]));
		model[key] = start[key];
	}

	for (run = 0; run < 40; run++) {
		v = v * 6364136223846793005ULL + 1442695040888963407ULL;
		memcpy(pkt, &v, sizeof(v));
		EXPECT_EQ(XDP_PASS, test_run(rax, pkt, sizeof(pkt), 1));
		EXPECT_EQ(XDP_PASS, test_run(tw, pkt, sizeof(pkt), 1));
		atomic_model(model, v);
		for (i = 0; i < ATOMIC_SLOTS; i++) {
			unsigned long long r = rax_map_u64(rax_values, i);
			unsigned long long e = rax_map_u64(tw_values, i);

			EXPECT_EQ(e, r) TH_LOG("run %d slot %d: Rax %llx, eBPF %llx", run, i, r, e);
			EXPECT_EQ(model[i], r) TH_LOG("run %d slot %d: Rax %llx, model %llx",
						      run, i, r, model[i]);
		}
	}

	bpf_object__close(twin);
	close(rax);
	close(fds[0]);
	rax_obj_free(&o);
}

/*
 * recursive: a value computed one level of recursion at a time, to a
 * depth from the packet. Up to 33 levels, the most tail calls allow the
 * twin, both must store the same value, and the model's; past that the
 * twin aborts and the Rax program goes on to depth 500, until its stack,
 * checked at every level, stops it (aborted, nothing stored).
 */
static unsigned long long walk_model(unsigned int n)
{
	unsigned long long acc = 0;
	unsigned int k;

	for (k = 1; k <= n; k++)
		acc = acc * 31 + k;
	return acc;
}

TEST(recursive)
{
	static const unsigned int depths[] = { 0, 1, 2, 7, 32, 33 };
	struct rax_obj_file o = rax_obj_read("recursive.o");
	int fds[2], n, rax, tw, tw_step, jump, rax_res, tw_res, i;
	unsigned char pkt[64] = { 0 };
	unsigned int depth;
	struct bpf_object *twin;
	__u32 key = 0;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/recursive.o missing");
	n = rax_create_maps(&o.img, fds, 2);
	ASSERT_EQ(1, n);
	rax_res = fds[0];
	rax = rax_load_entry(&o, fds, n, "rax_entry_recursive", BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, rax) TH_LOG("load: %s\n%s", strerror(-rax), log_buf);
	twin = twin_open("recursive");
	ASSERT_NE(NULL, twin) TH_LOG("twins/recursive.bpf.o: %s", strerror(errno));
	tw = twin_prog(twin, "recursive");
	tw_step = twin_prog(twin, "step");
	jump = twin_map(twin, "jump");
	tw_res = twin_map(twin, "result");
	ASSERT_LE(0, tw);
	ASSERT_LE(0, tw_step);
	ASSERT_LE(0, jump);
	ASSERT_LE(0, tw_res);
	ASSERT_EQ(0, map_update(jump, &key, &tw_step));

	for (i = 0; i < (int)ARRAY_SIZE(depths); i++) {
		depth = depths[i];
		memcpy(pkt, &depth, sizeof(depth));
		EXPECT_EQ(XDP_PASS, test_run(rax, pkt, sizeof(pkt), 1))
			TH_LOG("Rax, depth %u", depth);
		EXPECT_EQ(XDP_PASS, test_run(tw, pkt, sizeof(pkt), 1))
			TH_LOG("eBPF, depth %u", depth);
		EXPECT_EQ(walk_model(depth), rax_map_u64(rax_res, 0))
			TH_LOG("Rax, depth %u", depth);
		EXPECT_EQ(walk_model(depth), rax_map_u64(tw_res, 0))
			TH_LOG("eBPF, depth %u", depth);
		EXPECT_EQ(depth, rax_map_u64(rax_res, 1));
		EXPECT_EQ(depth, rax_map_u64(tw_res, 1));
	}

	/* One level more than tail calls allow: only Rax gets there. */
	depth = 34;
	memcpy(pkt, &depth, sizeof(depth));
	EXPECT_EQ(XDP_ABORTED, test_run(tw, pkt, sizeof(pkt), 1));
	EXPECT_EQ(33, rax_map_u64(tw_res, 1));
	for (depth = 34; depth <= 500; depth += 466 / 2) {
		memcpy(pkt, &depth, sizeof(depth));
		EXPECT_EQ(XDP_PASS, test_run(rax, pkt, sizeof(pkt), 1)) TH_LOG("depth %u", depth);
		EXPECT_EQ(walk_model(depth), rax_map_u64(rax_res, 0)) TH_LOG("depth %u", depth);
	}

	/* A million levels: the stack check stops it; nothing is stored. */
	depth = 1000000;
	memcpy(pkt, &depth, sizeof(depth));
	EXPECT_EQ(XDP_ABORTED, test_run(rax, pkt, sizeof(pkt), 1));
	EXPECT_NE(depth, rax_map_u64(rax_res, 1));
	EXPECT_EQ(1, fdinfo_ll(rax, "rax_panics"))
		TH_LOG("panics %lld, timeouts %lld", fdinfo_ll(rax, "rax_panics"),
		       fdinfo_ll(rax, "rax_timeouts"));

	bpf_object__close(twin);
	close(rax);
	close(fds[0]);
	rax_obj_free(&o);
}

/*
 * xdp_counter: per-class and per-protocol counts, and the discard port
 * dropped. A set of made packets (every class, IPv4 options, a header
 * length of 0, truncated headers) and 300 generated ones go through both;
 * each verdict must be the same, and so must the maps at the end.
 */
static unsigned int xdp_packet(unsigned char *p, unsigned int i, unsigned long long *seed)
{
	static const unsigned short types[] = { 0x0800, 0x86dd, 0x0806, 0x88cc, 0x0800 };
	unsigned int len, k;

	memset(p, 0, 128);
	switch (i) {
	case 0: /* IPv4 UDP to port 9 */
	case 1: /* the same to port 53 */
	case 2: /* IPv4 TCP to port 9 */
		p[12] = 0x08, p[14] = 0x45, p[23] = i == 2 ? 6 : 17;
		p[36] = 0, p[37] = i == 1 ? 53 : 9;
		return 64;
	case 3: /* IPv4 with 4 bytes of options, UDP to port 9 */
		p[12] = 0x08, p[14] = 0x46, p[23] = 17, p[41] = 9;
		return 64;
	case 4: /* a header length of 0: the "port" is the total length */
		p[12] = 0x08, p[14] = 0x40, p[23] = 17, p[16] = 0, p[17] = 9;
		return 64;
	case 5: /* IPv4, too short for its header */
		p[12] = 0x08, p[14] = 0x45;
		return 20;
	case 6: /* IPv4 UDP to port 9, cut before the port */
		p[12] = 0x08, p[14] = 0x45, p[23] = 17;
		return 36;
	case 7: /* IPv6, ICMPv6 */
		p[12] = 0x86, p[13] = 0xdd, p[20] = 58;
		return 64;
	case 8: /* IPv6, cut before its next header */
		p[12] = 0x86, p[13] = 0xdd;
		return 20;
	case 9: /* ARP */
		p[12] = 0x08, p[13] = 0x06;
		return 42;
	case 10: /* LLDP: other */
		p[12] = 0x88, p[13] = 0xcc;
		return 60;
	}
	/* Generated: a type from the list, random bytes, 14 to 127 bytes. */
	for (k = 0; k < 128; k++) {
		*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
		p[k] = *seed >> 56;
	}
	k = types[(*seed >> 20) % 5];
	p[12] = k >> 8, p[13] = k & 0xff;
	if (k == 0x0800 && (*seed >> 33) % 2)
		p[23] = 17, p[14] = 0x45, p[36] = 0, p[37] = 9;
	len = 14 + (*seed >> 8) % 114;
	return len;
}

TEST(xdp_counter)
{
	struct rax_obj_file o = rax_obj_read("xdp.o");
	unsigned long long seed = 42, r, e, rv, ev, drops = 0;
	int fds[4], n, rax, tw, i, cpu, ncpus;
	unsigned long long rvals[256], evals[256];
	int rax_proto, rax_eth, tw_proto, tw_eth;
	unsigned char pkt[128];
	struct bpf_object *twin;
	unsigned int len;
	__u32 key;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/xdp.o missing");
	n = rax_create_maps(&o.img, fds, 4);
	ASSERT_EQ(2, n);
	rax_proto = fds[rax_map_index(&o.img, "PROTO_COUNT")];
	rax_eth = fds[rax_map_index(&o.img, "ETH_COUNT")];
	rax = rax_load_entry(&o, fds, n, "rax_entry_xdp_counter", BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, rax) TH_LOG("load: %s\n%s", strerror(-rax), log_buf);
	twin = twin_open("xdp_counter");
	ASSERT_NE(NULL, twin) TH_LOG("twins/xdp_counter.bpf.o: %s", strerror(errno));
	tw = twin_prog(twin, "xdp_counter");
	tw_proto = twin_map(twin, "proto_count");
	tw_eth = twin_map(twin, "eth_count");
	ASSERT_LE(0, tw);
	ASSERT_LE(0, tw_proto);
	ASSERT_LE(0, tw_eth);

	for (i = 0; i < 11 + 300; i++) {
		len = xdp_packet(pkt, i, &seed);
		rv = test_run(rax, pkt, len, 1);
		ev = test_run(tw, pkt, len, 1);
		EXPECT_EQ(ev, rv) TH_LOG("packet %d (%u bytes): Rax %lld, eBPF %lld", i, len,
					 (long long)rv, (long long)ev);
		drops += rv == XDP_DROP;
		if (i < 11)
			EXPECT_EQ(i == 0 || i == 3 || i == 4 ? XDP_DROP : XDP_PASS, rv)
				TH_LOG("made packet %d", i);
	}
	for (key = 0; key < 256; key++) {
		r = rax_map_u64(rax_proto, key);
		e = rax_map_u64(tw_proto, key);
		EXPECT_EQ(e, r) TH_LOG("protocol %u: Rax %llu, eBPF %llu", key, r, e);
	}
	ncpus = libbpf_num_possible_cpus();
	ASSERT_LT(0, ncpus);
	ASSERT_GE(256, ncpus);
	for (key = 0; key < 5; key++) {
		memset(rvals, 0, sizeof(rvals));
		memset(evals, 0, sizeof(evals));
		ASSERT_EQ(0, bpf_map_lookup_elem(rax_eth, &key, rvals));
		ASSERT_EQ(0, bpf_map_lookup_elem(tw_eth, &key, evals));
		for (r = e = 0, cpu = 0; cpu < ncpus; cpu++) {
			r += rvals[cpu];
			e += evals[cpu];
		}
		EXPECT_EQ(e, r) TH_LOG("class %u: Rax %llu, eBPF %llu", key, r, e);
		if (key == 4)
			EXPECT_EQ(drops, r);
	}
	ksft_print_msg("xdp_counter: 311 packets, %llu dropped, the same on both sides\n", drops);

	bpf_object__close(twin);
	close(rax);
	for (i = 0; i < n; i++)
		close(fds[i]);
	rax_obj_free(&o);
}

/*
 * map_bench: the eight map types, one command per run (an operation, a
 * map, a key, a value, a repeat count), the same 800 generated commands
 * through both sides after userspace wrote into some of their maps; each
 * verdict, value read and errno must be the same, and so must every map
 * at the end (every CPU's value of the per-CPU maps, the queue and the
 * stack popped to the end from userspace). On CPU 0 only: the LRU maps
 * evict by CPU.
 */
enum { MB_HASH, MB_PCPU_HASH, MB_LRU, MB_LRU_PCPU, MB_ARRAY, MB_PCPU_ARRAY, MB_QUEUE,
	MB_STACK, MB_RESULT, MB_NMAPS };

static const char *const map_bench_rax[MB_NMAPS] = {
	"HASH", "PCPU_HASH", "LRU", "LRU_PCPU", "ARRAY", "PCPU_ARRAY", "QUEUE", "STACK", "RESULT",
};

static const char *const map_bench_ebpf[MB_NMAPS] = {
	"hash", "pcpu_hash", "lru", "lru_pcpu", "array", "pcpu_array", "queue", "stack", "result",
};

struct map_bench_cmd {
	__u8 op, map, pad[2];
	__u32 key;
	__u64 value;
	__u32 repeat;
	__u8 tail[12];	/* XDP test-run wants at least an Ethernet header */
};

static void map_bench_gen(struct map_bench_cmd *c, unsigned long long *seed)
{
	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	memset(c, 0, sizeof(*c));
	c->op = (*seed >> 60) % 3;
	/* Updates first: more of them than deletes keeps the maps full. */
	if ((*seed >> 58) % 4 == 0)
		c->op = 0;
	c->map = (*seed >> 40) % 8;
	/* Keys past the arrays (64) and past what the LRU maps hold (16). */
	c->key = (*seed >> 20) % (c->map == MB_LRU || c->map == MB_LRU_PCPU ? 40 : 72);
	c->value = *seed ^ 0x5555;
	c->repeat = (*seed >> 10) % 16 == 0 ? 3 : 1;
}

/* Every CPU's values of a map, key by key, from 0 to @keys - 1. */
static int map_bench_contents(int fd, bool percpu, unsigned int keys, unsigned long long *out,
			      int ncpus)
{
	unsigned int key, stride = percpu ? ncpus : 1;
	unsigned long long v[256];
	int found = 0;

	for (key = 0; key < keys; key++) {
		memset(v, 0xee, sizeof(v));
		if (bpf_map_lookup_elem(fd, &key, v))
			memset(v, 0xff, sizeof(v));
		else
			found++;
		memcpy(out + key * stride, v, stride * sizeof(*v));
	}
	return found;
}

/* Keys at the arrays' (64 entries) edges and past them. */
static const __u32 map_bench_edges[] = {
	0, 63, 64, 65, 127, 128, 0x7fffffff, 0x80000000, 0x80000001, 0xffffffff, 0x40000003,
};

/*
 * Command @c through both sides: the same verdict, value read and errno.
 * Whether it succeeded.
 */
static bool map_bench_both(struct __test_metadata *_metadata, int i,
			   const struct map_bench_cmd *c, int rax, int tw, int rres, int eres)
{
	long long rv = test_run(rax, c, sizeof(*c), 1), ev = test_run(tw, c, sizeof(*c), 1);
	unsigned long long rr, er;
	__u32 k;

	EXPECT_EQ(ev, rv) TH_LOG("command %d (op %u map %u key %u): Rax %lld, eBPF %lld",
				 i, c->op, c->map, c->key, rv, ev);
	for (k = 0; k < 2; k++) {
		rr = rax_map_u64(rres, k);
		er = rax_map_u64(eres, k);
		EXPECT_EQ(er, rr) TH_LOG("command %d (op %u map %u key %u): %s %llu/%llu",
					 i, c->op, c->map, c->key, k ? "errno" : "value", rr, er);
	}
	return rv == XDP_PASS;
}

TEST(map_bench)
{
	struct rax_obj_file o = rax_obj_read("map_bench.o");
	unsigned long long seed = 7, ok = 0, edge_ok = 0;
	static unsigned long long rc[72 * 256], ec[72 * 256];
	int fds[MB_NMAPS], rfd[MB_NMAPS], efd[MB_NMAPS];
	int n, rax, tw, i, m, ncpus, rf, ef, cpu;
	struct map_bench_cmd c;
	struct bpf_object *twin;
	cpu_set_t one;
	__u64 v;
	__u32 k;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/map_bench.o missing");
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
	ncpus = libbpf_num_possible_cpus();
	ASSERT_LT(0, ncpus);
	ASSERT_GE(256, ncpus);
	n = rax_create_maps(&o.img, fds, MB_NMAPS);
	ASSERT_EQ(MB_NMAPS, n);
	for (m = 0; m < MB_NMAPS; m++) {
		i = rax_map_index(&o.img, map_bench_rax[m]);
		ASSERT_LE(0, i) TH_LOG("no map %s", map_bench_rax[m]);
		rfd[m] = fds[i];
	}
	rax = rax_load_entry(&o, fds, n, "rax_entry_map_bench", BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, rax) TH_LOG("load: %s\n%s", strerror(-rax), log_buf);
	twin = twin_open("map_bench");
	ASSERT_NE(NULL, twin) TH_LOG("twins/map_bench.bpf.o: %s", strerror(errno));
	tw = twin_prog(twin, "map_bench");
	ASSERT_LE(0, tw);
	for (m = 0; m < MB_NMAPS; m++) {
		efd[m] = twin_map(twin, map_bench_ebpf[m]);
		ASSERT_LE(0, efd[m]);
	}

	/* Userspace writes into both: a hash entry, three queued values. */
	k = 5;
	v = 500;
	ASSERT_EQ(0, bpf_map_update_elem(rfd[MB_HASH], &k, &v, BPF_ANY));
	ASSERT_EQ(0, bpf_map_update_elem(efd[MB_HASH], &k, &v, BPF_ANY));
	for (v = 1; v <= 3; v++) {
		ASSERT_EQ(0, bpf_map_update_elem(rfd[MB_QUEUE], NULL, &v, BPF_ANY));
		ASSERT_EQ(0, bpf_map_update_elem(efd[MB_QUEUE], NULL, &v, BPF_ANY));
	}

	for (i = 0; i < 800; i++) {
		map_bench_gen(&c, &seed);
		ok += map_bench_both(_metadata, i, &c, rax, tw, rfd[MB_RESULT], efd[MB_RESULT]);
	}

	/*
	 * The arrays' edges, which Rax looks up without the map's ops: keys
	 * at, past and far past the end, and keys only the index mask would
	 * bound, updated and looked up on both sides, on CPU 0 and then on
	 * CPU 1, where the per-CPU array's lookups must find CPU 1's values
	 * (every CPU's values are compared below).
	 */
	for (cpu = 0; cpu < 2 && cpu < ncpus; cpu++) {
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		ASSERT_EQ(0, sched_setaffinity(0, sizeof(one), &one));
		for (i = 0; i < (int)(2 * 2 * ARRAY_SIZE(map_bench_edges)); i++) {
			memset(&c, 0, sizeof(c));
			c.op = i % 2 ? 1 : 0;	/* update, then look it up */
			c.map = (i / 2) % 2 ? MB_PCPU_ARRAY : MB_ARRAY;
			c.key = map_bench_edges[i / 4];
			c.value = 0x1000 * (cpu + 1) + i;
			edge_ok += map_bench_both(_metadata, 1000 * (cpu + 1) + i, &c, rax, tw,
						  rfd[MB_RESULT], efd[MB_RESULT]);
		}
	}
	/* Keys 0 and 63: an update and a lookup on each array, on each CPU. */
	EXPECT_EQ(8 * cpu, edge_ok);

	for (m = 0; m < MB_QUEUE; m++) {
		bool percpu = m == MB_PCPU_HASH || m == MB_LRU_PCPU || m == MB_PCPU_ARRAY;
		unsigned int stride = percpu ? ncpus : 1;

		rf = map_bench_contents(rfd[m], percpu, 72, rc, ncpus);
		ef = map_bench_contents(efd[m], percpu, 72, ec, ncpus);
		EXPECT_EQ(ef, rf) TH_LOG("%s: %d keys in Rax, %d in eBPF", map_bench_rax[m], rf,
					 ef);
		for (k = 0; k < 72 * stride; k++)
			if (rc[k] != ec[k]) {
				EXPECT_EQ(ec[k], rc[k]) TH_LOG("%s: key %u cpu %u: %llx, eBPF %llx",
							       map_bench_rax[m], k / stride,
							       k % stride, rc[k], ec[k]);
				break;
			}
		ksft_print_msg("map_bench: %s: %d keys, the same on both sides\n",
			       map_bench_rax[m], rf);
	}
	for (m = MB_QUEUE; m <= MB_STACK; m++) {
		for (i = 0;; i++) {
			unsigned long long a = 0, b = 0;

			rf = bpf_map_lookup_and_delete_elem(rfd[m], NULL, &a);
			ef = bpf_map_lookup_and_delete_elem(efd[m], NULL, &b);
			EXPECT_EQ(ef, rf) TH_LOG("%s: pop %d", map_bench_rax[m], i);
			if (rf || ef)
				break;
			EXPECT_EQ(b, a) TH_LOG("%s: value %d", map_bench_rax[m], i);
		}
		ksft_print_msg("map_bench: %s: %d values left, the same on both sides\n",
			       map_bench_rax[m], i);
	}
	/* The tree's bpftool dumps the Rax maps as it dumps eBPF's. */
	for (m = 0; m < MB_QUEUE; m++) {
		static char out[1 << 17];
		char cmd[128], *p;
		FILE *f;
		size_t got;
		int keys = 0, want;

		want = map_bench_contents(rfd[m], false, 72, rc, ncpus);
		snprintf(cmd, sizeof(cmd), "../bpftool -j map dump name %s", map_bench_rax[m]);
		f = popen(cmd, "r");
		ASSERT_NE(NULL, f);
		got = fread(out, 1, sizeof(out) - 1, f);
		out[got] = '\0';
		EXPECT_EQ(0, pclose(f)) TH_LOG("%s: %s", cmd, out);
		for (p = out; (p = strstr(p, "\"key\":")); p++)
			keys++;
		EXPECT_EQ(want, keys) TH_LOG("%s: %s", cmd, out);
	}
	ksft_print_msg("map_bench: 800 commands, %llu succeeded, the same on both sides\n", ok);
	EXPECT_LT(200, ok);
	EXPECT_GT(700, ok);

	bpf_object__close(twin);
	close(rax);
	for (i = 0; i < n; i++)
		close(fds[i]);
	rax_obj_free(&o);
}

/*
 * error_injector: a kprobe on __x64_sys_getpgid fails getpgid() with
 * -ENOMEM for the target process only, and counts; the same calls give
 * the same results with either side attached. Attached to a function
 * that does not allow error injection, both are refused.
 */
struct inject_target {
	__u32 tgid;
	__u32 pad;
	__s64 rc;
};

/* getpgid() results: 4 by this process, then 1 by a child, as errnos. */
static void getpgid_calls(int *errs)
{
	int i, st, p[2];
	pid_t c;

	for (i = 0; i < 4; i++)
		errs[i] = syscall(__NR_getpgid, 0) < 0 ? errno : 0;
	errs[4] = -1;
	if (pipe(p))
		return;
	c = fork();
	if (c == 0) {
		int e = syscall(__NR_getpgid, 0) < 0 ? errno : 0;

		_exit(write(p[1], &e, sizeof(e)) == sizeof(e) ? 0 : 1);
	}
	if (c > 0 && waitpid(c, &st, 0) == c && read(p[0], &errs[4], sizeof(int)) != sizeof(int))
		errs[4] = -1;
	close(p[0]);
	close(p[1]);
}

TEST(error_injector)
{
	struct rax_obj_file o = rax_obj_read("error_injector.o");
	int fds[2], n, rax, tw, ev, i, side, rtarget, rinj, etarget, einj;
	struct inject_target t = { .tgid = getpid(), .rc = -ENOMEM };
	int errs[2][5];
	struct bpf_object *twin;
	__u32 k = 0;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/error_injector.o missing");
	n = rax_create_maps(&o.img, fds, 2);
	ASSERT_EQ(2, n);
	rtarget = fds[rax_map_index(&o.img, "TARGET")];
	rinj = fds[rax_map_index(&o.img, "INJECTED")];
	rax = rax_load_entry(&o, fds, n, "rax_entry_error_injector", BPF_PROG_TYPE_KPROBE);
	ASSERT_LE(0, rax) TH_LOG("load: %s\n%s", strerror(-rax), log_buf);
	twin = twin_open("error_injector");
	ASSERT_NE(NULL, twin) TH_LOG("twins/error_injector.bpf.o: %s", strerror(errno));
	tw = twin_prog(twin, "error_injector");
	etarget = twin_map(twin, "target");
	einj = twin_map(twin, "injected");
	ASSERT_LE(0, tw);
	ASSERT_EQ(0, bpf_map_update_elem(rtarget, &k, &t, BPF_ANY));
	ASSERT_EQ(0, bpf_map_update_elem(etarget, &k, &t, BPF_ANY));

	/* Not open to error injection: both refused at attach. */
	EXPECT_EQ(-EINVAL, kprobe_attach("vfs_read", rax));
	EXPECT_EQ(-EINVAL, kprobe_attach("vfs_read", tw));

	for (side = 0; side < 2; side++) {
		ev = kprobe_attach("__x64_sys_getpgid", side ? tw : rax);
		ASSERT_LE(0, ev) TH_LOG("%s: attach: %s", side ? "eBPF" : "Rax", strerror(-ev));
		getpgid_calls(errs[side]);
		close(ev);
	}
	for (i = 0; i < 5; i++) {
		EXPECT_EQ(errs[1][i], errs[0][i]) TH_LOG("call %d: Rax %d, eBPF %d", i, errs[0][i],
							 errs[1][i]);
		EXPECT_EQ(i < 4 ? ENOMEM : 0, errs[0][i]) TH_LOG("call %d", i);
	}
	EXPECT_EQ(4, rax_map_u64(rinj, 0));
	EXPECT_EQ(4, rax_map_u64(einj, 0));
	/* Detached: nothing fails. */
	EXPECT_EQ(getpgid(0), syscall(__NR_getpgid, 0));
	ksft_print_msg("error_injector: 4 calls failed with ENOMEM, another process's not, %s\n",
		       "on both sides");

	bpf_object__close(twin);
	close(rax);
	for (i = 0; i < n; i++)
		close(fds[i]);
	rax_obj_free(&o);
}

/*
 * tracex5: both attached to __seccomp_filter at once, the target a child
 * under an allow-all seccomp filter, pinned to CPU 0, making known
 * calls. Each side's perf records (read with libbpf's perf_buffer) must
 * be the same sequence, holding those calls, and the counts the same.
 */
struct tracex5_event {
	__u32 tgid;
	__u32 nr;
	__u64 args[3];
};

struct tracex5_seen {
	struct tracex5_event ev[256];
	int n, bad;
};

static void tracex5_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct tracex5_seen *s = ctx;

	if (size < sizeof(struct tracex5_event) || s->n == 256) {
		s->bad++;
		return;
	}
	memcpy(&s->ev[s->n++], data, sizeof(struct tracex5_event));
}

static void tracex5_child(void)
{
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		_exit(1);
	syscall(__NR_getppid);
	syscall(__NR_write, -1, 0x1234, 77);
	syscall(__NR_close, -5);
	syscall(__NR_getppid);
	syscall(__NR_exit_group, 0);
}

TEST(tracex5)
{
	struct rax_obj_file o = rax_obj_read("tracex5.o");
	static struct tracex5_seen seen[2];
	static const __u32 want[] = { __NR_getppid, __NR_write, __NR_close, __NR_getppid,
				      __NR_exit_group };
	int fds[3], n, rax, tw, evr, eve, i, j, st, rcounts, ecounts, go[2];
	struct perf_buffer *pb[2];
	struct bpf_object *twin;
	__u64 rc, ec;
	cpu_set_t one;
	__u32 k = 0, nr;
	pid_t c;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/tracex5.o missing");
	n = rax_create_maps(&o.img, fds, 3);
	ASSERT_EQ(3, n);
	rcounts = fds[rax_map_index(&o.img, "COUNTS")];
	rax = rax_load_entry(&o, fds, n, "rax_entry_tracex5", BPF_PROG_TYPE_KPROBE);
	ASSERT_LE(0, rax) TH_LOG("load: %s\n%s", strerror(-rax), log_buf);
	twin = twin_open("tracex5");
	ASSERT_NE(NULL, twin) TH_LOG("twins/tracex5.bpf.o: %s", strerror(errno));
	tw = twin_prog(twin, "tracex5");
	ecounts = twin_map(twin, "counts");
	ASSERT_LE(0, tw);
	memset(seen, 0, sizeof(seen));
	pb[0] = perf_buffer__new(fds[rax_map_index(&o.img, "EVENTS")], 8, tracex5_sample, NULL,
				 &seen[0], NULL);
	pb[1] = perf_buffer__new(twin_map(twin, "events"), 8, tracex5_sample, NULL, &seen[1],
				 NULL);
	ASSERT_NE(NULL, pb[0]) TH_LOG("perf_buffer__new (Rax): %s", strerror(errno));
	ASSERT_NE(NULL, pb[1]) TH_LOG("perf_buffer__new (eBPF): %s", strerror(errno));

	/* The child waits on a pipe until both are attached and aimed at it. */
	ASSERT_EQ(0, pipe(go));
	c = fork();
	ASSERT_LE(0, c);
	if (c == 0) {
		char b;

		CPU_ZERO(&one);
		CPU_SET(0, &one);
		if (sched_setaffinity(0, sizeof(one), &one) || read(go[0], &b, 1) != 1)
			_exit(2);
		tracex5_child();
	}
	nr = c;
	ASSERT_EQ(0, bpf_map_update_elem(fds[rax_map_index(&o.img, "TARGET")], &k, &nr, BPF_ANY));
	ASSERT_EQ(0, bpf_map_update_elem(twin_map(twin, "target"), &k, &nr, BPF_ANY));
	evr = kprobe_attach("__seccomp_filter", rax);
	ASSERT_LE(0, evr) TH_LOG("attach: %s", strerror(-evr));
	eve = kprobe_attach("__seccomp_filter", tw);
	ASSERT_LE(0, eve) TH_LOG("attach: %s", strerror(-eve));
	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(c, waitpid(c, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st)) TH_LOG("child status %#x", st);
	close(evr);
	close(eve);
	for (i = 0; i < 2; i++) {
		EXPECT_LE(0, perf_buffer__consume(pb[i]));
		perf_buffer__free(pb[i]);
	}

	EXPECT_EQ(0, seen[0].bad);
	EXPECT_EQ(seen[1].n, seen[0].n) TH_LOG("records: Rax %d, eBPF %d", seen[0].n, seen[1].n);
	for (i = 0; i < seen[0].n && i < seen[1].n; i++)
		EXPECT_EQ(0, memcmp(&seen[0].ev[i], &seen[1].ev[i], sizeof(seen[0].ev[i])))
			TH_LOG("record %d: Rax nr %u tgid %u, eBPF nr %u tgid %u", i,
			       seen[0].ev[i].nr, seen[0].ev[i].tgid, seen[1].ev[i].nr,
			       seen[1].ev[i].tgid);
	/* The calls after the filter, in order (the filter's own prctl too). */
	for (i = 0, j = 0; i < seen[0].n && j < (int)ARRAY_SIZE(want); i++) {
		EXPECT_EQ((__u32)c, seen[0].ev[i].tgid);
		if (seen[0].ev[i].nr == want[j])
			j++;
	}
	EXPECT_EQ(ARRAY_SIZE(want), j) TH_LOG("%d of the %zu calls seen in order", j,
					      ARRAY_SIZE(want));
	for (nr = 0; nr < 512; nr++) {
		rc = 0;
		ec = 0;
		bpf_map_lookup_elem(rcounts, &nr, &rc);
		bpf_map_lookup_elem(ecounts, &nr, &ec);
		EXPECT_EQ(ec, rc) TH_LOG("syscall %u: Rax %llu, eBPF %llu", nr, rc, ec);
	}
	ksft_print_msg("tracex5: %d records, the same on both sides\n", seen[0].n);

	close(go[0]);
	close(go[1]);
	bpf_object__close(twin);
	close(rax);
	for (i = 0; i < n; i++)
		close(fds[i]);
	rax_obj_free(&o);
}

/* One test run of @prog on @in (@len bytes): the verdict, the packet out. */
struct run_out {
	__u32 ret;
	__u32 len;
	unsigned char data[512];
	struct __sk_buff skb;	/* tc only */
};

static int run_pkt(int prog, const void *in, __u32 len, struct run_out *out, bool tc)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .data_out = out->data, .data_size_out = sizeof(out->data), .repeat = 1);
	int err;

	memset(out, 0, sizeof(*out));
	if (tc) {
		o.ctx_out = &out->skb;
		o.ctx_size_out = sizeof(out->skb);
	}
	err = bpf_prog_test_run_opts(prog, &o);
	out->ret = o.retval;
	out->len = o.data_size_out;
	return err ? -errno : 0;
}

/* The one's complement sum of @len bytes (16-bit words, memory order). */
static __u32 ocsum(const unsigned char *p, unsigned int len, __u32 sum)
{
	unsigned int i;

	for (i = 0; i + 1 < len; i += 2)
		sum += p[i] | p[i + 1] << 8;
	if (len & 1)
		sum += p[len - 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* Whether an IPv4 UDP or TCP packet's two checksums hold (0 UDP: none). */
static bool checksums_hold(const unsigned char *p, unsigned int len)
{
	unsigned int ihl = (p[14] & 0xf) * 4, l4 = 14 + ihl, l4len;
	unsigned char pseudo[12];
	__u32 sum;

	if (ocsum(p + 14, ihl, 0) != 0xffff)
		return false;
	l4len = (p[16] << 8 | p[17]) - ihl;
	if (l4 + l4len > len)
		return false;
	if (p[23] == 17 && !p[l4 + 6] && !p[l4 + 7])
		return true;
	memcpy(pseudo, p + 26, 8);
	pseudo[8] = 0;
	pseudo[9] = p[23];
	pseudo[10] = l4len >> 8;
	pseudo[11] = l4len & 0xff;
	sum = ocsum(pseudo, 12, 0);
	return ocsum(p + l4, l4len, sum) == 0xffff;
}

/* Fills in an IPv4 packet's header checksum and its L4 checksum. */
static void fill_checksums(unsigned char *p, unsigned int len)
{
	unsigned int ihl = (p[14] & 0xf) * 4, l4 = 14 + ihl, l4len = len - l4, at;
	unsigned char pseudo[12];
	__u16 c;

	p[24] = 0;
	p[25] = 0;
	c = ~ocsum(p + 14, ihl, 0);
	memcpy(p + 24, &c, 2);
	at = l4 + (p[23] == 6 ? 16 : 6);
	if (at + 2 > len)
		return;
	p[at] = 0;
	p[at + 1] = 0;
	memcpy(pseudo, p + 26, 8);
	pseudo[8] = 0;
	pseudo[9] = p[23];
	pseudo[10] = l4len >> 8;
	pseudo[11] = l4len & 0xff;
	c = ~ocsum(p + l4, l4len, ocsum(pseudo, 12, 0));
	memcpy(p + at, &c, 2);
}

static unsigned long long lcg(unsigned long long *seed)
{
	*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return *seed >> 16;
}

/*
 * An IPv4 packet from a random source: UDP or TCP (or ICMP), to @dst and
 * @dport or elsewhere, sometimes with options, a fragment or cut short,
 * with correct checksums; its length.
 */
static unsigned int ip_packet(unsigned char *p, unsigned long long *seed, __u32 dst,
			      __u16 dport)
{
	unsigned int r = lcg(seed), opts = r % 7 == 0 ? 4 : 0, ihl = 20 + opts;
	unsigned int l4 = 14 + ihl, proto = r % 11 == 0 ? 1 : r % 2 ? 17 : 6;
	unsigned int plen = 8 + lcg(seed) % 40, len;
	__u32 src = htonl(0x0a000000 | (lcg(seed) & 0xffffff));
	__u16 sport = htons(1024 + lcg(seed) % 4000), dp = htons(dport);
	unsigned int k;

	len = l4 + (proto == 6 ? 20 : 8) + plen;
	memset(p, 0, len);
	memcpy(p, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	p[12] = 0x08;
	p[14] = 0x40 | ihl / 4;
	p[16] = (len - 14) >> 8;
	p[17] = (len - 14) & 0xff;
	p[22] = 64;
	p[23] = proto;
	if (r % 13 == 0)
		p[20] = 0x20;	/* more fragments */
	memcpy(p + 26, &src, 4);
	if (r % 5 == 0)
		dst = htonl(0xc0a80000 | (lcg(seed) & 0xffff));
	if (r % 9 == 0)
		dp = htons(80);
	memcpy(p + 30, &dst, 4);
	memcpy(p + l4, &sport, 2);
	memcpy(p + l4 + 2, &dp, 2);
	if (proto == 17) {
		p[l4 + 4] = (len - l4) >> 8;
		p[l4 + 5] = (len - l4) & 0xff;
	} else if (proto == 6) {
		p[l4 + 12] = 0x50;
	}
	for (k = len - plen; k < len; k++)
		p[k] = lcg(seed);
	fill_checksums(p, len);
	if (proto == 17 && r % 17 == 0) {
		p[l4 + 6] = 0;	/* no UDP checksum */
		p[l4 + 7] = 0;
	}
	if (r % 19 == 0)
		len = 14 + 10;	/* cut short */
	return len;
}

/*
 * xdp_lb: a service of 4 backends; 400 generated packets (to the service
 * over UDP, other addresses, ports and protocols, options, fragments,
 * no UDP checksum, cut short) through both: the same verdicts, the same
 * packets out, valid checksums on every packet sent back, the same
 * counts per backend, and every backend used.
 */
struct lb_service {
	__u32 vip;
	__u16 port;
	__u8 proto, nbackends;
};

struct lb_backend {
	__u32 addr;
	__u8 mac[6];
	__u16 pad;
};

TEST(xdp_lb)
{
	struct rax_obj_file o = rax_obj_read("xdp_lb.o");
	struct lb_service svc = { .vip = htonl(0x0a6400fe), .port = htons(53), .proto = 17,
				  .nbackends = 4 };
	unsigned long long seed = 99, sent = 0, r_stat, e_stat;
	int fds[3], n, rax, tw, i, m, cpu, ncpus, rs, es;
	static struct run_out ro, eo;
	unsigned long long rv[256], ev[256];
	struct bpf_object *twin;
	unsigned char pkt[256];
	unsigned int len;
	__u32 k;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/xdp_lb.o missing");
	n = rax_create_maps(&o.img, fds, 3);
	ASSERT_EQ(3, n);
	rax = rax_load_entry(&o, fds, n, "rax_entry_xdp_lb", BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, rax) TH_LOG("load: %s\n%s", strerror(-rax), log_buf);
	twin = twin_open("xdp_lb");
	ASSERT_NE(NULL, twin) TH_LOG("twins/xdp_lb.bpf.o: %s", strerror(errno));
	tw = twin_prog(twin, "xdp_lb");
	ASSERT_LE(0, tw);
	for (m = 0; m < 2; m++) {
		int sfd = m ? twin_map(twin, "service") : fds[rax_map_index(&o.img, "SERVICE")];
		int bfd = m ? twin_map(twin, "backends") : fds[rax_map_index(&o.img, "BACKENDS")];

		k = 0;
		ASSERT_EQ(0, bpf_map_update_elem(sfd, &k, &svc, BPF_ANY));
		for (k = 0; k < 4; k++) {
			struct lb_backend be = { .addr = htonl(0x0a010000 + k),
						 .mac = { 0x02, 0xbe, 0, 0, 0, k } };

			ASSERT_EQ(0, bpf_map_update_elem(bfd, &k, &be, BPF_ANY));
		}
	}
	rs = fds[rax_map_index(&o.img, "STATS")];
	es = twin_map(twin, "stats");

	for (i = 0; i < 400; i++) {
		/* The service's packets are UDP: make most of them UDP. */
		do {
			len = ip_packet(pkt, &seed, svc.vip, 53);
		} while (pkt[23] == 6 && lcg(&seed) % 4);
		ASSERT_EQ(0, run_pkt(rax, pkt, len, &ro, false));
		ASSERT_EQ(0, run_pkt(tw, pkt, len, &eo, false));
		EXPECT_EQ(eo.ret, ro.ret) TH_LOG("packet %d: Rax %u, eBPF %u", i, ro.ret, eo.ret);
		EXPECT_EQ(eo.len, ro.len) TH_LOG("packet %d", i);
		EXPECT_EQ(0, memcmp(eo.data, ro.data, ro.len < eo.len ? ro.len : eo.len))
			TH_LOG("packet %d: the packets out differ", i);
		if (ro.ret == XDP_TX) {
			sent++;
			EXPECT_TRUE(checksums_hold(ro.data, ro.len)) TH_LOG("packet %d", i);
			EXPECT_EQ(0, memcmp(ro.data + 6, pkt, 6)) TH_LOG("packet %d", i);
		}
	}
	ncpus = libbpf_num_possible_cpus();
	ASSERT_GE(256, ncpus);
	for (k = 0; k < 4; k++) {
		ASSERT_EQ(0, bpf_map_lookup_elem(rs, &k, rv));
		ASSERT_EQ(0, bpf_map_lookup_elem(es, &k, ev));
		r_stat = 0;
		e_stat = 0;
		for (cpu = 0; cpu < ncpus; cpu++) {
			r_stat += rv[cpu];
			e_stat += ev[cpu];
		}
		EXPECT_EQ(e_stat, r_stat) TH_LOG("backend %u", k);
		EXPECT_LT(0, r_stat) TH_LOG("backend %u never chosen", k);
	}
	EXPECT_LT(100, sent);
	ksft_print_msg("xdp_lb: 400 packets, %llu balanced with valid checksums, %s\n", sent,
		       "the same on both sides");

	bpf_object__close(twin);
	close(rax);
	for (i = 0; i < n; i++)
		close(fds[i]);
	rax_obj_free(&o);
}

/*
 * tc_firewall: a rule table of nested prefixes (a /8 that marks, a /16
 * that drops, a /24 port range that is rewritten to another port, a /0
 * for ICMP that marks, a TCP /8 that allows) and 400 generated packets
 * through both: the same verdicts, marks, packets out (checksums valid
 * after a rewrite) and hits per rule.
 */
struct fw_rule {
	__u32 prefix;
	__u8 prefix_len, proto, action, active;
	__u16 port_lo, port_hi;
	__u32 arg;
};

TEST(tc_firewall)
{
	struct rax_obj_file o = rax_obj_read("tc_firewall.o");
	static const struct fw_rule rules[] = {
		{ 0x0a000000, 8, 17, 2, 1, 0, 65535, 0x77 },	/* 10/8 UDP: mark */
		{ 0x0a010000, 16, 0, 1, 1, 0, 65535, 0 },	/* 10.1/16: drop */
		{ 0x0a020300, 24, 17, 3, 1, 50, 60, 5353 },	/* 10.2.3/24 UDP 50-60 */
		{ 0, 0, 1, 2, 1, 0, 0, 0x1c },			/* ICMP: mark */
		{ 0x0a000000, 8, 6, 0, 1, 0, 65535, 0 },	/* 10/8 TCP: allow */
		{ 0x0a010000, 16, 0, 0, 1, 0, 65535, 0 },	/* tie: the drop wins */
	};
	unsigned long long seed = 5, rewritten = 0, dropped = 0, marked = 0;
	unsigned long long rv[256], ev[256], r_hit, e_hit;
	int fds[2], n, rax, tw, i, cpu, ncpus, rh, eh;
	static struct run_out ro, eo;
	struct bpf_object *twin;
	unsigned char pkt[256];
	unsigned int len;
	__u32 k;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/tc_firewall.o missing");
	n = rax_create_maps(&o.img, fds, 2);
	ASSERT_EQ(2, n);
	rax = rax_load_entry(&o, fds, n, "rax_entry_tc_firewall", BPF_PROG_TYPE_SCHED_CLS);
	ASSERT_LE(0, rax) TH_LOG("load: %s\n%s", strerror(-rax), log_buf);
	twin = twin_open("tc_firewall");
	ASSERT_NE(NULL, twin) TH_LOG("twins/tc_firewall.bpf.o: %s", strerror(errno));
	tw = twin_prog(twin, "tc_firewall");
	ASSERT_LE(0, tw);
	for (k = 0; k < ARRAY_SIZE(rules); k++) {
		struct fw_rule r = rules[k];

		r.prefix = htonl(r.prefix);
		ASSERT_EQ(0, bpf_map_update_elem(fds[rax_map_index(&o.img, "RULES")], &k, &r,
						 BPF_ANY));
		ASSERT_EQ(0, bpf_map_update_elem(twin_map(twin, "rules"), &k, &r, BPF_ANY));
	}
	rh = fds[rax_map_index(&o.img, "HITS")];
	eh = twin_map(twin, "hits");

	for (i = 0; i < 400; i++) {
		__u32 src;

		/* An IPv4 packet cut short is refused by the skb test run. */
		do {
			len = ip_packet(pkt, &seed, htonl(0xc0a80001), 50 + lcg(&seed) % 16);
		} while (len < 34);
		/* Sources in and around the rules' prefixes. */
		src = htonl((lcg(&seed) % 3 ? 0x0a000000 : 0x0b000000) |
			    (lcg(&seed) % 4) << 16 | (lcg(&seed) % 5) << 8 | (lcg(&seed) & 0xff));
		if (len > 34) {
			memcpy(pkt + 26, &src, 4);
			fill_checksums(pkt, len);
		}
		ASSERT_EQ(0, run_pkt(rax, pkt, len, &ro, true));
		ASSERT_EQ(0, run_pkt(tw, pkt, len, &eo, true));
		EXPECT_EQ(eo.ret, ro.ret) TH_LOG("packet %d: Rax %u, eBPF %u", i, ro.ret, eo.ret);
		EXPECT_EQ(eo.skb.mark, ro.skb.mark) TH_LOG("packet %d", i);
		EXPECT_EQ(eo.len, ro.len) TH_LOG("packet %d", i);
		EXPECT_EQ(0, memcmp(eo.data, ro.data, ro.len < eo.len ? ro.len : eo.len))
			TH_LOG("packet %d: the packets out differ", i);
		dropped += ro.ret == TC_ACT_SHOT;
		marked += ro.skb.mark != 0;
		if (ro.ret == TC_ACT_OK && len > 34 && memcmp(ro.data, pkt, len)) {
			rewritten++;
			EXPECT_TRUE(checksums_hold(ro.data, ro.len)) TH_LOG("packet %d", i);
		}
	}
	ncpus = libbpf_num_possible_cpus();
	ASSERT_GE(256, ncpus);
	for (k = 0; k <= 64; k++) {
		ASSERT_EQ(0, bpf_map_lookup_elem(rh, &k, rv));
		ASSERT_EQ(0, bpf_map_lookup_elem(eh, &k, ev));
		r_hit = 0;
		e_hit = 0;
		for (cpu = 0; cpu < ncpus; cpu++) {
			r_hit += rv[cpu];
			e_hit += ev[cpu];
		}
		EXPECT_EQ(e_hit, r_hit) TH_LOG("rule %u", k);
	}
	EXPECT_LT(0, rewritten);
	EXPECT_LT(0, dropped);
	EXPECT_LT(0, marked);
	ksft_print_msg("tc_firewall: 400 packets, %llu dropped, %llu marked, %llu rewritten, %s\n",
		       dropped, marked, rewritten, "the same on both sides");

	bpf_object__close(twin);
	close(rax);
	for (i = 0; i < n; i++)
		close(fds[i]);
	rax_obj_free(&o);
}

/*
 * xdp_test: each packet helper on packets of several sizes and
 * arguments, through both: the same verdicts and packets out.
 */
TEST(xdp_test)
{
	struct rax_obj_file o = rax_obj_read("xdp_test.o");
	static const __u8 args[][2] = {
		{ 0, 4 }, { 0, 20 }, { 0, 200 }, { 1, 2 }, { 1, 30 }, { 1, 200 },
		{ 2, 10 }, { 2, 100 }, { 2, 250 }, { 2, 200 }, { 3, 0 }, { 3, 0 },
		{ 4, 1 }, { 4, 200 }, { 5, 0 }, { 5, 1 }, { 5, 9 }, { 6, 0 }, { 7, 0 },
		{ 7, 1 }, { 7, 9 }, { 9, 0 },
	};
	static const unsigned int lens[] = { 16, 28, 60, 128 };
	int fds[3], n, rax, tw, i, l, devs[2], cpus[2], same = 0;
	static struct run_out ro, eo;
	struct bpf_object *twin;
	unsigned char pkt[256];
	__u32 k = 0, lo = 1, qsize = 64;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/xdp_test.o missing");
	n = rax_create_maps(&o.img, fds, 3);
	ASSERT_EQ(3, n);
	rax = rax_load_entry(&o, fds, n, "rax_entry_xdp_test", BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, rax) TH_LOG("load: %s\n%s", strerror(-rax), log_buf);
	twin = twin_open("xdp_test");
	ASSERT_NE(NULL, twin) TH_LOG("twins/xdp_test.bpf.o: %s", strerror(errno));
	tw = twin_prog(twin, "xdp_test");
	ASSERT_LE(0, tw);
	devs[0] = fds[rax_map_index(&o.img, "DEVS")];
	devs[1] = twin_map(twin, "devs");
	cpus[0] = fds[rax_map_index(&o.img, "CPUS")];
	cpus[1] = twin_map(twin, "cpus");
	/* Slot 0 holds lo, or CPU 0; slot 1 stays empty. */
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, bpf_map_update_elem(devs[i], &k, &lo, BPF_ANY));
		ASSERT_EQ(0, bpf_map_update_elem(cpus[i], &k, &qsize, BPF_ANY));
	}

	for (i = 0; i < (int)ARRAY_SIZE(args); i++) {
		for (l = 0; l < (int)ARRAY_SIZE(lens); l++) {
			unsigned int j;

			for (j = 0; j < lens[l]; j++)
				pkt[j] = j * 7 + i;
			pkt[14] = args[i][0];
			pkt[15] = args[i][1];
			ASSERT_EQ(0, run_pkt(rax, pkt, lens[l], &ro, false));
			ASSERT_EQ(0, run_pkt(tw, pkt, lens[l], &eo, false));
			EXPECT_EQ(eo.ret, ro.ret) TH_LOG("op %u arg %u len %u: Rax %u, eBPF %u",
							 args[i][0], args[i][1], lens[l], ro.ret,
							 eo.ret);
			EXPECT_EQ(eo.len, ro.len) TH_LOG("op %u arg %u len %u", args[i][0],
							 args[i][1], lens[l]);
			EXPECT_EQ(0, memcmp(eo.data, ro.data, ro.len < eo.len ? ro.len : eo.len))
				TH_LOG("op %u arg %u len %u: the packets out differ", args[i][0],
				       args[i][1], lens[l]);
			same += eo.ret == ro.ret && eo.len == ro.len &&
				!memcmp(eo.data, ro.data, ro.len);
		}
	}
	/* Each program counted its own metadata writes: 2 x 4 each. */
	EXPECT_EQ(8, rax_map_u64(fds[rax_map_index(&o.img, "COUNTER")], 0));
	EXPECT_EQ(8, rax_map_u64(twin_map(twin, "counter"), 0));
	ksft_print_msg("xdp_test: %d of %zu runs the same on both sides\n", same,
		       ARRAY_SIZE(args) * ARRAY_SIZE(lens));

	bpf_object__close(twin);
	close(rax);
	for (i = 0; i < n; i++)
		close(fds[i]);
	rax_obj_free(&o);
}

/* Frames with @marker at offset 16 that arrive on the packet socket @sock. */
static int count_marked(int sock, __u8 marker, int want)
{
	unsigned char buf[256];
	int n = 0, tries;
	ssize_t got;

	for (tries = 0; tries < 300 && n < want; tries++) {
		while ((got = recv(sock, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
			n += got > 16 && buf[12] == 0x88 && buf[13] == 0xb5 && buf[16] == marker;
		if (n < want)
			usleep(10000);
	}
	/* Anything more that comes is a duplicate. */
	usleep(50000);
	while ((got = recv(sock, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		n += got > 16 && buf[12] == 0x88 && buf[13] == 0xb5 && buf[16] == marker;
	return n;
}

/* A packet socket on @ifindex, all protocols. */
static int packet_socket(int ifindex)
{
	struct sockaddr_ll at = {
		.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = ifindex,
	};
	int sock = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));

	if (sock >= 0 && bind(sock, (struct sockaddr *)&at, sizeof(at))) {
		close(sock);
		return -1;
	}
	return sock;
}

/*
 * Frames the xdp:xdp_cpumap_enqueue events of the trace buffer say map
 * @map_id queued for CPU @cpu.
 */
static int cpumap_enqueued(__u32 map_id, int cpu)
{
	char line[512], id[32], to[32], *p;
	FILE *f = fopen(RAX_TRACEFS "trace", "r");
	int n = 0;

	if (!f)
		return -1;
	snprintf(id, sizeof(id), " map_id=%u ", map_id);
	snprintf(to, sizeof(to), " to_cpu=%d", cpu);
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "xdp_cpumap_enqueue") || !strstr(line, id) || !strstr(line, to))
			continue;
		p = strstr(line, " processed=");
		if (p)
			n += atoi(p + 11);
	}
	fclose(f);
	return n;
}

/*
 * xdp_test's redirects for real: test runs in live-frame mode
 * (BPF_F_TEST_XDP_LIVE_FRAMES), from lo, pinned to CPU 0:
 *
 * - through the devmap to raxr0, a veth: each frame must arrive on its
 *   peer raxr1 (which runs an XDP_PASS program, as veth needs to take
 *   redirected frames), where nothing else could bring it (a frame the
 *   program passed would go up lo);
 * - through the cpumap to CPU 1: each frame must be queued to CPU 1 by
 *   that map (the xdp:xdp_cpumap_enqueue events name the map and the
 *   CPU) and reach the stack on lo.
 *
 * Both sides, each on its own maps: all frames, once.
 */
#define LIVE_FRAMES 20

TEST(xdp_test_redirects_live)
{
	struct rax_obj_file o = rax_obj_read("xdp_test.o");
	struct bpf_insn pass[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fds[3], n, passfd, sock[2], side, op, got, progs[2], to_cpu;
	__u32 slot = 2, ifindex, qsize = 64, devs[2], cpus[2], lo = 1;
	struct bpf_map_info info;
	struct xdp_md md = { 0 };
	struct bpf_object *twin;
	unsigned char pkt[64];
	cpu_set_t set, old;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/xdp_test.o missing");
	to_cpu = libbpf_num_possible_cpus() > 1 ? 1 : 0;
	system("ip link del raxr0 2>/dev/null");
	ASSERT_EQ(0, system("ip link add raxr0 type veth peer name raxr1"));
	ASSERT_EQ(0, system("ip link set raxr0 up && ip link set raxr1 up && ip link set lo up"));
	ifindex = if_nametoindex("raxr0");
	ASSERT_LT(0, ifindex);
	passfd = bpf_prog_load(BPF_PROG_TYPE_XDP, "pass", "GPL", pass, 2, NULL);
	ASSERT_LE(0, passfd) TH_LOG("XDP_PASS program: %s", strerror(errno));
	ASSERT_EQ(0, bpf_xdp_attach(if_nametoindex("raxr1"), passfd, 0, NULL));
	sock[0] = packet_socket(if_nametoindex("raxr1"));
	ASSERT_LE(0, sock[0]);
	sock[1] = packet_socket(lo);
	ASSERT_LE(0, sock[1]);
	ASSERT_EQ(0, write_file(RAX_TRACEFS "trace", ""));
	ASSERT_EQ(0, write_file(RAX_TRACEFS "events/xdp/xdp_cpumap_enqueue/enable", "1\n"));
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(old), &old));
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ASSERT_EQ(0, sched_setaffinity(0, sizeof(set), &set));

	n = rax_create_maps(&o.img, fds, 3);
	ASSERT_EQ(3, n);
	progs[0] = rax_load_entry(&o, fds, n, "rax_entry_xdp_test", BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, progs[0]) TH_LOG("load: %s\n%s", strerror(-progs[0]), log_buf);
	twin = twin_open("xdp_test");
	ASSERT_NE(NULL, twin) TH_LOG("twins/xdp_test.bpf.o: %s", strerror(errno));
	progs[1] = twin_prog(twin, "xdp_test");
	ASSERT_LE(0, progs[1]);
	devs[0] = fds[rax_map_index(&o.img, "DEVS")];
	devs[1] = twin_map(twin, "devs");
	cpus[0] = fds[rax_map_index(&o.img, "CPUS")];
	cpus[1] = twin_map(twin, "cpus");

	for (side = 0; side < 2; side++) {
		const char *who = side ? "eBPF" : "Rax";
		__u32 len = sizeof(info);

		ASSERT_EQ(0, bpf_map_update_elem(devs[side], &slot, &ifindex, BPF_ANY));
		ASSERT_EQ(0, bpf_map_update_elem(cpus[side], &(__u32){ to_cpu }, &qsize, BPF_ANY));
		memset(&info, 0, sizeof(info));
		ASSERT_EQ(0, bpf_map_get_info_by_fd(cpus[side], &info, &len));
		for (op = 5; op <= 7; op += 2) {
			LIBBPF_OPTS(bpf_test_run_opts, t,
				    .data_in = pkt, .data_size_in = sizeof(pkt),
				    .ctx_in = &md, .ctx_size_in = sizeof(md),
				    .repeat = LIVE_FRAMES, .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
			__u8 marker = 0x40 + side * 2 + (op == 7);
			const char *how = op == 5 ? "devmap" : "cpumap";

			memset(pkt, 0, sizeof(pkt));
			memset(pkt, 0xff, 6);
			pkt[6] = 0x02;
			pkt[12] = 0x88;		/* ETH_P_802_EX1, local use */
			pkt[13] = 0xb5;
			pkt[14] = op;
			pkt[15] = op == 5 ? slot : to_cpu;
			pkt[16] = marker;
			md.data_end = sizeof(pkt);
			md.ingress_ifindex = lo;
			ASSERT_EQ(0, bpf_prog_test_run_opts(progs[side], &t))
				TH_LOG("%s op %d: live test run: %s", who, op, strerror(errno));
			got = count_marked(sock[op == 7], marker, LIVE_FRAMES);
			EXPECT_EQ(LIVE_FRAMES, got)
				TH_LOG("%s: %d of %d frames through the %s arrived on %s", who,
				       got, LIVE_FRAMES, how, op == 5 ? "raxr1" : "lo");
			ksft_print_msg("xdp_test: %s, %s: %d of %d frames arrived on %s\n", who,
				       how, got, LIVE_FRAMES, op == 5 ? "raxr1" : "lo");
		}
		got = cpumap_enqueued(info.id, to_cpu);
		EXPECT_EQ(LIVE_FRAMES, got)
			TH_LOG("%s: the cpumap (id %u) queued %d of %d frames for CPU %d", who,
			       info.id, got, LIVE_FRAMES, to_cpu);
		ksft_print_msg("xdp_test: %s: the cpumap queued %d frames for CPU %d\n", who,
			       got, to_cpu);
	}

	write_file(RAX_TRACEFS "events/xdp/xdp_cpumap_enqueue/enable", "0\n");
	sched_setaffinity(0, sizeof(old), &old);
	bpf_object__close(twin);
	close(progs[0]);
	close(sock[0]);
	close(sock[1]);
	bpf_xdp_detach(if_nametoindex("raxr1"), 0, NULL);
	close(passfd);
	system("ip link del raxr0 2>/dev/null");
	for (n--; n >= 0; n--)
		close(fds[n]);
	rax_obj_free(&o);
}

/*
 * task_info: a kprobe on do_filp_open for a child that opens two files
 * and a third path ending in "signal-me": each side, attached in turn,
 * records the child's ids, its parent (this process), its cgroup, its
 * name and both copies of each path, and signals it once. The records
 * must be the same on both sides (but for the child's pid) and right.
 */
struct task_record {
	__u32 tgid, ppid;
	__u64 cgroup_id;
	__u32 numa_node, path_len, upath_len, same;
	char path[64];
	char comm[16];
};

static volatile sig_atomic_t usr1_seen;

static void on_usr1(int sig)
{
	usr1_seen++;
}

static const char *const task_info_paths[] = {
	"/tmp/rax-task-info-a", "/tmp/rax-task-info-b", "/tmp/rax-task-info-signal-me",
};

/* The child: waits for @go, opens the three paths, exits with the signals seen. */
static void task_info_child(int go)
{
	char b;
	int i, fd;

	signal(SIGUSR1, on_usr1);
	if (read(go, &b, 1) != 1)
		_exit(100);
	for (i = 0; i < 3; i++) {
		fd = open(task_info_paths[i], i < 2 ? O_RDONLY | O_CREAT : O_RDONLY, 0600);
		if (fd >= 0)
			close(fd);
	}
	usleep(100 * 1000);
	_exit(usr1_seen);
}

TEST(task_info)
{
	struct rax_obj_file o = rax_obj_read("task_info.o");
	int fds[3], n, rax, tw, side, ev, st, go[2], i, target, recs, cnt;
	static struct task_record rec[2][16];
	int nrec[2], sigs[2];
	struct bpf_object *twin;
	pid_t child[2];
	__u32 k;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/task_info.o missing");
	n = rax_create_maps(&o.img, fds, 3);
	ASSERT_EQ(3, n);
	rax = rax_load_entry(&o, fds, n, "rax_entry_task_info", BPF_PROG_TYPE_KPROBE);
	ASSERT_LE(0, rax) TH_LOG("load: %s\n%s", strerror(-rax), log_buf);
	twin = twin_open("task_info");
	ASSERT_NE(NULL, twin) TH_LOG("twins/task_info.bpf.o: %s", strerror(errno));
	tw = twin_prog(twin, "task_info");
	ASSERT_LE(0, tw);

	for (side = 0; side < 2; side++) {
		target = side ? twin_map(twin, "target") : fds[rax_map_index(&o.img, "TARGET")];
		recs = side ? twin_map(twin, "records") : fds[rax_map_index(&o.img, "RECORDS")];
		cnt = side ? twin_map(twin, "count") : fds[rax_map_index(&o.img, "COUNT")];
		ASSERT_EQ(0, pipe(go));
		child[side] = fork();
		ASSERT_LE(0, child[side]);
		if (child[side] == 0)
			task_info_child(go[0]);
		k = 0;
		ASSERT_EQ(0, bpf_map_update_elem(target, &k, &child[side], BPF_ANY));
		ev = kprobe_attach("do_filp_open", side ? tw : rax);
		ASSERT_LE(0, ev) TH_LOG("attach: %s", strerror(-ev));
		ASSERT_EQ(1, write(go[1], "g", 1));
		ASSERT_EQ(child[side], waitpid(child[side], &st, 0));
		close(ev);
		close(go[0]);
		close(go[1]);
		ASSERT_TRUE(WIFEXITED(st)) TH_LOG("child status %#x", st);
		sigs[side] = WEXITSTATUS(st);
		nrec[side] = rax_map_u64(cnt, 0);
		for (k = 0; k < 16; k++)
			ASSERT_EQ(0, bpf_map_lookup_elem(recs, &k, &rec[side][k]));
	}
	for (i = 0; i < 2; i++)
		unlink(task_info_paths[i]);

	EXPECT_EQ(nrec[1], nrec[0]);
	EXPECT_EQ(3, nrec[0]) TH_LOG("the child opened 3 paths; %d records", nrec[0]);
	EXPECT_EQ(1, sigs[0]) TH_LOG("Rax: %d SIGUSR1 seen", sigs[0]);
	EXPECT_EQ(1, sigs[1]) TH_LOG("eBPF: %d SIGUSR1 seen", sigs[1]);
	for (i = 0; i < nrec[0] && i < 16; i++) {
		struct task_record *r = &rec[0][i], *e = &rec[1][i];

		EXPECT_EQ((__u32)child[0], r->tgid);
		EXPECT_EQ((__u32)child[1], e->tgid);
		EXPECT_EQ(getpid(), r->ppid);
		EXPECT_EQ(e->ppid, r->ppid);
		EXPECT_EQ(e->cgroup_id, r->cgroup_id);
		EXPECT_NE(0, r->cgroup_id);
		EXPECT_EQ(e->numa_node, r->numa_node);
		EXPECT_EQ(e->path_len, r->path_len);
		EXPECT_EQ(e->upath_len, r->upath_len);
		EXPECT_EQ(1, r->same);
		EXPECT_EQ(e->same, r->same);
		EXPECT_EQ(0, memcmp(e->path, r->path, sizeof(r->path)))
			TH_LOG("record %d: Rax %.64s, eBPF %.64s", i, r->path, e->path);
		EXPECT_EQ(0, memcmp(e->comm, r->comm, sizeof(r->comm)));
		if (i < 3) {
			EXPECT_STREQ(task_info_paths[i], r->path);
			EXPECT_EQ(strlen(task_info_paths[i]) + 1, r->path_len);
		}
	}
	ksft_print_msg("task_info: %d records and a signal on each side, the same\n", nrec[0]);

	bpf_object__close(twin);
	close(rax);
	for (i = 0; i < n; i++)
		close(fds[i]);
	rax_obj_free(&o);
}

/*
 * trace_event: both sides sample the same child with CPU-clock events of
 * their own (1 ms) while it spins in spin_for() for 1.5 s of CPU time.
 * Samples are timing-dependent, so the test bounds them: each side sees
 * at least 40, within a factor of 2 of the other; most have a user stack
 * whose first frame is in spin_for(), on both sides; every stack id
 * counted resolves in that side's stack trace map.
 */
struct stack_key {
	__u32 tgid;
	__s32 kernel_stack, user_stack;
	__u32 pad;
};

static __attribute__((noinline)) void spin_for(double seconds)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	do {
		for (volatile int i = 0; i < 100000; i++)
			;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	} while ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
}

static int perf_sample_attach(pid_t pid, int prog)
{
	struct perf_event_attr pa = {
		.size = sizeof(pa),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = 1000000,
		.disabled = 1,
	};
	int fd = syscall(__NR_perf_event_open, &pa, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, prog) || ioctl(fd, PERF_EVENT_IOC_ENABLE, 0)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Samples counted by @counts; of them, with a user stack starting in spin_for(). */
static void stack_samples(struct __test_metadata *_metadata, int counts, int stacks,
			  unsigned long long *total, unsigned long long *in_spin)
{
	unsigned long spin = (unsigned long)spin_for;
	struct stack_key key, next, *prev = NULL;
	__u64 frames[64], n;

	*total = 0;
	*in_spin = 0;
	while (!bpf_map_get_next_key(counts, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(counts, &key, &n))
			continue;
		*total += n;
		if (key.kernel_stack >= 0)
			EXPECT_EQ(0, bpf_map_lookup_elem(stacks, &key.kernel_stack, frames))
				TH_LOG("kernel stack %d not in the map", key.kernel_stack);
		if (key.user_stack < 0)
			continue;
		ASSERT_EQ(0, bpf_map_lookup_elem(stacks, &key.user_stack, frames))
			TH_LOG("user stack %d not in the map", key.user_stack);
		if (frames[0] >= spin && frames[0] < spin + 512)
			*in_spin += n;
	}
}

TEST(trace_event)
{
	struct rax_obj_file o = rax_obj_read("trace_event.o");
	unsigned long long total[2], in_spin[2];
	int fds[3], n, rax, tw, i, st, ev[2], go[2];
	struct bpf_object *twin;
	pid_t c;
	__u32 k = 0;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/trace_event.o missing");
	n = rax_create_maps(&o.img, fds, 3);
	ASSERT_EQ(3, n);
	rax = rax_load_entry(&o, fds, n, "rax_entry_trace_event", BPF_PROG_TYPE_PERF_EVENT);
	ASSERT_LE(0, rax) TH_LOG("load: %s\n%s", strerror(-rax), log_buf);
	twin = twin_open("trace_event");
	ASSERT_NE(NULL, twin) TH_LOG("twins/trace_event.bpf.o: %s", strerror(errno));
	tw = twin_prog(twin, "trace_event");
	ASSERT_LE(0, tw);

	ASSERT_EQ(0, pipe(go));
	c = fork();
	ASSERT_LE(0, c);
	if (c == 0) {
		char b;

		if (read(go[0], &b, 1) != 1)
			_exit(1);
		spin_for(1.5);
		_exit(0);
	}
	ASSERT_EQ(0, bpf_map_update_elem(fds[rax_map_index(&o.img, "TARGET")], &k, &c, BPF_ANY));
	ASSERT_EQ(0, bpf_map_update_elem(twin_map(twin, "target"), &k, &c, BPF_ANY));
	ev[0] = perf_sample_attach(c, rax);
	ev[1] = perf_sample_attach(c, tw);
	ASSERT_LE(0, ev[0]) TH_LOG("perf event (Rax): %s", strerror(-ev[0]));
	ASSERT_LE(0, ev[1]) TH_LOG("perf event (eBPF): %s", strerror(-ev[1]));
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(c, waitpid(c, &st, 0));
	close(ev[0]);
	close(ev[1]);
	close(go[0]);
	close(go[1]);

	stack_samples(_metadata, fds[rax_map_index(&o.img, "COUNTS")],
		      fds[rax_map_index(&o.img, "STACKS")], &total[0], &in_spin[0]);
	stack_samples(_metadata, twin_map(twin, "counts"), twin_map(twin, "stacks"), &total[1],
		      &in_spin[1]);
	for (i = 0; i < 2; i++) {
		EXPECT_LE(40, total[i]) TH_LOG("%s: %llu samples", i ? "eBPF" : "Rax", total[i]);
		EXPECT_LE(total[i] / 2, in_spin[i])
			TH_LOG("%s: %llu of %llu samples in spin_for()", i ? "eBPF" : "Rax",
			       in_spin[i], total[i]);
	}
	EXPECT_LE(total[1] / 2, total[0]);
	EXPECT_LE(total[0] / 2, total[1]);
	ksft_print_msg("trace_event: Rax %llu samples (%llu in spin_for), eBPF %llu (%llu)\n",
		       total[0], in_spin[0], total[1], in_spin[1]);

	bpf_object__close(twin);
	close(rax);
	for (i = 0; i < n; i++)
		close(fds[i]);
	rax_obj_free(&o);
}

/*
 * spinlock_cleanup: 60 runs, one in three an error under the lock (a
 * panic for Rax, an unlock and XDP_ABORTED for eBPF): the same verdicts,
 * the same counts, the Rax program's panics counted, and the lock free
 * after every run (the next one takes it).
 */
TEST(spinlock_cleanup)
{
	struct rax_obj_file o = rax_obj_read("spinlock_cleanup.o");
	unsigned char pkt[64] = { 0 }, rv[24], ev[24];
	int fds[1], n, rax, tw, i, errors = 0;
	struct bpf_object *twin;
	long long r, e;
	__u32 k = 0;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/spinlock_cleanup.o missing");
	n = rax_create_maps(&o.img, fds, 1);
	ASSERT_EQ(1, n);
	rax = rax_load_entry(&o, fds, n, "rax_entry_spinlock_cleanup", BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, rax) TH_LOG("load: %s\n%s", strerror(-rax), log_buf);
	twin = twin_open("spinlock_cleanup");
	ASSERT_NE(NULL, twin) TH_LOG("twins/spinlock_cleanup.bpf.o: %s", strerror(errno));
	tw = twin_prog(twin, "spinlock_cleanup");
	ASSERT_LE(0, tw);

	for (i = 0; i < 60; i++) {
		pkt[0] = i % 3 == 2;
		errors += pkt[0];
		r = test_run(rax, pkt, sizeof(pkt), 1);
		e = test_run(tw, pkt, sizeof(pkt), 1);
		EXPECT_EQ(e, r) TH_LOG("run %d: Rax %lld, eBPF %lld", i, r, e);
		EXPECT_EQ(pkt[0] ? XDP_ABORTED : XDP_PASS, r) TH_LOG("run %d", i);
	}
	EXPECT_EQ(errors, fdinfo_ll(rax, "rax_panics"));
	ASSERT_EQ(0, bpf_map_lookup_elem(fds[0], &k, rv));
	ASSERT_EQ(0, bpf_map_lookup_elem(twin_map(twin, "state"), &k, ev));
	/* The counts after the lock word and its padding. */
	EXPECT_EQ(0, memcmp(rv + 8, ev + 8, 16));
	EXPECT_EQ(60, *(__u64 *)(rv + 8));
	EXPECT_EQ(errors, *(__u64 *)(rv + 16));
	ksft_print_msg("spinlock_cleanup: 60 runs, %d errors under the lock, %s\n", errors,
		       "the same on both sides");

	bpf_object__close(twin);
	close(rax);
	close(fds[0]);
	rax_obj_free(&o);
}

TEST_HARNESS_MAIN
