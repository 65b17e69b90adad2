// SPDX-License-Identifier: GPL-2.0
/*
 * What a Rax program can hold: a bpf_spin_lock in a map value described
 * by BTF, a ring buffer record, a task reference; and how the kernel's
 * per-invocation cleanup log gives each back when the program panics,
 * returns still holding it, or breaks a rule of its helpers.
 *
 * Objects (scripts/make-test-objects.sh): resources.o (XDP, run through
 * BPF_PROG_TEST_RUN; the first packet byte selects what it does),
 * resources-kprobe.o (the same with its entry made a kprobe entry),
 * task_ref.o (a tracepoint and a kprobe entry taking task references),
 * locked_calls.o and locked_tc.o (helpers called under a spin lock).
 */

#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <linux/pkt_cls.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

/* resources.o: its maps, and what the first packet byte makes it do. */
enum { MAP_STATS, MAP_EVENTS, NR_MAPS };
enum {
	MODE_COUNT,		/* lock, count; reserve and submit an event */
	MODE_DISCARD,		/* reserve an event and discard it */
	MODE_OUTPUT,		/* copy an event into the ring */
	MODE_PANIC,		/* reserve, lock, panic */
	MODE_FORGET,		/* reserve, lock, leak both guards, return */
	MODE_RELOCK,		/* take the lock twice */
	MODE_INDIRECT,		/* call through a table of function pointers */
};

struct stats {
	__u32 lock;
	__u32 pad;
	__u64 packets;
	__u64 bytes;
};

struct event {
	__u32 len;
	__u32 mode;
	__u64 tag;
};

#define PKT_LEN		64
#define TAG		0x1122334455667788ULL

struct rec {
	int discarded;
	__u32 len;
	struct event ev;
};

/* A mapped ring buffer: the consumer page, the producer page, the data. */
struct ring {
	unsigned long *cons;
	unsigned long *prod;
	unsigned char *data;
	size_t size, page;
};

static int ring_map(struct ring *r, int fd, size_t size)
{
	r->page = sysconf(_SC_PAGESIZE);
	r->size = size;
	r->cons = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->cons == MAP_FAILED)
		return -errno;
	/* The data is mapped twice in a row, so a record never wraps. */
	r->prod = mmap(NULL, r->page + 2 * size, PROT_READ, MAP_SHARED, fd, r->page);
	if (r->prod == MAP_FAILED)
		return -errno;
	r->data = (unsigned char *)r->prod + r->page;
	return 0;
}

static void ring_unmap(struct ring *r)
{
	munmap(r->cons, r->page);
	munmap(r->prod, r->page + 2 * r->size);
}

/* Consume every committed record, up to @max kept in @out; returns how many. */
static int ring_drain(struct ring *r, struct rec *out, int max)
{
	unsigned long cons = __atomic_load_n(r->cons, __ATOMIC_ACQUIRE);
	unsigned long prod = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
	int n = 0;

	while (cons < prod) {
		__u32 *hdr = (void *)(r->data + (cons & (r->size - 1)));
		__u32 len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
		__u32 size = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);

		if (len & BPF_RINGBUF_BUSY_BIT)
			break;
		if (n < max) {
			memset(&out[n], 0, sizeof(out[n]));
			out[n].discarded = !!(len & BPF_RINGBUF_DISCARD_BIT);
			out[n].len = size;
			memcpy(&out[n].ev, hdr + 2,
			       size < sizeof(out[n].ev) ? size : sizeof(out[n].ev));
		}
		n++;
		cons += (size + BPF_RINGBUF_HDR_SZ + 7) & ~7UL;
		__atomic_store_n(r->cons, cons, __ATOMIC_RELEASE);
	}
	return n;
}

static long long run_mode(int prog, int mode, unsigned int repeat)
{
	unsigned char pkt[PKT_LEN] = { 0 };
	__u64 tag = TAG;

	pkt[0] = mode;
	memcpy(pkt + 8, &tag, sizeof(tag));
	return test_run(prog, pkt, sizeof(pkt), repeat);
}

/* STATS[0] read under its lock (BPF_F_LOCK), as userspace must. */
static int stats_read(int fd, struct stats *st)
{
	union bpf_attr attr;
	__u32 key = 0;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (unsigned long)&key;
	attr.value = (unsigned long)st;
	attr.flags = BPF_F_LOCK;
	return sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr) ? -errno : 0;
}

