// SPDX-License-Identifier: GPL-2.0
/*
 * Signed objects that the Rax toolchain would never build, and the kernel
 * must stop anyway: the kernel does not take the toolchain's word for what
 * a program passes to a helper. Each object is format-valid and signed
 * with the kernel's build-time key; its code passes a helper a map
 * definition, a spin lock, a buffer or an XDP context it does not own,
 * looks up a map whose elements are kernel objects, updates a map
 * while holding a spin lock, or passes a task reference where a ring
 * buffer record is due and the other way round (stopped at run time,
 * like a panic, with a message naming the helper), or carries a
 * relocation whose
 * addend reaches outside what it names (refused at load). Each kind has a
 * control, the same code with the argument it owns, which must run and
 * pass: a check that stopped everything would fail it.
 *
 * RAX_TEST_OBJECTS/forge holds NAME.o and NAME.o.sig, written by
 * userspace/tests/test_forge_objects.cpp and signed by
 * scripts/make-test-objects.sh.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/rax.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

#define FORGE_ENTRY	"rax_entry_forge"
#define FORGE_MAX_MAPS	4

/* /dev/kmsg, read from its end: the messages that come after now. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Whether a message read from @fd holds @needle. */
static int kmsg_find(int fd, const char *needle)
{
	char rec[1024];
	ssize_t n;

	while ((n = read(fd, rec, sizeof(rec) - 1)) != 0) {
		if (n < 0) {
			if (errno == EPIPE)	/* overwritten: go on */
				continue;
			return 0;
		}
		rec[n] = '\0';
		if (strstr(rec, needle))
			return 1;
	}
	return 0;
}

struct forged {
	struct rax_obj_file o;
	int fds[FORGE_MAX_MAPS];
	int nmaps;
	int prog;
};

/* The program type forged_load() loads as: XDP, or tc for some tests. */
static unsigned int forged_type = BPF_PROG_TYPE_XDP;
/* The budget it asks for: 0 is kernel.rax.budget_max_us. */
static unsigned int forged_budget_us;

/* Load forge/@name.o with its maps; key 0 of every hash map is inserted. */
static void forged_load(struct __test_metadata *_metadata, struct forged *f,
			const char *name)
{
	struct rax_load_opts opts = {
		.prog_type = forged_type, .budget_us = forged_budget_us,
		.fd_array = f->fds,
	};
	const struct rax_map_def *defs;
	char path[128];
	int i;

	snprintf(path, sizeof(path), "forge/%s.o", name);
	f->o = rax_obj_read(path);
	ASSERT_NE(0, f->o.img.size) TH_LOG("RAX_TEST_OBJECTS/%s missing", path);
	ASSERT_NE(0, f->o.sig.size) TH_LOG("RAX_TEST_OBJECTS/%s.sig missing", path);
	f->nmaps = rax_create_maps(&f->o.img, f->fds, FORGE_MAX_MAPS);
	ASSERT_LE(0, f->nmaps) TH_LOG("%s: maps: %s", name, strerror(-f->nmaps));
	opts.fd_array_cnt = f->nmaps;
	rax_obj_maps(&f->o.img, &defs);
	for (i = 0; i < f->nmaps; i++) {
		__u32 key = 0;
		__u64 value = 0;

		if (defs[i].type == BPF_MAP_TYPE_HASH)
			ASSERT_EQ(0, map_update(f->fds[i], &key, &value));
		/* A device in a devmap: its lookup would be the net_device. */
		if (defs[i].type == BPF_MAP_TYPE_DEVMAP)
			ASSERT_EQ(0, map_update(f->fds[i], &key, &(__u32){ 1 }));
	}
	opts.entry = rax_entry_index(&f->o.img, FORGE_ENTRY);
	f->prog = (int)opts.entry < 0 ? -ENOENT :
		  rax_load_opts(f->o.img.data, f->o.img.size, f->o.sig.data, f->o.sig.size, &opts);
}

static void forged_free(struct forged *f)
{
	int i;

	if (f->prog >= 0)
		close(f->prog);
	for (i = 0; i < f->nmaps; i++)
		close(f->fds[i]);
	rax_obj_free(&f->o);
}

/*
 * Run forge/@name.o once on a packet. A control passes (XDP_PASS, no
 * panic); a forgery is stopped: the XDP default verdict (XDP_ABORTED),
 * one panic, and a kernel message naming @helper. Then it runs again, to
 * show the kernel and the program's maps and locks are still usable.
 */
