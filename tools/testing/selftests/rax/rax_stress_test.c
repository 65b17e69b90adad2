// SPDX-License-Identifier: GPL-2.0
/*
 * Everything at once on both CPUs, for a bounded number of events: on
 * each CPU a child counts under the spin lock, panics holding the lock
 * and a ring-buffer record, runs an endless XDP loop and an endless
 * tracepoint program (each stopped at its budget), while a third child
 * sends NMIs to both CPUs, until both are done, that a program on
 * nmi:nmi_handler counts.
 * Afterwards every counter equals the number of events the test caused,
 * the lock is still usable from userspace, and the runner's kmemleak scan
 * and log checks find nothing.
 *
 * Objects (scripts/make-test-objects.sh): resources.o, spin.o, stacks.o
 * (for the map nmi.o shares), nmi.o.
 */
#define _GNU_SOURCE
#include <linux/if_link.h>
#include <net/if.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

#define BUDGET_MAX_US	"/proc/sys/kernel/rax/budget_max_us"
#define BUDGET_US	2000
#define ROUNDS		40	/* per CPU */
#define COUNTS		5	/* counting runs per round */
#define PANICS		2	/* panics holding the lock and a record, per round */
#define NMIS_MAX	10000
#define PKT_LEN		64

/* resources.o */
enum { MAP_STATS, MAP_EVENTS, NR_RES_MAPS };
enum { MODE_COUNT = 0, MODE_PANIC = 3 };
struct stats {
	__u32 lock;
	__u32 pad;
	__u64 packets;
	__u64 bytes;
};

/* spin.o: CTL slots */
enum { CTL_ON, CTL_STARTED, CTL_RETURNED };
/* stacks.o and nmi.o: SEEN slots */
enum { NMI_RUNS = 5, NMI_ALL_RUNS = 8 };

FIXTURE(stress)
{
	struct rax_obj_file res, spin, stacks, nmi;
	int res_fds[NR_RES_MAPS];
	int ctl, seen;
	int res_prog, spin_xdp, spin_tp, nmi_prog;
	int nmi_pfd;
	long long old_budget;
};

FIXTURE_SETUP(stress)
{
	char s[32];
	int n, i;

	self->res_prog = -1;
	self->spin_xdp = -1;
	self->spin_tp = -1;
	self->nmi_prog = -1;
	self->ctl = -1;
	self->seen = -1;
	self->nmi_pfd = -1;
	for (i = 0; i < NR_RES_MAPS; i++)
		self->res_fds[i] = -1;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	ASSERT_LE(0, read_ll_file(RAX_NMI_TRIGGER))
		TH_LOG("no %s (CONFIG_RAX_NMI_TRIGGER)", RAX_NMI_TRIGGER);

	self->old_budget = read_ll_file(BUDGET_MAX_US);
	ASSERT_LT(0, self->old_budget);
	snprintf(s, sizeof(s), "%d\n", BUDGET_US);
	ASSERT_EQ(0, write_file(BUDGET_MAX_US, s));

	self->res = rax_obj_read("resources.o");
	self->spin = rax_obj_read("spin.o");
	self->stacks = rax_obj_read("stacks.o");
	self->nmi = rax_obj_read("nmi.o");
	ASSERT_TRUE(self->res.img.size && self->spin.img.size && self->stacks.img.size &&
		    self->nmi.img.size) TH_LOG("test objects missing: set RAX_TEST_OBJECTS");

	n = rax_create_maps(&self->res.img, self->res_fds, NR_RES_MAPS);
	ASSERT_EQ(NR_RES_MAPS, n) TH_LOG("maps: %s", strerror(-n));
	self->res_prog = rax_load_entry(&self->res, self->res_fds, NR_RES_MAPS,
					"rax_entry_resources", BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, self->res_prog) TH_LOG("%s\n%s", strerror(-self->res_prog), log_buf);

	ASSERT_EQ(1, rax_create_maps(&self->spin.img, &self->ctl, 1));
	self->spin_xdp = rax_load_entry(&self->spin, &self->ctl, 1, "rax_entry_spin_xdp",
					BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, self->spin_xdp) TH_LOG("%s\n%s", strerror(-self->spin_xdp), log_buf);
	self->spin_tp = rax_load_entry(&self->spin, &self->ctl, 1, "rax_entry_spin_tracepoint",
				       BPF_PROG_TYPE_TRACEPOINT);
	ASSERT_LE(0, self->spin_tp) TH_LOG("%s\n%s", strerror(-self->spin_tp), log_buf);

	/* SEEN, as nmi.o defines it (stacks.o has it too, with another map). */
	ASSERT_EQ(1, rax_create_maps(&self->nmi.img, &self->seen, 1));
	self->nmi_prog = rax_load_entry(&self->nmi, &self->seen, 1, "rax_entry_nmi_handler",
					BPF_PROG_TYPE_TRACEPOINT);
	ASSERT_LE(0, self->nmi_prog) TH_LOG("%s\n%s", strerror(-self->nmi_prog), log_buf);
	/*
	 * A tracepoint's programs run wherever it fires, whichever CPU the
	 * perf event that attached them is on (one attach per program).
	 */
	self->nmi_pfd = rax_tracepoint_attach("nmi/nmi_handler", -1, 0, self->nmi_prog);
	ASSERT_LE(0, self->nmi_pfd) TH_LOG("attach: %s", strerror(-self->nmi_pfd));
}

