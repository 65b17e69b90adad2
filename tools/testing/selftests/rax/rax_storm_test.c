// SPDX-License-Identifier: GPL-2.0
/*
 * A storm of program lifetimes: both CPUs load, attach, run, detach and
 * unload Rax programs as fast as they can, with panics, stops past the
 * budget and the panic limit in the mix, while a third process rewrites
 * kernel.rax.panic_limit, budget_max_us and stack_size_kb. Every cycle's
 * counters must be what its run makes them, given the limits the load
 * saw; afterwards no program or map is left and the vmalloc'd memory is
 * back to its baseline. KASAN, lockdep and kmemleak watch the console.
 *
 * The storm stops at STORM_CYCLES cycles or after STORM_SECONDS, whichever
 * comes first, and reports cycles per second. The time cap is not a
 * failure: a slower machine runs fewer cycles, and the test asks only for
 * STORM_MIN_CYCLES, enough for every kind of cycle to have met every limit
 * the chaos process sets many times over.
 *
 * Only CPU 0 runs XDP programs: every XDP test run repatches the XDP
 * dispatcher (bpf_prog_change_xdp()), and under QEMU's TCG running it on
 * one CPU while the other repatches it oopses on an int3 in
 * bpf_dispatcher_xdp_func, with eBPF programs alone (README, "When
 * something fails"). CPU 1 loads and unloads the XDP objects without
 * running them, and runs the tc and tracepoint cycles. Objects (scripts/make-test-objects.sh):
 * xdp.o, oob.o, spin.o, tc.o, counters.o.
 */
#define _GNU_SOURCE
#include <linux/if_ether.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

#define PANIC_LIMIT	"/proc/sys/kernel/rax/panic_limit"
#define BUDGET_MAX_US	"/proc/sys/kernel/rax/budget_max_us"
#define STACK_SIZE_KB	"/proc/sys/kernel/rax/stack_size_kb"

#define STORM_CYCLES	8000	/* in total, both CPUs */
#define STORM_SECONDS	300	/* measured: 22 to 27 cycles per second (debug, TCG) */
#define STORM_MIN_CYCLES 2000
#define MAX_MAPS	8

enum { OBJ_XDP, OBJ_OOB, OBJ_SPIN, OBJ_TC, OBJ_COUNTERS, NR_OBJS };

static const char *const obj_files[NR_OBJS] = {
	"xdp.o", "oob.o", "spin.o", "tc.o", "counters.o",
};

/* What the workers report, in memory shared with the test. */
struct storm {
	long long cycles;	/* total, both workers */
	long long errors;
	char first_error[256];
	int stop;
};

struct worker {
	struct rax_obj_file o[NR_OBJS];
	int fds[NR_OBJS][MAX_MAPS];
	int nmaps[NR_OBJS];
	struct storm *s;
	int cpu;
};

static void fail(struct worker *w, const char *what, long long got)
{
	if (__atomic_fetch_add(&w->s->errors, 1, __ATOMIC_SEQ_CST) == 0)
		snprintf(w->s->first_error, sizeof(w->s->first_error),
			 "CPU %d: %s (%lld)\n%.160s", w->cpu, what, got, log_buf);
}

static int load(struct worker *w, int obj, const char *entry, unsigned int type,
		unsigned int budget_us)
{
	struct rax_load_opts opts = {
		.prog_type = type, .fd_array = w->fds[obj], .fd_array_cnt = w->nmaps[obj],
		.budget_us = budget_us, .name = "storm",
	};
	int e = rax_entry_index(&w->o[obj].img, entry);

	if (e < 0)
		return -ENOENT;
	opts.entry = e;
	return rax_load_opts(w->o[obj].img.data, w->o[obj].img.size, w->o[obj].sig.data,
			     w->o[obj].sig.size, &opts);
}

static unsigned int make_udp(unsigned char *buf, unsigned short dport)
{
	memset(buf, 0, 64);
	memset(buf, 0xff, ETH_ALEN);
	buf[12] = 0x08;			/* IPv4 */
	buf[14] = 0x45;
	buf[14 + 9] = 17;		/* UDP */
	buf[14 + 20 + 2] = dport >> 8;
	buf[14 + 20 + 3] = dport & 0xff;
	return 64;
}