static void run_forged(struct __test_metadata *_metadata, const char *name,
		       const char *helper)
{
	unsigned char pkt[64] = { 0 };
	struct forged f;
	char needle[128];
	int kmsg;

	forged_load(_metadata, &f, name);
	ASSERT_LE(0, f.prog) TH_LOG("%s: load: %s\n%s", name, strerror(-f.prog), log_buf);
	kmsg = kmsg_open();
	ASSERT_LE(0, kmsg);
	if (!helper) {
		EXPECT_EQ(XDP_PASS, test_run(f.prog, pkt, sizeof(pkt), 1));
		EXPECT_EQ(XDP_PASS, test_run(f.prog, pkt, sizeof(pkt), 1));
		EXPECT_STREQ("0", fdinfo_value(f.prog, "rax_panics"));
	} else {
		/*
		 * The kernel's message is rate limited (ten in five seconds
		 * from one place): two per forgery, one forgery in two
		 * seconds stays under it.
		 */
		sleep(2);
		/*
		 * Not stopped: it may have left a lock held, on which a
		 * second run would spin with interrupts off. Stop here.
		 */
		ASSERT_EQ(XDP_ABORTED, test_run(f.prog, pkt, sizeof(pkt), 1))
			TH_LOG("%s was not stopped", name);
		EXPECT_STREQ("1", fdinfo_value(f.prog, "rax_panics"));
		snprintf(needle, sizeof(needle), "%s: ", helper);
		EXPECT_TRUE(kmsg_find(kmsg, needle))
			TH_LOG("%s: no kernel message naming %s", name, helper);
		EXPECT_EQ(XDP_ABORTED, test_run(f.prog, pkt, sizeof(pkt), 1));
		EXPECT_STREQ("2", fdinfo_value(f.prog, "rax_panics"));
	}
	close(kmsg);
	forged_free(&f);
}

/* Loading forge/@name.o fails with EINVAL and @why in the log. */
static void load_refused(struct __test_metadata *_metadata, const char *name,
			 const char *why)
{
	struct forged f;

	forged_load(_metadata, &f, name);
	EXPECT_EQ(-EINVAL, f.prog) TH_LOG("%s loaded", name);
	expect_log(_metadata, why);
	forged_free(&f);
}

TEST(map_definition_controls_run)
{
	run_forged(_metadata, "def-ok", NULL);
	run_forged(_metadata, "def-second-ok", NULL);
}

TEST(map_definition_past_the_end_is_stopped)
{
	run_forged(_metadata, "def-past-end", "rax_map_lookup_elem");
}

TEST(map_definition_misaligned_is_stopped)
{
	run_forged(_metadata, "def-misaligned", "rax_map_lookup_elem");
}

TEST(map_definition_on_the_stack_is_stopped)
{
	run_forged(_metadata, "def-on-stack", "rax_map_lookup_elem");
}

TEST(lock_controls_run)
{
	run_forged(_metadata, "lock-array-ok", NULL);
	run_forged(_metadata, "lock-hash-ok", NULL);
	run_forged(_metadata, "lock-array16-key3-ok", NULL);
	run_forged(_metadata, "lock-array24-key3-ok", NULL);
}

/*
 * A word beside a value's lock: in element 0, and in the last element of
 * arrays whose elements are 16 bytes apart (the kernel masks the offset
 * into the element) and 24 (it divides).
 */
TEST(lock_beside_the_lock_word_is_stopped)
{
	run_forged(_metadata, "lock-array-off4", "rax_spin_lock");
	run_forged(_metadata, "lock-hash-off4", "rax_spin_lock");
	run_forged(_metadata, "lock-array16-key3-off8", "rax_spin_lock");
	run_forged(_metadata, "lock-array24-key3-off12", "rax_spin_lock");
	run_forged(_metadata, "lock-array24-key3-off0", "rax_spin_lock");
}

/* Without the check: a CPU spinning with interrupts off, or worse. */
TEST(lock_made_on_the_stack_is_stopped)
{
	run_forged(_metadata, "lock-stack-1", "rax_spin_lock");
	run_forged(_metadata, "lock-stack-tail", "rax_spin_lock");
}

