// SPDX-License-Identifier: GPL-2.0
/*
 * The stacks Rax programs run on: a program that starts while another
 * runs on the same CPU gets a stack of its own, a stack trace taken on a
 * Rax stack goes on into the code that ran the program, and the stack
 * size cannot change under loaded programs.
 *
 * Objects (scripts/make-test-objects.sh): stacks.o (an XDP entry that
 * calls the function a kprobe entry of the same object is attached to,
 * both recording the address of a local variable), nmi.o (a program for
 * the nmi:nmi_handler tracepoint sharing stacks.o's map), redirect.o (a
 * tc program that clones packets to a device's egress, where it runs
 * again, nested), xdp.o.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/perf_event.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

#define STACK_SIZE_KB	"/proc/sys/kernel/rax/stack_size_kb"
#define BUDGET_MAX_US	"/proc/sys/kernel/rax/budget_max_us"
#define PRINTK_TRIGGER	RAX_TRACEFS "events/bpf_trace/bpf_trace_printk/trigger"

/* stacks.o: SEEN slots; the high bit of SEEN[3] is the XDP entry's flag. */
enum {
	XDP_FRAME, KPROBE_FRAME, KPROBE_RUNS, KPROBE_NESTED, DEPTH,
	NMI_RUNS, NMI_FRAME, NMI_IN_XDP,	/* nmi.o */
};
#define NESTED_FLAG	0x8000000000000000ULL

FIXTURE(stacks)
{
	struct rax_obj_file o;
	int fds[2];
	int nmaps;
	int xdp;
	int kprobe;
	int seen;
};

static int load_entry(struct rax_obj_file *o, int *fds, int nmaps,
		      const char *symbol, unsigned int type)
{
	struct rax_load_opts opts = {
		.prog_type = type, .name = "stacks",
		.fd_array = fds, .fd_array_cnt = nmaps,
	};
	int entry = rax_entry_index(&o->img, symbol);

	if (entry < 0)
		return -ENOENT;
	opts.entry = entry;
	return rax_load_opts(o->img.data, o->img.size, o->sig.data, o->sig.size, &opts);
}

FIXTURE_SETUP(stacks)
{
	self->xdp = -1;
	self->kprobe = -1;
	self->o = rax_obj_read("stacks.o");
	ASSERT_NE(0, self->o.img.size) TH_LOG("stacks.o missing");
	self->nmaps = rax_create_maps(&self->o.img, self->fds, 2);
	ASSERT_EQ(2, self->nmaps);
	self->seen = self->fds[rax_map_index(&self->o.img, "SEEN")];
	self->xdp = load_entry(&self->o, self->fds, self->nmaps, "rax_entry_stacks_xdp",
			       BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, self->xdp) TH_LOG("%s\n%s", strerror(-self->xdp), log_buf);
	self->kprobe = load_entry(&self->o, self->fds, self->nmaps, "rax_entry_stacks_kprobe",
				  BPF_PROG_TYPE_KPROBE);
	ASSERT_LE(0, self->kprobe) TH_LOG("%s\n%s", strerror(-self->kprobe), log_buf);
}

FIXTURE_TEARDOWN(stacks)
{
	int i;

	if (self->kprobe >= 0)
		close(self->kprobe);
	if (self->xdp >= 0)
		close(self->xdp);
	for (i = 0; i < self->nmaps; i++)
		close(self->fds[i]);
	rax_obj_free(&self->o);
}

#define seen(self, key) rax_map_u64((self)->seen, (key))

/*
 * Whether the frames at @a and @b are on different Rax stacks of @size_kb:
 * at least half a stack apart, where on one stack they would be a few
 * hundred bytes apart.
 */
static bool frames_apart(unsigned long long a, unsigned long long b, long long size_kb)
{
	unsigned long long dist = a > b ? a - b : b - a;

	return dist >= (unsigned long long)size_kb * 1024 / 2;
}

/* A kprobe on @func, on CPU 0, running @prog; the perf event fd. */
static int kprobe_attach(const char *func, int prog)
{
	struct perf_event_attr pa;
	long long type;
	int pfd;

	type = read_ll_file("/sys/bus/event_source/devices/kprobe/type");
	if (type < 0)
		return -ENOENT;
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = type;
	pa.config1 = (unsigned long)func;
	pfd = syscall(__NR_perf_event_open, &pa, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog) ||
	    ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0)) {
		close(pfd);
		return -errno;
	}
	return pfd;
}

