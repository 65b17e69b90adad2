// SPDX-License-Identifier: GPL-2.0
/*
 * The performance suite of scripts/bench.sh, not a test. In one boot it
 * runs each case's Rax program and its eBPF twin in turns, for ROUNDS
 * rounds, and writes one JSON object per line on stdout, for
 * scripts/perf-report.py to turn into ratios, plots and tables:
 *
 *   {"case": C, "param": P, "side": S, "round": R, "ns": T}
 *
 * a time per run (per operation for the map cases) of side S ("rax",
 * "ebpf", or another name of what is measured) in round R, and
 *
 *   {"case": C, "param": P, "side": S, "sample": V}
 *
 * for one value of a distribution (the termination case). A run time is
 * the wall time of one BPF_PROG_TEST_RUN of REPEAT runs less that of a
 * test run of one run, over REPEAT - 1 (per_run()); each contender's
 * REPEAT is set once, before the rounds, so that its runs take about
 * TARGET_MS a test run, which keeps the guest clock and the host's
 * scheduling quantum (a vCPU thread can lose a whole 4 ms host tick) a
 * small part of each sample.
 *
 * Cases:
 *   empty      empty.o, which runs bare, against r0 = XDP_PASS; exit,
 *              and empty_run.o, the same through rax_run() (side
 *              "rax:framed"), against a second copy of the twin
 *   map        one map operation, 64 per run in a loop of the program
 *              (map_bench.o and twins/map_bench.bpf.o): lookup that hits,
 *              lookup that misses and update, on an array, a per-CPU
 *              array and a hash map; the time of a run of 1 operation is
 *              subtracted, so that "ns" is per operation
 *   spinlock   a spin-lock critical section: lock, add, unlock
 *              (spinlock_cleanup.o mode 0 and its twin)
 *   recursion  recursion to depth P (recursive.o) against the twin's tail
 *              call per level (twins/recursive.bpf.o), P = 1 to 32
 *   panic      an empty Rax run through rax_run() (empty_run.o), a
 *              panic with nothing held (oob.o), a
 *              panic holding a spin lock (spinlock_cleanup.o mode 1), and
 *              one holding a lock and a ring-buffer record (resources.o
 *              mode 3); the twin's error path, which unlocks and aborts,
 *              as the eBPF side
 *   empty_tp   tp_bench.o's empty tracepoint program against r0 = 0; exit,
 *              attached for this process to syscalls:sys_enter_getppid:
 *              a getppid() with the program less one without, per call
 *              (tp_race(); "base_syscall" is the call without)
 *   panic_tp   likewise, tp_bench.o's tracepoint program returning and
 *              panicking holding nothing, a ring-buffer record, and a
 *              record and a task reference
 *   stop       how late an endless loop (spin.o) is stopped past a 1 ms
 *              budget, STOPS samples in each of process, softirq, hardirq
 *              and NMI context (case_stop())
 *
 * With --spin SECONDS it times nothing: it sets up the empty, spin-lock,
 * recursion and map cases and runs every contender, a test run of two
 * runs at a time, in turn, for scripts/insn-profile.py to count the
 * instructions of a run through QEMU's gdb stub, until the profiler sets
 * its stop flag. The prog ids with the first SPIN_KEY bytes of their
 * packets, their labels and the flag's address go to the kernel log.
 *
 * Usage: RAX_TEST_OBJECTS=DIR rax_perf [ROUNDS [CASE...]]
 *        RAX_TEST_OBJECTS=DIR rax_perf --spin SECONDS [CASE...]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <libgen.h>
#include <linux/perf_event.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "../kselftest_harness.h"
#include "rax_twin.h"
#include "rax_util.h"

#define MAX_ROUNDS	200
#define TARGET_MS	200
#define STOPS		200
#define BUDGET_MAX_US	"/proc/sys/kernel/rax/budget_max_us"
#define STOP_BUDGET_US	1000
#define PKT_LEN		64
#define MAP_OPS		64
/* --spin: runs repeat exactly, so fewer operations count the same per op. */
#define MAP_OPS_SPIN	8
#define MAX_LOADED	16

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* One program on one packet, timed. */
struct contender {
	const char *cse;	/* case */
	int param;
	const char *side;	/* NULL: not printed, only a base */
	int prog;
	unsigned char pkt[PKT_LEN];
	long long want;		/* its verdict */
	unsigned int repeat;	/* runs per test run, from calibrate() */
	/* per operation: minus the run of @base, over @ops */
	struct contender *base;
	int ops;
	double t;		/* this round's time per run */
};