/*
 * Giving back a lock the invocation does not hold: another element's lock
 * while it holds element 0's (which the cleanup then releases: the
 * second run takes it again), a lock given back already, one never taken,
 * and a ring buffer record it holds, handed over as a lock (the log's
 * last entry, or the one below the lock).
 */
TEST(unlock_of_a_lock_not_held_is_stopped)
{
	run_forged(_metadata, "unlock-other", "rax_spin_unlock");
	run_forged(_metadata, "unlock-twice", "rax_spin_unlock");
	run_forged(_metadata, "unlock-unheld", "rax_spin_unlock");
	run_forged(_metadata, "unlock-record", "rax_spin_unlock");
	run_forged(_metadata, "unlock-record-below", "rax_spin_unlock");
}

/*
 * A lock taken with the cleanup log full of ring buffer records: it
 * would go unrecorded, and a stop would leave it held.
 */
TEST(lock_with_a_full_cleanup_log_is_stopped)
{
	run_forged(_metadata, "lock-full-log", "rax_spin_lock");
}

/*
 * A map update under a value's lock takes the bucket lock after it; a
 * BPF_F_LOCK lookup-and-delete takes them the other way round.
 */
TEST(map_update_under_a_lock_is_stopped)
{
	run_forged(_metadata, "lock-hash-update", "rax_map_update_elem");
	run_forged(_metadata, "lock-array-update", "rax_map_update_elem");
}

TEST(source_controls_run)
{
	run_forged(_metadata, "src-ok", NULL);
	/* A key read straight from the packet, as a slice of it would be. */
	run_forged(_metadata, "src-packet-ok", NULL);
}

/* Kernel text as a map value: an arbitrary kernel read into a map. */
TEST(source_in_kernel_text_is_stopped)
{
	run_forged(_metadata, "src-kernel-text", "rax_map_update_elem");
}

/*
 * Read-only data is packed: a program's part is whole 64-byte units of a
 * chunk shared with other programs' parts. Its first and last 8 bytes are
 * its own; 8 bytes that begin before it, run past its end or lie in the
 * next unit are another program's (one is loaded beside it) or free.
 */
TEST(read_only_data_source_controls_run)
{
	run_forged(_metadata, "src-ro-first-ok", NULL);
	run_forged(_metadata, "src-ro-last-ok", NULL);
}

TEST(sources_outside_its_read_only_data_are_stopped)
{
	struct forged neighbour;

	forged_load(_metadata, &neighbour, "src-ro-last-ok");
	ASSERT_LE(0, neighbour.prog);
	run_forged(_metadata, "src-ro-before", "rax_map_update_elem");
	run_forged(_metadata, "src-ro-past-end", "rax_map_update_elem");
	run_forged(_metadata, "src-ro-next", "rax_map_update_elem");
	forged_free(&neighbour);
}

TEST(packet_and_queue_controls_run)
{
	run_forged(_metadata, "xdp-ctx-ok", NULL);
	run_forged(_metadata, "csum-ok", NULL);
	run_forged(_metadata, "push-ok", NULL);
	run_forged(_metadata, "fib-ok", NULL);
}

/* A forged xdp_buff: a packet anywhere the program likes. */
TEST(xdp_context_on_the_stack_is_stopped)
{
	run_forged(_metadata, "xdp-ctx-on-stack", "rax_xdp_adjust_head");
}

/* Kernel text as a checksum's input, a queued value, FIB parameters. */
TEST(packet_and_queue_buffers_in_kernel_text_are_stopped)
{
	run_forged(_metadata, "csum-kernel-text", "rax_csum_diff");
	run_forged(_metadata, "push-kernel-text", "rax_map_push_elem");
	run_forged(_metadata, "fib-kernel-text", "rax_fib_lookup");
}

/*
 * The lookup of a devmap holding a device, a cpumap, a perf event array
 * or a stack trace map is NULL, and a devmap update -EINVAL: the
 * programs pass only then.
 */
TEST(maps_without_values_give_nothing)
{
	run_forged(_metadata, "lookup-devmap-null", NULL);
	run_forged(_metadata, "lookup-cpumap-null", NULL);
	run_forged(_metadata, "lookup-perf-null", NULL);
	run_forged(_metadata, "lookup-stacks-null", NULL);
	run_forged(_metadata, "update-devmap-einval", NULL);
}

/*
 * Run the tc program forge/@name.o once on a packet: a control (no
 * @helper) does not panic, a forgery panics once with a message naming
 * @helper. The verdict does not tell (the epilogue's 2 is TC_ACT_SHOT,
 * as a stop's default is): the panic count does.
 */