FIXTURE_TEARDOWN(stress)
{
	int fds[] = { self->nmi_pfd, self->nmi_prog, self->spin_tp,
		      self->spin_xdp, self->res_prog, self->ctl, self->seen,
		      self->res_fds[0], self->res_fds[1] };
	unsigned int i;
	char s[32];

	for (i = 0; i < ARRAY_SIZE(fds); i++)
		if (fds[i] >= 0)
			close(fds[i]);
	rax_obj_free(&self->res);
	rax_obj_free(&self->spin);
	rax_obj_free(&self->stacks);
	rax_obj_free(&self->nmi);
	if (self->old_budget > 0) {
		snprintf(s, sizeof(s), "%lld\n", self->old_budget);
		write_file(BUDGET_MAX_US, s);
	}
}

static long long run_mode(int prog, int mode, unsigned int repeat)
{
	unsigned char pkt[PKT_LEN] = { mode };

	return test_run(prog, pkt, sizeof(pkt), repeat);
}

/* One CPU's share, in a child pinned to @cpu that waits on @go. */
static int worker(struct _test_data_stress *self, int cpu, int go, int *done)
{
	unsigned char pkt[PKT_LEN] = { 0 };
	int r, ok = 1;
	char c;

	if (rax_pin_cpu(cpu) || read(go, &c, 1) != 1)
		return 2;
	for (r = 0; r < ROUNDS; r++) {
		ok &= run_mode(self->res_prog, MODE_COUNT, COUNTS) == XDP_PASS;
		ok &= run_mode(self->res_prog, MODE_PANIC, PANICS) == XDP_ABORTED;
		ok &= test_run(self->spin_xdp, pkt, sizeof(pkt), 1) == XDP_ABORTED;
		syscall(__NR_getppid);
	}
	__atomic_add_fetch(done, 1, __ATOMIC_SEQ_CST);
	return ok ? 0 : 1;
}