/*
 * A kprobe program that runs inside an XDP program's helper call (on
 * htab_map_lookup_elem(), which rax_map_lookup_elem() calls for PROBED:
 * the helpers themselves cannot be probed) runs on the next stack, not on top
 * of the XDP program's frames: the two frames are at least a stack size
 * apart, where on one stack they would be a few hundred bytes apart.
 */
TEST_F(stacks, nested_program_runs_on_its_own_stack)
{
	unsigned char pkt[64] = { 0 };	/* mode 0 */
	unsigned long long xdp, kp;
	long long size_kb;
	int pfd, i;

	size_kb = read_ll_file(STACK_SIZE_KB);
	ASSERT_LT(0, size_kb);
	ASSERT_EQ(0, rax_pin_cpu(0));
	pfd = kprobe_attach("htab_map_lookup_elem", self->kprobe);
	ASSERT_LE(0, pfd) TH_LOG("kprobe: %s", strerror(-pfd));

	for (i = 0; i < 3; i++)
		EXPECT_EQ(XDP_PASS, test_run(self->xdp, pkt, sizeof(pkt), 1));
	close(pfd);

	EXPECT_EQ(3, seen(self, KPROBE_RUNS));
	EXPECT_EQ(3, seen(self, KPROBE_NESTED) & ~NESTED_FLAG);
	xdp = seen(self, XDP_FRAME);
	kp = seen(self, KPROBE_FRAME);
	ASSERT_NE(0, xdp);
	ASSERT_NE(0, kp);
	EXPECT_TRUE(frames_apart(xdp, kp, size_kb))
		TH_LOG("XDP frame at %#llx, nested kprobe frame at %#llx", xdp, kp);
}

/*
 * A program in NMI context during another program on the same CPU: the
 * XDP entry (mode 3) waits on CPU 0 until nmi.o's program, run by an NMI
 * that a child on CPU 1 sends to CPU 0, has counted. Both complete
 * normally (no stop), and the NMI program's frame is on another Rax stack,
 * at least half a stack away from the XDP program's.
 */