static void run_forged_tc(struct __test_metadata *_metadata, const char *name,
			  const char *helper)
{
	unsigned char pkt[64] = { 0 };
	char needle[128];
	struct forged f;
	int kmsg;

	pkt[12] = 0x88;	/* a local ethertype: no IP checks in the test run */
	pkt[13] = 0xb5;
	forged_type = BPF_PROG_TYPE_SCHED_CLS;
	forged_load(_metadata, &f, name);
	forged_type = BPF_PROG_TYPE_XDP;
	ASSERT_LE(0, f.prog) TH_LOG("%s: load: %s\n%s", name, strerror(-f.prog), log_buf);
	kmsg = kmsg_open();
	ASSERT_LE(0, kmsg);
	if (helper)
		sleep(2);	/* the message's rate limit, as in run_forged() */
	test_run(f.prog, pkt, sizeof(pkt), 1);
	EXPECT_EQ(helper ? 1 : 0, fdinfo_ll(f.prog, "rax_panics")) TH_LOG("%s", name);
	if (helper) {
		snprintf(needle, sizeof(needle), "%s: ", helper);
		EXPECT_TRUE(kmsg_find(kmsg, needle))
			TH_LOG("%s: no kernel message naming %s", name, helper);
	}
	close(kmsg);
	forged_free(&f);
}

/*
 * A tc program storing into its packet from the packet itself: making it
 * writable may free the head the source points into.
 */
TEST(tc_store_from_its_own_packet_is_stopped)
{
	run_forged_tc(_metadata, "tc-store-ok", NULL);
	run_forged_tc(_metadata, "tc-store-from-packet", "rax_skb_store_bytes");
}

/*
 * A tc context the program made on its stack: the helper would take its
 * data pointers for the packet's and rewrite them.
 */
TEST(tc_context_not_its_own_is_stopped)
{
	run_forged_tc(_metadata, "tc-writable-ok", NULL);
	run_forged_tc(_metadata, "tc-writable-other", "rax_tc_make_writable");
}

/*
 * What ring buffer @fd of @size bytes holds from its start (nothing
 * consumes it): records submitted, discarded, and still reserved.
 */
struct ring_count {
	int submitted, discarded, busy;
};

static int ring_count(int fd, unsigned int size, struct ring_count *c)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long pos, end;
	unsigned char *m;

	memset(c, 0, sizeof(*c));
	/* The producer's page, then the data mapped twice, as libbpf maps it. */
	m = mmap(NULL, page + 2 * size, PROT_READ, MAP_SHARED, fd, page);
	if (m == MAP_FAILED)
		return -errno;
	end = __atomic_load_n((unsigned long *)m, __ATOMIC_ACQUIRE);
	for (pos = 0; pos < end && pos < size;) {
		__u32 len = __atomic_load_n((__u32 *)(m + page + pos), __ATOMIC_ACQUIRE);

		if (len & BPF_RINGBUF_BUSY_BIT)
			c->busy++;
		else if (len & BPF_RINGBUF_DISCARD_BIT)
			c->discarded++;
		else
			c->submitted++;
		len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		pos += (len + BPF_RINGBUF_HDR_SZ + 7) & ~7UL;
	}
	munmap(m, page + 2 * size);
	return 0;
}

#define KINDS_RUNS	2
#define KINDS_RING	4096	/* the forged ring buffer's size */

/*
 * Run the tracing program forge/@name.o (kinds_program() of
 * test_forge_objects.cpp) KINDS_RUNS times, on this task's getppid()
 * calls: a control does not panic, a forgery is stopped at every run with
 * a message naming @helper. Then its ring buffer must hold @submitted
 * records and @discarded discarded ones, none left reserved: a record a
 * stop leaves is discarded, not leaked. (A task reference it leaked would
 * keep this test's task_struct: kmemleak reports it at the end of the
 * boot.)
 *
 * Return: what the program stored in its array "seen" (key 0).
 */