/* The wall time of one test run of @c, @repeat runs; < 0 on a wrong verdict. */
static double elapsed(struct contender *c, unsigned int repeat)
{
	unsigned char pkt[PKT_LEN];
	double t0;
	long long r;

	memcpy(pkt, c->pkt, sizeof(pkt));
	t0 = now_ns();
	r = test_run(c->prog, pkt, sizeof(pkt), repeat);
	if (r != c->want) {
		fprintf(stderr, "%s %d %s: the run returned %lld, not %lld\n", c->cse, c->param,
			c->side ?: "base", r, c->want);
		return -1;
	}
	return now_ns() - t0;
}

/*
 * The time of one run of @c: a test run of @repeat runs less one of a
 * single run, over @repeat - 1. The difference takes out what every XDP
 * test run costs whatever its repeat: it installs the program in the XDP
 * dispatcher and takes it out again, each a synchronize_rcu() (tens of
 * milliseconds under TCG, next to a run's fraction of a microsecond).
 */
static double per_run(struct contender *c, unsigned int repeat)
{
	double one = elapsed(c, 1), many;

	if (one < 0)
		return -1;
	many = elapsed(c, repeat);
	if (many < 0)
		return -1;
	return (many - one) / (repeat - 1);
}

/* Runs per test run for about TARGET_MS of runs. */
static int calibrate(struct contender *c)
{
	double t = per_run(c, 10001);

	if (t < 0)
		return -1;
	t = TARGET_MS * 1e6 / (t > 1 ? t : 1);
	c->repeat = t < 10001 ? 10001 : t > 50000000 ? 50000000 : (unsigned int)t;
	return 0;
}

/*
 * --spin: the contenders are not timed but kept, a copy each with its
 * label, for spin() to run once every case is set up; nothing is closed.
 */
#define MAX_SPIN	128
/* Packet bytes that tell apart the runs of one program, for the profiler. */
#define SPIN_KEY	24
static int spin_seconds;
static struct contender spun[MAX_SPIN];
static char spun_label[MAX_SPIN][64];
static int nspun;

static void keep(const struct contender *c, const char *prefix, const char *side)
{
	if (nspun >= MAX_SPIN)
		return;
	spun[nspun] = *c;
	spun[nspun].base = NULL;
	snprintf(spun_label[nspun], sizeof(spun_label[nspun]), "%s%s %d %s", prefix, c->cse,
		 c->param, side);
	nspun++;
}

/* @n contenders in turn, @rounds rounds, each round's result on stdout. */
static int race(struct contender *c, int n, int rounds)
{
	int r, i;

	if (spin_seconds) {
		for (i = 0; i < n; i++) {
			if (c[i].side)
				keep(&c[i], "", c[i].side);
			if (c[i].base)
				keep(c[i].base, "base of ", c[i].side);
		}
		return 0;
	}

	for (i = 0; i < n; i++) {
		if (calibrate(&c[i]))
			return -1;
		fprintf(stderr, "%s %d %s: %u runs a test run\n", c[i].cse, c[i].param,
			c[i].side ?: "base", c[i].repeat);
	}
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < n; i++) {
			c[i].t = per_run(&c[i], c[i].repeat);
			if (c[i].t == -1)
				return -1;
		}
		for (i = 0; i < n; i++) {
			double ns = c[i].t;

			if (!c[i].side)
				continue;	/* only a base */
			if (c[i].base)
				ns = (ns - c[i].base->t) / c[i].ops;
			printf("{\"case\": \"%s\", \"param\": %d, \"side\": \"%s\", \"round\": %d, \"ns\": %.2f}\n",
			       c[i].cse, c[i].param, c[i].side, r, ns);
		}
	}
	return 0;
}

/* Everything loaded; closed at exit. */
struct loaded {
	int fds[MAX_LOADED][16];
	int nmaps[MAX_LOADED];
	int progs[MAX_LOADED];
	int n;
};

