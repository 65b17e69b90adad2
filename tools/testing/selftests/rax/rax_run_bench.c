// SPDX-License-Identifier: GPL-2.0
/*
 * Run-time benchmark, not a test. In one boot:
 *
 *   empty  an empty Rax XDP program (empty.o) against its eBPF twin
 *          (r0 = XDP_PASS; exit): what the dispatcher, the stack switch,
 *          the budget and the cancellation point at entry cost per run;
 *   panic  a run that panics (oob.o), and one that panics holding a spin
 *          lock and a ring-buffer record (resources.o, mode 3), each
 *          against the empty Rax run: the cost of a panic with cleanup;
 *   helpers  64 map helper calls per run (helper_calls.o: 32 hash map
 *          updates and 32 lookups) against its eBPF twin, which the
 *          verifier proved and whose helpers check nothing: what a Rax
 *          helper call costs beyond the helper, chiefly the kernel's checks
 *          of the map definition, key and value it is passed;
 *   stop   an endless loop (spin.o) stopped past a 1 ms budget, STOPS
 *          times: how late the stop came (fdinfo rax_overrun_last_ns),
 *          median, p99 and max.
 *
 * A per-run time is the wall time of one BPF_PROG_TEST_RUN of REPEAT
 * runs less that of a test run of one run, over REPEAT - 1; the programs
 * compared take turns, ROUNDS rounds each, and the medians of the rounds
 * are compared. scripts/bench.sh runs rax_perf instead, which writes JSON.
 *
 * Usage: RAX_TEST_OBJECTS=DIR rax_run_bench [ROUNDS]
 */
#define _GNU_SOURCE
#include <time.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

#define MAX_ROUNDS	1000
#define REPEAT		200000
#define STOPS		200
#define BUDGET_MAX_US	"/proc/sys/kernel/rax/budget_max_us"
#define STOP_BUDGET_US	1000

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

#define PKT_LEN		64

/* ns of one test run of @repeat runs of @prog; < 0 on error. */
static double test_ns(int prog, unsigned char mode, long long want, unsigned int repeat)
{
	unsigned char pkt[PKT_LEN] = { mode };
	double t0 = now_ns();
	long long r = test_run(prog, pkt, sizeof(pkt), repeat);

	if (r != want) {
		fprintf(stderr, "test run returned %lld, not %lld\n", r, want);
		return -1;
	}
	return now_ns() - t0;
}

/*
 * ns per run of @prog on a PKT_LEN-byte packet whose byte 0 is @mode; < 0
 * on error. A test run of REPEAT runs less one of a single run: every XDP
 * test run also updates the XDP dispatcher, twice, with a
 * synchronize_rcu() each, which must not count as the runs' time.
 */
static double per_run(int prog, unsigned char mode, long long want)
{
	double one = test_ns(prog, mode, want, 1), many;

	if (one < 0)
		return -1;
	many = test_ns(prog, mode, want, REPEAT);
	return many < 0 ? -1 : (many - one) / (REPEAT - 1);
}

struct contender {
	const char *what;
	int prog;
	unsigned char mode;
	long long want;
	double t[MAX_ROUNDS];
	double median;
};

/* @n contenders in turn, @rounds rounds; 0 or -1. */
static int race(struct contender *c, int n, int rounds)
{
	int r, i;

	for (r = 0; r < rounds; r++)
		for (i = 0; i < n; i++) {
			c[i].t[r] = per_run(c[i].prog, c[i].mode, c[i].want);
			if (c[i].t[r] < 0)
				return -1;
		}
	for (i = 0; i < n; i++) {
		c[i].median = median(c[i].t, rounds);
		printf("%-44s median %8.1f ns/run  (min %8.1f, max %8.1f)\n", c[i].what,
		       c[i].median, c[i].t[0], c[i].t[rounds - 1]);
	}
	return 0;
}

static int load_twin(void)
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

/* Keys helper_calls.o and its twin store and read back per run. */
#define HELPER_KEYS	32

/* Instructions per key in the twin. */
#define HELPER_BLOCK	17