static __u64 run_forged_kinds(struct __test_metadata *_metadata, const char *name,
			      const char *helper, int submitted, int discarded)
{
	struct ring_count rc;
	__u64 seen = 0;
	char needle[128];
	struct forged f;
	int i, pfd, kmsg;

	forged_type = BPF_PROG_TYPE_TRACEPOINT;
	forged_load(_metadata, &f, name);
	forged_type = BPF_PROG_TYPE_XDP;
	ASSERT_LE(0, f.prog) TH_LOG("%s: load: %s\n%s", name, strerror(-f.prog), log_buf);
	pfd = rax_tracepoint_attach("syscalls/sys_enter_getppid", getpid(), -1, f.prog);
	ASSERT_LE(0, pfd) TH_LOG("%s: attach: %s", name, strerror(-pfd));
	kmsg = kmsg_open();
	ASSERT_LE(0, kmsg);
	if (helper)
		sleep(2);	/* the message's rate limit, as in run_forged() */
	for (i = 0; i < KINDS_RUNS; i++)
		syscall(__NR_getppid);
	close(pfd);
	EXPECT_EQ(helper ? KINDS_RUNS : 0, fdinfo_ll(f.prog, "rax_panics")) TH_LOG("%s", name);
	if (helper) {
		snprintf(needle, sizeof(needle), "%s: ", helper);
		EXPECT_TRUE(kmsg_find(kmsg, needle))
			TH_LOG("%s: no kernel message naming %s", name, helper);
	}
	close(kmsg);
	ASSERT_EQ(0, ring_count(f.fds[1], KINDS_RING, &rc)) TH_LOG("%s: mmap", name);
	EXPECT_EQ(submitted, rc.submitted) TH_LOG("%s: records submitted", name);
	EXPECT_EQ(discarded, rc.discarded) TH_LOG("%s: records discarded", name);
	EXPECT_EQ(0, rc.busy) TH_LOG("%s: records left reserved", name);
	EXPECT_EQ(0, map_lookup(f.fds[0], &(__u32){ 0 }, &seen));
	forged_free(&f);
	return seen;
}

/*
 * A task reference and a ring buffer record are both pointers a helper
 * gave the program, entered in its cleanup log; only the entry's kind
 * tells them apart. Passing one where the other is due would put a
 * reference on a record's bytes or commit a task_struct as a record.
 */
TEST(task_references_and_records_are_not_confused)
{
	/* The controls: the ids of this task, one record per run. */
	EXPECT_EQ((__u64)getpid() << 32 | (__u32)syscall(__NR_gettid),
		  run_forged_kinds(_metadata, "kinds-task-ok", NULL, 0, 0));
	run_forged_kinds(_metadata, "kinds-record-ok", NULL, KINDS_RUNS, 0);

	run_forged_kinds(_metadata, "kinds-task-submitted", "rax_ringbuf_submit", 0, 0);
	run_forged_kinds(_metadata, "kinds-task-discarded", "rax_ringbuf_discard", 0, 0);
	run_forged_kinds(_metadata, "kinds-record-released", "rax_task_release", 0, KINDS_RUNS);
	run_forged_kinds(_metadata, "kinds-record-read", "rax_task_pid_tgid", 0, KINDS_RUNS);
	run_forged_kinds(_metadata, "kinds-record-parent", "rax_task_acquire_parent", 0,
			 KINDS_RUNS);
	run_forged_kinds(_metadata, "kinds-released-read", "rax_task_pid_tgid", 0, 0);
	run_forged_kinds(_metadata, "kinds-released-twice", "rax_task_release", 0, 0);
}

/*
 * Termination when the time between two cancellation points grows: an
 * empty loop first makes the budget check read the clock only every few
 * thousand points, then 4096 iterations each copy 16 KiB with memcpy()
 * (what safe Rust's copy_from_slice() calls), compare 16 KiB with bcmp()
 * (what == on two slices calls) or update a 64 KiB array value from
 * itself, and all over again. Each call counts for the bytes it is given,
 * so the stop still comes within RAMP_GATE_NS of the deadline; counted as
 * one point each, the first clock read past it could come thousands of
 * calls late. One run in ten may be late, for a vCPU the host deschedules.
 */
#define RAMP_GATE_NS	1000000LL

