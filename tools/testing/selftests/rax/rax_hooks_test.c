// SPDX-License-Identifier: GPL-2.0
/*
 * Rax programs on real hooks: a kprobe, a syscall tracepoint and a
 * software perf event through perf_event_open() and PERF_EVENT_IOC_SET_BPF,
 * XDP and tc on a veth pair through BPF_LINK_CREATE, tc through
 * BPF_PROG_TEST_RUN, and a map shared by an eBPF and a Rax program. Each
 * test checks an effect the program has: map counters equal to the events
 * caused, trace output, packets dropped.
 *
 * Objects (scripts/make-test-objects.sh): counters.o (kprobe, tracepoint,
 * perf_event entries), tc.o (a tc filter), xdp.o (xdp_counter).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/ip.h>
#include <linux/perf_event.h>
#include <linux/udp.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

#define MAX_MAPS	8

/* counters.o: EVENTS slots and entries. */
enum { KPROBE_HITS, TRACEPOINT_HITS, PERF_SAMPLES };
enum { ENTRY_KPROBE, ENTRY_TRACEPOINT, ENTRY_PERF };

/* @fd's counter @key once it reaches @want, or after two seconds. */
static long long wait_u64(int fd, unsigned int key, long long want)
{
	long long v = rax_map_u64(fd, key);
	int i;

	for (i = 0; i < 200 && v < want; i++) {
		usleep(10000);
		v = rax_map_u64(fd, key);
	}
	return v;
}

static int perf_open(struct perf_event_attr *pa, int pid, int cpu)
{
	return syscall(__NR_perf_event_open, pa, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* Attach @prog to the perf event @pfd and enable it. */
static int perf_attach(int pfd, int prog)
{
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog))
		return -errno;
	if (ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0))
		return -errno;
	return 0;
}

/* A loaded object: its maps and one program. */
struct loaded {
	struct rax_obj_file o;
	int fds[MAX_MAPS];
	int nmaps;
	int prog;
};

static int load_entry(struct loaded *l, const char *file, unsigned int type,
		      unsigned int entry, const char *name)
{
	struct rax_load_opts opts = { .prog_type = type, .entry = entry, .name = name };

	l->prog = -1;
	l->o = rax_obj_read(file);
	if (!l->o.img.size)
		return -ENOENT;
	l->nmaps = rax_create_maps(&l->o.img, l->fds, MAX_MAPS);
	if (l->nmaps < 0)
		return l->nmaps;
	opts.fd_array = l->fds;
	opts.fd_array_cnt = l->nmaps;
	l->prog = rax_load_opts(l->o.img.data, l->o.img.size, l->o.sig.data,
				l->o.sig.size, &opts);
	return l->prog < 0 ? l->prog : 0;
}

static int map_fd(struct loaded *l, const char *name)
{
	int i = rax_map_index(&l->o.img, name);

	return i < 0 ? -1 : l->fds[i];
}

static void unload(struct loaded *l)
{
	int i;

	if (l->prog >= 0)
		close(l->prog);
	for (i = 0; i < l->nmaps; i++)
		close(l->fds[i]);
	rax_obj_free(&l->o);
}

/* Count only this process's events. */
static void target_self(struct __test_metadata *_metadata, struct loaded *l)
{
	unsigned int key = 0, pid = getpid();

	ASSERT_EQ(0, map_update(map_fd(l, "TARGET"), &key, &pid));
}

TEST(kprobe_counts_each_call)
{
	struct perf_event_attr pa;
	struct loaded l;
	int type, pfd, err, i;

	err = load_entry(&l, "counters.o", BPF_PROG_TYPE_KPROBE, ENTRY_KPROBE, "count_kprobe");
	ASSERT_EQ(0, err) TH_LOG("load: %s\n%s", strerror(-err), log_buf);
	target_self(_metadata, &l);

	type = read_ll_file("/sys/bus/event_source/devices/kprobe/type");
	ASSERT_LT(0, type) TH_LOG("no kprobe PMU");
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = type;
	pa.config1 = (unsigned long)"__x64_sys_getpgid";
	pfd = perf_open(&pa, -1, 0);
	ASSERT_LE(0, pfd) TH_LOG("perf_event_open(kprobe): %s", strerror(errno));
	ASSERT_EQ(0, rax_pin_cpu(0));
	ASSERT_EQ(0, perf_attach(pfd, l.prog)) TH_LOG("%s", strerror(errno));

	for (i = 0; i < 10; i++)
		syscall(__NR_getpgid, 0);
	close(pfd);
	EXPECT_EQ(10, rax_map_u64(map_fd(&l, "EVENTS"), KPROBE_HITS));
	unload(&l);
}