/* One lifetime of kind @k; what is not as it must be is counted. */
static void cycle(struct worker *w, unsigned int k)
{
	unsigned char pkt[64];
	unsigned int key = 0;
	unsigned long long on = 1;
	long long v, limit, panics, skipped;
	int prog, link;

	make_udp(pkt, 53);
	if (w->cpu && k % 5 < 3) {	/* see above: no XDP run on CPU 1 */
		static const char *const entries[] = {
			"rax_entry_xdp_counter", "rax_entry_oob_panic", "rax_entry_spin_xdp",
		};
		static const int objs[] = { OBJ_XDP, OBJ_OOB, OBJ_SPIN };

		prog = load(w, objs[k % 5], entries[k % 5], BPF_PROG_TYPE_XDP, 0);
		if (prog < 0) {
			fail(w, "XDP load", prog);
			return;
		}
		if (fdinfo_ll(prog, "rax_panics") || fdinfo_ll(prog, "rax_timeouts"))
			fail(w, "counters of a program that never ran", k % 5);
		close(prog);
		return;
	}
	switch (k % 5) {
	case 0:		/* load, run, unload */
		prog = load(w, OBJ_XDP, "rax_entry_xdp_counter", BPF_PROG_TYPE_XDP, 0);
		if (prog < 0) {
			fail(w, "xdp.o load", prog);
			return;
		}
		v = test_run(prog, pkt, sizeof(pkt), 2);
		if (v != XDP_PASS)
			fail(w, "xdp.o verdict", v);
		if (fdinfo_ll(prog, "rax_panics") != 0)
			fail(w, "xdp.o panicked", fdinfo_ll(prog, "rax_panics"));
		close(prog);
		break;
	case 1:		/* two panics, under whatever panic limit the load saw */
		prog = load(w, OBJ_OOB, "rax_entry_oob_panic", BPF_PROG_TYPE_XDP, 0);
		if (prog < 0) {
			fail(w, "oob.o load", prog);
			return;
		}
		v = test_run(prog, pkt, sizeof(pkt), 1);
		v |= test_run(prog, pkt, sizeof(pkt), 1);
		if (v != XDP_ABORTED)
			fail(w, "oob.o verdict", v);
		limit = fdinfo_ll(prog, "rax_panic_limit");
		panics = fdinfo_ll(prog, "rax_panics");
		skipped = fdinfo_ll(prog, "rax_skipped");
		if (panics != (limit == 1 ? 1 : 2) || panics + skipped != 2 ||
		    fdinfo_ll(prog, "rax_disabled") != (limit == 1 || limit == 2))
			fail(w, "oob.o counters for its limit",
			     limit * 100 + panics * 10 + skipped);
		close(prog);
		break;
	case 2:		/* an endless loop stopped past its budget */
		map_update(w->fds[OBJ_SPIN][0], &key, &on);
		prog = load(w, OBJ_SPIN, "rax_entry_spin_xdp", BPF_PROG_TYPE_XDP, 500);
		if (prog < 0) {
			fail(w, "spin.o load", prog);
			return;
		}
		v = test_run(prog, pkt, sizeof(pkt), 1);
		if (v != XDP_ABORTED)
			fail(w, "spin.o verdict", v);
		if (fdinfo_ll(prog, "rax_timeouts") != 1 || fdinfo_ll(prog, "rax_panics") != 0)
			fail(w, "spin.o counters", fdinfo_ll(prog, "rax_timeouts"));
		close(prog);
		break;
	case 3:		/* attached to tc on lo through a link, run, detached */
		prog = load(w, OBJ_TC, "rax_entry_tc_filter", BPF_PROG_TYPE_SCHED_CLS, 0);
		if (prog < 0) {
			fail(w, "tc.o load", prog);
			return;
		}
		link = rax_link_create(prog, 1 /* lo */, BPF_TCX_INGRESS, 0);
		if (link < 0)
			fail(w, "tc.o tcx link", link);
		make_udp(pkt, 9);
		v = test_run(prog, pkt, sizeof(pkt), 1);
		if (v != 2 /* TC_ACT_SHOT */)
			fail(w, "tc.o verdict", v);
		if (link >= 0)
			close(link);
		close(prog);
		break;
	case 4:		/* attached to a tracepoint, fired, detached */
		prog = load(w, OBJ_COUNTERS, "rax_entry_count_tracepoint",
			    BPF_PROG_TYPE_TRACEPOINT, 0);
		if (prog < 0) {
			fail(w, "counters.o load", prog);
			return;
		}
		link = rax_tracepoint_attach("syscalls/sys_enter_getppid", -1, w->cpu, prog);
		if (link < 0)
			fail(w, "counters.o attach", link);
		syscall(__NR_getppid);
		if (link >= 0)
			close(link);
		close(prog);
		break;
	}
}