/* @file's entry @symbol as a program of @type, with maps of its own (their fds in @maps). */
static int load_type(struct loaded *l, const char *file, const char *symbol, unsigned int type,
		     int **maps)
{
	struct rax_obj_file o = rax_obj_read(file);
	int k = l->n, fd, n;

	if (k >= MAX_LOADED || !o.img.size) {
		fprintf(stderr, "%s: missing from RAX_TEST_OBJECTS\n", file);
		rax_obj_free(&o);
		return -ENOENT;
	}
	n = rax_create_maps(&o.img, l->fds[k], 16);
	fd = n < 0 ? n : rax_load_entry(&o, l->fds[k], n, symbol, type);
	rax_obj_free(&o);
	if (fd < 0) {
		fprintf(stderr, "%s: %s\n%s", file, strerror(-fd), log_buf);
		return fd;
	}
	l->nmaps[k] = n;
	l->progs[k] = fd;
	l->n++;
	if (maps)
		*maps = l->fds[k];
	return fd;
}

/* As XDP. */
static int load(struct loaded *l, const char *file, const char *symbol, int **maps)
{
	return load_type(l, file, symbol, BPF_PROG_TYPE_XDP, maps);
}

/* The empty program's twin: r0 = @ret; exit, as a program of @type. */
static int twin_empty(unsigned int type, int ret)
{
	struct bpf_insn insns[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, ret),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	return ebpf_load_attach(type, 0, 0, insns, ARRAY_SIZE(insns), "ebpf_twin");
}

static int case_empty(struct loaded *l, int rounds)
{
	struct contender c[4] = {
		{ "empty", 0, "rax", load(l, "empty.o", "rax_entry_empty", NULL) },
		{ "empty", 0, "ebpf", twin_empty(BPF_PROG_TYPE_XDP, XDP_PASS) },
		{ "empty", 0, "rax:framed", load(l, "empty_run.o", "rax_entry_empty_run", NULL) },
		/* A program of its own, which the profiler tells apart by its id. */
		{ "empty", 0, "ebpf:framed", twin_empty(BPF_PROG_TYPE_XDP, XDP_PASS) },
	};
	int i;

	for (i = 0; i < 4; i++) {
		c[i].want = XDP_PASS;
		if (c[i].prog < 0)
			return -1;
	}
	return race(c, 4, rounds);
}

/* map_bench's command packet; its maps by index. */
struct map_cmd {
	__u8 op, map, pad[2];
	__u32 key;
	__u64 value;
	__u32 repeat;
};

enum { MB_HASH, MB_ARRAY = 4, MB_PCPU_ARRAY = 5 };
enum { MB_UPDATE, MB_LOOKUP };

static void map_pkt(unsigned char *pkt, __u8 op, __u8 map, __u32 key, __u32 repeat)
{
	struct map_cmd c = { .op = op, .map = map, .key = key, .value = 7, .repeat = repeat };

	memset(pkt, 0, PKT_LEN);
	memcpy(pkt, &c, sizeof(c));
}

