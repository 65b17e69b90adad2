// SPDX-License-Identifier: GPL-2.0
/*
 * Load-time benchmark, not a test: loads a Rax program and its eBPF twin
 * (the same logic written as eBPF instructions, through the verifier and
 * the JIT) alternately, N times each, in the same boot, and prints the
 * mean and median load time of each and their ratio, for two programs:
 *
 *   small  the xdp_counter sample (xdp.o, 30 eBPF instructions)
 *   large  the rule_table sample (rule.o, 512 unrolled byte-match rules;
 *          its twin has 8195 instructions)
 *
 * Before timing, each pair runs on the same packets and must agree.
 *
 * With a FILE, each load's time is also written there, one JSON object a
 * line, for scripts/perf-report.py:
 *
 *   {"object": NAME, "side": "rax"|"ebpf", "round": I, "ns": T,
 *    "size": RAX OBJECT BYTES, "insns": TWIN INSTRUCTIONS}
 *
 * Usage: RAX_TEST_OBJECTS=DIR rax_load_bench [N [FILE]]
 */
#define _GNU_SOURCE
#include <time.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

#define MAX_RUNS	10000

static unsigned long long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/*
 * The eBPF twin of xdp_counter's IPv4 path: count the IP protocol in
 * PROTO_COUNT, drop UDP to port 9, pass the rest.
 */
/*
 * Load an eBPF program as a loader does in production: without a log (a
 * verifier log of the large twin alone takes longer to write than to
 * verify); on failure again with one, for the reason.
 */
static int load_insns(const struct bpf_insn *insns, unsigned int cnt)
{
	union bpf_attr attr;
	int fd, err;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = cnt;
	attr.license = (unsigned long)"GPL";
	memcpy(attr.prog_name, "ebpf_twin", sizeof("ebpf_twin"));
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)
		return fd;
	err = -errno;
	memset(log_buf, 0, sizeof(log_buf));
	attr.log_level = 1 | 8;	/* BPF_LOG_FIXED: the start of the log */
	attr.log_buf = (unsigned long)log_buf;
	attr.log_size = sizeof(log_buf);
	sys_bpf(BPF_PROG_LOAD, &attr);
	return err;
}

static int load_counter_twin(int proto_map)
{
	struct bpf_insn insns[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_6, 0, 0),	/* data */
		INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_6, 4, 0),	/* data_end */
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_4, BPF_REG_2, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_4, 0, 0, 34),
		INSN(BPF_JMP | BPF_JGT | BPF_X, BPF_REG_4, BPF_REG_3, 21, 0),	/* -> pass */
		INSN(BPF_LDX | BPF_MEM | BPF_H, BPF_REG_5, BPF_REG_2, 12, 0),
		INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 19, 0x0008),	/* -> pass */
		INSN(BPF_LDX | BPF_MEM | BPF_B, BPF_REG_7, BPF_REG_2, 23, 0),
		INSN(BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, BPF_REG_7, -4, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_8, BPF_REG_2, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4),
		INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, proto_map),
		INSN(0, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 2, 0),		/* -> udp */
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 1),
		INSN(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_0, BPF_REG_1, 0, BPF_ADD),
		/* udp: */
		INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_7, 0, 7, 17),		/* -> pass */
		INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_6, 4, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_4, BPF_REG_8, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_4, 0, 0, 38),
		INSN(BPF_JMP | BPF_JGT | BPF_X, BPF_REG_4, BPF_REG_3, 3, 0),	/* -> pass */
		INSN(BPF_LDX | BPF_MEM | BPF_H, BPF_REG_5, BPF_REG_8, 36, 0),
		INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 1, 0x0900),	/* -> pass */
		INSN(BPF_JMP | BPF_JA, 0, 0, 2, 0),				/* -> drop */
		/* pass: */
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		/* drop: */
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_DROP),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	return load_insns(insns, ARRAY_SIZE(insns));
}

#define RULES		512
#define RULE_INSNS	16

/*
 * The eBPF twin of rule_table: for each rule i in order, if byte i % 64
 * of the packet is (i * 37 + 11) & 0xff, add 1 to RULE_HITS[i]; pass.
 */
