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
 *   empty      empty.o against r0 = XDP_PASS; exit
 *   map        one map operation, 64 per run in a loop of the program
 *              (map_bench.o and twins/map_bench.bpf.o): lookup that hits,
 *              lookup that misses and update, on an array, a per-CPU
 *              array and a hash map; the time of a run of 1 operation is
 *              subtracted, so that "ns" is per operation
 *   spinlock   a spin-lock critical section: lock, add, unlock
 *              (spinlock_cleanup.o mode 0 and its twin)
 *   recursion  recursion to depth P (recursive.o) against the twin's tail
 *              call per level (twins/recursive.bpf.o), P = 1 to 32
 *   panic      an empty Rax run, a panic with nothing held (oob.o), a
 *              panic holding a spin lock (spinlock_cleanup.o mode 1), and
 *              one holding a lock and a ring-buffer record (resources.o
 *              mode 3); the twin's error path, which unlocks and aborts,
 *              as the eBPF side
 *   stop       how late an endless loop (spin.o) is stopped past a 1 ms
 *              budget, in process context, STOPS samples
 *
 * With --spin SECONDS it times nothing: it sets up the empty, spin-lock,
 * recursion and map cases and runs every contender, a test run of two
 * runs at a time, in turn, for scripts/insn-profile.py to count the
 * instructions of a run through QEMU's gdb stub, until the profiler sets
 * its stop flag. The prog ids with the first SPIN_KEY bytes of their
 * packets, their labels and the flag's address go to the kernel log.
 *
 * Usage: RAX_TEST_OBJECTS=DIR rax_perf [ROUNDS]
 *        RAX_TEST_OBJECTS=DIR rax_perf --spin SECONDS
 */
#define _GNU_SOURCE
#include <libgen.h>
#include <stdarg.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

#define MAX_ROUNDS	200
#define TARGET_MS	200
#define STOPS		200
#define BUDGET_MAX_US	"/proc/sys/kernel/rax/budget_max_us"
#define STOP_BUDGET_US	1000
#define PKT_LEN		64
#define MAP_OPS		64
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

/* A twin: twins/@name.bpf.o beside this program, loaded. */
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

/* Everything loaded; closed at exit. */
struct loaded {
	int fds[MAX_LOADED][16];
	int nmaps[MAX_LOADED];
	int progs[MAX_LOADED];
	int n;
};

/* @file's entry @symbol as XDP, with maps of its own (their fds in @maps). */
static int load(struct loaded *l, const char *file, const char *symbol, int **maps)
{
	struct rax_obj_file o = rax_obj_read(file);
	int k = l->n, fd, n;

	if (k >= MAX_LOADED || !o.img.size) {
		fprintf(stderr, "%s: missing from RAX_TEST_OBJECTS\n", file);
		rax_obj_free(&o);
		return -ENOENT;
	}
	n = rax_create_maps(&o.img, l->fds[k], 16);
	fd = n < 0 ? n : rax_load_entry(&o, l->fds[k], n, symbol, BPF_PROG_TYPE_XDP);
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

static int twin_empty(void)
{
	struct bpf_insn insns[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = ARRAY_SIZE(insns);
	attr.license = (unsigned long)"GPL";
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	return fd < 0 ? -errno : fd;
}

static int case_empty(struct loaded *l, int rounds)
{
	struct contender c[2] = {
		{ "empty", 0, "rax", load(l, "empty.o", "rax_entry_empty", NULL) },
		{ "empty", 0, "ebpf", twin_empty() },
	};

	c[0].want = XDP_PASS;
	c[1].want = XDP_PASS;
	if (c[0].prog < 0 || c[1].prog < 0)
		return -1;
	return race(c, 2, rounds);
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
				/* c[s]: one operation a run; c[2 + s]: MAP_OPS + 1 */
				c[s] = (struct contender){ "map", 0, NULL, s ? tw : rax };
				c[2 + s] = (struct contender){ "map", 0, sides[m][o][s], s ? tw : rax };
				c[s].want = ops[o].want;
				c[2 + s].want = ops[o].want;
				map_pkt(c[s].pkt, ops[o].op, maps[m].map, ops[o].key, 1);
				map_pkt(c[2 + s].pkt, ops[o].op, maps[m].map, ops[o].key,
					MAP_OPS + 1);
				c[2 + s].base = &c[s];
				c[2 + s].ops = MAP_OPS;
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
		{ "panic", 0, "rax_empty", load(l, "empty.o", "rax_entry_empty", NULL) },
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

static int case_stop(struct loaded *l)
{
	unsigned char pkt[PKT_LEN] = { 0 };
	unsigned long long on = 1;
	unsigned int key = 0;
	long long old;
	int *maps, prog, i;
	char s[32];

	old = read_ll_file(BUDGET_MAX_US);
	snprintf(s, sizeof(s), "%d\n", STOP_BUDGET_US);
	if (old <= 0 || write_file(BUDGET_MAX_US, s)) {
		fprintf(stderr, "cannot set %s\n", BUDGET_MAX_US);
		return -1;
	}
	prog = load(l, "spin.o", "rax_entry_spin_xdp", &maps);
	snprintf(s, sizeof(s), "%lld\n", old);
	write_file(BUDGET_MAX_US, s);
	if (prog < 0)
		return -1;
	map_update(maps[0], &key, &on);
	for (i = 0; i < STOPS; i++) {
		if (test_run(prog, pkt, sizeof(pkt), 1) != XDP_ABORTED) {
			fprintf(stderr, "stop %d: the endless loop was not stopped\n", i);
			return -1;
		}
		printf("{\"case\": \"stop\", \"param\": %d, \"side\": \"process\", \"sample\": %lld}\n",
		       STOP_BUDGET_US, fdinfo_ll(prog, "rax_overrun_last_ns"));
	}
	return 0;
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

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 15;
	struct loaded l = { .n = 0 };
	int err, i, j;

	if (argc == 3 && !strcmp(argv[1], "--spin")) {
		spin_seconds = atoi(argv[2]);
		rounds = 1;
		if (spin_seconds < 1)
			rounds = 0;
	}

	if (rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: RAX_TEST_OBJECTS=DIR %s [ROUNDS <= %d]\n", argv[0],
			MAX_ROUNDS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(NULL);
	if (rax_pin_cpu(0))
		return 1;
	if (spin_seconds) {
		err = case_empty(&l, rounds) || case_spinlock(&l, rounds) ||
		      case_recursion(&l, rounds) || case_map(&l, rounds) || spin(spin_seconds);
		return err ? 1 : 0;
	}
	printf("{\"meta\": \"rounds\", \"value\": %d, \"target_ms\": %d}\n", rounds, TARGET_MS);
	err = case_empty(&l, rounds) || case_spinlock(&l, rounds) || case_panic(&l, rounds) ||
	      case_recursion(&l, rounds) || case_map(&l, rounds) || case_stop(&l);
	for (i = 0; i < l.n; i++) {
		for (j = 0; j < l.nmaps[i]; j++)
			close(l.fds[i][j]);
		close(l.progs[i]);
	}
	return err ? 1 : 0;
}