static int case_map(struct loaded *l, int rounds)
{
	static const struct { __u8 map; const char *name; } maps[] = {
		{ MB_ARRAY, "array" }, { MB_PCPU_ARRAY, "percpu_array" }, { MB_HASH, "hash" },
	};
	static const struct { __u8 op; __u32 key; long long want; const char *name; } ops[] = {
		{ MB_LOOKUP, 1, XDP_PASS, "lookup_hit" },
		{ MB_LOOKUP, 1000, XDP_DROP, "lookup_miss" },
		{ MB_UPDATE, 1, XDP_PASS, "update" },
	};
	int n_ops = spin_seconds ? MAP_OPS_SPIN : MAP_OPS, spin_ops = spin_seconds ? n_ops : 0;
	struct contender c[4];
	struct bpf_object *twin;
	int rax, tw, m, o, s, err = 0;
	static char sides[ARRAY_SIZE(maps)][ARRAY_SIZE(ops)][2][48];

	rax = load(l, "map_bench.o", "rax_entry_map_bench", NULL);
	twin = twin_open("map_bench");
	tw = twin ? twin_prog(twin, "map_bench") : -ENOENT;
	if (rax < 0 || tw < 0) {
		fprintf(stderr, "map: %s\n", rax < 0 ? "map_bench.o" : "twins/map_bench.bpf.o");
		return -1;
	}
	for (m = 0; m < (int)ARRAY_SIZE(maps) && !err; m++) {
		for (o = 0; o < (int)ARRAY_SIZE(ops) && !err; o++) {
			memset(c, 0, sizeof(c));
			for (s = 0; s < 2; s++) {
				snprintf(sides[m][o][s], sizeof(sides[m][o][s]), "%s:%s:%s",
					 s ? "ebpf" : "rax", maps[m].name, ops[o].name);
				/*
				 * c[s]: one operation a run; c[2 + s]: ops + 1. The
				 * profile's labels carry ops as the parameter.
				 */
				c[s] = (struct contender){ "map", spin_ops, NULL, s ? tw : rax };
				c[2 + s] = (struct contender){ "map", spin_ops, sides[m][o][s],
							       s ? tw : rax };
				c[s].want = ops[o].want;
				c[2 + s].want = ops[o].want;
				map_pkt(c[s].pkt, ops[o].op, maps[m].map, ops[o].key, 1);
				map_pkt(c[2 + s].pkt, ops[o].op, maps[m].map, ops[o].key,
					n_ops + 1);
				c[2 + s].base = &c[s];
				c[2 + s].ops = n_ops;
			}
			/* The key the hits and updates use, in both. */
			for (s = 0; s < 2; s++) {
				unsigned char pkt[PKT_LEN];

				map_pkt(pkt, MB_UPDATE, maps[m].map, 1, 1);
				if (test_run(s ? tw : rax, pkt, sizeof(pkt), 1) != XDP_PASS)
					err = -1;
			}
			if (!err)
				err = race(c, 4, rounds);
		}
	}
	if (!spin_seconds)
		bpf_object__close(twin);
	return err;
}

static int case_spinlock(struct loaded *l, int rounds)
{
	struct bpf_object *twin = twin_open("spinlock_cleanup");
	struct contender c[2] = {
		{ "spinlock", 0, "rax",
		  load(l, "spinlock_cleanup.o", "rax_entry_spinlock_cleanup", NULL) },
		{ "spinlock", 0, "ebpf", twin ? twin_prog(twin, "spinlock_cleanup") : -ENOENT },
	};
	int err = -1;

	c[0].want = XDP_PASS;
	c[1].want = XDP_PASS;
	if (c[0].prog >= 0 && c[1].prog >= 0)
		err = race(c, 2, rounds);
	if (!spin_seconds)
		bpf_object__close(twin);
	return err;
}

static int case_recursion(struct loaded *l, int rounds)
{
	static const int depths[] = { 1, 2, 4, 8, 12, 16, 20, 24, 28, 32 };
	struct bpf_object *twin = twin_open("recursive");
	struct contender c[2];
	int rax, tw, step, jump, i, err = 0;
	__u32 key = 0;

	rax = load(l, "recursive.o", "rax_entry_recursive", NULL);
	tw = twin ? twin_prog(twin, "recursive") : -ENOENT;
	step = twin ? twin_prog(twin, "step") : -ENOENT;
	jump = twin ? twin_map(twin, "jump") : -ENOENT;
	if (rax < 0 || tw < 0 || step < 0 || jump < 0 || map_update(jump, &key, &step)) {
		bpf_object__close(twin);
		return -1;
	}
	for (i = 0; i < (int)ARRAY_SIZE(depths) && !err; i++) {
		__u32 d = depths[i];

		c[0] = (struct contender){ "recursion", depths[i], "rax", rax };
		c[1] = (struct contender){ "recursion", depths[i], "ebpf", tw };
		memcpy(c[0].pkt, &d, sizeof(d));
		memcpy(c[1].pkt, &d, sizeof(d));
		c[0].want = XDP_PASS;
		c[1].want = XDP_PASS;
		err = race(c, 2, rounds);
	}
	if (!spin_seconds)
		bpf_object__close(twin);
	return err;
}