static int load_rule_twin(int hits_map)
{
	static struct bpf_insn insns[RULES * RULE_INSNS + 3];
	struct bpf_insn *p = insns;
	int i;

	*p++ = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0);
	for (i = 0; i < RULES; i++) {
		int off = i % 64, want = (i * 37 + 11) & 0xff;

		/* Offsets of the jumps: to the end of this rule's block. */
		*p++ = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_6, 0, 0);
		*p++ = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_6, 4, 0);
		*p++ = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_4, BPF_REG_2, 0, 0);
		*p++ = INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_4, 0, 0, off + 1);
		*p++ = INSN(BPF_JMP | BPF_JGT | BPF_X, BPF_REG_4, BPF_REG_3, 11, 0);
		*p++ = INSN(BPF_LDX | BPF_MEM | BPF_B, BPF_REG_5, BPF_REG_2, off, 0);
		*p++ = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, 9, want);
		*p++ = INSN(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, i);
		*p++ = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
		*p++ = INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4);
		*p++ = INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, hits_map);
		*p++ = INSN(0, 0, 0, 0, 0);
		*p++ = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
		*p++ = INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 2, 0);
		*p++ = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 1);
		*p++ = INSN(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_0, BPF_REG_1, 0, BPF_ADD);
	}
	*p++ = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS);
	*p++ = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return load_insns(insns, p - insns);
}

static int cmp_ull(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a;
	unsigned long long y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, unsigned long long *t, int n, double *mean,
		   unsigned long long *median)
{
	unsigned long long sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += t[i];
	qsort(t, n, sizeof(*t), cmp_ull);
	*mean = (double)sum / n;
	*median = t[n / 2];
	printf("%-28s mean %10.0f ns  median %10llu ns  min %10llu ns  max %10llu ns\n",
	       what, *mean, *median, t[0], t[n - 1]);
}

/* xdp_counter and its twin agree on UDP to the discard port and another. */
static int check_counter(int rax, int twin, int map)
{
	unsigned char pkt[64] = { 0 };
	int port, r[2];

	pkt[12] = 0x08;
	pkt[14] = 0x45;
	pkt[23] = 17;
	for (port = 9; port <= 53; port += 44) {
		pkt[36] = port >> 8;
		pkt[37] = port & 0xff;
		r[0] = test_run(rax, pkt, sizeof(pkt), 1);
		r[1] = test_run(twin, pkt, sizeof(pkt), 1);
		printf("UDP to port %d: Rax %d, eBPF twin %d%s\n", port, r[0], r[1],
		       r[0] == r[1] ? "" : "  DIFFER");
		if (r[0] != r[1])
			return -1;
	}
	return 0;
}

/*
 * rule_table and its twin count the same rules: on a packet whose byte j
 * is (j * 37 + 11) & 0xff, rule i matches when i / 64 is a multiple of 4;
 * after one run of each, those rules read 2 and the others 0.
 */
static int check_rules(int rax, int twin, int map)
{
	unsigned char pkt[64];
	unsigned long long v;
	unsigned int i, bad = 0;

	for (i = 0; i < sizeof(pkt); i++)
		pkt[i] = (i * 37 + 11) & 0xff;
	if (test_run(rax, pkt, sizeof(pkt), 1) != XDP_PASS ||
	    test_run(twin, pkt, sizeof(pkt), 1) != XDP_PASS)
		return -1;
	for (i = 0; i < RULES; i++) {
		if (map_lookup(map, &i, &v))
			return -1;
		bad += v != ((i / 64) % 4 == 0 ? 2 : 0);
	}
	printf("rule_table: %u of %u rule counters differ between Rax and eBPF\n",
	       bad, RULES);
	return bad ? -1 : 0;
}

struct bench_case {
	const char *label;	/* for the report */
	const char *object;	/* in RAX_TEST_OBJECTS */
	const char *name;	/* program name */
	const char *map;	/* the map the twin uses */
	int (*twin)(int map);
	int (*check)(int rax, int twin, int map);
	unsigned int insns;	/* the twin's */
};