static int map_info(int fd, struct bpf_map_info *info)
{
	union bpf_attr attr;

	memset(info, 0, sizeof(*info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = sizeof(*info);
	attr.info.info = (unsigned long)info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) ? -errno : 0;
}

FIXTURE(res) {
	struct rax_obj_file o;
	int fds[NR_MAPS];
	int prog;
	struct ring ring;
};

FIXTURE_SETUP(res)
{
	const struct rax_map_def *defs;
	struct rax_load_opts opts = { .prog_type = BPF_PROG_TYPE_XDP, .name = "resources" };
	int n;

	self->prog = -1;
	self->o = rax_obj_read("resources.o");
	ASSERT_NE(0, self->o.img.size) TH_LOG("resources.o missing: set RAX_TEST_OBJECTS");
	ASSERT_EQ(NR_MAPS, rax_obj_maps(&self->o.img, &defs));
	ASSERT_EQ(MAP_STATS, rax_map_index(&self->o.img, "STATS"));
	ASSERT_EQ(MAP_EVENTS, rax_map_index(&self->o.img, "EVENTS"));
	ASSERT_EQ(RAX_MAP_SPIN_LOCK, defs[MAP_STATS].flags);
	ASSERT_EQ(0, defs[MAP_STATS].spin_lock_off);
	ASSERT_EQ(sizeof(struct stats), defs[MAP_STATS].value_size);
	n = rax_create_maps(&self->o.img, self->fds, NR_MAPS);
	ASSERT_EQ(NR_MAPS, n) TH_LOG("map create: %s", strerror(-n));
	opts.fd_array = self->fds;
	opts.fd_array_cnt = NR_MAPS;
	self->prog = rax_load_opts(self->o.img.data, self->o.img.size, self->o.sig.data,
				   self->o.sig.size, &opts);
	ASSERT_LE(0, self->prog) TH_LOG("load: %s\n%s", strerror(-self->prog), log_buf);
	ASSERT_EQ(0, ring_map(&self->ring, self->fds[MAP_EVENTS],
			      defs[MAP_EVENTS].max_entries));
}

FIXTURE_TEARDOWN(res)
{
	int i;

	ring_unmap(&self->ring);
	if (self->prog >= 0)
		close(self->prog);
	for (i = 0; i < NR_MAPS; i++)
		close(self->fds[i]);
	rax_obj_free(&self->o);
}

/* The loader described the lock with BTF; the kernel agrees. */
TEST_F(res, lock_map_has_btf)
{
	struct bpf_map_info info;

	ASSERT_EQ(0, map_info(self->fds[MAP_STATS], &info));
	EXPECT_NE(0, info.btf_id);
	EXPECT_NE(0, info.btf_value_type_id);
	ASSERT_EQ(0, map_info(self->fds[MAP_EVENTS], &info));
	EXPECT_EQ(BPF_MAP_TYPE_RINGBUF, info.type);
}

/* Counting under the lock and submitting records, 50 times. */
TEST_F(res, counts_under_the_lock_and_submits)
{
	struct rec recs[64];
	struct stats st;
	int i, n;

	EXPECT_EQ(XDP_PASS, run_mode(self->prog, MODE_COUNT, 50));
	ASSERT_EQ(0, stats_read(self->fds[MAP_STATS], &st));
	EXPECT_EQ(50, st.packets);
	EXPECT_EQ(50 * PKT_LEN, st.bytes);
	EXPECT_EQ(0, st.lock);
	n = ring_drain(&self->ring, recs, 64);
	ASSERT_EQ(50, n);
	for (i = 0; i < n; i++) {
		EXPECT_FALSE(recs[i].discarded);
		EXPECT_EQ(sizeof(struct event), recs[i].len);
		EXPECT_EQ(PKT_LEN, recs[i].ev.len);
		EXPECT_EQ(MODE_COUNT, recs[i].ev.mode);
		EXPECT_EQ(TAG, recs[i].ev.tag);
	}
	EXPECT_STREQ("0", fdinfo_value(self->prog, "rax_panics"));
}

TEST_F(res, discard_and_output)
{
	struct rec recs[4];

	EXPECT_EQ(XDP_PASS, run_mode(self->prog, MODE_DISCARD, 1));
	EXPECT_EQ(XDP_PASS, run_mode(self->prog, MODE_OUTPUT, 1));
	ASSERT_EQ(2, ring_drain(&self->ring, recs, 4));
	EXPECT_TRUE(recs[0].discarded);
	EXPECT_EQ(MODE_DISCARD, recs[0].ev.mode);
	EXPECT_FALSE(recs[1].discarded);
	EXPECT_EQ(MODE_OUTPUT, recs[1].ev.mode);
	EXPECT_EQ(TAG, recs[1].ev.tag);
	EXPECT_STREQ("0", fdinfo_value(self->prog, "rax_panics"));
}

/*
 * After each way of stopping while holding the lock and a record, the
 * record is discarded and the lock is free: counting works again, and
 * the BPF_F_LOCK read (which takes the lock) returns.
 */
struct res_fixture {
	int prog, stats;
	struct ring *ring;
};

static void stops_and_recovers(struct __test_metadata *_metadata,
			       const struct res_fixture *self, int mode, int records)
{
	struct rec recs[4];
	struct stats st;
	int i;

	EXPECT_EQ(XDP_ABORTED, run_mode(self->prog, mode, 1));
	EXPECT_EQ(XDP_ABORTED, run_mode(self->prog, mode, 9));
	EXPECT_STREQ("10", fdinfo_value(self->prog, "rax_panics"));
	ASSERT_EQ(10 * records, ring_drain(self->ring, recs, 4));
	for (i = 0; i < records && i < 4; i++) {
		EXPECT_TRUE(recs[i].discarded);
		EXPECT_EQ(mode, recs[i].ev.mode);
	}

	EXPECT_EQ(XDP_PASS, run_mode(self->prog, MODE_COUNT, 3));
	ASSERT_EQ(0, stats_read(self->stats, &st));
	EXPECT_EQ(3, st.packets);
	EXPECT_EQ(3, ring_drain(self->ring, recs, 4));
}

TEST_F(res, panic_releases_lock_and_record)
{
	struct res_fixture f = { self->prog, self->fds[MAP_STATS], &self->ring };

	stops_and_recovers(_metadata, &f, MODE_PANIC, 1);
}

TEST_F(res, return_holding_releases_lock_and_record)
{
	struct res_fixture f = { self->prog, self->fds[MAP_STATS], &self->ring };

	stops_and_recovers(_metadata, &f, MODE_FORGET, 1);
}

TEST_F(res, second_lock_stops_the_program)
{
	struct res_fixture f = { self->prog, self->fds[MAP_STATS], &self->ring };

	stops_and_recovers(_metadata, &f, MODE_RELOCK, 0);
}

/*
 * An eBPF XDP program that adds 1 to STATS[0].packets under the value's
 * bpf_spin_lock: the verifier's view of the same lock.
 */
static int load_ebpf_locker(int map)
{
	struct bpf_insn insns[] = {
		INSN(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4),
		INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map),
		INSN(0, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 8, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_0, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_6, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_spin_lock),
		INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_6, 8, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, 1),
		INSN(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_6, BPF_REG_1, 8, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_6, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_spin_unlock),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	return ebpf_load(insns, ARRAY_SIZE(insns), "ebpf_locker");
}