TEST_F(stacks, nmi_program_during_another_runs_on_its_own_stack)
{
	unsigned char pkt[64] = { 3 };	/* mode 3 */
	unsigned long long xdp, nmi;
	long long size_kb, old_budget;
	struct rax_obj_file o;
	int prog, nmi_prog, pfd, status, i;
	char s[32];
	pid_t child;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	ASSERT_LE(0, read_ll_file(RAX_NMI_TRIGGER))
		TH_LOG("no %s (CONFIG_RAX_NMI_TRIGGER)", RAX_NMI_TRIGGER);
	size_kb = read_ll_file(STACK_SIZE_KB);
	ASSERT_LT(0, size_kb);

	/* The XDP program waits for the child: give it a second. */
	old_budget = read_ll_file(BUDGET_MAX_US);
	ASSERT_EQ(0, write_file(BUDGET_MAX_US, "1000000\n"));
	prog = load_entry(&self->o, self->fds, self->nmaps, "rax_entry_stacks_xdp",
			  BPF_PROG_TYPE_XDP);
	snprintf(s, sizeof(s), "%lld\n", old_budget);
	write_file(BUDGET_MAX_US, s);
	ASSERT_LE(0, prog) TH_LOG("%s\n%s", strerror(-prog), log_buf);

	o = rax_obj_read("nmi.o");
	ASSERT_NE(0, o.img.size) TH_LOG("nmi.o missing");
	nmi_prog = load_entry(&o, &self->seen, 1, "rax_entry_nmi_handler",
			      BPF_PROG_TYPE_TRACEPOINT);
	rax_obj_free(&o);
	ASSERT_LE(0, nmi_prog) TH_LOG("%s\n%s", strerror(-nmi_prog), log_buf);
	pfd = rax_tracepoint_attach("nmi/nmi_handler", -1, 0, nmi_prog);
	ASSERT_LE(0, pfd) TH_LOG("attach: %s", strerror(-pfd));

	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		/* CPU 1: once the XDP program waits, an NMI to CPU 0. */
		if (rax_pin_cpu(1))
			_exit(2);
		for (i = 0; i < 5000 && !(seen(self, KPROBE_NESTED) & NESTED_FLAG); i++)
			usleep(100);
		_exit(rax_nmi_send(0, 1) ? 1 : 0);
	}
	ASSERT_EQ(0, rax_pin_cpu(0));
	EXPECT_EQ(XDP_PASS, test_run(prog, pkt, sizeof(pkt), 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("the NMI was not sent (status %#x)", status);
	close(pfd);

	EXPECT_EQ(1, seen(self, NMI_RUNS));
	EXPECT_EQ(1, seen(self, NMI_IN_XDP));
	EXPECT_EQ(0, seen(self, KPROBE_NESTED) & NESTED_FLAG);
	EXPECT_STREQ("0", fdinfo_value(prog, "rax_timeouts"));
	EXPECT_STREQ("0", fdinfo_value(prog, "rax_panics"));
	EXPECT_STREQ("0", fdinfo_value(nmi_prog, "rax_timeouts"));
	EXPECT_STREQ("0", fdinfo_value(nmi_prog, "rax_panics"));
	xdp = seen(self, XDP_FRAME);
	nmi = seen(self, NMI_FRAME);
	ASSERT_NE(0, xdp);
	ASSERT_NE(0, nmi);
	EXPECT_TRUE(frames_apart(xdp, nmi, size_kb))
		TH_LOG("XDP frame at %#llx, NMI frame at %#llx", xdp, nmi);
	ksft_print_msg("XDP frame at %#llx, NMI program frame at %#llx\n", xdp, nmi);
	close(nmi_prog);
	close(prog);
}

/* redirect.o: NEST slots. */
enum {
	OUTER_FRAME, INNER_FRAME, OUTER_RUNS, INNER_RUNS, INNER_NESTED,
	REDIRECT_ERRNO, IN_REDIRECT, INTACT_AFTER,
};

#define REDIRECT_ETHERTYPE	0x88b5

/*
 * Send @n frames of redirect.o's ethertype on @ifindex, asking for a clone
 * to @to, under redirect.o's spin lock if @locked.
 */
static int send_redirect_frames(int sock, int ifindex, __u32 to, int locked, int n)
{
	struct sockaddr_ll ll = {
		.sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = ETH_ALEN,
	};
	unsigned char pkt[64] = { 0 };
	int i;

	memset(pkt, 0xff, ETH_ALEN);		/* broadcast */
	pkt[6] = 0x02;				/* a local source address */
	pkt[12] = REDIRECT_ETHERTYPE >> 8;
	pkt[13] = REDIRECT_ETHERTYPE & 0xff;
	for (i = 0; i < 4; i++)
		pkt[14 + i] = to >> (8 * i);	/* little endian */
	pkt[18] = locked;
	for (i = 0; i < n; i++)
		if (sendto(sock, pkt, sizeof(pkt), 0, (struct sockaddr *)&ll,
			   sizeof(ll)) != sizeof(pkt))
			return -errno;
	return 0;
}

/* Wait up to two seconds for NEST[OUTER_RUNS] to reach @n. */
static unsigned long long wait_outer_runs(int map, unsigned long long n)
{
	unsigned long long runs = 0;
	int i;

	for (i = 0; i < 2000; i++) {
		runs = rax_map_u64(map, OUTER_RUNS);
		if (runs >= n)
			break;
		usleep(1000);
	}
	return runs;
}

/*
 * tc egress reached through bpf_clone_redirect() nests at the same context
 * level as the tc ingress program that called it (softirq): redirect.o on
 * raxr1's tcx ingress clones each frame that arrives from raxr0 to
 * raxr1's egress, where the same program runs inside the helper call. It
 * runs on the next Rax stack: the two frames are at least half a stack
 * apart. The ingress program reads its packet again after the call (the
 * helper may move it) and finds it intact. A clone to a device that does
 * not exist fails with EINVAL and runs nothing; a clone under a spin lock
 * stops the program.
 */
TEST(tc_egress_through_clone_redirect_runs_on_its_own_stack)
{
	unsigned long long outer, inner, guarded[1];
	int fds[2], nmaps, map, guard, prog, in, out, sock, rx, tx;
	struct rax_obj_file o;
	long long size_kb;

	size_kb = read_ll_file(STACK_SIZE_KB);
	ASSERT_LT(0, size_kb);
	o = rax_obj_read("redirect.o");
	ASSERT_NE(0, o.img.size) TH_LOG("redirect.o missing");
	nmaps = rax_create_maps(&o.img, fds, 2);
	ASSERT_EQ(2, nmaps);
	map = fds[rax_map_index(&o.img, "NEST")];
	guard = fds[rax_map_index(&o.img, "GUARDED")];
	prog = rax_load_entry(&o, fds, 2, "rax_entry_redirect", BPF_PROG_TYPE_SCHED_CLS);
	rax_obj_free(&o);
	ASSERT_LE(0, prog) TH_LOG("%s\n%s", strerror(-prog), log_buf);

	system("ip link del raxr0 2>/dev/null");	/* left by a failed run */
	ASSERT_EQ(0, system("ip link add raxr0 type veth peer name raxr1"));
	ASSERT_EQ(0, system("ip link set raxr0 up && ip link set raxr1 up"));
	tx = if_nametoindex("raxr0");
	rx = if_nametoindex("raxr1");
	in = rax_link_create(prog, rx, BPF_TCX_INGRESS, 0);
	out = rax_link_create(prog, rx, BPF_TCX_EGRESS, 0);
	sock = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (in < 0 || out < 0 || sock < 0)
		system("ip link del raxr0");
	ASSERT_LE(0, in) TH_LOG("tcx ingress: %s", strerror(-in));
	ASSERT_LE(0, out) TH_LOG("tcx egress: %s", strerror(-out));
	ASSERT_LE(0, sock) TH_LOG("socket: %s", strerror(errno));
	ASSERT_EQ(0, rax_pin_cpu(0));

	EXPECT_EQ(0, send_redirect_frames(sock, tx, rx, 0, 5));
	EXPECT_EQ(5, wait_outer_runs(map, 5));
	EXPECT_EQ(0, rax_map_u64(map, REDIRECT_ERRNO));
	EXPECT_EQ(5, rax_map_u64(map, INNER_RUNS));
	EXPECT_EQ(5, rax_map_u64(map, INNER_NESTED));
	EXPECT_EQ(5, rax_map_u64(map, INTACT_AFTER));
	EXPECT_EQ(0, rax_map_u64(map, IN_REDIRECT));
	outer = rax_map_u64(map, OUTER_FRAME);
	inner = rax_map_u64(map, INNER_FRAME);
	ASSERT_NE(0, outer);
	ASSERT_NE(0, inner);
	EXPECT_TRUE(frames_apart(outer, inner, size_kb))
		TH_LOG("ingress frame at %#llx, nested egress frame at %#llx", outer, inner);
	ksft_print_msg("tc ingress frame at %#llx, nested tc egress frame at %#llx\n",
		       outer, inner);

	/* No such device: EINVAL, the egress program does not run. */
	EXPECT_EQ(0, send_redirect_frames(sock, tx, 0x7fffffff, 0, 1));
	EXPECT_EQ(6, wait_outer_runs(map, 6));
	EXPECT_EQ(EINVAL, rax_map_u64(map, REDIRECT_ERRNO));
	EXPECT_EQ(5, rax_map_u64(map, INNER_RUNS));
	EXPECT_EQ(6, rax_map_u64(map, INTACT_AFTER));
	EXPECT_STREQ("0", fdinfo_value(prog, "rax_panics"));

	/*
	 * Under a spin lock (interrupts off) the call stops the program: it
	 * never returns from it, the lock is released, nothing is sent.
	 */
	EXPECT_EQ(0, send_redirect_frames(sock, tx, rx, 1, 1));
	EXPECT_EQ(7, wait_outer_runs(map, 7));
	EXPECT_EQ(1, fdinfo_ll(prog, "rax_panics"));
	EXPECT_EQ(1, rax_map_u64(map, IN_REDIRECT));
	EXPECT_EQ(5, rax_map_u64(map, INNER_RUNS));
	EXPECT_EQ(6, rax_map_u64(map, INTACT_AFTER));
	EXPECT_EQ(0, map_locked(BPF_MAP_LOOKUP_ELEM, guard, 0, guarded))
		TH_LOG("the lock was not released");
	EXPECT_STREQ("0", fdinfo_value(prog, "rax_timeouts"));

	close(sock);
	close(out);
	close(in);
	EXPECT_EQ(0, system("ip link del raxr0"));
	close(prog);
	close(fds[0]);
	close(fds[1]);
}

/*
 * The same program run twice at the same depth uses the same stack: its
 * frame is at the same address each time.
 */
TEST_F(stacks, same_depth_same_stack)
{
	unsigned char pkt[64] = { 0 };
	unsigned long long first;

	ASSERT_EQ(0, rax_pin_cpu(0));
	EXPECT_EQ(XDP_PASS, test_run(self->xdp, pkt, sizeof(pkt), 1));
	first = seen(self, XDP_FRAME);
	ASSERT_NE(0, first);
	EXPECT_EQ(XDP_PASS, test_run(self->xdp, pkt, sizeof(pkt), 1));
	EXPECT_EQ(first, seen(self, XDP_FRAME));
}

/*
 * A stack trace taken while a program runs on its Rax stack names the
 * program's function and goes on, across the switch, into the code on the
 * task stack that ran it: the ftrace stacktrace trigger on the event
 * rax_trace_print() writes.
 */
TEST_F(stacks, stack_trace_crosses_the_rax_stack)
{
	unsigned char pkt[64] = { 1 };	/* mode 1: print */
	int in_trace = 0, prog = 0, run = 0, caller = 0;
	char line[512], trace[4096] = "";
	FILE *f;

	ASSERT_EQ(0, write_file(RAX_TRACEFS "trace", ""));
	ASSERT_EQ(0, write_file(PRINTK_TRIGGER, "stacktrace"))
		TH_LOG("stacktrace trigger: %s", strerror(errno));
	EXPECT_EQ(XDP_PASS, test_run(self->xdp, pkt, sizeof(pkt), 1));
	ASSERT_EQ(0, write_file(PRINTK_TRIGGER, "!stacktrace"));

	f = fopen(RAX_TRACEFS "trace", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "stacks: printing from a Rax stack")) {
			in_trace = 1;
			continue;
		}
		if (!in_trace || !strstr(line, " => "))
			continue;
		if (strlen(trace) + strlen(line) < sizeof(trace))
			strcat(trace, line);
		/*
		 * The program's entry (bpf_prog_<tag>_<symbol>), then the
		 * dispatcher, then the test run on the task stack.
		 */
		if (strstr(line, "_rax_entry_stacks_xdp"))
			prog = 1;
		else if (prog && strstr(line, " rax_run"))
			run = 1;
		else if (run && strstr(line, " bpf_prog_test_run_xdp"))
			caller = 1;
	}
	fclose(f);
	ASSERT_EQ(0, write_file(RAX_TRACEFS "trace", ""));
	EXPECT_TRUE(in_trace);
	EXPECT_TRUE(prog) TH_LOG("no frame of the program in the trace");
	EXPECT_TRUE(run) TH_LOG("the trace stops on the Rax stack:\n%s", trace);
	EXPECT_TRUE(caller) TH_LOG("the trace does not reach the test run:\n%s", trace);
}