TEST(tracepoint_counts_and_prints)
{
	struct perf_event_attr pa;
	char want[128], line[512];
	struct loaded l;
	int id, pfd, err, i, found = 0;
	FILE *f;

	err = load_entry(&l, "counters.o", BPF_PROG_TYPE_TRACEPOINT, ENTRY_TRACEPOINT,
			 "count_tp");
	ASSERT_EQ(0, err) TH_LOG("load: %s\n%s", strerror(-err), log_buf);
	target_self(_metadata, &l);

	id = read_ll_file(RAX_TRACEFS "events/syscalls/sys_enter_getppid/id");
	ASSERT_LT(0, id) TH_LOG("no syscalls:sys_enter_getppid tracepoint");
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = PERF_TYPE_TRACEPOINT;
	pa.config = id;
	pa.sample_period = 1;
	pfd = perf_open(&pa, -1, 0);
	ASSERT_LE(0, pfd) TH_LOG("perf_event_open(tracepoint): %s", strerror(errno));
	ASSERT_EQ(0, rax_pin_cpu(0));
	ASSERT_EQ(0, perf_attach(pfd, l.prog)) TH_LOG("%s", strerror(errno));

	for (i = 0; i < 7; i++)
		syscall(__NR_getppid);
	close(pfd);
	EXPECT_EQ(7, rax_map_u64(map_fd(&l, "EVENTS"), TRACEPOINT_HITS));

	/* The program's rax::println! reached the trace buffer. */
	snprintf(want, sizeof(want), "counters: syscall %d by the target task", __NR_getppid);
	f = fopen(RAX_TRACEFS "trace", "r");
	ASSERT_NE(NULL, f);
	while (!found && fgets(line, sizeof(line), f))
		found = !!strstr(line, want);
	fclose(f);
	EXPECT_TRUE(found) TH_LOG("no '%s' in /sys/kernel/tracing/trace", want);
	unload(&l);
}