/*
 * After a panic that held the lock, userspace (BPF_F_LOCK update) and an
 * eBPF program take the same lock, and Rax and eBPF counts add up.
 */
TEST_F(res, ebpf_and_userspace_take_the_lock_after_a_panic)
{
	struct stats st = { .packets = 100, .bytes = 0 };
	unsigned char pkt[PKT_LEN] = { 0 };
	union bpf_attr attr;
	__u32 key = 0;
	int ebpf;

	EXPECT_EQ(XDP_ABORTED, run_mode(self->prog, MODE_PANIC, 1));

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = self->fds[MAP_STATS];
	attr.key = (unsigned long)&key;
	attr.value = (unsigned long)&st;
	attr.flags = BPF_F_LOCK;
	ASSERT_EQ(0, sys_bpf(BPF_MAP_UPDATE_ELEM, &attr)) TH_LOG("%s", strerror(errno));

	ebpf = load_ebpf_locker(self->fds[MAP_STATS]);
	ASSERT_LE(0, ebpf) TH_LOG("%s\n%s", strerror(-ebpf), log_buf);
	EXPECT_EQ(XDP_PASS, test_run(ebpf, pkt, sizeof(pkt), 5));
	EXPECT_EQ(XDP_PASS, run_mode(self->prog, MODE_COUNT, 2));
	EXPECT_EQ(XDP_PASS, test_run(ebpf, pkt, sizeof(pkt), 3));
	ASSERT_EQ(0, stats_read(self->fds[MAP_STATS], &st));
	EXPECT_EQ(110, st.packets);
	EXPECT_EQ(2 * PKT_LEN, st.bytes);
	close(ebpf);
}