/* Mode 2: recursion @n deep through rax::recurse; the verdict. */
static long long recurse(int prog, unsigned int n)
{
	unsigned char pkt[64] = { 2, n, n >> 8, n >> 16, n >> 24 };

	return test_run(prog, pkt, sizeof(pkt), 1);
}

/*
 * Recursion through the crate's guard runs as deep as the stack allows;
 * deeper, the guard stops the program like a panic, long before the guard
 * page, and the kernel goes on. Each level has a frame of 64 bytes or
 * more, so a million levels cannot fit in any stack size the sysctl takes.
 */
TEST_F(stacks, deep_recursion_throws_before_the_guard_page)
{
	EXPECT_EQ(XDP_PASS, recurse(self->xdp, 100));
	EXPECT_EQ(100, seen(self, DEPTH));
	EXPECT_STREQ("0", fdinfo_value(self->xdp, "rax_panics"));

	EXPECT_EQ(XDP_ABORTED, recurse(self->xdp, 1000000));
	EXPECT_EQ(100, seen(self, DEPTH));	/* never got to store it */
	EXPECT_STREQ("1", fdinfo_value(self->xdp, "rax_panics"));

	/* And again, on the same stack, with the same result. */
	EXPECT_EQ(XDP_ABORTED, recurse(self->xdp, 1000000));
	EXPECT_STREQ("2", fdinfo_value(self->xdp, "rax_panics"));
	EXPECT_EQ(XDP_PASS, recurse(self->xdp, 200));
	EXPECT_EQ(200, seen(self, DEPTH));
}