static int case_panic(struct loaded *l, int rounds)
{
	struct bpf_object *twin = twin_open("spinlock_cleanup");
	struct contender c[5] = {
		{ "panic", 0, "rax_empty", load(l, "empty_run.o", "rax_entry_empty_run", NULL) },
		{ "panic", 0, "rax_panic", load(l, "oob.o", "rax_entry_oob_panic", NULL) },
		{ "panic", 1, "rax_panic_lock",
		  load(l, "spinlock_cleanup.o", "rax_entry_spinlock_cleanup", NULL), { 1 } },
		{ "panic", 2, "rax_panic_lock_record",
		  load(l, "resources.o", "rax_entry_resources", NULL), { 3 } },
		{ "panic", 1, "ebpf_error_path",
		  twin ? twin_prog(twin, "spinlock_cleanup") : -ENOENT, { 1 } },
	};
	int i, err = -1;

	c[0].want = XDP_PASS;
	for (i = 1; i < 5; i++)
		c[i].want = XDP_ABORTED;
	for (i = 0; i < 5; i++)
		if (c[i].prog < 0)
			goto out;
	err = race(c, 5, rounds);
out:
	if (!spin_seconds)
		bpf_object__close(twin);
	return err;
}

/*
 * The tracepoint cases: programs attached, for this process only, to
 * TP_EVENT, which getppid() fires. A side's time per run is that of
 * getppid() with its program attached less that without one.
 */
#define TP_EVENT	"syscalls/sys_enter_getppid"

struct tp_side {
	const char *side;	/* NULL: nothing attached (the base) */
	int prog;
	int mode_map;		/* >= 0: MODE[0] is set to @mode first */
	__u32 mode;
	double t;		/* this round's time for tp_race()'s calls */
};

/* The wall time of @calls getppid() with @s attached; < 0 on an error. */
static double tp_elapsed(struct tp_side *s, long calls)
{
	unsigned int key = 0;
	int pfd = -1;
	double t0, t;
	long i;

	if (s->mode_map >= 0 && map_update(s->mode_map, &key, &s->mode))
		return -1;
	if (s->side) {
		pfd = rax_tracepoint_attach(TP_EVENT, 0, -1, s->prog);
		if (pfd < 0) {
			fprintf(stderr, "%s: attach to %s: %s\n", s->side, TP_EVENT,
				strerror(-pfd));
			return -1;
		}
	}
	t0 = now_ns();
	for (i = 0; i < calls; i++)
		syscall(__NR_getppid);
	t = now_ns() - t0;
	if (pfd >= 0)
		close(pfd);
	return t;
}

/*
 * @n sides, the first the base, in turn for @rounds rounds; each side's
 * panics (rax_panics, -1 for eBPF) must grow by the calls exactly when
 * @panics[i] says it panics.
 */
static int tp_race(const char *cse, struct tp_side *s, int n, int rounds, const bool *panics)
{
	long long before[8], after;
	long calls;
	double t;
	int r, i;

	t = tp_elapsed(&s[0], 10000);
	if (t < 0 || n > 8)
		return -1;
	t = TARGET_MS * 1e6 / (t / 10000);
	calls = t < 10000 ? 10000 : t > 10000000 ? 10000000 : (long)t;
	fprintf(stderr, "%s: %ld calls of getppid() a turn\n", cse, calls);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < n; i++) {
			before[i] = s[i].side ? fdinfo_ll(s[i].prog, "rax_panics") : -1;
			s[i].t = tp_elapsed(&s[i], calls);
			if (s[i].t < 0)
				return -1;
			after = s[i].side ? fdinfo_ll(s[i].prog, "rax_panics") : -1;
			if (before[i] >= 0 && after - before[i] != (panics[i] ? calls : 0)) {
				fprintf(stderr, "%s %s: %lld panics in %ld runs\n", cse, s[i].side,
					after - before[i], calls);
				return -1;
			}
		}
		printf("{\"case\": \"%s\", \"param\": 0, \"side\": \"base_syscall\", \"round\": %d, \"ns\": %.2f}\n",
		       cse, r, s[0].t / calls);
		for (i = 1; i < n; i++)
			printf("{\"case\": \"%s\", \"param\": 0, \"side\": \"%s\", \"round\": %d, \"ns\": %.2f}\n",
			       cse, s[i].side, r, (s[i].t - s[0].t) / calls);
	}
	return 0;
}