static void ramp_stopped(struct __test_metadata *_metadata, const char *name)
{
	enum { RUNS = 10 };
	long long over, worst = 0, interval = 0;
	unsigned char pkt[64] = { 0 };
	struct forged f;
	int i, late = 0;

	forged_load(_metadata, &f, name);
	ASSERT_LE(0, f.prog) TH_LOG("%s: load: %s\n%s", name, strerror(-f.prog), log_buf);
	for (i = 0; i < RUNS; i++) {
		EXPECT_EQ(XDP_ABORTED, test_run(f.prog, pkt, sizeof(pkt), 1));
		over = fdinfo_ll(f.prog, "rax_overrun_last_ns");
		late += over > RAMP_GATE_NS;
		if (over > worst) {
			worst = over;
			interval = fdinfo_ll(f.prog, "rax_check_interval_last_ns");
		}
	}
	EXPECT_EQ(RUNS, fdinfo_ll(f.prog, "rax_timeouts"));
	EXPECT_STREQ("0", fdinfo_value(f.prog, "rax_panics"));
	ksft_print_msg("%s: %d stops, at most %lld ns past the deadline (check interval %lld ns)\n",
		       name, RUNS, worst, interval);
	ksft_print_msg("%s: %d stops past %lld ns\n", name, late, RAMP_GATE_NS);
	EXPECT_GE(1, late);
	forged_free(&f);
}

TEST(copies_after_a_fast_loop_are_stopped_in_time)
{
	ramp_stopped(_metadata, "ramp-memcpy");
	ramp_stopped(_metadata, "ramp-bcmp");
	ramp_stopped(_metadata, "ramp-update");
}

/*
 * The same turn from empty iterations to a loop calling a function of
 * 16384 divisions in a row: its entry and the loop's back-edge are the
 * only cancellation points. The count alone came back to the clock
 * after about 2048 calls, 50 ms and more past the deadline; the budget
 * timer makes the next point read it at the deadline. Most stops must
 * come within 1 ms of it (at most 3 of 10 later), and every stop within
 * 20 ms (a vCPU the host deschedules makes single stops late).
 */
TEST(straight_line_code_after_a_fast_loop_is_stopped_in_time)
{
	enum { RUNS = 10 };
	unsigned char pkt[64] = { 0 };
	long long over, worst = 0;
	struct forged f;
	int i, late = 0;

	forged_load(_metadata, &f, "straight-line");
	ASSERT_LE(0, f.prog) TH_LOG("straight-line: load: %s\n%s", strerror(-f.prog), log_buf);
	for (i = 0; i < RUNS; i++) {
		EXPECT_EQ(XDP_ABORTED, test_run(f.prog, pkt, sizeof(pkt), 1));
		over = fdinfo_ll(f.prog, "rax_overrun_last_ns");
		late += over > RAMP_GATE_NS;
		worst = over > worst ? over : worst;
	}
	ksft_print_msg("straight-line: %d stops, %d past %lld ns, at most %lld ns past the deadline\n",
		       RUNS, late, RAMP_GATE_NS, worst);
	EXPECT_EQ(RUNS, fdinfo_ll(f.prog, "rax_timeouts"));
	EXPECT_GE(3, late);
	EXPECT_GT(20 * RAMP_GATE_NS, worst);
	forged_free(&f);
}

/*
 * Time a nested run took counts for the run it is nested in. An XDP
 * program updates a hash map again and again after a loop of empty
 * iterations; a Rax kprobe program on htab_map_update_elem() runs inside
 * each update until its 1 ms budget stops it. The outer run must stop
 * within about one nested run of its deadline. On hardware, where a
 * cancellation point costs a few ns, the empty iterations grow the check
 * interval to 4096 points, and 64 updates (64 ms) came between two clock
 * reads before a nested run's end forced one. Under TCG a point costs
 * enough that the interval stays near one call's 64 points, and this
 * test passes without that fix too (a control build showed it): here it
 * checks that nested runs and the outer run's stop go together, not the
 * fix. One stop in RUNS may be late, for a vCPU the host deschedules.
 */
#define NESTED_GATE_NS	5000000LL