TEST_F(stress, both_cpus_everything_at_once)
{
	long long nmis_before, nmis, per_nmi, misses;
	int go[2], pfd, links[2];
	int *done;
	pid_t pid[3];
	struct stats st;
	int cpu, status, i;
	char c = 1;

	/*
	 * Each BPF_PROG_TEST_RUN of an XDP program adds it to the XDP
	 * dispatcher and removes it again, live-patching the dispatcher
	 * while the other CPU runs through it. That patching is not what
	 * this test is about (and under TCG it once hit an int3 no patcher
	 * claimed): the two XDP programs stay in the dispatcher, linked to
	 * the two ends of a veth pair no packet goes through, while the
	 * workers run.
	 */
	ASSERT_EQ(0, system("ip link add raxs0 type veth peer name raxs1"));
	links[0] = rax_link_create(self->spin_xdp, if_nametoindex("raxs0"), BPF_XDP,
				   XDP_FLAGS_SKB_MODE);
	links[1] = rax_link_create(self->res_prog, if_nametoindex("raxs1"), BPF_XDP,
				   XDP_FLAGS_SKB_MODE);
	if (links[0] < 0 || links[1] < 0)
		system("ip link del raxs0");
	ASSERT_LE(0, links[0]) TH_LOG("XDP link on raxs0: %s", strerror(-links[0]));
	ASSERT_LE(0, links[1]) TH_LOG("XDP link on raxs1: %s", strerror(-links[1]));

	done = mmap(NULL, sizeof(*done), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		    -1, 0);
	ASSERT_NE(MAP_FAILED, done);
	*done = 0;
	/* How often the tracepoint fires per NMI: once per NMI handler. */
	ASSERT_EQ(0, rax_nmi_send(0, 1));
	usleep(100000);
	per_nmi = rax_map_u64(self->seen, NMI_ALL_RUNS);
	ASSERT_LE(1, per_nmi);
	ASSERT_EQ(1, rax_map_u64(self->seen, NMI_RUNS));
	ASSERT_EQ(0, fdinfo_ll(self->nmi_prog, "recursion_misses"));
	map_update(self->seen, &(unsigned int){ NMI_RUNS }, &(unsigned long long){ 0 });
	map_update(self->seen, &(unsigned int){ NMI_ALL_RUNS }, &(unsigned long long){ 0 });

	ASSERT_EQ(0, pipe(go));
	nmis_before = read_ll_file(RAX_NMI_TRIGGER);
	map_update(self->ctl, &(unsigned int){ CTL_ON }, &(unsigned long long){ 1 });

	/* Only the workers call getppid() while it is attached. */
	pfd = rax_tracepoint_attach("syscalls/sys_enter_getppid", -1, 0, self->spin_tp);
	ASSERT_LE(0, pfd) TH_LOG("attach: %s", strerror(-pfd));
	for (cpu = 0; cpu < 2; cpu++) {
		pid[cpu] = fork();
		ASSERT_LE(0, pid[cpu]);
		if (!pid[cpu])
			_exit(worker(self, cpu, go[0], done));
	}
	pid[2] = fork();
	ASSERT_LE(0, pid[2]);
	if (!pid[2]) {
		/* NMIs to both CPUs, from CPU 1, while the workers run. */
		int err = 0;

		if (rax_pin_cpu(1) || read(go[0], &c, 1) != 1)
			_exit(2);
		for (i = 0; i < NMIS_MAX && !err; i++) {
			if (__atomic_load_n(done, __ATOMIC_SEQ_CST) == 2)
				break;
			err = rax_nmi_send(i % 2, 1);
		}
		_exit(err ? 1 : 0);
	}
	ASSERT_EQ(3, write(go[1], "\1\1\1", 3));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("child %d: status %#x", i, status);
	}
	close(pfd);
	close(links[0]);
	close(links[1]);
	EXPECT_EQ(0, system("ip link del raxs0"));
	close(go[0]);
	close(go[1]);
	munmap(done, sizeof(*done));
	map_update(self->ctl, &(unsigned int){ CTL_ON }, &(unsigned long long){ 0 });

	/* Counting and panicking with the lock and a record held. */
	ASSERT_EQ(0, map_locked(BPF_MAP_LOOKUP_ELEM, self->res_fds[MAP_STATS], 0, &st));
	EXPECT_EQ(2 * ROUNDS * COUNTS, st.packets);
	EXPECT_EQ(2ULL * ROUNDS * COUNTS * PKT_LEN, st.bytes);
	EXPECT_EQ(2 * ROUNDS * PANICS, fdinfo_ll(self->res_prog, "rax_panics"));
	EXPECT_EQ(0, fdinfo_ll(self->res_prog, "rax_timeouts"));
	/* The lock is free: userspace takes it. */
	st.packets = 7;
	EXPECT_EQ(0, map_locked(BPF_MAP_UPDATE_ELEM, self->res_fds[MAP_STATS], 0, &st));

	/* Endless loops: every run started, none returned, each stopped. */
	EXPECT_EQ(4 * ROUNDS, rax_map_u64(self->ctl, CTL_STARTED));
	EXPECT_EQ(0, rax_map_u64(self->ctl, CTL_RETURNED));
	EXPECT_EQ(2 * ROUNDS, fdinfo_ll(self->spin_xdp, "rax_timeouts"));
	EXPECT_EQ(2 * ROUNDS, fdinfo_ll(self->spin_tp, "rax_timeouts"));
	EXPECT_EQ(0, fdinfo_ll(self->spin_xdp, "rax_panics"));
	EXPECT_EQ(0, fdinfo_ll(self->spin_tp, "rax_panics"));

	/*
	 * NMIs: each handled; the tracepoint fired per_nmi times for each,
	 * and each firing either ran the NMI program or, when the NMI came
	 * while the tracepoint program ran on that CPU, did not and counted
	 * in recursion_misses, as the BPF core does for tracing programs
	 * (bpf_prog_active). The program counted each NMI it saw once.
	 */
	nmis = read_ll_file(RAX_NMI_TRIGGER) - nmis_before;
	misses = fdinfo_ll(self->nmi_prog, "recursion_misses");
	EXPECT_LE(2, nmis);
	EXPECT_EQ(per_nmi * nmis, rax_map_u64(self->seen, NMI_ALL_RUNS) + misses);
	EXPECT_EQ(per_nmi * nmis, per_nmi * rax_map_u64(self->seen, NMI_RUNS) + misses);
	EXPECT_EQ(0, fdinfo_ll(self->nmi_prog, "rax_panics"));
	EXPECT_EQ(0, fdinfo_ll(self->nmi_prog, "rax_timeouts"));
	ksft_print_msg("%d counting runs, %d panics, %d stops on two CPUs\n",
		       2 * ROUNDS * COUNTS, 2 * ROUNDS * PANICS, 4 * ROUNDS);
	ksft_print_msg("%lld NMIs, %lld during a tracepoint program\n", nmis, misses / per_nmi);
}

TEST_HARNESS_MAIN