/* The empty program on a tracepoint: tp_bench.o's against r0 = 0; exit. */
static int case_empty_tp(struct loaded *l, int rounds)
{
	static const bool panics[3];
	struct tp_side s[3] = {
		{ NULL, -1, -1 },
		{ "rax", load_type(l, "tp_bench.o", "rax_entry_empty_tp", BPF_PROG_TYPE_TRACEPOINT,
				   NULL), -1 },
		{ "ebpf", twin_empty(BPF_PROG_TYPE_TRACEPOINT, 0), -1 },
	};
	int err;

	if (s[1].prog < 0 || s[2].prog < 0) {
		fprintf(stderr, "empty_tp: %s\n%s", strerror(s[2].prog < 0 ? -s[2].prog : 0),
			log_buf);
		return -1;
	}
	err = tp_race("empty_tp", s, 3, rounds, panics);
	close(s[2].prog);
	return err;
}

/*
 * Panics on a tracepoint by what they hold (tp_bench.o): nothing, a
 * ring-buffer record, a record and a task reference; against the same
 * program returning.
 */
static int case_panic_tp(struct loaded *l, int rounds)
{
	static const bool panics[5] = { false, false, true, true, true };
	int *maps, prog, mode;

	prog = load_type(l, "tp_bench.o", "rax_entry_panic_tp", BPF_PROG_TYPE_TRACEPOINT, &maps);
	if (prog < 0)
		return -1;
	mode = maps[0];	/* MODE, the first map */
	{
		struct tp_side s[5] = {
			{ NULL, -1, -1 },
			{ "rax_return", prog, mode, 0 },
			{ "rax_panic", prog, mode, 1 },
			{ "rax_panic_record", prog, mode, 2 },
			{ "rax_panic_record_task", prog, mode, 3 },
		};

		return tp_race("panic_tp", s, 5, rounds, panics);
	}
}

/*
 * Termination: how late an endless loop (spin.o) is stopped past a
 * STOP_BUDGET_US budget, STOPS times in each context, each stop's
 * overrun read from fdinfo after it. All on CPU 0, one run at a time:
 *
 *   process  BPF_PROG_TEST_RUN of the XDP entry
 *   softirq  the tracepoint entry on irq:softirq_entry, run by the
 *            NET_RX softirq of a UDP datagram sent to the loopback
 *            device (handled on the sending CPU as bottom halves are
 *            enabled again)
 *   hardirq  the perf_event entry on this task's cpu-clock, every
 *            millisecond of its CPU time, in the hrtimer interrupt
 *   nmi      the tracepoint entry on nmi:nmi_handler, NMIs from the
 *            debugfs trigger (CONFIG_RAX_NMI_TRIGGER; skipped without it)
 *
 * In hardirq and NMI context a run's budget is capped at 1 ms anyway.
 */
enum stop_ctx { STOP_PROCESS, STOP_SOFTIRQ, STOP_HARDIRQ, STOP_NMI, STOP_CTXS };

static const char *const stop_names[STOP_CTXS] = { "process", "softirq", "hardirq", "nmi" };

/* The loopback device up (the guest's init leaves it down). */
static int loopback_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", sizeof("lo"));
	if (ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		err = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr))
			err = -errno;
	}
	close(fd);
	return err;
}