TEST(perf_event_samples)
{
	struct perf_event_attr pa;
	struct timespec t0, t;
	struct loaded l;
	long long n;
	int pfd, err;

	err = load_entry(&l, "counters.o", BPF_PROG_TYPE_PERF_EVENT, ENTRY_PERF, "count_perf");
	ASSERT_EQ(0, err) TH_LOG("load: %s\n%s", strerror(-err), log_buf);

	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = PERF_TYPE_SOFTWARE;
	pa.config = PERF_COUNT_SW_TASK_CLOCK;
	pa.sample_period = 1000000;	/* 1 ms of this task's CPU time */
	pa.disabled = 1;
	pfd = perf_open(&pa, 0, -1);
	ASSERT_LE(0, pfd) TH_LOG("perf_event_open(task-clock): %s", strerror(errno));
	ASSERT_EQ(0, perf_attach(pfd, l.prog)) TH_LOG("%s", strerror(errno));

	/* Spin for 200 ms of wall time: some CPU milliseconds, each a sample. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000000000LL + t.tv_nsec - t0.tv_nsec < 200000000LL);
	close(pfd);
	n = rax_map_u64(map_fd(&l, "EVENTS"), PERF_SAMPLES);
	EXPECT_LT(0, n);
	EXPECT_GE(400, n) TH_LOG("%lld samples for at most 200 ms of CPU time", n);
	unload(&l);
}

/* An Ethernet frame with an IPv4 UDP header to @dport. */
static unsigned int make_udp(unsigned char *buf, unsigned short dport)
{
	struct ethhdr *eth = (void *)buf;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	memset(buf, 0, 64);
	memset(eth->h_dest, 0xff, ETH_ALEN);
	eth->h_source[0] = 2;
	eth->h_source[5] = 1;
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(64 - ETH_HLEN);
	ip->saddr = htonl(0x0a000001);
	ip->daddr = htonl(0x0a000002);
	udp->source = htons(1234);
	udp->dest = htons(dport);
	udp->len = htons(64 - ETH_HLEN - sizeof(*ip));
	return 64;
}

TEST(tc_test_run_verdicts)
{
	unsigned char pkt[64], out[256];
	union bpf_attr attr;
	struct loaded l;
	int err, fd;

	err = load_entry(&l, "tc.o", BPF_PROG_TYPE_SCHED_CLS, 0, "tc_filter");
	ASSERT_EQ(0, err) TH_LOG("load: %s\n%s", strerror(-err), log_buf);
	fd = map_fd(&l, "TC_COUNT");

	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = l.prog;
	attr.test.data_in = (unsigned long)pkt;
	attr.test.data_size_in = make_udp(pkt, 9);
	attr.test.data_out = (unsigned long)out;
	attr.test.data_size_out = sizeof(out);
	ASSERT_EQ(0, sys_bpf(BPF_PROG_TEST_RUN, &attr)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(2, attr.test.retval);	/* TC_ACT_SHOT */

	make_udp(pkt, 53);
	attr.test.repeat = 5;
	ASSERT_EQ(0, sys_bpf(BPF_PROG_TEST_RUN, &attr)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(0, attr.test.retval);	/* TC_ACT_OK */
	EXPECT_EQ(6, rax_map_u64(fd, 0));
	EXPECT_EQ(1, rax_map_u64(fd, 1));
	unload(&l);
}

/* A veth pair, veth1 in this namespace's view: frames sent on rax0 arrive on rax1. */
FIXTURE(veth) {
	int ifindex;		/* rax1, where programs attach */
	int sock;		/* AF_PACKET on rax0 */
	struct sockaddr_ll to;
};

FIXTURE_SETUP(veth)
{
	ASSERT_EQ(0, system("ip link add rax0 type veth peer name rax1"));
	ASSERT_EQ(0, system("ip link set rax0 up && ip link set rax1 up"));
	self->ifindex = if_nametoindex("rax1");
	ASSERT_LT(0, self->ifindex);
	self->sock = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	ASSERT_LE(0, self->sock);
	memset(&self->to, 0, sizeof(self->to));
	self->to.sll_family = AF_PACKET;
	self->to.sll_ifindex = if_nametoindex("rax0");
	self->to.sll_halen = ETH_ALEN;
	memset(self->to.sll_addr, 0xff, ETH_ALEN);
}

FIXTURE_TEARDOWN(veth)
{
	close(self->sock);
	system("ip link del rax0 2>/dev/null");
}

static int send_udp(int sock, struct sockaddr_ll *to, unsigned short dport, int n)
{
	unsigned char pkt[64];
	unsigned int len = make_udp(pkt, dport);
	int i;

	for (i = 0; i < n; i++)
		if (sendto(sock, pkt, len, 0, (struct sockaddr *)to, sizeof(*to)) != (ssize_t)len)
			return -errno;
	return 0;
}

/* xdp_counter on rax1 drops the UDP frames to port 9 and counts all. */
TEST_F(veth, xdp_drops_on_veth)
{
	struct loaded l;
	int err, link, eth;
	long long dropped;

	err = load_entry(&l, "xdp.o", BPF_PROG_TYPE_XDP, 0, "xdp_counter");
	ASSERT_EQ(0, err) TH_LOG("load: %s\n%s", strerror(-err), log_buf);
	link = rax_link_create(l.prog, self->ifindex, BPF_XDP, 0);
	ASSERT_LE(0, link) TH_LOG("BPF_LINK_CREATE(xdp): %s", strerror(-link));

	ASSERT_EQ(0, send_udp(self->sock, &self->to, 9, 5));
	ASSERT_EQ(0, send_udp(self->sock, &self->to, 53, 3));
	eth = map_fd(&l, "ETH_COUNT");
	/* ETH_COUNT is per-CPU: sum it. */
	{
		unsigned long long v[64] = { 0 };
		unsigned int key = 4;
		int i, tries;

		for (tries = 0, dropped = 0; tries < 200 && dropped < 5; tries++) {
			usleep(10000);
			ASSERT_EQ(0, map_lookup(eth, &key, v));
			for (i = 0, dropped = 0; i < 64; i++)
				dropped += v[i];
		}
	}
	EXPECT_EQ(5, dropped);
	EXPECT_EQ(8, wait_u64(map_fd(&l, "PROTO_COUNT"), IPPROTO_UDP, 8));
	close(link);
	unload(&l);
}

/* The tc filter on rax1's ingress sees every frame and drops port 9. */
TEST_F(veth, tc_ingress_on_veth)
{
	struct loaded l;
	int err, link, fd;

	err = load_entry(&l, "tc.o", BPF_PROG_TYPE_SCHED_CLS, 0, "tc_filter");
	ASSERT_EQ(0, err) TH_LOG("load: %s\n%s", strerror(-err), log_buf);
	link = rax_link_create(l.prog, self->ifindex, BPF_TCX_INGRESS, 0);
	ASSERT_LE(0, link) TH_LOG("BPF_LINK_CREATE(tcx ingress): %s", strerror(-link));

	ASSERT_EQ(0, send_udp(self->sock, &self->to, 9, 4));
	ASSERT_EQ(0, send_udp(self->sock, &self->to, 80, 2));
	fd = map_fd(&l, "TC_COUNT");
	EXPECT_EQ(4, wait_u64(fd, 1, 4));
	EXPECT_LE(6, wait_u64(fd, 0, 6));
	close(link);
	unload(&l);
}

/*
 * A tracepoint entry says how much of its record it reads (nmi.o's reads
 * `handled`, an int at offset 24 of an nmi:nmi_handler record: 28 bytes),
 * and the kernel checks it at attach as for eBPF: on nmi:nmi_handler it
 * attaches, on sys_enter_getppid (12 bytes of fields) it is refused with
 * EACCES. hello.o's entry reads 12 bytes and attaches there.
 */
TEST(tracepoint_record_size_checked_at_attach)
{
	struct loaded l, h;
	int err, pfd;

	err = load_entry(&l, "nmi.o", BPF_PROG_TYPE_TRACEPOINT, 0, "nmi_handler");
	ASSERT_EQ(0, err) TH_LOG("load: %s\n%s", strerror(-err), log_buf);
	pfd = rax_tracepoint_attach("nmi/nmi_handler", -1, 0, l.prog);
	EXPECT_LE(0, pfd) TH_LOG("nmi_handler: %s", strerror(-pfd));
	if (pfd >= 0)
		close(pfd);
	EXPECT_EQ(-EACCES, rax_tracepoint_attach("syscalls/sys_enter_getppid", -1, 0, l.prog));
	unload(&l);

	err = load_entry(&h, "hello.o", BPF_PROG_TYPE_TRACEPOINT, 1, "hello_tp");
	ASSERT_EQ(0, err) TH_LOG("load: %s\n%s", strerror(-err), log_buf);
	pfd = rax_tracepoint_attach("syscalls/sys_enter_getppid", -1, 0, h.prog);
	EXPECT_LE(0, pfd) TH_LOG("sys_enter_getppid: %s", strerror(-pfd));
	if (pfd >= 0)
		close(pfd);
	unload(&h);
}

/* A packet socket that gets every frame rax1 receives, before tc does. */
static int tap_open(void)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));

	if (s < 0)
		return -errno;
	sll.sll_ifindex = if_nametoindex("rax1");
	if (bind(s, (struct sockaddr *)&sll, sizeof(sll))) {
		close(s);
		return -errno;
	}
	return s;
}