/* Write @kb to kernel.rax.stack_size_kb; 0 or -errno. */
static int set_stack_size(long long kb)
{
	char s[32];

	snprintf(s, sizeof(s), "%lld\n", kb);
	return write_file(STACK_SIZE_KB, s);
}

/* Load xdp.o with its maps, created into @fds; the program fd or -errno. */
static int load_xdp(struct rax_obj_file *o, int *fds, int *n)
{
	struct rax_load_opts opts = { .prog_type = BPF_PROG_TYPE_XDP, .fd_array = fds };

	*n = rax_create_maps(&o->img, fds, 8);
	if (*n < 0)
		return *n;
	opts.fd_array_cnt = *n;
	return rax_load_opts(o->img.data, o->img.size, o->sig.data, o->sig.size, &opts);
}

static void close_all(int prog, int *fds, int n)
{
	if (prog >= 0)
		close(prog);
	while (n-- > 0)
		close(fds[n]);
}

/* Set the stack size once the programs closed before are freed. */
static int set_stack_size_when_free(long long kb)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	int err, i;

	/* A program is freed after an RCU grace period and a work item. */
	for (i = 0; i < 250; i++) {
		err = set_stack_size(kb);
		if (err != -EBUSY)
			break;
		nanosleep(&ts, NULL);
	}
	return err;
}

