// SPDX-License-Identifier: GPL-2.0
/*
 * Termination: a Rax program that runs past its time budget is stopped at
 * one of the cancellation points the toolchain's termination pass put in
 * its code, in every context it runs in: process context through
 * BPF_PROG_TEST_RUN, a syscall tracepoint, an int3 kprobe (interrupts
 * off), a software perf event (hardirq) and the nmi:nmi_handler
 * tracepoint (NMI). The stop is counted in
 * rax_timeouts, 99 of 100 stops come less than a millisecond past the
 * deadline, and the program runs normally afterwards.
 *
 * Objects (scripts/make-test-objects.sh): spin.o (one endless loop per
 * program type, controlled by its CTL map).
 */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

#define BUDGET_MAX_US	"/proc/sys/kernel/rax/budget_max_us"
#define KPROBES_OPT	"/proc/sys/debug/kprobes-optimization"
#define BUDGET_US	2000
/* The gate past the deadline: max(1 ms, twice the check interval). */
#define OVERRUN_MAX_NS	1000000ULL
/* The load's reason for a budget of BUDGET_US + 1. */
#define BUDGET_OVER_MAX_LOG \
	"rax: attr: rax_budget_us 2001 is over kernel.rax.budget_max_us (2000)"

enum { CTL_ON, CTL_STARTED, CTL_RETURNED };

FIXTURE(spin)
{
	struct rax_obj_file o;
	int fds[2];
	int nmaps;
	int ctl;
	int prog;
	long long old_budget;
};

static int load_spin_budget(struct rax_obj_file *o, int *fds, int nmaps, const char *symbol,
			    unsigned int type, unsigned int budget_us)
{
	struct rax_load_opts opts = {
		.prog_type = type, .name = "spin", .fd_array = fds, .fd_array_cnt = nmaps,
		.budget_us = budget_us,
	};
	int entry = rax_entry_index(&o->img, symbol);

	if (entry < 0)
		return -ENOENT;
	opts.entry = entry;
	return rax_load_opts(o->img.data, o->img.size, o->sig.data, o->sig.size, &opts);
}

static int load_spin(struct rax_obj_file *o, int *fds, int nmaps, const char *symbol,
		     unsigned int type)
{
	return load_spin_budget(o, fds, nmaps, symbol, type, 0);
}

FIXTURE_SETUP(spin)
{
	char s[32];

	self->prog = -1;
	self->old_budget = read_ll_file(BUDGET_MAX_US);
	ASSERT_LT(0, self->old_budget);
	snprintf(s, sizeof(s), "%d\n", BUDGET_US);
	ASSERT_EQ(0, write_file(BUDGET_MAX_US, s));
	self->o = rax_obj_read("spin.o");
	ASSERT_NE(0, self->o.img.size) TH_LOG("spin.o missing");
	self->nmaps = rax_create_maps(&self->o.img, self->fds, 2);
	ASSERT_EQ(1, self->nmaps);
	self->ctl = self->fds[0];
}

FIXTURE_TEARDOWN(spin)
{
	char s[32];
	int i;

	if (self->prog >= 0)
		close(self->prog);
	for (i = 0; i < self->nmaps; i++)
		close(self->fds[i]);
	rax_obj_free(&self->o);
	snprintf(s, sizeof(s), "%lld\n", self->old_budget);
	write_file(BUDGET_MAX_US, s);
}