static int worker_main(struct storm *s, int cpu)
{
	struct worker w = { .s = s, .cpu = cpu };
	struct timespec now;
	long long deadline;
	unsigned int k, i;

	if (rax_pin_cpu(cpu))
		return 2;
	for (i = 0; i < NR_OBJS; i++) {
		w.o[i] = rax_obj_read(obj_files[i]);
		if (!w.o[i].img.size)
			return 3;
		w.nmaps[i] = rax_create_maps(&w.o[i].img, w.fds[i], MAX_MAPS);
		if (w.nmaps[i] < 0)
			return 4;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	deadline = now.tv_sec + STORM_SECONDS;
	for (k = cpu; !__atomic_load_n(&s->stop, __ATOMIC_SEQ_CST); k++) {
		cycle(&w, k);
		if (__atomic_add_fetch(&s->cycles, 1, __ATOMIC_SEQ_CST) >= STORM_CYCLES)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec >= deadline)
			break;
	}
	for (i = 0; i < NR_OBJS; i++) {
		while (w.nmaps[i]--)
			close(w.fds[i][w.nmaps[i]]);
		rax_obj_free(&w.o[i]);
	}
	return 0;
}

/* Rewrites the limits the loads see, until told to stop. */
static int chaos_main(struct storm *s)
{
	static const char *const limits[] = { "0\n", "1\n", "2\n" };
	struct timespec ts = { 0, 3 * 1000 * 1000 };
	unsigned int i;

	for (i = 0; !__atomic_load_n(&s->stop, __ATOMIC_SEQ_CST); i++) {
		write_file(PANIC_LIMIT, limits[i % 3]);
		write_file(BUDGET_MAX_US, i & 1 ? "1000\n" : "2000\n");
		/* EBUSY while a program is loaded, which is nearly always. */
		write_file(STACK_SIZE_KB, i & 2 ? "128\n" : "64\n");
		nanosleep(&ts, NULL);
	}
	return 0;
}

static void write_ll(const char *path, long long v)
{
	char s[32];

	snprintf(s, sizeof(s), "%lld\n", v);
	write_file(path, s);
}

FIXTURE(storm) {
	int unused;
};

FIXTURE_SETUP(storm)
{
}

FIXTURE_TEARDOWN(storm)
{
}

/* The harness's limit: the storm's cap, and time to clean up after it. */
TEST_F_TIMEOUT(storm, load_attach_run_unload, STORM_SECONDS + 60)
{
	long long limit, budget, stack_kb, before, after, ms;
	unsigned int progs, maps;
	struct timespec a, b;
	pid_t pid[3];
	struct storm *s;
	int i, status, bad = 0;

	limit = read_ll_file(PANIC_LIMIT);
	budget = read_ll_file(BUDGET_MAX_US);
	stack_kb = read_ll_file(STACK_SIZE_KB);
	ASSERT_LE(0, limit);
	ASSERT_LT(0, budget);
	ASSERT_LT(0, stack_kb);
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, s);
	memset(s, 0, sizeof(*s));
	progs = settle(count_progs, count_progs(), 3000);
	maps = count_maps();
	before = meminfo_kb("VmallocUsed");
	ASSERT_LT(0, before);

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (i = 0; i < 3; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i])
			_exit(i < 2 ? worker_main(s, i) : chaos_main(s));
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		bad |= !WIFEXITED(status) || WEXITSTATUS(status);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	__atomic_store_n(&s->stop, 1, __ATOMIC_SEQ_CST);
	ASSERT_EQ(pid[2], waitpid(pid[2], &status, 0));
	EXPECT_EQ(0, bad) TH_LOG("a worker could not start");

	write_ll(PANIC_LIMIT, limit);
	write_ll(BUDGET_MAX_US, budget);
	EXPECT_EQ(progs, settle(count_progs, progs, 3000));
	EXPECT_EQ(maps, settle(count_maps, maps, 3000));
	EXPECT_EQ(0, write_file(STACK_SIZE_KB, "64\n"));
	write_ll(STACK_SIZE_KB, stack_kb);

	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	ksft_print_msg("%lld load-to-unload cycles in %lld ms on 2 CPUs: %lld per second\n",
		       s->cycles, ms, ms ? s->cycles * 1000 / ms : 0);
	EXPECT_EQ(0, s->errors) TH_LOG("first: %s", s->first_error);
	EXPECT_LE(STORM_MIN_CYCLES, s->cycles)
		TH_LOG("the storm ran too few cycles to mean anything");

	/* The stacks of a size the chaos set are freed at the next load. */
	after = vmalloc_settle(before + 1024, 2000);
	EXPECT_GE(before + 1024, after)
		TH_LOG("VmallocUsed %lld kB before the storm, %lld kB after", before, after);
	munmap(s, sizeof(*s));
}

TEST_HARNESS_MAIN