/* One run of the endless loop in @ctx, through @fd; 0 once it was stopped. */
static int stop_one(enum stop_ctx ctx, int prog, int fd)
{
	static const unsigned char pkt[PKT_LEN];
	struct sockaddr_in to = {
		.sin_family = AF_INET, .sin_port = htons(9),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	long long seen = fdinfo_ll(prog, "rax_timeouts");
	double end = now_ns() + 10e9;

	switch (ctx) {
	case STOP_PROCESS:
		return test_run(prog, pkt, sizeof(pkt), 1) == XDP_ABORTED ? 0 : -1;
	case STOP_SOFTIRQ:
		if (sendto(fd, pkt, 8, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			return -errno;
		break;
	case STOP_NMI:
		if (rax_nmi_send(0, 1))
			return -1;
		break;
	default:
		break;
	}
	/* The hardirq context's timer fires while this spins. */
	while (fdinfo_ll(prog, "rax_timeouts") == seen)
		if (now_ns() > end)
			return -ETIMEDOUT;
	return 0;
}

static int stop_ctx(struct loaded *l, enum stop_ctx ctx)
{
	static const char *const entries[STOP_CTXS] = {
		"rax_entry_spin_xdp", "rax_entry_spin_tracepoint",
		"rax_entry_spin_perf_event", "rax_entry_spin_tracepoint",
	};
	static const unsigned int types[STOP_CTXS] = {
		BPF_PROG_TYPE_XDP, BPF_PROG_TYPE_TRACEPOINT, BPF_PROG_TYPE_PERF_EVENT,
		BPF_PROG_TYPE_TRACEPOINT,
	};
	const char *name = stop_names[ctx];
	unsigned long long on = 1, off = 0;
	struct perf_event_attr pa;
	int *maps, prog, fd = -1, pfd = -1, i, err = -1;
	unsigned int key = 0;

	if (ctx == STOP_NMI && read_ll_file(RAX_NMI_TRIGGER) < 0) {
		printf("{\"case\": \"stop\", \"param\": %d, \"side\": \"%s\", \"skipped\": \"no %s (CONFIG_RAX_NMI_TRIGGER)\"}\n",
		       STOP_BUDGET_US, name, RAX_NMI_TRIGGER);
		return 0;
	}
	prog = load_type(l, "spin.o", entries[ctx], types[ctx], &maps);
	if (prog < 0)
		return -1;
	switch (ctx) {
	case STOP_SOFTIRQ:
		err = loopback_up();
		fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (err || fd < 0) {
			fprintf(stderr, "stop %s: the loopback device: %s\n", name,
				strerror(err ? -err : errno));
			goto out;
		}
		pfd = rax_tracepoint_attach("irq/softirq_entry", -1, 0, prog);
		break;
	case STOP_HARDIRQ:
		memset(&pa, 0, sizeof(pa));
		pa.size = sizeof(pa);
		pa.type = PERF_TYPE_SOFTWARE;
		pa.config = PERF_COUNT_SW_CPU_CLOCK;
		pa.sample_period = 1000 * 1000;
		pa.disabled = 1;
		pfd = syscall(__NR_perf_event_open, &pa, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
		if (pfd < 0)
			pfd = -errno;
		else if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog))
			pfd = (close(pfd), -errno);
		break;
	case STOP_NMI:
		pfd = rax_tracepoint_attach("nmi/nmi_handler", -1, 0, prog);
		break;
	default:
		break;
	}
	if (ctx != STOP_PROCESS && pfd < 0) {
		fprintf(stderr, "stop %s: attach: %s\n", name, strerror(-pfd));
		goto out;
	}
	map_update(maps[0], &key, &on);
	if (ctx == STOP_HARDIRQ && ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0))
		goto off;
	for (i = 0; i < STOPS; i++) {
		err = stop_one(ctx, prog, fd);
		if (err) {
			fprintf(stderr, "stop %s %d: the endless loop was not stopped: %s\n", name,
				i, strerror(err < 0 ? -err : EINVAL));
			goto off;
		}
		printf("{\"case\": \"stop\", \"param\": %d, \"side\": \"%s\", \"sample\": %lld}\n",
		       STOP_BUDGET_US, name, fdinfo_ll(prog, "rax_overrun_last_ns"));
	}
	err = 0;
off:
	if (pfd >= 0)
		close(pfd);
	pfd = -1;
	map_update(maps[0], &key, &off);
out:
	if (pfd >= 0)
		close(pfd);
	if (fd >= 0)
		close(fd);
	return err;
}

static int case_stop(struct loaded *l)
{
	long long old = read_ll_file(BUDGET_MAX_US);
	int ctx, err = 0;
	char s[32];

	snprintf(s, sizeof(s), "%d\n", STOP_BUDGET_US);
	if (old <= 0 || write_file(BUDGET_MAX_US, s)) {
		fprintf(stderr, "cannot set %s\n", BUDGET_MAX_US);
		return -1;
	}
	for (ctx = 0; ctx < STOP_CTXS && !err; ctx++)
		err = stop_ctx(l, ctx);
	snprintf(s, sizeof(s), "%lld\n", old);
	write_file(BUDGET_MAX_US, s);
	return err;
}

/* Set by the host's debugger (scripts/insn-profile.py) when it is done. */
static volatile int stop_flag;

static void klog(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int fd;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fd = open("/dev/kmsg", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, buf, strlen(buf)) < 0)
			perror("/dev/kmsg");
		close(fd);
	}
}