/*
 * helper_calls.o's eBPF twin, on its own copy @map of the hash map: for
 * each key, update it with the packet's length (the benchmark's packets
 * are PKT_LEN bytes: the verifier would not subtract the packet pointers
 * for it), look it up, drop if the value read back differs; pass.
 */
static int load_helper_twin(int map)
{
	struct bpf_insn insns[HELPER_KEYS * HELPER_BLOCK + 8];
	union bpf_attr attr;
	int n = 0, k, fd;

	/* r6 = the packet's length, at fp - 16 */
	insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_6, 0, 0, PKT_LEN);
	insns[n++] = INSN(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_6, -16, 0);
	for (k = 0; k < HELPER_KEYS; k++) {
		insns[n++] = INSN(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, k);
		insns[n++] = INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map);
		insns[n++] = INSN(0, 0, 0, 0, 0);
		insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
		insns[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4);
		insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_10, 0, 0);
		insns[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, -16);
		insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, BPF_ANY);
		insns[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_update_elem);
		insns[n++] = INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map);
		insns[n++] = INSN(0, 0, 0, 0, 0);
		insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
		insns[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4);
		insns[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
		/* if r0 == 0 or *r0 != r6: drop (the last two instructions) */
		insns[n++] = INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0,
				  (HELPER_KEYS - 1 - k) * HELPER_BLOCK + 4, 0);
		insns[n++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_0, 0, 0);
		insns[n++] = INSN(BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_6,
				  (HELPER_KEYS - 1 - k) * HELPER_BLOCK + 2, 0);
	}
	insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS);
	insns[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_DROP);
	insns[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = n;
	attr.license = (unsigned long)"GPL";
	attr.log_buf = (unsigned long)log_buf;
	attr.log_size = sizeof(log_buf);
	attr.log_level = 1;
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd < 0) {
		fd = -errno;
		fprintf(stderr, "helper twin: %s\n%s", strerror(-fd), log_buf);
	}
	return fd;
}

/* Load @file's entry @symbol as XDP with maps of its own; fds in @fds. */
static int load(const char *file, const char *symbol, int *fds, int *nmaps)
{
	struct rax_obj_file o = rax_obj_read(file);
	int fd;

	*nmaps = 0;
	if (!o.img.size) {
		fprintf(stderr, "%s missing from RAX_TEST_OBJECTS\n", file);
		return -ENOENT;
	}
	*nmaps = rax_create_maps(&o.img, fds, 2);
	if (*nmaps < 0) {
		fd = *nmaps;
		*nmaps = 0;
	} else {
		fd = rax_load_entry(&o, fds, *nmaps, symbol, BPF_PROG_TYPE_XDP);
	}
	if (fd < 0)
		fprintf(stderr, "%s: %s\n%s", file, strerror(-fd), log_buf);
	rax_obj_free(&o);
	return fd;
}