/* Hits of the kprobe event rax_hooks/@name, from kprobe_profile; -1 if none. */
static long long kprobe_hits(const char *name)
{
	char line[256], ev[128];
	unsigned long long hits;
	long long found = -1;
	FILE *f = fopen(RAX_TRACEFS "kprobe_profile", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %llu", ev, &hits) == 2 && !strcmp(ev, name))
			found = hits;
	fclose(f);
	return found;
}

/*
 * A tc program that only reads does not copy the packet. With a packet
 * socket on rax1, every frame reaches tc ingress cloned (the socket got
 * its clone first); the reader (tc.o) must not unclone it: the head is
 * reallocated (pskb_expand_head(), counted by a kprobe) for fewer than
 * half of the frames, where a copy per frame was made before.
 */
TEST_F(veth, tc_reader_copies_nothing)
{
	long long before, after;
	struct loaded l;
	int err, link, tap;

	tap = tap_open();
	ASSERT_LE(0, tap) TH_LOG("tap: %s", strerror(-tap));
	ASSERT_EQ(0, append_file(RAX_KPROBE_EVENTS, "p:rax_hooks/rax_expand pskb_expand_head\n"));
	ASSERT_EQ(0, write_file(RAX_TRACEFS "events/rax_hooks/rax_expand/enable", "1\n"));
	err = load_entry(&l, "tc.o", BPF_PROG_TYPE_SCHED_CLS, 0, "tc_filter");
	ASSERT_EQ(0, err) TH_LOG("load: %s\n%s", strerror(-err), log_buf);
	link = rax_link_create(l.prog, self->ifindex, BPF_TCX_INGRESS, 0);
	ASSERT_LE(0, link) TH_LOG("BPF_LINK_CREATE(tcx ingress): %s", strerror(-link));

	before = kprobe_hits("rax_expand");
	ASSERT_LE(0, before);
	ASSERT_EQ(0, send_udp(self->sock, &self->to, 80, 20));
	EXPECT_LE(20, wait_u64(map_fd(&l, "TC_COUNT"), 0, 20));
	after = kprobe_hits("rax_expand");
	ksft_print_msg("pskb_expand_head() ran %lld times for 20 cloned frames\n",
		       after - before);
	EXPECT_GT(10, after - before);

	close(link);
	unload(&l);
	write_file(RAX_TRACEFS "events/rax_hooks/rax_expand/enable", "0\n");
	EXPECT_EQ(0, append_file(RAX_KPROBE_EVENTS, "-:rax_hooks/rax_expand\n"));
	close(tap);
}

/*
 * A tc program that writes a cloned packet writes a copy: tc_rewrite.o
 * turns UDP port 7777 into 7778 on rax1's ingress, and the packet socket
 * on rax1, which got its clone before tc ran, still reads 7777 in every
 * frame.
 */
TEST_F(veth, tc_writer_never_changes_a_clone)
{
	unsigned char buf[256];
	int err, link, tap, i, seen = 0, changed = 0, fd;
	struct loaded l;
	ssize_t n;

	tap = tap_open();
	ASSERT_LE(0, tap) TH_LOG("tap: %s", strerror(-tap));
	err = load_entry(&l, "tc_rewrite.o", BPF_PROG_TYPE_SCHED_CLS, 0, "tc_rewrite");
	ASSERT_EQ(0, err) TH_LOG("load: %s\n%s", strerror(-err), log_buf);
	link = rax_link_create(l.prog, self->ifindex, BPF_TCX_INGRESS, 0);
	ASSERT_LE(0, link) TH_LOG("BPF_LINK_CREATE(tcx ingress): %s", strerror(-link));

	ASSERT_EQ(0, send_udp(self->sock, &self->to, 7777, 5));
	fd = map_fd(&l, "REWRITE");
	EXPECT_EQ(5, wait_u64(fd, 1, 5));
	EXPECT_EQ(0, rax_map_u64(fd, 2));
	for (i = 0; i < 100 && seen < 5; i++) {
		n = recv(tap, buf, sizeof(buf), 0);
		if (n < 0) {
			usleep(10000);
			continue;
		}
		if (n < 64 || buf[12] != 0x08 || buf[13] != 0x00 || buf[23] != IPPROTO_UDP)
			continue;
		if (((buf[36] << 8) | buf[37]) == 7777)
			seen++;
		else if (((buf[36] << 8) | buf[37]) == 7778)
			changed++;
	}
	EXPECT_EQ(5, seen);
	EXPECT_EQ(0, changed) TH_LOG("the program changed the packet socket's clone");
	close(link);
	unload(&l);
	close(tap);
}

/*
 * An eBPF XDP program that returns PROTO_COUNT[17] and adds 100 to it,
 * sharing the map with the Rax xdp_counter.
 */
static int load_ebpf_reader(int map)
{
	struct bpf_insn insns[] = {
		INSN(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, IPPROTO_UDP),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4),
		INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map),
		INSN(0, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 5, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_6, BPF_REG_0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 100),
		INSN(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_0, BPF_REG_1, 0, BPF_ADD),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_0, BPF_REG_6, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	return ebpf_load(insns, ARRAY_SIZE(insns), "ebpf_reader");
}

