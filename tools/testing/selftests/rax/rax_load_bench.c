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
 * --family: load time against program size. Each OBJECT is a rule_table
 * of N rules (scripts/gen-rule-table.py; N is its RULE_HITS map's
 * max_entries), loaded against an eBPF twin of the same N rules. The pair
 * must agree on the same packets first; then the two are loaded
 * alternately N_LOADS times, fewer for large twins: about FAMILY_BUDGET_S
 * seconds per object, FAMILY_MIN_LOADS loads at least (the output says
 * how many). When the verifier refuses a twin, the Rax object is checked
 * and timed alone. FILE gets the lines above with "rules": N, a line per
 * object with the loads made ("loads", "asked", "budget_s") and, for a
 * refused twin:
 *
 *   {"object": NAME, "side": "ebpf", "rules": N, "size": ..., "insns": ...,
 *    "error": "E2BIG", "errno": 7, "reason": FIRST LINE OF THE REASON}
 *
 * Usage: RAX_TEST_OBJECTS=DIR rax_load_bench [N [FILE]]
 *        RAX_TEST_OBJECTS=DIR rax_load_bench --family N_LOADS FILE|- OBJECT...
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
 * verify); on failure again with one at @log_level, for the reason (with
 * BPF_LOG_FIXED the start of the log, else its end).
 */
static int load_insns_log(const struct bpf_insn *insns, unsigned int cnt,
			  unsigned int log_level)
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
	attr.log_level = log_level;
	attr.log_buf = (unsigned long)log_buf;
	attr.log_size = sizeof(log_buf);
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	if (fd >= 0)	/* refused once, not twice: report the first */
		close(fd);
	return err;
}