/*
 * The stack size cannot change while a Rax program is loaded (its bound
 * was checked against it); once the last one is gone it can, and programs
 * then run on stacks of the new size.
 */
TEST(stack_size_is_busy_while_loaded)
{
	struct rax_obj_file o = rax_obj_read("xdp.o");
	unsigned char pkt[64] = { 0 };
	long long size_kb, other;
	int fds[8], n = 0, fd;

	ASSERT_NE(0, o.img.size);
	size_kb = read_ll_file(STACK_SIZE_KB);
	ASSERT_LT(0, size_kb);
	other = size_kb == 64 ? 128 : 64;

	fd = load_xdp(&o, fds, &n);
	ASSERT_LE(0, fd) TH_LOG("%s\n%s", strerror(-fd), log_buf);
	EXPECT_EQ(-EBUSY, set_stack_size(other));
	EXPECT_EQ(size_kb, read_ll_file(STACK_SIZE_KB));
	close_all(fd, fds, n);

	EXPECT_EQ(0, set_stack_size_when_free(other));
	EXPECT_EQ(other, read_ll_file(STACK_SIZE_KB));

	fd = load_xdp(&o, fds, &n);
	EXPECT_LE(0, fd) TH_LOG("%s\n%s", strerror(-fd), log_buf);
	if (fd >= 0)
		EXPECT_LE(0, test_run(fd, pkt, sizeof(pkt), 1));
	close_all(fd, fds, n);

	EXPECT_EQ(0, set_stack_size_when_free(size_kb));
	rax_obj_free(&o);
}

/* "depth @d used N" of RAX_STACK_USED; -1 if absent. */
#define RAX_STACK_USED	"/sys/kernel/debug/rax/stack_used"

static long long stack_used(unsigned int d)
{
	char line[128];
	unsigned int depth;
	long long used, v = -1;
	FILE *f = fopen(RAX_STACK_USED, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "depth %u used %lld", &depth, &used) == 2 && depth == d)
			v = used;
	fclose(f);
	return v;
}

#define RAX_STACK_RESERVE	(16 * 1024)

/*
 * The deepest helper path measured against RAX_STACK_RESERVE: on freshly
 * allocated (painted) stacks, a tc ingress program sends clones of its
 * packets out of a veth (rax_clone_redirect() through dev_queue_xmit(),
 * the device's tc egress program nested on the next stack, with KASAN's
 * frames and whatever interrupts come), and the deepest use of the first
 * stack, the program's own few hundred bytes included, must fit in the
 * reserve kept below every program's bound.
 */