static long long run_once(int prog, const void *pkt, unsigned int len)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = prog;
	attr.test.data_in = (unsigned long)pkt;
	attr.test.data_size_in = len;
	if (sys_bpf(BPF_PROG_TEST_RUN, &attr))
		return -errno;
	return attr.test.retval;
}

/* An eBPF and a Rax program share a map and see each other's writes. */
TEST(map_shared_with_ebpf)
{
	unsigned char pkt[64];
	unsigned int len = make_udp(pkt, 53);
	struct loaded l;
	int err, ebpf, proto;

	err = load_entry(&l, "xdp.o", BPF_PROG_TYPE_XDP, 0, "xdp_counter");
	ASSERT_EQ(0, err) TH_LOG("load: %s\n%s", strerror(-err), log_buf);
	proto = map_fd(&l, "PROTO_COUNT");
	ebpf = load_ebpf_reader(proto);
	ASSERT_LE(0, ebpf) TH_LOG("eBPF load: %s\n%s", strerror(-ebpf), log_buf);

	EXPECT_EQ(XDP_PASS, run_once(l.prog, pkt, len));	/* Rax: 1 */
	EXPECT_EQ(XDP_PASS, run_once(l.prog, pkt, len));	/* Rax: 2 */
	EXPECT_EQ(2, run_once(ebpf, pkt, len));			/* eBPF sees 2, adds 100 */
	EXPECT_EQ(XDP_PASS, run_once(l.prog, pkt, len));	/* Rax: 103 */
	EXPECT_EQ(103, run_once(ebpf, pkt, len));		/* eBPF sees it */
	EXPECT_EQ(203, rax_map_u64(proto, IPPROTO_UDP));
	close(ebpf);
	unload(&l);
}