/*
 * Every kept contender in turn, a test run of two runs each (the profile
 * counts one run and the loop to the next), until the profiler sets the
 * stop flag or @seconds have passed.
 */
static int spin(int seconds)
{
	double end = now_ns() + seconds * 1e9;
	long long turns = 0;
	int i;

	for (i = 0; i < nspun; i++) {
		char hex[2 * SPIN_KEY + 1];
		int k;

		for (k = 0; k < SPIN_KEY; k++)
			snprintf(hex + 2 * k, 3, "%02x", spun[i].pkt[k]);
		klog("rax-spin: prog %lld %s: %s\n", fdinfo_ll(spun[i].prog, "prog_id"), hex,
		     spun_label[i]);
	}
	klog("rax-spin: stop flag at %p, spinning for %d s\n", (void *)&stop_flag, seconds);
	while (!stop_flag && now_ns() < end) {
		for (i = 0; i < nspun; i++)
			if (elapsed(&spun[i], 2) < 0)
				return -1;
		turns++;
	}
	fprintf(stderr, "%s: %lld turns, %s\n", __func__, turns,
		stop_flag ? "stopped by the profiler" : "time is up");
	klog("rax-spin: done\n");
	return 0;
}

static int case_stop_rounds(struct loaded *l, int rounds)
{
	return case_stop(l);
}

static const struct {
	const char *name;
	int (*run)(struct loaded *l, int rounds);
	bool spin;	/* set up for --spin too */
} cases[] = {
	{ "empty", case_empty, true },
	{ "empty_tp", case_empty_tp },
	{ "spinlock", case_spinlock, true },
	{ "panic", case_panic },
	{ "panic_tp", case_panic_tp },
	{ "recursion", case_recursion, true },
	{ "map", case_map, true },
	{ "stop", case_stop_rounds },
};

/* Whether case @name is one of @argv's @argc names (all with none). */
static bool wanted(const char *name, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return !argc;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 15;
	struct loaded l = { .n = 0 };
	const char *self = argv[0];
	int err = 0, i, j;
	size_t k;

	if (argc >= 3 && !strcmp(argv[1], "--spin")) {
		spin_seconds = atoi(argv[2]);
		rounds = 1;
		if (spin_seconds < 1)
			rounds = 0;
		argc--;
		argv++;
	}
	for (i = 2; i < argc; i++) {
		for (k = 0; k < ARRAY_SIZE(cases) && strcmp(cases[k].name, argv[i]); k++)
			;
		if (k == ARRAY_SIZE(cases))
			rounds = 0;
	}

	if (rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: RAX_TEST_OBJECTS=DIR %s [ROUNDS <= %d [CASE...]]\n"
			"       RAX_TEST_OBJECTS=DIR %s --spin SECONDS [CASE...]\ncases:", self,
			MAX_ROUNDS, self);
		for (k = 0; k < ARRAY_SIZE(cases); k++)
			fprintf(stderr, " %s", cases[k].name);
		fprintf(stderr, "\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(NULL);
	if (rax_pin_cpu(0))
		return 1;
	if (!spin_seconds)
		printf("{\"meta\": \"rounds\", \"value\": %d, \"target_ms\": %d}\n", rounds,
		       TARGET_MS);
	for (k = 0; k < ARRAY_SIZE(cases) && !err; k++)
		if ((!spin_seconds || cases[k].spin) && wanted(cases[k].name, argc - 2, argv + 2))
			err = cases[k].run(&l, rounds);
	if (!err && spin_seconds)
		err = spin(spin_seconds);
	for (i = 0; i < l.n; i++) {
		for (j = 0; j < l.nmaps[i]; j++)
			close(l.fds[i][j]);
		close(l.progs[i]);
	}
	return err ? 1 : 0;
}