TEST(helper_path_fits_the_stack_reserve)
{
	int fds[2], nmaps, map, prog, in, out, sock, rx, tx;
	long long size_kb, other, used0, used1;
	struct rax_obj_file o;

	size_kb = read_ll_file(STACK_SIZE_KB);
	ASSERT_LT(0, size_kb);
	other = size_kb == 64 ? 128 : 64;
	/* A new size: the next load allocates new, painted stacks. */
	ASSERT_EQ(0, set_stack_size_when_free(other));
	o = rax_obj_read("redirect.o");
	ASSERT_NE(0, o.img.size) TH_LOG("redirect.o missing");
	nmaps = rax_create_maps(&o.img, fds, 2);
	ASSERT_EQ(2, nmaps);
	map = fds[rax_map_index(&o.img, "NEST")];
	prog = rax_load_entry(&o, fds, 2, "rax_entry_redirect", BPF_PROG_TYPE_SCHED_CLS);
	rax_obj_free(&o);
	ASSERT_LE(0, prog) TH_LOG("%s\n%s", strerror(-prog), log_buf);
	ASSERT_LE(0, stack_used(0)) TH_LOG("no %s", RAX_STACK_USED);

	system("ip link del raxr0 2>/dev/null");
	ASSERT_EQ(0, system("ip link add raxr0 type veth peer name raxr1"));
	ASSERT_EQ(0, system("ip link set raxr0 up && ip link set raxr1 up"));
	tx = if_nametoindex("raxr0");
	rx = if_nametoindex("raxr1");
	in = rax_link_create(prog, rx, BPF_TCX_INGRESS, 0);
	out = rax_link_create(prog, rx, BPF_TCX_EGRESS, 0);
	sock = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (in < 0 || out < 0 || sock < 0)
		system("ip link del raxr0");
	ASSERT_LE(0, in);
	ASSERT_LE(0, out);
	ASSERT_LE(0, sock);
	EXPECT_EQ(0, send_redirect_frames(sock, tx, rx, 0, 20));
	EXPECT_EQ(20, wait_outer_runs(map, 20));
	EXPECT_EQ(20, rax_map_u64(map, INNER_RUNS));
	used0 = stack_used(0);
	used1 = stack_used(1);
	ksft_print_msg("deepest use: %lld bytes of stack 0 (reserve %d), %lld of stack 1\n",
		       used0, RAX_STACK_RESERVE, used1);
	EXPECT_LT(0, used0);
	EXPECT_GE(RAX_STACK_RESERVE, used0);
	close(sock);
	close(out);
	close(in);
	EXPECT_EQ(0, system("ip link del raxr0"));
	close(prog);
	close(fds[0]);
	close(fds[1]);
	EXPECT_EQ(0, set_stack_size_when_free(size_kb));
}

/*
 * A sysctl write racing loads: a child on CPU 1 switches the stack size
 * between 64 and 256 KiB (EBUSY while a program is loaded) while CPU 0
 * loads and runs midstack.o, whose 100 KiB bound fits 256 KiB stacks and
 * not 64 KiB ones, for RACE_SECONDS. Every load that succeeds runs on
 * stacks that fit its bound, of the size the sysctl shows while it is
 * loaded; every other is refused with E2BIG.
 */
#define RACE_SECONDS	3

TEST(stack_size_races_loads)
{
	struct rax_obj_file o = rax_obj_read("midstack.o");
	long long size_kb, bytes, loaded = 0, refused = 0, deadline;
	unsigned char pkt[64] = { 0 };
	int fds[8], n = 0, fd, status;
	struct timespec ts;
	pid_t child;

	ASSERT_NE(0, o.img.size) TH_LOG("midstack.o missing");
	size_kb = read_ll_file(STACK_SIZE_KB);
	ASSERT_LT(0, size_kb);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = ts.tv_sec + RACE_SECONDS;

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		rax_pin_cpu(1);
		do {
			set_stack_size(64);
			set_stack_size(256);
			clock_gettime(CLOCK_MONOTONIC, &ts);
		} while (ts.tv_sec < deadline);
		_exit(0);
	}
	ASSERT_EQ(0, rax_pin_cpu(0));
	do {
		fd = load_xdp(&o, fds, &n);
		if (fd >= 0) {
			loaded++;
			bytes = fdinfo_ll(fd, "rax_stack_bytes");
			EXPECT_LE(102400 + 16384, bytes);
			EXPECT_EQ(read_ll_file(STACK_SIZE_KB) * 1024, bytes);
			EXPECT_LE(0, test_run(fd, pkt, sizeof(pkt), 1));
		} else {
			EXPECT_EQ(-E2BIG, fd) TH_LOG("%s", log_buf);
			refused++;
		}
		close_all(fd, fds, n);
		clock_gettime(CLOCK_MONOTONIC, &ts);
	} while (ts.tv_sec < deadline);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(0, status);
	ksft_print_msg("%lld loads on 256 KiB stacks, %lld refused on 64 KiB ones\n",
		       loaded, refused);
	EXPECT_LT(0, loaded + refused);
	EXPECT_EQ(0, set_stack_size_when_free(size_kb));
	rax_obj_free(&o);
}

TEST_HARNESS_MAIN