static const struct bench_case cases[] = {
	{ "small: xdp_counter", "xdp.o", "xdp_counter", "PROTO_COUNT",
	  load_counter_twin, check_counter, 30 },
	{ "large: rule_table", "rule.o", "rule_table", "RULE_HITS",
	  load_rule_twin, check_rules, 8195 },
};

static FILE *json;

static int bench(const struct bench_case *c, int n)
{
	static unsigned long long trax[MAX_RUNS], tebpf[MAX_RUNS];
	struct rax_obj_file o = rax_obj_read(c->object);
	struct rax_load_opts opts = { .prog_type = BPF_PROG_TYPE_XDP, .name = c->name };
	unsigned long long t0, mrax, mebpf;
	int fds[8], nmaps, i, fd, map, rax, twin, err;
	double arax, aebpf;
	char what[64];

	if (!o.img.size) {
		fprintf(stderr, "%s: %s missing from RAX_TEST_OBJECTS\n", c->label, c->object);
		return 1;
	}
	nmaps = rax_create_maps(&o.img, fds, 8);
	if (nmaps < 1) {
		fprintf(stderr, "%s: creating the maps: %d\n", c->label, nmaps);
		return 1;
	}
	map = fds[rax_map_index(&o.img, c->map)];
	opts.fd_array = fds;
	opts.fd_array_cnt = nmaps;

	/* The twin must do what the Rax program does. */
	rax = rax_load_opts(o.img.data, o.img.size, o.sig.data, o.sig.size, &opts);
	twin = c->twin(map);
	if (rax < 0 || twin < 0) {
		fprintf(stderr, "%s: load: Rax %d, eBPF %d\n%s", c->label, rax, twin, log_buf);
		return 1;
	}
	err = c->check(rax, twin, map);
	close(rax);
	close(twin);
	if (err) {
		fprintf(stderr, "%s: the Rax program and its eBPF twin differ\n", c->label);
		return 1;
	}

	for (i = 0; i < n; i++) {
		t0 = now_ns();
		fd = rax_load_opts(o.img.data, o.img.size, o.sig.data, o.sig.size, &opts);
		trax[i] = now_ns() - t0;
		if (fd < 0) {
			fprintf(stderr, "Rax load: %s\n%s", strerror(-fd), log_buf);
			return 1;
		}
		close(fd);
		t0 = now_ns();
		fd = c->twin(map);
		tebpf[i] = now_ns() - t0;
		if (fd < 0) {
			fprintf(stderr, "eBPF load: %s\n%s", strerror(-fd), log_buf);
			return 1;
		}
		close(fd);
	}
	for (i = 0; json && i < n; i++) {
		fprintf(json, "{\"object\": \"%s\", \"side\": \"rax\", \"round\": %d, \"ns\": %llu, \"size\": %zu, \"insns\": %u}\n",
			c->name, i, trax[i], o.img.size, c->insns);
		fprintf(json, "{\"object\": \"%s\", \"side\": \"ebpf\", \"round\": %d, \"ns\": %llu, \"size\": %zu, \"insns\": %u}\n",
			c->name, i, tebpf[i], o.img.size, c->insns);
	}
	printf("%s: load time, %d loads each, alternating, same boot\n", c->label, n);
	snprintf(what, sizeof(what), "Rax %s (%zu bytes)", c->object, o.img.size);
	report(what, trax, n, &arax, &mrax);
	report("eBPF twin (verifier + JIT)", tebpf, n, &aebpf, &mebpf);
	printf("%s: ratio Rax / eBPF: mean %.2f  median %.2f\n", c->label, arax / aebpf,
	       (double)mrax / mebpf);
	for (i = 0; i < nmaps; i++)
		close(fds[i]);
	rax_obj_free(&o);
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	size_t i;

	if (n < 1 || n > MAX_RUNS || argc > 3) {
		fprintf(stderr, "usage: RAX_TEST_OBJECTS=DIR %s [N <= %d [FILE]]\n", argv[0],
			MAX_RUNS);
		return 2;
	}
	if (argc > 2) {
		json = fopen(argv[2], "w");
		if (!json) {
			perror(argv[2]);
			return 1;
		}
		setvbuf(json, NULL, _IOLBF, 0);
	}
	/* Each result as soon as it is known, even into a file. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		if (bench(&cases[i], n))
			return 1;
	return 0;
}