static int bench_runs(int rounds)
{
	int fds[4][2], nmaps[4], empty, oob, res, twin, calls, calls_twin = -1, twin_map = -1;
	int err = -1, i, j;
	const struct rax_map_def *defs;
	struct rax_obj_file o;

	empty = load("empty.o", "rax_entry_empty", fds[0], &nmaps[0]);
	oob = load("oob.o", "rax_entry_oob_panic", fds[1], &nmaps[1]);
	res = load("resources.o", "rax_entry_resources", fds[2], &nmaps[2]);
	calls = load("helper_calls.o", "rax_entry_helper_calls", fds[3], &nmaps[3]);
	twin = load_twin();
	o = rax_obj_read("helper_calls.o");
	if (o.img.size && rax_obj_maps(&o.img, &defs) == 1)
		twin_map = rax_map_create(&defs[0]);
	rax_obj_free(&o);
	if (twin_map >= 0)
		calls_twin = load_helper_twin(twin_map);
	if (empty >= 0 && oob >= 0 && res >= 0 && twin >= 0 && calls >= 0 && calls_twin >= 0) {
		struct contender c[] = {
			{ "empty: Rax (empty.o)", empty, 0, XDP_PASS },
			{ "empty: eBPF twin", twin, 0, XDP_PASS },
			{ "panic: Rax (oob.o)", oob, 0, XDP_ABORTED },
			{ "panic holding a lock and a record", res, 3, XDP_ABORTED },
			{ "helpers: Rax (helper_calls.o)", calls, 0, XDP_PASS },
			{ "helpers: eBPF twin", calls_twin, 0, XDP_PASS },
		};

		printf("run time: %d rounds of %d runs each, taking turns, same boot\n",
		       rounds, REPEAT);
		err = race(c, ARRAY_SIZE(c), rounds);
		if (!err) {
			printf("empty: ratio Rax / eBPF %.2f (Rax costs %.1f ns more per run)\n",
			       c[0].median / c[1].median, c[0].median - c[1].median);
			printf("panic: %.1f ns more than an empty Rax run; ",
			       c[2].median - c[0].median);
			printf("with cleanup of a lock and a record %.1f ns more\n",
			       c[3].median - c[0].median);
			printf("helpers: ratio Rax / eBPF %.2f (%.1f ns more per helper call, %d calls per run, beyond the empty run's %.1f ns)\n",
			       c[4].median / c[5].median,
			       (c[4].median - c[5].median - (c[0].median - c[1].median)) /
			       (2 * HELPER_KEYS), 2 * HELPER_KEYS, c[0].median - c[1].median);
		}
	}
	for (i = 0; i < 4; i++)
		for (j = 0; j < nmaps[i]; j++)
			close(fds[i][j]);
	for (i = 0; i < 6; i++) {
		int progs[] = { empty, oob, res, twin, calls, calls_twin };

		if (progs[i] >= 0)
			close(progs[i]);
	}
	if (twin_map >= 0)
		close(twin_map);
	return err;
}

static int bench_stops(void)
{
	unsigned char pkt[64] = { 0 };
	double late[STOPS], p99;
	long long old, check, interval = 0;
	unsigned int key = 0;
	unsigned long long on = 1;
	int fds[2], nmaps, prog, i, err = 0;
	char s[32];

	old = read_ll_file(BUDGET_MAX_US);
	snprintf(s, sizeof(s), "%d\n", STOP_BUDGET_US);
	if (old <= 0 || write_file(BUDGET_MAX_US, s)) {
		fprintf(stderr, "cannot set %s\n", BUDGET_MAX_US);
		return -1;
	}
	prog = load("spin.o", "rax_entry_spin_xdp", fds, &nmaps);
	snprintf(s, sizeof(s), "%lld\n", old);
	write_file(BUDGET_MAX_US, s);
	if (prog < 0)
		return -1;
	map_update(fds[0], &key, &on);
	for (i = 0; i < STOPS && !err; i++) {
		if (test_run(prog, pkt, sizeof(pkt), 1) != XDP_ABORTED) {
			fprintf(stderr, "stop %d: the endless loop was not stopped\n", i);
			err = -1;
		}
		late[i] = fdinfo_ll(prog, "rax_overrun_last_ns");
		check = fdinfo_ll(prog, "rax_check_interval_last_ns");
		if (check > interval)
			interval = check;
	}
	if (!err) {
		qsort(late, STOPS, sizeof(*late), cmp_double);
		p99 = late[STOPS * 99 / 100];
		printf("stop: %d stops past a %d us budget, late by ", STOPS, STOP_BUDGET_US);
		printf("median %.0f ns, p99 %.0f ns, max %.0f ns (check interval up to %lld ns)\n",
		       late[STOPS / 2], p99, late[STOPS - 1], interval);
	}
	for (i = 0; i < nmaps; i++)
		close(fds[i]);
	close(prog);
	return err;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 50;

	if (rounds < 1 || rounds > MAX_ROUNDS) {
		fprintf(stderr, "usage: RAX_TEST_OBJECTS=DIR %s [ROUNDS <= %d]\n", argv[0],
			MAX_ROUNDS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (rax_pin_cpu(0))
		return 1;
	return bench_runs(rounds) || bench_stops() ? 1 : 0;
}