static int load_insns(const struct bpf_insn *insns, unsigned int cnt)
{
	return load_insns_log(insns, cnt, 1 | 8);	/* BPF_LOG_FIXED */
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
#define RULE_TWIN_INSNS(rules)	((rules) * RULE_INSNS + 3)

/*
 * The eBPF twin of a rule_table of @rules rules, into @insns (room for
 * RULE_TWIN_INSNS(@rules)): for each rule i in order, if byte i % 64 of
 * the packet is (i * 37 + 11) & 0xff, add 1 to RULE_HITS[i]; pass.
 * Returns the number of instructions.
 */
static unsigned int rule_twin(struct bpf_insn *insns, int hits_map, unsigned int rules)
{
	struct bpf_insn *p = insns;
	unsigned int i;

	*p++ = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0);
	for (i = 0; i < rules; i++) {
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
	return p - insns;
}

/* The twin of the rule_table sample (RULES rules). */
static int load_rule_twin(int hits_map)
{
	static struct bpf_insn insns[RULE_TWIN_INSNS(RULES)];

	return load_insns(insns, rule_twin(insns, hits_map, RULES));
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

#define CHECK_PKTS	3

/*
 * A rule_table of @rules rules and its twin (@twin < 0: none, the twin
 * was refused) count what the rules say. Each runs once on three packets:
 * the rules' pattern (byte j is (j * 37 + 11) & 0xff, which the rules i
 * with i / 64 a multiple of 4 match), the pattern of the next 64 rules,
 * and the first 40 bytes of the pattern (too short for the rules reading
 * byte 40 or later). RULE_HITS (@map, fresh) must then hold, for each
 * rule, the packets it matches, once per program run.
 */
static int check_rules_n(const char *name, int rax, int twin, int map, unsigned int rules)
{
	static const unsigned int len[CHECK_PKTS] = { 64, 64, 40 };
	unsigned char pkt[CHECK_PKTS][64];
	unsigned int i, j, k, want, sides = twin < 0 ? 1 : 2, bad = 0;
	unsigned long long v;

	for (j = 0; j < 64; j++) {
		pkt[0][j] = (j * 37 + 11) & 0xff;
		pkt[1][j] = ((j + 64) * 37 + 11) & 0xff;
		pkt[2][j] = pkt[0][j];
	}
	for (k = 0; k < CHECK_PKTS; k++)
		if (test_run(rax, pkt[k], len[k], 1) != XDP_PASS ||
		    (twin >= 0 && test_run(twin, pkt[k], len[k], 1) != XDP_PASS))
			return -1;
	for (i = 0; i < rules; i++) {
		if (map_lookup(map, &i, &v))
			return -1;
		for (want = 0, k = 0; k < CHECK_PKTS; k++)
			want += i % 64 < len[k] && pkt[k][i % 64] == ((i * 37 + 11) & 0xff);
		bad += v != want * sides;
	}
	if (twin >= 0)
		printf("%s: %u of %u rule counters differ between Rax and eBPF\n",
		       name, bad, rules);
	else
		printf("%s: %u of %u rule counters differ from the rules (Rax alone)\n",
		       name, bad, rules);
	return bad ? -1 : 0;
}

static int check_rules(int rax, int twin, int map)
{
	return check_rules_n("rule_table", rax, twin, map, RULES);
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

#define FAMILY_BUDGET_S		60
#define FAMILY_MIN_LOADS	3

/* @s as a JSON string, quotes included. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/*
 * Why the verifier refused a program, into @buf: the last line of its log
 * (log_buf, its end) before the statistics it prints after a refusal, or
 * the errno's message when there is no log (refused before the verifier
 * ran, as a program of more than 1M instructions is).
 */
static void refusal_reason(int err, char *buf, size_t size)
{
	static const char * const stats[] = {
		"verification time", "stack depth", "processed ",
	};
	char *end = log_buf + strnlen(log_buf, sizeof(log_buf) - 1), *line;
	size_t i;

	snprintf(buf, size, "%s (no verifier log)", strerror(-err));
	while (end > log_buf) {
		while (end > log_buf && end[-1] == '\n')
			*--end = 0;
		line = end;
		while (line > log_buf && line[-1] != '\n')
			line--;
		for (i = 0; i < ARRAY_SIZE(stats); i++)
			if (!strncmp(line, stats[i], strlen(stats[i])))
				break;
		if (i == ARRAY_SIZE(stats)) {
			if (line < end)
				snprintf(buf, size, "%s", line);
			return;
		}
		end = line;
	}
}

static void family_json(const char *name, const char *side, unsigned int rules, int round,
			unsigned long long ns, size_t size, unsigned int insns)
{
	fprintf(json, "{\"object\": \"%s\", \"side\": \"%s\", \"rules\": %u, ", name, side,
		rules);
	fprintf(json, "\"round\": %d, \"ns\": %llu, \"size\": %zu, \"insns\": %u}\n", round, ns,
		size, insns);
}

/*
 * One object of the family: @file in RAX_TEST_OBJECTS, a rule_table of N
 * rules (its RULE_HITS map's max_entries), against its twin of N rules.
 */
static int family(const char *file, int n)
{
	static unsigned long long trax[MAX_RUNS], tebpf[MAX_RUNS];
	struct rax_obj_file o = rax_obj_read(file);
	struct rax_load_opts opts = { .prog_type = BPF_PROG_TYPE_XDP, .name = "rule_table" };
	unsigned long long t0, per, mrax, mebpf = 0;
	int fds[8], nmaps, i, fd, idx, map, rax, twin, err, loads;
	const struct rax_map_def *defs;
	struct bpf_insn *insns;
	char name[64], reason[256], what[96];
	unsigned int rules, cnt;
	double arax, aebpf = 0;

	snprintf(name, sizeof(name), "%s", strrchr(file, '/') ? strrchr(file, '/') + 1 : file);
	if (strlen(name) > 2 && !strcmp(name + strlen(name) - 2, ".o"))
		name[strlen(name) - 2] = 0;
	if (!o.img.size) {
		fprintf(stderr, "%s: %s missing from RAX_TEST_OBJECTS\n", name, file);
		return 1;
	}
	idx = rax_map_index(&o.img, "RULE_HITS");
	if (idx < 0 || rax_obj_maps(&o.img, &defs) <= (unsigned int)idx) {
		fprintf(stderr, "%s: no RULE_HITS map: not a rule_table\n", name);
		return 1;
	}
	rules = defs[idx].max_entries;
	nmaps = rax_create_maps(&o.img, fds, 8);
	if (nmaps < 1) {
		fprintf(stderr, "%s: creating the maps: %d\n", name, nmaps);
		return 1;
	}
	map = fds[idx];
	opts.fd_array = fds;
	opts.fd_array_cnt = nmaps;
	insns = malloc(RULE_TWIN_INSNS(rules) * sizeof(*insns));
	if (!insns)
		return 1;
	cnt = rule_twin(insns, map, rules);

	/*
	 * The twin must do what the Rax program does; each first load also
	 * tells how long a pair of loads takes.
	 */
	t0 = now_ns();
	rax = rax_load_opts(o.img.data, o.img.size, o.sig.data, o.sig.size, &opts);
	per = now_ns() - t0;
	if (rax < 0) {
		fprintf(stderr, "%s: Rax load: %s\n%s", name, strerror(-rax), log_buf);
		return 1;
	}
	t0 = now_ns();
	twin = load_insns_log(insns, cnt, 1);	/* the end of the log: the reason */
	if (twin >= 0)
		per += now_ns() - t0;
	if (twin < 0) {
		refusal_reason(twin, reason, sizeof(reason));
		printf("%s: %u rules, eBPF twin of %u instructions refused: %s: %s\n",
		       name, rules, cnt, strerrorname_np(-twin), reason);
		if (json) {
			fprintf(json, "{\"object\": \"%s\", \"side\": \"ebpf\", \"rules\": %u, ",
				name, rules);
			fprintf(json, "\"size\": %zu, \"insns\": %u, \"error\": \"%s\", ",
				o.img.size, cnt, strerrorname_np(-twin));
			fprintf(json, "\"errno\": %d, \"reason\": ", -twin);
			json_str(json, reason);
			fprintf(json, "}\n");
		}
	}
	err = check_rules_n(name, rax, twin, map, rules);
	close(rax);
	if (twin >= 0)
		close(twin);
	if (err) {
		fprintf(stderr, "%s: the Rax program and the rules (or its eBPF twin) differ\n",
			name);
		return 1;
	}

	loads = n;
	if (per * n > FAMILY_BUDGET_S * 1000000000ULL)
		loads = FAMILY_BUDGET_S * 1000000000ULL / per;
	if (loads < FAMILY_MIN_LOADS)
		loads = n < FAMILY_MIN_LOADS ? n : FAMILY_MIN_LOADS;
	for (i = 0; i < loads; i++) {
		t0 = now_ns();
		fd = rax_load_opts(o.img.data, o.img.size, o.sig.data, o.sig.size, &opts);
		trax[i] = now_ns() - t0;
		if (fd < 0) {
			fprintf(stderr, "%s: Rax load: %s\n%s", name, strerror(-fd), log_buf);
			return 1;
		}
		close(fd);
		if (twin < 0)
			continue;
		t0 = now_ns();
		fd = load_insns(insns, cnt);
		tebpf[i] = now_ns() - t0;
		if (fd < 0) {
			fprintf(stderr, "%s: eBPF load: %s\n%s", name, strerror(-fd), log_buf);
			return 1;
		}
		close(fd);
	}
	for (i = 0; json && i < loads; i++) {
		family_json(name, "rax", rules, i, trax[i], o.img.size, cnt);
		if (twin >= 0)
			family_json(name, "ebpf", rules, i, tebpf[i], o.img.size, cnt);
	}
	if (json) {
		fprintf(json, "{\"object\": \"%s\", \"rules\": %u, \"loads\": %d, ", name, rules,
			loads);
		fprintf(json, "\"asked\": %d, \"budget_s\": %d}\n", n, FAMILY_BUDGET_S);
	}
	printf("%s: %u rules, load time, %d load%s%s%s", name, rules, loads, loads == 1 ? "" : "s",
	       twin < 0 ? " (Rax alone)" : " each, alternating", loads < n ? "" : "\n");
	if (loads < n)
		printf(" (of %d: about %d s per size, %d at least; the first took %.1f s)\n", n,
		       FAMILY_BUDGET_S, FAMILY_MIN_LOADS, per / 1e9);
	snprintf(what, sizeof(what), "Rax %s (%zu bytes)", name, o.img.size);
	report(what, trax, loads, &arax, &mrax);
	if (twin >= 0) {
		snprintf(what, sizeof(what), "eBPF twin (%u insns)", cnt);
		report(what, tebpf, loads, &aebpf, &mebpf);
		printf("%s: ratio Rax / eBPF: mean %.4f  median %.4f\n", name, arax / aebpf,
		       (double)mrax / mebpf);
	}
	free(insns);
	for (i = 0; i < nmaps; i++)
		close(fds[i]);
	rax_obj_free(&o);
	return 0;
}

static int usage_error(const char *prog)
{
	fprintf(stderr, "usage: RAX_TEST_OBJECTS=DIR %s [N <= %d [FILE]]\n"
		"       RAX_TEST_OBJECTS=DIR %s --family N_LOADS FILE|- OBJECT...\n",
		prog, MAX_RUNS, prog);
	return 2;
}

int main(int argc, char **argv)
{
	bool fam = argc > 1 && !strcmp(argv[1], "--family");
	int n = argc > 1 + fam ? atoi(argv[1 + fam]) : 200;
	const char *out = argc > 2 + fam ? argv[2 + fam] : NULL;
	int i;

	if (n < 1 || n > MAX_RUNS || (fam ? argc < 5 : argc > 3))
		return usage_error(argv[0]);
	if (out && strcmp(out, "-")) {
		json = fopen(out, "w");
		if (!json) {
			perror(out);
			return 1;
		}
		setvbuf(json, NULL, _IOLBF, 0);
	}
	/* Each result as soon as it is known, even into a file. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (fam) {
		for (i = 4; i < argc; i++)
			if (family(argv[i], n))
				return 1;
		return 0;
	}
	for (i = 0; i < (int)ARRAY_SIZE(cases); i++)
		if (bench(&cases[i], n))
			return 1;
	return 0;
}