static void ctl_set(int fd, unsigned int key, unsigned long long v)
{
	map_update(fd, &key, &v);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * Each run stopped, and counted as a timeout, not a panic. How late the
 * stops were is reported; the latency gate is on many stops in one
 * context (stop_latency_p99_under_gate), where one late stop caused by
 * the host descheduling a TCG vCPU does not decide the result.
 */
static void expect_stopped(struct __test_metadata *_metadata, int prog, long long runs)
{
	EXPECT_EQ(BUDGET_US * 1000LL, fdinfo_ll(prog, "rax_budget_ns"));
	EXPECT_EQ(runs, fdinfo_ll(prog, "rax_timeouts"));
	EXPECT_EQ(0, fdinfo_ll(prog, "rax_panics"));
	EXPECT_LE(0, fdinfo_ll(prog, "rax_overrun_max_ns"));
	ksft_print_msg("%lld stops, at most %lld ns past the deadline\n", runs,
		       fdinfo_ll(prog, "rax_overrun_max_ns"));
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/*
 * Termination latency, measured in the guest: 100 runs stopped through
 * BPF_PROG_TEST_RUN, each one's overrun of the deadline and the check
 * interval before it (the time between the last two clock reads) read
 * from fdinfo. In 99 of them the overrun must be under the gate,
 * max(1 ms, twice the check interval); the median, p99 and max overrun
 * are reported.
 */
TEST_F(spin, stop_latency_p99_under_gate)
{
	enum { RUNS = 100 };
	long long over[RUNS], gate, interval, interval_max = 0;
	unsigned char pkt[64] = { 0 };
	int i, late = 0;

	self->prog = load_spin(&self->o, self->fds, self->nmaps, "rax_entry_spin_xdp",
			       BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, self->prog) TH_LOG("%s\n%s", strerror(-self->prog), log_buf);
	ctl_set(self->ctl, CTL_ON, 1);
	for (i = 0; i < RUNS; i++) {
		ASSERT_EQ(XDP_ABORTED, test_run(self->prog, pkt, sizeof(pkt), 1));
		over[i] = fdinfo_ll(self->prog, "rax_overrun_last_ns");
		interval = fdinfo_ll(self->prog, "rax_check_interval_last_ns");
		ASSERT_LE(0, over[i]);
		ASSERT_LE(0, interval);
		gate = 2 * interval > OVERRUN_MAX_NS ? 2 * interval : OVERRUN_MAX_NS;
		late += over[i] > gate;
		if (interval > interval_max)
			interval_max = interval;
	}
	ctl_set(self->ctl, CTL_ON, 0);
	EXPECT_EQ(RUNS, fdinfo_ll(self->prog, "rax_timeouts"));
	qsort(over, RUNS, sizeof(over[0]), cmp_ll);
	ksft_print_msg("stop latency past a %d us budget: median %lld, p99 %lld, max %lld ns\n",
		       BUDGET_US, over[RUNS / 2], over[RUNS * 99 / 100 - 1], over[RUNS - 1]);
	ksft_print_msg("check interval at most %lld ns; %d of %d stops past the gate\n",
		       interval_max, late, RUNS);
	EXPECT_GE(RUNS / 100, late);
}

/*
 * Process context, through BPF_PROG_TEST_RUN: the run ends after the
 * budget with XDP_ABORTED, and the same program returns normally once
 * its loop is switched off.
 */
TEST_F(spin, test_run_is_stopped_after_its_budget)
{
	unsigned char pkt[64] = { 0 };
	long long t0, t1;

	self->prog = load_spin(&self->o, self->fds, self->nmaps, "rax_entry_spin_xdp",
			       BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, self->prog) TH_LOG("%s\n%s", strerror(-self->prog), log_buf);

	ctl_set(self->ctl, CTL_ON, 1);
	t0 = now_ns();
	EXPECT_EQ(XDP_ABORTED, test_run(self->prog, pkt, sizeof(pkt), 1));
	t1 = now_ns();
	EXPECT_LE(BUDGET_US * 1000LL, t1 - t0);
	EXPECT_EQ(1, rax_map_u64(self->ctl, CTL_STARTED));
	EXPECT_EQ(0, rax_map_u64(self->ctl, CTL_RETURNED));
	expect_stopped(_metadata, self->prog, 1);

	ctl_set(self->ctl, CTL_ON, 0);
	EXPECT_EQ(XDP_PASS, test_run(self->prog, pkt, sizeof(pkt), 1));
	EXPECT_EQ(1, rax_map_u64(self->ctl, CTL_RETURNED));
	EXPECT_EQ(1, fdinfo_ll(self->prog, "rax_timeouts"));
}

/*
 * A per-load budget under kernel.rax.budget_max_us: the run is stopped
 * after it, not after the maximum. The kernel's own measure of the run
 * (test.duration) is at least the budget and less than the maximum, here
 * forty times the budget, so that a vCPU the host deschedules for a
 * while does not decide the result (the latency gate is
 * stop_latency_p99_under_gate's).
 */
TEST_F(spin, per_load_budget_under_the_maximum)
{
	const unsigned int budget_us = BUDGET_US / 4, max_us = 40 * budget_us;
	unsigned char pkt[64] = { 0 };
	unsigned char out[128];
	union bpf_attr attr;
	char s[32];

	snprintf(s, sizeof(s), "%u\n", max_us);
	ASSERT_EQ(0, write_file(BUDGET_MAX_US, s));
	self->prog = load_spin_budget(&self->o, self->fds, self->nmaps, "rax_entry_spin_xdp",
				      BPF_PROG_TYPE_XDP, budget_us);
	ASSERT_LE(0, self->prog) TH_LOG("%s\n%s", strerror(-self->prog), log_buf);
	EXPECT_EQ(budget_us * 1000LL, fdinfo_ll(self->prog, "rax_budget_ns"));

	ctl_set(self->ctl, CTL_ON, 1);
	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = self->prog;
	attr.test.data_in = (unsigned long)pkt;
	attr.test.data_size_in = sizeof(pkt);
	attr.test.data_out = (unsigned long)out;
	attr.test.data_size_out = sizeof(out);
	attr.test.repeat = 1;
	ASSERT_EQ(0, sys_bpf(BPF_PROG_TEST_RUN, &attr));
	EXPECT_EQ(XDP_ABORTED, attr.test.retval);
	EXPECT_EQ(1, fdinfo_ll(self->prog, "rax_timeouts"));
	EXPECT_LE(budget_us * 1000ULL, attr.test.duration);
	EXPECT_GT(max_us * 1000ULL, attr.test.duration);
	ksft_print_msg("a %u us budget under a %u us maximum: the run took %u ns\n", budget_us,
		       max_us, attr.test.duration);
}

/*
 * A budget over kernel.rax.budget_max_us is refused at load with EINVAL
 * and the reason; the maximum itself is accepted. Without BPF_F_RAX the
 * field must be zero.
 */
TEST_F(spin, per_load_budget_over_the_maximum_refused)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	int fd;

	fd = load_spin_budget(&self->o, self->fds, self->nmaps, "rax_entry_spin_xdp",
			      BPF_PROG_TYPE_XDP, BUDGET_US + 1);
	EXPECT_EQ(-EINVAL, fd);
	EXPECT_NE(NULL, strstr(log_buf, BUDGET_OVER_MAX_LOG)) TH_LOG("log: %s", log_buf);
	if (fd >= 0)
		close(fd);

	self->prog = load_spin_budget(&self->o, self->fds, self->nmaps, "rax_entry_spin_xdp",
				      BPF_PROG_TYPE_XDP, BUDGET_US);
	ASSERT_LE(0, self->prog) TH_LOG("%s\n%s", strerror(-self->prog), log_buf);
	EXPECT_EQ(BUDGET_US * 1000LL, fdinfo_ll(self->prog, "rax_budget_ns"));

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = 2;
	attr.license = (unsigned long)"GPL";
	attr.rax_budget_us = 100;
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EINVAL, errno);
	if (fd >= 0)
		close(fd);
	attr.rax_budget_us = 0;
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	EXPECT_LE(0, fd) TH_LOG("the same eBPF program without rax_budget_us: %s",
				strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* A tracepoint program attached to syscalls:sys_enter_getppid on CPU 0. */
TEST_F(spin, tracepoint_is_stopped_after_its_budget)
{
	int pfd, i;

	self->prog = load_spin(&self->o, self->fds, self->nmaps, "rax_entry_spin_tracepoint",
			       BPF_PROG_TYPE_TRACEPOINT);
	ASSERT_LE(0, self->prog) TH_LOG("%s\n%s", strerror(-self->prog), log_buf);
	pfd = rax_tracepoint_attach("syscalls/sys_enter_getppid", -1, 0, self->prog);
	ASSERT_LE(0, pfd) TH_LOG("attach: %s", strerror(-pfd));
	ASSERT_EQ(0, rax_pin_cpu(0));

	ctl_set(self->ctl, CTL_ON, 1);
	for (i = 0; i < 3; i++)
		syscall(__NR_getppid);
	ctl_set(self->ctl, CTL_ON, 0);
	close(pfd);
	EXPECT_EQ(3, rax_map_u64(self->ctl, CTL_STARTED));
	EXPECT_EQ(0, rax_map_u64(self->ctl, CTL_RETURNED));
	expect_stopped(_metadata, self->prog, 3);
}

/*
 * A tracepoint program on nmi:nmi_handler runs in NMI context, after each
 * NMI handler, where nothing can interrupt it: each run is stopped at a
 * cancellation point all the same, and the NMIs go on being handled. The
 * NMIs come from the debugfs trigger (TCG has no PMU; hardware NMIs are
 * tested by hand, see Documentation/rax/run.rst); the tracepoint fires
 * once per registered NMI handler per NMI, so the runs are a multiple of
 * the NMIs sent.
 */
TEST_F(spin, nmi_program_is_stopped_after_its_budget)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	long long handled, started;
	int pfd;

	handled = read_ll_file(RAX_NMI_TRIGGER);
	ASSERT_LE(0, handled) TH_LOG("no %s (CONFIG_RAX_NMI_TRIGGER)", RAX_NMI_TRIGGER);
	self->prog = load_spin(&self->o, self->fds, self->nmaps, "rax_entry_spin_tracepoint",
			       BPF_PROG_TYPE_TRACEPOINT);
	ASSERT_LE(0, self->prog) TH_LOG("%s\n%s", strerror(-self->prog), log_buf);
	pfd = rax_tracepoint_attach("nmi/nmi_handler", -1, 0, self->prog);
	ASSERT_LE(0, pfd) TH_LOG("attach: %s", strerror(-pfd));

	ctl_set(self->ctl, CTL_ON, 1);
	EXPECT_EQ(0, rax_nmi_send(0, 3));
	/* The last NMI's runs end within a few budgets. */
	nanosleep(&ts, NULL);
	ctl_set(self->ctl, CTL_ON, 0);
	close(pfd);

	EXPECT_EQ(handled + 3, read_ll_file(RAX_NMI_TRIGGER));
	started = rax_map_u64(self->ctl, CTL_STARTED);
	EXPECT_LE(3, started);
	EXPECT_EQ(0, started % 3) TH_LOG("%lld runs for 3 NMIs", started);
	EXPECT_EQ(0, rax_map_u64(self->ctl, CTL_RETURNED));
	expect_stopped(_metadata, self->prog, started);
}

/*
 * In NMI context a run lasts at most RAX_BUDGET_IRQ_NS (1 ms), whatever
 * the program's budget: with a budget of 20 ms, the runs on 5 NMIs take
 * a few milliseconds each, not 20.
 */
TEST_F(spin, nmi_budget_is_capped)
{
	struct rax_load_opts opts = {
		.prog_type = BPF_PROG_TYPE_TRACEPOINT, .name = "spin", .fd_array = self->fds,
		.fd_array_cnt = self->nmaps, .budget_us = 20000,
	};
	struct timespec a, b, ts = { 0, 100 * 1000 * 1000 };
	long long started, per_run_us;
	int pfd;

	ASSERT_LE(0, read_ll_file(RAX_NMI_TRIGGER));
	ASSERT_EQ(0, write_file(BUDGET_MAX_US, "20000\n"));
	opts.entry = rax_entry_index(&self->o.img, "rax_entry_spin_tracepoint");
	self->prog = rax_load_opts(self->o.img.data, self->o.img.size, self->o.sig.data,
				   self->o.sig.size, &opts);
	ASSERT_LE(0, self->prog) TH_LOG("%s\n%s", strerror(-self->prog), log_buf);
	EXPECT_EQ(20000000LL, fdinfo_ll(self->prog, "rax_budget_ns"));
	pfd = rax_tracepoint_attach("nmi/nmi_handler", -1, 0, self->prog);
	ASSERT_LE(0, pfd) TH_LOG("attach: %s", strerror(-pfd));

	ctl_set(self->ctl, CTL_ON, 1);
	clock_gettime(CLOCK_MONOTONIC, &a);
	EXPECT_EQ(0, rax_nmi_send(0, 5));
	clock_gettime(CLOCK_MONOTONIC, &b);
	nanosleep(&ts, NULL);
	ctl_set(self->ctl, CTL_ON, 0);
	close(pfd);

	started = rax_map_u64(self->ctl, CTL_STARTED);
	ASSERT_LT(0, started);
	EXPECT_EQ(started, fdinfo_ll(self->prog, "rax_timeouts"));
	per_run_us = ((b.tv_sec - a.tv_sec) * 1000000LL + (b.tv_nsec - a.tv_nsec) / 1000) /
		     started;
	ksft_print_msg("%lld runs on 5 NMIs, %lld us each (budget 20000 us, cap 1000 us)\n",
		       started, per_run_us);
	EXPECT_GT(10000, per_run_us);
}

/*
 * An int3 kprobe (not at the function's ftrace site, with optimization
 * off so it stays int3) runs its program with interrupts off; it is
 * stopped all the same.
 */
TEST_F(spin, int3_kprobe_with_irqs_off_is_stopped)
{
	struct perf_event_attr pa;
	long long type, opt;
	int pfd = -1, off, i;

	self->prog = load_spin(&self->o, self->fds, self->nmaps, "rax_entry_spin_kprobe",
			       BPF_PROG_TYPE_KPROBE);
	ASSERT_LE(0, self->prog) TH_LOG("%s\n%s", strerror(-self->prog), log_buf);
	opt = read_ll_file(KPROBES_OPT);
	ASSERT_EQ(0, write_file(KPROBES_OPT, "0\n"));
	type = read_ll_file("/sys/bus/event_source/devices/kprobe/type");
	ASSERT_LT(0, type);
	/*
	 * The first instruction boundary past ENDBR64 and the ftrace call
	 * site (offset 9 with IBT); registration refuses offsets that are
	 * not a boundary (EILSEQ).
	 */
	for (off = 9; off < 32 && pfd < 0; off++) {
		memset(&pa, 0, sizeof(pa));
		pa.size = sizeof(pa);
		pa.type = type;
		pa.config1 = (unsigned long)"__x64_sys_getpgid";
		pa.config2 = off;
		pfd = syscall(__NR_perf_event_open, &pa, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	}
	ASSERT_LE(0, pfd) TH_LOG("no int3 kprobe in __x64_sys_getpgid: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(pfd, PERF_EVENT_IOC_SET_BPF, self->prog));
	ASSERT_EQ(0, ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0));
	ASSERT_EQ(0, rax_pin_cpu(0));

	ctl_set(self->ctl, CTL_ON, 1);
	for (i = 0; i < 3; i++)
		syscall(__NR_getpgid, 0);
	ctl_set(self->ctl, CTL_ON, 0);
	close(pfd);
	if (opt >= 0) {
		char s[16];

		snprintf(s, sizeof(s), "%lld\n", opt);
		write_file(KPROBES_OPT, s);
	}
	EXPECT_EQ(3, rax_map_u64(self->ctl, CTL_STARTED));
	EXPECT_EQ(0, rax_map_u64(self->ctl, CTL_RETURNED));
	expect_stopped(_metadata, self->prog, 3);
}

/*
 * A perf_event program on a software cpu-clock event runs in the hrtimer
 * interrupt; every run is stopped, and the system goes on.
 */
TEST_F(spin, perf_event_in_hardirq_is_stopped)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	struct perf_event_attr pa;
	long long started;
	int pfd;

	self->prog = load_spin(&self->o, self->fds, self->nmaps, "rax_entry_spin_perf_event",
			       BPF_PROG_TYPE_PERF_EVENT);
	ASSERT_LE(0, self->prog) TH_LOG("%s\n%s", strerror(-self->prog), log_buf);
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = PERF_TYPE_SOFTWARE;
	pa.config = PERF_COUNT_SW_CPU_CLOCK;
	pa.sample_period = 20 * 1000 * 1000;	/* every 20 ms of CPU time */
	pfd = syscall(__NR_perf_event_open, &pa, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	ASSERT_LE(0, pfd) TH_LOG("perf_event_open: %s", strerror(errno));
	ctl_set(self->ctl, CTL_ON, 1);
	ASSERT_EQ(0, ioctl(pfd, PERF_EVENT_IOC_SET_BPF, self->prog));
	ASSERT_EQ(0, ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0));
	nanosleep(&ts, NULL);
	ASSERT_EQ(0, ioctl(pfd, PERF_EVENT_IOC_DISABLE, 0));
	close(pfd);
	ctl_set(self->ctl, CTL_ON, 0);

	started = rax_map_u64(self->ctl, CTL_STARTED);
	EXPECT_LT(0, started);
	EXPECT_EQ(0, rax_map_u64(self->ctl, CTL_RETURNED));
	expect_stopped(_metadata, self->prog, started);
}

/* The BPF core's run statistics count Rax runs, stopped or not. */
TEST_F(spin, run_statistics_count_every_run)
{
	unsigned char pkt[64] = { 0 };
	union bpf_attr attr;
	int stats;

	self->prog = load_spin(&self->o, self->fds, self->nmaps, "rax_entry_spin_xdp",
			       BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, self->prog) TH_LOG("%s\n%s", strerror(-self->prog), log_buf);
	memset(&attr, 0, sizeof(attr));
	attr.enable_stats.type = BPF_STATS_RUN_TIME;
	stats = sys_bpf(BPF_ENABLE_STATS, &attr);
	ASSERT_LE(0, stats) TH_LOG("BPF_ENABLE_STATS: %s", strerror(errno));

	EXPECT_EQ(XDP_PASS, test_run(self->prog, pkt, sizeof(pkt), 1));
	ctl_set(self->ctl, CTL_ON, 1);
	EXPECT_EQ(XDP_ABORTED, test_run(self->prog, pkt, sizeof(pkt), 1));
	ctl_set(self->ctl, CTL_ON, 0);
	EXPECT_EQ(XDP_PASS, test_run(self->prog, pkt, sizeof(pkt), 1));
	close(stats);

	EXPECT_EQ(3, fdinfo_ll(self->prog, "run_cnt"));
	/* The stopped run alone took the budget. */
	EXPECT_LE(BUDGET_US * 1000LL, fdinfo_ll(self->prog, "run_time_ns"));
	EXPECT_EQ(1, fdinfo_ll(self->prog, "rax_timeouts"));
}

TEST_HARNESS_MAIN