/* The output of @cmd, at most @size - 1 bytes. */
static int run_cmd(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	if (!p)
		return -errno;
	n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	return pclose(p);
}

/*
 * The kernel tree's bpftool (installed next to the tests) lists the Rax
 * and the eBPF program side by side and dumps the map they share.
 */
TEST(bpftool_lists_rax_and_ebpf)
{
	static const char proto17_is_1[] =
		"{\"key\":[\"0x11\",\"0x00\",\"0x00\",\"0x00\"],\"value\":[\"0x01\",\"0x00\"";
	static char out[1 << 16];
	unsigned char pkt[64];
	unsigned int len = make_udp(pkt, 53);
	struct loaded l;
	int err, ebpf;

	err = load_entry(&l, "xdp.o", BPF_PROG_TYPE_XDP, 0, "xdp_counter");
	ASSERT_EQ(0, err) TH_LOG("load: %s\n%s", strerror(-err), log_buf);
	ebpf = load_ebpf_reader(map_fd(&l, "PROTO_COUNT"));
	ASSERT_LE(0, ebpf) TH_LOG("eBPF load: %s\n%s", strerror(-ebpf), log_buf);
	EXPECT_EQ(XDP_PASS, run_once(l.prog, pkt, len));

	ASSERT_EQ(0, run_cmd("../bpftool -j prog show", out, sizeof(out)))
		TH_LOG("bpftool prog show: %s", out);
	EXPECT_NE(NULL, strstr(out, "\"type\":\"xdp\",\"name\":\"xdp_counter\""))
		TH_LOG("no xdp_counter in %s", out);
	EXPECT_NE(NULL, strstr(out, "\"type\":\"xdp\",\"name\":\"ebpf_reader\""))
		TH_LOG("no ebpf_reader in %s", out);

	ASSERT_EQ(0, run_cmd("../bpftool -j map dump name PROTO_COUNT", out, sizeof(out)))
		TH_LOG("bpftool map dump: %s", out);
	EXPECT_NE(NULL, strstr(out, proto17_is_1))
		TH_LOG("PROTO_COUNT[17] is not 1 in %s", out);
	close(ebpf);
	unload(&l);
}

/* eBPF still goes through the verifier: an invalid program is refused. */
TEST(invalid_ebpf_still_refused)
{
	struct bpf_insn insns[] = {
		/* r0 = *(u64 *)(r5 + 0): r5 is not initialised */
		INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_0, BPF_REG_5, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	EXPECT_EQ(-EACCES, ebpf_load(insns, ARRAY_SIZE(insns), "ebpf_invalid"));
	expect_log(_metadata, "R5 !read_ok");
}

TEST_HARNESS_MAIN