/*
 * An indirect call, relocated to the kernel's retpoline thunk for r11 (or
 * "call *%r11" without retpolines), reaches the function the table
 * holds: byte 1 picks double (the packet passes) or triple (dropped).
 */
TEST_F(res, indirect_call_reaches_its_target)
{
	unsigned char pkt[PKT_LEN] = { MODE_INDIRECT, 0 };

	EXPECT_EQ(XDP_PASS, test_run(self->prog, pkt, sizeof(pkt), 1));
	pkt[1] = 1;
	EXPECT_EQ(XDP_DROP, test_run(self->prog, pkt, sizeof(pkt), 1));
	EXPECT_STREQ("0", fdinfo_value(self->prog, "rax_panics"));
}

/*
 * Both CPUs at once, counting and panicking in turn: the lock keeps the
 * counts exact and every panic is counted. Nobody drains the ring, which
 * fills: reserving then fails, as the program expects.
 */
TEST_F(res, both_cpus_count_exactly)
{
	enum { ROUNDS = 100, COUNT = 5, PANIC = 2 };
	struct stats st;
	pid_t pid[2];
	int cpu, status;
	char want[32];

	for (cpu = 0; cpu < 2; cpu++) {
		pid[cpu] = fork();
		ASSERT_LE(0, pid[cpu]);
		if (!pid[cpu]) {
			cpu_set_t set;
			int r, ok = 1;

			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			sched_setaffinity(0, sizeof(set), &set);
			for (r = 0; r < ROUNDS; r++) {
				ok &= run_mode(self->prog, MODE_COUNT, COUNT) == XDP_PASS;
				ok &= run_mode(self->prog, MODE_PANIC, PANIC) == XDP_ABORTED;
			}
			_exit(ok ? 0 : 1);
		}
	}
	for (cpu = 0; cpu < 2; cpu++) {
		ASSERT_EQ(pid[cpu], waitpid(pid[cpu], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ASSERT_EQ(0, stats_read(self->fds[MAP_STATS], &st));
	EXPECT_EQ(2 * ROUNDS * COUNT, st.packets);
	EXPECT_EQ(2ULL * ROUNDS * COUNT * PKT_LEN, st.bytes);
	snprintf(want, sizeof(want), "%d", 2 * ROUNDS * PANIC);
	EXPECT_STREQ(want, fdinfo_value(self->prog, "rax_panics"));
}

/* Load @file's entry 0 as @type with @fds; the fd or -errno. */
static int load_with_maps(struct rax_obj_file *o, unsigned int type, int *fds, int n)
{
	struct rax_load_opts opts = {
		.prog_type = type, .fd_array = fds, .fd_array_cnt = n, .name = "resources",
	};

	return rax_load_opts(o->img.data, o->img.size, o->sig.data, o->sig.size, &opts);
}

/*
 * locked_calls.o calls helpers under LOCKS[0]'s lock, by packet byte 0:
 * mode 0 only those that take no lock (the map lookup, the clocks, the
 * jiffies, the random number, the CPU and NUMA node) and passes; modes 1
 * to 10 one each of the helpers that take a lock or send a wakeup (map
 * update, map delete, printing, ring buffer reserve, submit, discard,
 * output, queue push, pop, peek), which stop the program with the lock
 * released: the next mode 0 run takes it again.
 */
TEST(helpers_under_a_lock)
{
	static const char *const refused[] = {
		NULL, "map update", "map delete", "printing", "ring buffer reserve",
		"ring buffer submit", "ring buffer discard", "ring buffer output",
		"queue push", "queue pop", "queue peek",
	};
	struct rax_obj_file o = rax_obj_read("locked_calls.o");
	unsigned char pkt[PKT_LEN] = { 0 };
	unsigned char value[16];
	int fds[4], n, prog, mode, table, work;
	unsigned long long locked;
	__u32 key = 0, k1 = 1;

	ASSERT_NE(0, o.img.size) TH_LOG("locked_calls.o missing");
	n = rax_create_maps(&o.img, fds, 4);
	ASSERT_EQ(4, n);
	work = fds[rax_map_index(&o.img, "WORK")];
	table = fds[rax_map_index(&o.img, "TABLE")];
	prog = rax_load_entry(&o, fds, n, "rax_entry_locked_calls", BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, prog) TH_LOG("load: %s\n%s", strerror(-prog), log_buf);

	EXPECT_EQ(XDP_PASS, test_run(prog, pkt, sizeof(pkt), 1));
	for (mode = 1; mode < (int)ARRAY_SIZE(refused); mode++) {
		pkt[0] = mode;
		EXPECT_EQ(XDP_ABORTED, test_run(prog, pkt, sizeof(pkt), 1))
			TH_LOG("%s under a lock was not stopped", refused[mode]);
		EXPECT_EQ(mode, fdinfo_ll(prog, "rax_panics"));
		pkt[0] = 0;
		EXPECT_EQ(XDP_PASS, test_run(prog, pkt, sizeof(pkt), 1))
			TH_LOG("the lock was not released after %s", refused[mode]);
	}
	/* Nothing the stopped calls would have done was done. */
	EXPECT_EQ(-ENOENT, map_lookup(table, &k1, &locked));
	EXPECT_EQ(-ENOENT, map_lookup(work, NULL, &locked));
	ASSERT_EQ(0, map_lookup(fds[rax_map_index(&o.img, "LOCKS")], &key, value));
	memcpy(&locked, value + 8, sizeof(locked));
	EXPECT_EQ(ARRAY_SIZE(refused), locked);
	close(prog);
	for (mode = 0; mode < n; mode++)
		close(fds[mode]);
	rax_obj_free(&o);
}

/*
 * The tc helpers under a spin lock: making the packet writable, storing
 * bytes, fixing checksums and changing the tail may allocate; sending a
 * clone transmits with interrupts enabled again; a redirect or a FIB
 * lookup is for after the lock: each stops the program and releases the
 * lock (locked_tc.o). Copying bytes and setting the mark, priority,
 * classid and tc_index take no lock and go through (mode 0).
 */
TEST(tc_helpers_under_a_lock)
{
	static const char *const refused[] = {
		NULL, "making the packet writable", "sending a clone", "storing bytes",
		"an L3 checksum", "an L4 checksum", "changing the tail", "a redirect",
		"a FIB lookup",
	};
	struct rax_obj_file o = rax_obj_read("locked_tc.o");
	unsigned char pkt[PKT_LEN] = { 0 };
	unsigned char value[16];
	unsigned long long locked;
	int fds[2], n, prog, mode;
	__u32 key = 0;

	ASSERT_NE(0, o.img.size) TH_LOG("locked_tc.o missing");
	n = rax_create_maps(&o.img, fds, 2);
	ASSERT_EQ(1, n);
	prog = rax_load_entry(&o, fds, n, "rax_entry_locked_tc", BPF_PROG_TYPE_SCHED_CLS);
	ASSERT_LE(0, prog) TH_LOG("load: %s\n%s", strerror(-prog), log_buf);

	EXPECT_EQ(TC_ACT_OK, test_run(prog, pkt, sizeof(pkt), 1));
	EXPECT_EQ(0, fdinfo_ll(prog, "rax_panics"));
	for (mode = 1; mode < (int)ARRAY_SIZE(refused); mode++) {
		pkt[0] = mode;
		test_run(prog, pkt, sizeof(pkt), 1);
		EXPECT_EQ(mode, fdinfo_ll(prog, "rax_panics"))
			TH_LOG("%s under a lock was not stopped", refused[mode]);
		pkt[0] = 0;
		EXPECT_EQ(TC_ACT_OK, test_run(prog, pkt, sizeof(pkt), 1))
			TH_LOG("the lock was not released after %s", refused[mode]);
	}
	ASSERT_EQ(0, map_lookup(fds[0], &key, value));
	memcpy(&locked, value + 8, sizeof(locked));
	EXPECT_EQ(ARRAY_SIZE(refused), locked);
	close(prog);
	close(fds[0]);
	rax_obj_free(&o);
}

/*
 * A lock map must hold its lock where the signed definition says, as BTF
 * the kernel parsed: a plain map, or BTF placing the lock elsewhere, is
 * refused at the maps stage.
 */
TEST(lock_map_must_match_its_btf)
{
	struct rax_obj_file o = rax_obj_read("resources.o");
	const struct rax_map_def *defs;
	struct rax_map_def plain;
	int fds[NR_MAPS], fd, i;

	ASSERT_NE(0, o.img.size);
	ASSERT_EQ(NR_MAPS, rax_obj_maps(&o.img, &defs));
	fds[MAP_EVENTS] = rax_map_create(&defs[MAP_EVENTS]);
	ASSERT_LE(0, fds[MAP_EVENTS]);

	for (i = 0; i < 2; i++) {
		plain = defs[MAP_STATS];
		if (i == 0) {
			plain.flags = 0;	/* no BTF at all */
			fds[MAP_STATS] = rax_map_create(&plain);
		} else {
			fds[MAP_STATS] = rax_map_create_lock_at(&plain, 16);
		}
		ASSERT_LE(0, fds[MAP_STATS]) TH_LOG("case %d: %s", i, strerror(-fds[MAP_STATS]));
		fd = load_with_maps(&o, BPF_PROG_TYPE_XDP, fds, NR_MAPS);
		EXPECT_EQ(-EINVAL, fd) TH_LOG("case %d", i);
		expect_log(_metadata, "rax: maps: map 0 (STATS)");
		expect_log(_metadata,
			   "value BTF without exactly one bpf_spin_lock at spin_lock_off");
		if (fd >= 0)
			close(fd);
		close(fds[MAP_STATS]);
	}
	close(fds[MAP_EVENTS]);
	rax_obj_free(&o);
}

/*
 * As for eBPF, no spin lock for tracing programs (NMI could deadlock): the
 * lock helpers are for XDP and tc only, so the policy stage refuses the
 * object before its maps are looked at.
 */
TEST(lock_map_refused_for_tracing)
{
	struct rax_obj_file o = rax_obj_read("resources-kprobe.o");
	int fds[NR_MAPS], n, fd;

	ASSERT_NE(0, o.img.size);
	n = rax_create_maps(&o.img, fds, NR_MAPS);
	ASSERT_EQ(NR_MAPS, n);
	fd = load_with_maps(&o, BPF_PROG_TYPE_KPROBE, fds, NR_MAPS);
	EXPECT_EQ(-EACCES, fd);
	expect_log(_metadata, "helper rax_spin_lock is not allowed for program type 2");
	if (fd >= 0)
		close(fd);
	while (n--)
		close(fds[n]);
	rax_obj_free(&o);
}

/* task_ref.o: its maps and entries, and struct Seen. */
enum { ENTRY_TP, ENTRY_KPROBE };

struct seen {
	__u64 pid_tgid;
	__u64 init_pid_tgid;
	char comm[16];
	char init_comm[16];
	__u64 hits;
};

struct task_prog {
	struct rax_obj_file o;
	int fds[3];
	int nmaps;
	int prog;
	int pfd;
};

static int map_of(struct task_prog *t, const char *name)
{
	int i = rax_map_index(&t->o.img, name);

	return i < 0 ? -1 : t->fds[i];
}

/* Load task_ref.o's tracepoint entry on syscalls:sys_enter_getppid, CPU 0. */
static int task_prog_attach(struct task_prog *t)
{
	struct rax_load_opts opts = {
		.prog_type = BPF_PROG_TYPE_TRACEPOINT, .entry = ENTRY_TP, .name = "task_ref",
	};
	struct perf_event_attr pa;
	cpu_set_t set;
	int id;

	t->prog = -1;
	t->pfd = -1;
	t->o = rax_obj_read("task_ref.o");
	if (!t->o.img.size)
		return -ENOENT;
	t->nmaps = rax_create_maps(&t->o.img, t->fds, 3);
	if (t->nmaps < 0)
		return t->nmaps;
	opts.fd_array = t->fds;
	opts.fd_array_cnt = t->nmaps;
	t->prog = rax_load_opts(t->o.img.data, t->o.img.size, t->o.sig.data,
				t->o.sig.size, &opts);
	if (t->prog < 0)
		return t->prog;
	id = read_ll_file(RAX_TRACEFS "events/syscalls/sys_enter_getppid/id");
	if (id < 0)
		return -ENOENT;
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = PERF_TYPE_TRACEPOINT;
	pa.config = id;
	pa.sample_period = 1;
	t->pfd = syscall(__NR_perf_event_open, &pa, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (t->pfd < 0)
		return -errno;
	if (ioctl(t->pfd, PERF_EVENT_IOC_SET_BPF, t->prog) ||
	    ioctl(t->pfd, PERF_EVENT_IOC_ENABLE, 0))
		return -errno;
	/* The event counts on CPU 0: trigger it there. */
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

static void task_prog_close(struct task_prog *t)
{
	int i;

	if (t->pfd >= 0)
		close(t->pfd);
	if (t->prog >= 0)
		close(t->prog);
	for (i = 0; i < t->nmaps; i++)
		close(t->fds[i]);
	rax_obj_free(&t->o);
}

static void read_comm(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");

	memset(buf, 0, size);
	if (f) {
		if (!fgets(buf, size, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

/* Task references name the current task and pid 1, as /proc does. */
TEST(task_refs_name_current_and_init)
{
	char comm[16], init_comm[16];
	struct task_prog t;
	struct seen s;
	__u32 key = 0, tgid = getpid();
	int err, i;

	err = task_prog_attach(&t);
	ASSERT_EQ(0, err) TH_LOG("%s\n%s", strerror(-err), log_buf);
	ASSERT_EQ(0, map_update(map_of(&t, "TARGET"), &key, &tgid));
	for (i = 0; i < 3; i++)
		syscall(__NR_getppid);
	ASSERT_EQ(0, map_lookup(map_of(&t, "SEEN"), &key, &s));
	EXPECT_EQ(3, s.hits);
	EXPECT_EQ((__u64)getpid() << 32 | (__u32)gettid(), s.pid_tgid);
	EXPECT_EQ(1ULL << 32 | 1, s.init_pid_tgid);
	read_comm("/proc/self/comm", comm, sizeof(comm));
	read_comm("/proc/1/comm", init_comm, sizeof(init_comm));
	EXPECT_STREQ(comm, s.comm);
	EXPECT_STREQ(init_comm, s.init_comm);
	EXPECT_STREQ("0", fdinfo_value(t.prog, "rax_panics"));
	task_prog_close(&t);
}

/*
 * A child that exits after its syscalls trigger the program in @mode: a
 * panic holding both references, or a return having leaked one. The
 * kernel puts them; a reference left behind would keep the child's
 * task_struct forever, which kmemleak (scanned after the run) reports.
 */
static void child_triggers(struct __test_metadata *_metadata, struct task_prog *t,
			   __u32 mode, int calls)
{
	__u32 key = 0, tgid;
	int go[2], status, i;
	pid_t pid;
	char c = 0;

	ASSERT_EQ(0, map_update(map_of(t, "MODE"), &key, &mode));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		prctl(PR_SET_NAME, "rax_task_child");
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		for (i = 0; i < calls; i++)
			syscall(__NR_getppid);
		_exit(0);
	}
	tgid = pid;
	ASSERT_EQ(0, map_update(map_of(t, "TARGET"), &key, &tgid));
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(go[0]);
	close(go[1]);
}

TEST(task_refs_put_after_panic_and_leak)
{
	struct task_prog t;
	struct seen s;
	__u32 key = 0;
	int err;

	err = task_prog_attach(&t);
	ASSERT_EQ(0, err) TH_LOG("%s\n%s", strerror(-err), log_buf);
	child_triggers(_metadata, &t, 1, 4);	/* panic holding both */
	EXPECT_STREQ("4", fdinfo_value(t.prog, "rax_panics"));
	child_triggers(_metadata, &t, 2, 3);	/* return having leaked one */
	EXPECT_STREQ("7", fdinfo_value(t.prog, "rax_panics"));
	ASSERT_EQ(0, map_lookup(map_of(&t, "SEEN"), &key, &s));
	EXPECT_EQ(7, s.hits);
	EXPECT_STREQ("rax_task_child", s.comm);
	task_prog_close(&t);
}

TEST_HARNESS_MAIN
