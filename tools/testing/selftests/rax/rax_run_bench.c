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
 *   stop   an endless loop (spin.o) stopped past a 1 ms budget, STOPS
 *          times: how late the stop came (fdinfo rax_overrun_last_ns),
 *          median, p99 and max.
 *
 * A per-run time is the wall time of one BPF_PROG_TEST_RUN of REPEAT
 * runs divided by REPEAT; the programs compared take turns, ROUNDS
 * rounds each, and the medians of the rounds are compared.
 *
 * Usage: RAX_TEST_OBJECTS=DIR rax_run_bench [ROUNDS]
 */
#define _GNU_SOURCE
#include <time.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

#define MAX_ROUNDS	1000
#define REPEAT		20000
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

/* ns per run of @prog on a 64-byte packet whose byte 0 is @mode; < 0 on error. */
static double per_run(int prog, unsigned char mode, long long want)
{
	unsigned char pkt[64] = { mode };
	double t0 = now_ns();
	long long r = test_run(prog, pkt, sizeof(pkt), REPEAT);

	if (r != want) {
		fprintf(stderr, "test run returned %lld, not %lld\n", r, want);
		return -1;
	}
	return (now_ns() - t0) / REPEAT;
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
	int fds[3][2], nmaps[3], empty, oob, res, twin, err = -1, i, j;

	empty = load("empty.o", "rax_entry_empty", fds[0], &nmaps[0]);
	oob = load("oob.o", "rax_entry_oob_panic", fds[1], &nmaps[1]);
	res = load("resources.o", "rax_entry_resources", fds[2], &nmaps[2]);
	twin = load_twin();
	if (empty >= 0 && oob >= 0 && res >= 0 && twin >= 0) {
		struct contender c[] = {
			{ "empty: Rax (empty.o)", empty, 0, XDP_PASS },
			{ "empty: eBPF twin", twin, 0, XDP_PASS },
			{ "panic: Rax (oob.o)", oob, 0, XDP_ABORTED },
			{ "panic holding a lock and a record", res, 3, XDP_ABORTED },
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
		}
	}
	for (i = 0; i < 3; i++)
		for (j = 0; j < nmaps[i]; j++)
			close(fds[i][j]);
	for (i = 0; i < 4; i++) {
		int progs[] = { empty, oob, res, twin };

		if (progs[i] >= 0)
			close(progs[i]);
	}
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