TEST(time_in_nested_runs_counts)
{
	enum { RUNS = 5 };
	long long over, worst = 0;
	unsigned char pkt[64] = { 0 };
	struct forged outer, spin;
	int i, pfd, late = 0;

	forged_type = BPF_PROG_TYPE_KPROBE;
	forged_budget_us = 1000;
	forged_load(_metadata, &spin, "nested-spin");
	forged_type = BPF_PROG_TYPE_XDP;
	forged_budget_us = 10000;
	forged_load(_metadata, &outer, "nested-outer");
	forged_budget_us = 0;
	ASSERT_LE(0, spin.prog) TH_LOG("nested-spin: load: %s", strerror(-spin.prog));
	ASSERT_LE(0, outer.prog) TH_LOG("nested-outer: load: %s", strerror(-outer.prog));
	ASSERT_EQ(0, append_file(RAX_KPROBE_EVENTS,
				 "p:rax_forge/nested htab_map_update_elem\n"));
	pfd = rax_tracepoint_attach("rax_forge/nested", getpid(), -1, spin.prog);
	ASSERT_LE(0, pfd) TH_LOG("attach: %s", strerror(-pfd));
	for (i = 0; i < RUNS; i++) {
		EXPECT_EQ(XDP_ABORTED, test_run(outer.prog, pkt, sizeof(pkt), 1));
		over = fdinfo_ll(outer.prog, "rax_overrun_last_ns");
		late += over > NESTED_GATE_NS;
		worst = over > worst ? over : worst;
	}
	close(pfd);
	EXPECT_EQ(0, append_file(RAX_KPROBE_EVENTS, "-:rax_forge/nested\n"));
	ksft_print_msg("nested: %d stops of the outer run, at most %lld ns past its deadline; "
		       "%lld nested runs stopped\n", RUNS, worst,
		       fdinfo_ll(spin.prog, "rax_timeouts"));
	EXPECT_EQ(RUNS, fdinfo_ll(outer.prog, "rax_timeouts"));
	/* The nested program did run, and to its budget, in every outer run. */
	EXPECT_LE(RUNS, fdinfo_ll(spin.prog, "rax_timeouts"));
	EXPECT_GE(1, late);
	forged_free(&outer);
	forged_free(&spin);
}

/*
 * A spin-lock section keeps interrupts off on its CPU, and other CPUs may
 * spin on the lock with theirs off: it lasts at most 1 ms from the first
 * clock read under the lock, whatever the program's budget (10 ms here).
 * Each run is stopped by that limit (its own log line, one per run),
 * counted as a timeout, the lock released (the next run takes it again).
 * The median run takes well under the budget; single runs may take
 * longer when the host deschedules the vCPU.
 */
#define LOCK_GATE_NS	5000000LL

/* How many messages read from @fd hold @needle. */
static int kmsg_count(int fd, const char *needle)
{
	int n = 0;

	while (kmsg_find(fd, needle))
		n++;
	return n;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

TEST(spin_lock_section_is_stopped_after_1ms)
{
	enum { RUNS = 5 };
	unsigned char pkt[64] = { 0 };
	struct timespec a, b;
	long long ns[RUNS];
	struct forged f;
	int i, kmsg;

	forged_budget_us = 10000;
	forged_load(_metadata, &f, "lock-spin");
	forged_budget_us = 0;
	ASSERT_LE(0, f.prog) TH_LOG("lock-spin: load: %s\n%s", strerror(-f.prog), log_buf);
	kmsg = kmsg_open();
	ASSERT_LE(0, kmsg);
	for (i = 0; i < RUNS; i++) {
		clock_gettime(CLOCK_MONOTONIC, &a);
		EXPECT_EQ(XDP_ABORTED, test_run(f.prog, pkt, sizeof(pkt), 1));
		clock_gettime(CLOCK_MONOTONIC, &b);
		ns[i] = (b.tv_sec - a.tv_sec) * 1000000000LL + b.tv_nsec - a.tv_nsec;
	}
	qsort(ns, RUNS, sizeof(ns[0]), cmp_ll);
	ksft_print_msg("lock-spin: %d runs under a lock, median %lld ns, longest %lld ns (budget 10 ms)\n",
		       RUNS, ns[RUNS / 2], ns[RUNS - 1]);
	EXPECT_EQ(RUNS, fdinfo_ll(f.prog, "rax_timeouts"));
	EXPECT_EQ(0, fdinfo_ll(f.prog, "rax_panics"));
	EXPECT_EQ(RUNS, kmsg_count(kmsg, "held a spin lock, interrupts off, past 1000 us"));
	EXPECT_GT(LOCK_GATE_NS, ns[RUNS / 2]);
	close(kmsg);
	forged_free(&f);
}

TEST(relocation_addends_are_bounded)
{
	load_refused(_metadata, "addend-helper", "is not a call's or a pointer's");
	load_refused(_metadata, "addend-section", "leaves its section");
	load_refused(_metadata, "addend-section-neg", "leaves its section");
	load_refused(_metadata, "addend-before", "leaves its section");
}

TEST_HARNESS_MAIN
