// SPDX-License-Identifier: GPL-2.0
/*
 * The language-verifier gap: small programs a kernel engineer would write,
 * each in C (gap/NAME.bpf.c, clang-19 -O2 against the tree's libbpf) and in
 * Rax (the gap sample's entry rax_entry_NAME). For each case:
 *
 * - the C version is loaded into this kernel: the 6.12 verifier must
 *   reject it, and its message is printed; if it is accepted, the test
 *   says so (a verifier that learnt the pattern) instead of failing;
 * - the Rax version is loaded and run (BPF test runs) on several inputs,
 *   edge cases among them, and its verdict and packet out must be what a
 *   reference implementation here computes;
 * - where eBPF has a workaround (gap/NAME_wa.bpf.c: bpf_loop, masks,
 *   a per-CPU map instead of the stack, ...), it must load, give the same
 *   results, and both are timed in this boot.
 *
 * Run times: GAP_ROUNDS rounds, Rax and the workaround in turns, the
 * medians of the rounds (nanoseconds per run).
 *
 * Every case prints one line for Documentation/rax/verifier-gap.rst
 * (scripts/gap-table.py):
 *   gap: NAME | REJECTED | message | rax N/N | wa N/N | rax_ns X | wa_ns Y
 *
 * A C version the verifier is still exploring after GAP_VERIFY_CAP
 * seconds (a program over the 1M-instruction complexity limit, which the
 * debug kernel under TCG takes many minutes to reach) is stopped and
 * reported as such: not as a rejection.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <endian.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

#define GAP_VERIFY_CAP	60	/* seconds */
#define GAP_PKT_MAX	1600
#define GAP_MIN_PKT	14	/* ETH_HLEN: XDP test runs take no less */
#define GAP_REPEAT	200
#define GAP_ROUNDS	5

struct gap_out {
	__u32 ret;
	__u32 len;
	unsigned char data[GAP_PKT_MAX];
};

struct gap_case {
	const char *name;
	/* Input @i into @pkt: its length, or 0 past the last input. */
	unsigned int (*input)(unsigned int i, unsigned char *pkt);
	/* What the program must give for @in: its verdict and packet out. */
	void (*ref)(const unsigned char *in, unsigned int len, struct gap_out *out);
	/*
	 * Before input @i on a side: fills the side's maps (@map gives the
	 * fd of a map by its Rax name) and the reference's state alike.
	 * NULL: no maps.
	 */
	int (*before)(unsigned int i, int (*map)(void *side, const char *name), void *side);
	bool workaround;	/* gap/NAME_wa.bpf.c exists */
};

/* ---- the verifier's verdict on the C version --------------------------- */

struct verdict {
	int err;		/* 0: loaded; -errno; 1: stopped after the cap */
	char log[60000];
};

/* A register dump: "R1=..." or "R1_w=...", not "R1 offset is ...". */
static bool is_regs(const char *line)
{
	if (line[0] != 'R' || !isdigit(line[1]))
		return false;
	for (line++; isdigit(*line); line++)
		;
	return *line == '=' || *line == '_';
}

/* The line of a verifier log that says why: the last that is not a trace. */
static void verifier_message(const char *log, char *msg, size_t size)
{
	static const char *const trace[] = {
		"cur state", "old state", "from ", "mark_precise", "last_idx", "parent ",
		"processed ", "stack depth", "verification time", "func#", "Validating",
		"regs=", "Func#", "frame", "propagating", "insn ", "; ",
	};
	const char *line = log, *end;
	bool cont = false;
	size_t n, i;

	msg[0] = '\0';
	for (; *line; line = *end ? end + 1 : end) {
		end = strchrnul(line, '\n');
		n = end - line;
		if (!n || isdigit(line[0]) || line[0] == ' ' || line[0] == '\t' || is_regs(line))
			continue;
		for (i = 0; i < ARRAY_SIZE(trace); i++)
			if (!strncmp(line, trace[i], strlen(trace[i])))
				break;
		if (!strncmp(line, "verification time", 17))
			break;
		if (i < ARRAY_SIZE(trace))
			continue;
		/* A message the verifier wraps: "...,\nuse static function instead". */
		if (cont && strlen(msg) + 1 < size)
			snprintf(msg + strlen(msg), size - strlen(msg), " %.*s", (int)n, line);
		else
			snprintf(msg, size, "%.*s", (int)(n < size ? n : size - 1), line);
		cont = msg[0] && msg[strlen(msg) - 1] == ',';
	}
}

/*
 * Loads gap/@name.bpf.o in a child, which the cap stops: the verifier
 * gives up at a pending signal (EAGAIN), and libbpf's retries end with
 * the child.
 */
static void verify_c(const char *dir, const char *name, struct verdict *v)
{
	char path[600];
	pid_t pid;
	int st, waited;

	snprintf(path, sizeof(path), "%s/gap_%s.bpf.o", dir, name);
	memset(v, 0, sizeof(*v));
	pid = fork();
	if (pid == 0) {
		struct bpf_object *obj = bpf_object__open_file(path, NULL);
		struct bpf_program *p;

		if (!obj)
			_exit(2);
		/* The log is kept here; libbpf would print all of it again. */
		libbpf_set_print(NULL);
		bpf_object__for_each_program(p, obj)
			bpf_program__set_log_buf(p, v->log, sizeof(v->log) - 1);
		v->err = bpf_object__load(obj) ? -errno : 0;
		_exit(0);
	}
	for (waited = 0; pid > 0 && waited < GAP_VERIFY_CAP * 10; waited++) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			if (!WIFEXITED(st) || WEXITSTATUS(st))
				v->err = -ENOENT;
			return;
		}
		usleep(100000);
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
	}
	v->err = 1;
}

/* ---- running a side ---------------------------------------------------- */

static int run(int prog, const unsigned char *in, unsigned int len, struct gap_out *out,
	       unsigned int repeat, __u32 *duration)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .data_out = out->data, .data_size_out = sizeof(out->data),
		    .repeat = repeat);
	int err;

	memset(out, 0, sizeof(*out));
	err = bpf_prog_test_run_opts(prog, &o);
	out->ret = o.retval;
	out->len = o.data_size_out;
	if (duration)
		*duration = o.duration;
	return err ? -errno : 0;
}

static bool same(const struct gap_out *a, const struct gap_out *b)
{
	return a->ret == b->ret && a->len == b->len && !memcmp(a->data, b->data, a->len);
}

/* The inputs where @prog and the reference differ; the first is printed. */
struct side {
	const char *name;
	int prog;
	int (*map)(void *side, const char *name);
	void *ctx;
};

static int check_side(const struct gap_case *c, const struct side *sd, unsigned int *n)
{
	static unsigned char pkt[GAP_PKT_MAX];
	static struct gap_out got, want;
	const char *side = sd->name;
	int prog = sd->prog;
	unsigned int i, len;
	int bad = 0;

	for (i = 0; (len = c->input(i, pkt)); i++) {
		if (c->before && c->before(i, sd->map, sd->ctx)) {
			ksft_print_msg("%s: %s: input %u: filling the maps failed\n", c->name, side,
				       i);
			bad++;
			continue;
		}
		c->ref(pkt, len, &want);
		if (run(prog, pkt, len, &got, 1, NULL)) {
			ksft_print_msg("%s: %s: input %u: test run: %s\n", c->name, side, i,
				       strerror(errno));
			bad++;
			continue;
		}
		if (!same(&got, &want) && !bad++) {
			ksft_print_msg("%s: %s: input %u (%u bytes): verdict %u, %u bytes out; "
				       "want %u, %u\n", c->name, side, i, len, got.ret, got.len,
				       want.ret, want.len);
			ksft_print_msg("%s: first 8 bytes %016llx, want %016llx\n", c->name,
				       (unsigned long long)be64toh(*(__u64 *)got.data),
				       (unsigned long long)be64toh(*(__u64 *)want.data));
		} else if (!same(&got, &want)) {
			bad++;
		}
	}
	*n = i;
	return bad;
}

/*
 * Nanoseconds per run of a side over all its inputs: what the kernel
 * measures around the runs of each test run (GAP_REPEAT of them), which
 * leaves out the test run's own set-up (under TCG, patching the XDP
 * dispatcher costs far more than a run). -1 on a guest whose clock is
 * jiffies: nothing there is measured in nanoseconds.
 */
static double time_side(const struct gap_case *c, const struct side *sd)
{
	static unsigned char pkt[GAP_PKT_MAX];
	static struct gap_out out;
	unsigned int i, len, n = 0;
	double t = 0;
	__u32 d;

	for (i = 0; (len = c->input(i, pkt)); i++) {
		if (c->before && c->before(i, sd->map, sd->ctx))
			continue;
		if (run(sd->prog, pkt, len, &out, GAP_REPEAT, &d))
			continue;
		t += d;
		n++;
	}
	return n && t > 0 ? t / n : -1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Rax and the workaround in turns, GAP_ROUNDS rounds: the medians. */
static void time_both(const struct gap_case *c, const struct side *rax, const struct side *wa,
		      long long *rax_ns, long long *wa_ns)
{
	double r[GAP_ROUNDS], w[GAP_ROUNDS];
	int i;

	for (i = 0; i < GAP_ROUNDS; i++) {
		r[i] = time_side(c, rax);
		w[i] = wa ? time_side(c, wa) : -1;
	}
	qsort(r, GAP_ROUNDS, sizeof(r[0]), cmp_double);
	qsort(w, GAP_ROUNDS, sizeof(w[0]), cmp_double);
	*rax_ns = r[GAP_ROUNDS / 2];
	*wa_ns = wa ? w[GAP_ROUNDS / 2] : -1;
}

/* ---- the cases --------------------------------------------------------- */

static void put32(unsigned char *p, __u32 v)
{
	memcpy(p, &v, 4);
}

static __u32 get32(const unsigned char *p)
{
	__u32 v;

	memcpy(&v, p, 4);
	return v;
}

static __u16 get16(const unsigned char *p)
{
	__u16 v;

	memcpy(&v, p, 2);
	return v;
}

/* The verdict XDP_TX with @a and @b over the first 8 bytes of @in. */
static void out_tx(const unsigned char *in, unsigned int len, __u32 a, __u32 b,
		   struct gap_out *o)
{
	memcpy(o->data, in, len);
	o->len = len;
	o->ret = XDP_TX;
	put32(o->data, a);
	put32(o->data + 4, b);
}

static void out_verdict(const unsigned char *in, unsigned int len, __u32 ret,
			struct gap_out *o)
{
	memcpy(o->data, in, len);
	o->len = len;
	o->ret = ret;
}

/* A few bytes of a deterministic random stream, from @seed. */
static __u32 rnd(__u32 *seed)
{
	*seed ^= *seed << 13;
	*seed ^= *seed >> 17;
	*seed ^= *seed << 5;
	return *seed;
}

/* tlv_sum: TLVs from byte 8, type 0 ends them; count, and sum of type 7's first bytes. */
static unsigned int tlv_input(unsigned int i, unsigned char *p)
{
	__u32 seed = 0x1234 + i, len = 8, n, k;

	if (i >= 12)
		return 0;
	memset(p, 0, GAP_MIN_PKT);
	if (i == 0)
		return GAP_MIN_PKT;		/* no TLVs at all: type 0 at once */
	if (i == 1) {
		p[8] = 7;			/* cut short: its length runs past the end */
		p[9] = 200;
		p[10] = 5;
		return GAP_MIN_PKT;
	}
	n = i == 2 ? 200 : rnd(&seed) % 40;	/* 2: many short TLVs */
	for (k = 0; k < n && len + 2 + 64 < GAP_PKT_MAX; k++) {
		__u8 l = i == 2 ? 0 : rnd(&seed) % 24;

		p[len] = k % 3 ? 7 : 1 + rnd(&seed) % 9;
		p[len + 1] = l;
		memset(p + len + 2, rnd(&seed), l);
		len += 2 + l;
	}
	if (i % 2)
		p[len++] = 0;			/* an explicit end */
	while (len < GAP_MIN_PKT)
		p[len++] = 1;			/* a type-1 TLV header, cut short */
	return len;
}

static void tlv_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	unsigned int at = 8;
	__u32 count = 0, sum = 0;

	while (at + 2 <= len && in[at]) {
		if (at + 2 + in[at + 1] > len)
			break;
		if (in[at] == 7 && in[at + 1])
			sum += in[at + 2];
		count++;
		at += 2 + in[at + 1];
	}
	out_tx(in, len, count, sum, o);
}

/* str_search: a needle of 1 to 8 bytes in the payload from byte 16. */
static unsigned int search_input(unsigned int i, unsigned char *p)
{
	__u32 seed = 77 + i, len = 16 + (i * 131) % 1400, k;

	if (i >= 12)
		return 0;
	memset(p, 0, 16);
	for (k = 16; k < len; k++)
		p[k] = 'a' + rnd(&seed) % 4;
	p[0] = i == 0 ? 0 : i == 1 ? 9 : 1 + i % 8;	/* 0 and 9 are refused */
	memcpy(p + 1, "abcdabcd", 8);
	if (i % 3 == 0 && len > 40)
		memcpy(p + len - 8, "abcdabcd", 8);	/* at the very end */
	if (i == 11)
		len = 16;				/* no payload */
	return len;
}

static void search_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	unsigned int n = in[0], i;
	__s32 found = -1;

	if (n == 0 || n > 8) {
		out_verdict(in, len, XDP_DROP, o);
		return;
	}
	for (i = 0; 16 + i + n <= len && i < 1500; i++)
		if (!memcmp(in + 16 + i, in + 1, n)) {
			found = i;
			break;
		}
	out_verdict(in, len, XDP_TX, o);
	memcpy(o->data + 12, &found, 4);
}

/* pkt_len_check: the u32 at the offset in the first u16, into bytes 4..8. */
static unsigned int offset_input(unsigned int i, unsigned char *p)
{
	static const __u16 off[] = { 0, 4, 60, 61, 62, 63, 64, 100, 0xffff, 10, 11 };
	unsigned int k;

	if (i >= ARRAY_SIZE(off))
		return 0;
	for (k = 0; k < 64; k++)
		p[k] = k * 3 + i;
	memcpy(p, &off[i], 2);
	return i >= ARRAY_SIZE(off) - 2 ? GAP_MIN_PKT : 64;
}

static void offset_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	unsigned int off = get16(in);

	if (off + 4 > len) {
		out_verdict(in, len, XDP_DROP, o);
		return;
	}
	out_verdict(in, len, XDP_TX, o);
	memcpy(o->data + 4, in + off, 4);
}

/* big_stack: the most frequent of bytes 8..1500, the smallest on a tie. */
static unsigned int hist_input(unsigned int i, unsigned char *p)
{
	__u32 seed = 99 + i, len = i < 2 ? GAP_MIN_PKT + i : 200 + i * 137, k;

	if (i >= 12)
		return 0;
	if (len > GAP_PKT_MAX)
		len = GAP_PKT_MAX;
	for (k = 0; k < len; k++)
		p[k] = i % 2 ? rnd(&seed) % 7 * 37 : rnd(&seed);
	return len;
}

static void hist_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	__u32 hist[256] = { 0 }, best = 0, i;

	for (i = 8; i < len && i < 1500; i++)
		hist[in[i]]++;
	for (i = 1; i < 256; i++)
		if (hist[i] > hist[best])
			best = i;
	out_tx(in, len, best, hist[best], o);
}

/* deep_calls: a prefix expression, 10 levels deep at most. */
static __u32 eval_ref(const unsigned char *p, unsigned int len, unsigned int *pos, int depth)
{
	__u8 op;
	__u32 a, b;

	if (*pos >= len || *pos > 1000)
		return 0;
	op = p[(*pos)++];
	if (!depth)
		return op & 127;
	if (op < 128)
		return op;
	a = eval_ref(p, len, pos, depth - 1);
	b = eval_ref(p, len, pos, depth - 1);
	return op == 128 ? a + b : a * b;
}

static unsigned int expr_input(unsigned int i, unsigned char *p)
{
	__u32 seed = 5 + i, len = GAP_MIN_PKT + (i < 3 ? i * 3 : 40 + i * 50), k;

	if (i >= 12)
		return 0;
	memset(p, 0, 8);
	for (k = 8; k < len; k++)
		p[k] = rnd(&seed) % (i % 2 ? 4 : 2) ? 128 + rnd(&seed) % 2 : rnd(&seed) % 128;
	return len;
}

static void expr_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	unsigned int pos = 0;
	__u32 v = eval_ref(in + 8, len - 8, &pos, 10);

	out_tx(in, len, v, pos, o);
}

/* dns_qname: labels from byte 8 to a 0 length; their number and hash. */
static unsigned int qname_input(unsigned int i, unsigned char *p)
{
	static const char *const names[] = {
		"", "com", "www.example.com", "WWW.Example.COM", "a.b.c.d.e.f.g.h.i.j.k.l",
	};
	unsigned int len = 8, k;

	memset(p, 0, 8);
	if (i < ARRAY_SIZE(names)) {
		const char *s = names[i], *dot;

		while (*s) {
			dot = strchrnul(s, '.');
			p[len] = dot - s;
			memcpy(p + len + 1, s, dot - s);
			len += 1 + (dot - s);
			s = *dot ? dot + 1 : dot;
		}
		p[len++] = 0;
		while (len < GAP_MIN_PKT)
			p[len++] = 0xaa;	/* after the name */
		return len;
	}
	switch (i - ARRAY_SIZE(names)) {
	case 0:				/* a label of 64 bytes */
		p[8] = 64;
		memset(p + 9, 'x', 64);
		p[73] = 0;
		return 74;
	case 1:				/* cut short */
		p[8] = 10;
		memcpy(p + 9, "abcde", 5);
		return GAP_MIN_PKT;
	case 2:				/* no end before 255 bytes */
		for (k = 0; k < 5; k++) {
			p[8 + k * 61] = 60;
			memset(p + 9 + k * 61, 'a' + k, 60);
		}
		p[8 + 5 * 61] = 0;
		return 8 + 5 * 61 + 1;
	case 3:				/* exactly fits: 254 bytes of labels */
		for (k = 0; k < 4; k++) {
			p[8 + k * 63] = 62;
			memset(p + 9 + k * 63, 'q', 62);
		}
		p[8 + 252] = 1;
		p[8 + 253] = 'z';
		p[8 + 254] = 0;
		return 8 + 255;
	case 4:				/* labels to the end, no 0 length */
		p[8] = 5;
		memcpy(p + 9, "abcde", 5);
		return GAP_MIN_PKT;
	}
	return 0;
}

static void qname_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	__u32 labels = 0, hash = 0x811c9dc5, off = 0, k;
	const unsigned char *p = in + 8;
	unsigned int n = len - 8;

	while (off < 255) {
		if (off + 1 > n)
			goto bad;
		if (!p[off])
			break;
		if (p[off] > 63 || off + 1 + p[off] > n)
			goto bad;
		for (k = 1; k <= p[off]; k++) {
			__u8 c = p[off + k];

			if (c >= 'A' && c <= 'Z')
				c += 32;
			hash = (hash ^ c) * 0x01000193;
		}
		hash = (hash ^ '.') * 0x01000193;
		labels++;
		off += 1 + p[off];
	}
	if (off >= 255)
		goto bad;
	out_tx(in, len, labels, hash, o);
	return;
bad:
	out_tx(in, len, 0, 0, o);
}

/* pow2_ring: a ring of the size userspace set (0, 3, 8, 64, 65 in turn). */
struct ring {
	__u32 size;
	__u32 head;
	__u64 slot[64];
};

static struct ring ring_ref_state;
static const __u32 ring_sizes[] = { 0, 8, 3, 64, 65, 1 };

/* Every 6 inputs, a new ring: of the next size, empty. */
static int ring_before(unsigned int i, int (*map)(void *side, const char *name), void *side)
{
	struct ring *r = &ring_ref_state;
	__u32 k = 0;

	if (i % 6)
		return 0;
	memset(r, 0, sizeof(*r));
	r->size = ring_sizes[i / 6];
	return bpf_map_update_elem(map(side, "RINGS"), &k, r, BPF_ANY);
}

static unsigned int ring_input(unsigned int i, unsigned char *p)
{
	__u64 v = 0x1111111111111111ULL * (i + 1);

	if (i >= 6 * ARRAY_SIZE(ring_sizes))
		return 0;
	memset(p, 0xee, GAP_MIN_PKT + 4);
	memcpy(p, &v, 8);
	return GAP_MIN_PKT + i % 5;
}

static void ring_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	struct ring *r = &ring_ref_state;
	__u32 idx;

	if (!r->size || r->size > 64) {
		out_verdict(in, len, XDP_DROP, o);
		return;
	}
	idx = r->head & (r->size - 1);
	memcpy(&r->slot[idx], in, 8);
	r->head++;
	out_verdict(in, len, XDP_TX, o);
	put32(o->data, idx);
}

/* rule_table: the first of 256 rules that matches (address, port, protocol). */
struct rule {
	__u32 addr;
	__u32 mask;
	__u16 port_lo;
	__u16 port_hi;
	__u8 proto;
	__u8 action;
	__u16 pad;
};

static struct rule rules_ref[256];

/* Before the first input: 200 rules (the rest match nothing: mask 0, addr 1). */
static int rules_before(unsigned int i, int (*map)(void *side, const char *name), void *side)
{
	__u32 seed = 4242, k;
	int fd = map(side, "RULES");

	if (i)
		return 0;
	for (k = 0; k < 256; k++) {
		struct rule *r = &rules_ref[k];

		memset(r, 0, sizeof(*r));
		if (k >= 200) {
			r->addr = 1;	/* never matches: addr & 0 is 0 */
		} else {
			r->mask = k % 4 == 3 ? 0 : 0xffffffffu << (8 + rnd(&seed) % 24);
			r->addr = (rnd(&seed) & 0x0f0f0f0f) & r->mask;
			r->port_lo = rnd(&seed) % 2000;
			r->port_hi = r->port_lo + rnd(&seed) % 300;
			r->proto = k % 3 ? 6 + (rnd(&seed) % 2) * 11 : 0;
			r->action = 1 + k % 250;
		}
		if (bpf_map_update_elem(fd, &k, r, BPF_ANY))
			return -1;
	}
	return 0;
}

static unsigned int rules_input(unsigned int i, unsigned char *p)
{
	__u32 seed = 31337 + i;
	__u32 addr = rnd(&seed) & 0x0f0f0f0f;
	__u16 port = rnd(&seed) % 2400;

	if (i >= 40)
		return 0;
	memset(p, 0, GAP_MIN_PKT);
	memcpy(p, &addr, 4);
	memcpy(p + 4, &port, 2);
	p[6] = i % 4 ? 6 : 17;
	return GAP_MIN_PKT + i % 3;
}

static void rules_ref_run(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	__u32 addr = get32(in), k, action = 0;
	__u16 port = get16(in + 4);

	if (len < 8) {
		out_verdict(in, len, XDP_ABORTED, o);
		return;
	}
	for (k = 0; k < 256; k++) {
		const struct rule *r = &rules_ref[k];

		if ((addr & r->mask) == r->addr && port >= r->port_lo && port <= r->port_hi &&
		    (!r->proto || r->proto == in[6])) {
			action = r->action;
			break;
		}
	}
	out_tx(in, len, addr, action, o);
}

/* The 16-bit ones' complement sum of @n bytes as little-endian words, folded. */
static __u32 csum16(const unsigned char *p, unsigned int n)
{
	__u64 sum = 0;
	unsigned int i;

	for (i = 0; i + 1 < n; i += 2)
		sum += get16(p + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* csum_len: the checksum of byte 0 * 4 bytes of payload from byte 8. */
static unsigned int csum_len_input(unsigned int i, unsigned char *p)
{
	static const struct { __u8 words; __u16 len; } in[] = {
		{ 0, 14 }, { 1, 14 }, { 1, 12 + 2 }, { 2, 16 }, { 2, 15 }, { 32, 136 },
		{ 32, 135 }, { 33, 200 }, { 255, 1100 }, { 17, 300 }, { 31, 132 }, { 8, 40 },
	};
	__u32 seed = 3 + i, k;

	if (i >= ARRAY_SIZE(in))
		return 0;
	for (k = 0; k < in[i].len; k++)
		p[k] = i == 5 ? 0xff : rnd(&seed);
	if (i == 3)
		memset(p + 8, 0, 8);		/* a payload of zeros */
	p[0] = in[i].words;
	return in[i].len;
}

static void csum_len_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	unsigned int n = in[0] * 4;

	if (n > 128 || 8 + n > len) {
		out_verdict(in, len, XDP_DROP, o);
		return;
	}
	out_tx(in, len, n, csum16(in + 8, n), o);
}

/* dfa: an automaton for a request line, "WORD SP TOKEN SP TOKEN". */
static const __u8 dfa_table[16][4] = {
	/* letter, digit, space, other */
	{ 1, 15, 15, 15 },	/* 0: the start */
	{ 1, 15, 2, 15 },	/* 1: the method */
	{ 3, 3, 15, 3 },	/* 2: after the first space */
	{ 3, 3, 4, 3 },		/* 3: the path */
	{ 5, 15, 15, 15 },	/* 4: after the second space */
	{ 5, 5, 15, 5 },	/* 5: the version */
	{ 15, 15, 15, 15 }, { 15, 15, 15, 15 }, { 15, 15, 15, 15 }, { 15, 15, 15, 15 },
	{ 15, 15, 15, 15 }, { 15, 15, 15, 15 }, { 15, 15, 15, 15 }, { 15, 15, 15, 15 },
	{ 15, 15, 15, 15 }, { 15, 15, 15, 15 },
};

static int dfa_before(unsigned int i, int (*map)(void *side, const char *name), void *side)
{
	int fd = map(side, "DFA_NEXT");
	__u32 k;

	for (k = 0; !i && k < 64; k++)
		if (bpf_map_update_elem(fd, &k, &dfa_table[k / 4][k % 4], BPF_ANY))
			return -1;
	return 0;
}

static unsigned int dfa_input(unsigned int i, unsigned char *p)
{
	static const char *const lines[] = {
		"GET /index.html HTTP/1.1", "GET  /", "POST /a?b=1 HTTP/1.0\r\n", "1GET /",
		"get / x", "GET /x y z", "GET\t/x", "      ",
	};
	unsigned int n = ARRAY_SIZE(lines), len, k;
	__u32 seed = 11 + i;

	memset(p, 0, 8);
	if (i < n) {
		len = strlen(lines[i]);
		memcpy(p + 8, lines[i], len);
		return 8 + len;
	}
	switch (i - n) {
	case 0:					/* a method longer than 1500 bytes */
		memset(p + 8, 'A', GAP_PKT_MAX - 8);
		return GAP_PKT_MAX;
	case 1:					/* a long path, then the version */
		memcpy(p + 8, "PUT /", 5);
		for (k = 13; k < 1300; k++)
			p[k] = 'a' + rnd(&seed) % 30;	/* letters and {|}~... */
		memcpy(p + 1300, " HTTP/2", 7);
		return 1307;
	case 2:					/* random bytes */
		for (k = 8; k < 900; k++)
			p[k] = rnd(&seed);
		return 900;
	}
	return 0;
}

static __u32 dfa_class(__u8 c)
{
	return isalpha(c) ? 0 : isdigit(c) ? 1 : c == ' ' ? 2 : 3;
}

static void dfa_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	__u32 state = 0, i;

	for (i = 0; i < 1500 && 8 + i < len; i++) {
		state = dfa_table[state][dfa_class(in[8 + i])];
		if (state == 15)
			break;
	}
	out_tx(in, len, state, i, o);
}

/* An Ethernet frame with an IPv4 header of @ihl words and a UDP header after it. */
static unsigned int ipv4_frame(unsigned char *p, unsigned int ihl, unsigned int len, __u32 seed)
{
	unsigned int k;

	for (k = 0; k < len; k++)
		p[k] = rnd(&seed);
	p[12] = 0x08;
	p[13] = 0x00;
	p[14] = 0x40 | ihl;
	return len;
}

/* pkt32: the UDP ports after an IPv4 header of any length. */
static unsigned int pkt32_input(unsigned int i, unsigned char *p)
{
	static const struct { __u8 ihl; __u16 len; } in[] = {
		{ 5, 42 }, { 15, 82 }, { 15, 81 }, { 5, 41 }, { 5, 33 }, { 6, 100 }, { 2, 34 },
		{ 0, 34 }, { 9, 58 }, { 9, 57 },
	};

	if (i >= ARRAY_SIZE(in))
		return 0;
	return ipv4_frame(p, in[i].ihl, in[i].len, 500 + i);
}

static void pkt32_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	unsigned int off = 14 + (in[14] & 15) * 4;

	if (len < 34) {
		out_verdict(in, len, XDP_PASS, o);
		return;
	}
	if (off + 8 > len) {
		out_verdict(in, len, XDP_DROP, o);
		return;
	}
	out_verdict(in, len, XDP_TX, o);
	memcpy(o->data, in + off, 4);
}

/* trailer: the u32 at the packet's end. */
static unsigned int trailer_input(unsigned int i, unsigned char *p)
{
	__u32 seed = 900 + i, len = GAP_MIN_PKT + (i * i * 37) % 1500, k;

	if (i >= 10)
		return 0;
	for (k = 0; k < len; k++)
		p[k] = rnd(&seed);
	return len;
}

static void trailer_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	if (len < 8) {
		out_verdict(in, len, XDP_DROP, o);
		return;
	}
	out_verdict(in, len, XDP_TX, o);
	memcpy(o->data, in + len - 4, 4);
}

/* ipv4_csum: the IPv4 header's checksum over all its words. */
static unsigned int ipv4_csum_input(unsigned int i, unsigned char *p)
{
	static const struct { __u8 ihl; __u16 len; bool good; } in[] = {
		{ 5, 60, true }, { 5, 60, false }, { 15, 74, true }, { 15, 73, true },
		{ 15, 200, false }, { 4, 60, true }, { 0, 60, true }, { 5, 33, true },
		{ 5, 34, true }, { 7, 42, true }, { 6, 100, false },
	};
	unsigned int hlen, len;
	__u16 check;

	if (i >= ARRAY_SIZE(in))
		return 0;
	len = ipv4_frame(p, in[i].ihl, in[i].len, 700 + i);
	hlen = in[i].ihl * 4;
	if (14 + hlen <= len && hlen >= 12) {
		memset(p + 24, 0, 2);
		check = ~csum16(p + 14, hlen);
		if (!in[i].good)
			check ^= 0x0100;
		memcpy(p + 24, &check, 2);
	}
	return len;
}

static void ipv4_csum_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	unsigned int hlen = (in[14] & 15) * 4;
	__u32 sum;

	if (len < 34) {
		out_verdict(in, len, XDP_PASS, o);
		return;
	}
	if (hlen < 20 || 14 + hlen > len) {
		out_verdict(in, len, XDP_DROP, o);
		return;
	}
	sum = csum16(in + 14, hlen);
	out_verdict(in, len, sum == 0xffff ? XDP_TX : XDP_DROP, o);
	put32(o->data, sum);
}

/* ipv6_ext: the L4 protocol after any number of IPv6 extension headers. */
static unsigned int ipv6_ext_input(unsigned int i, unsigned char *p)
{
	static const char *const chains[] = {
		"", "0", "43", "44,60", "0,43,44,60,60", "60,60,60,60,60,60,60,60,60,60,60,60",
		"44,44,44,44,44,44,44,44,44,44,44,44,44,44,44,44,44,44,44,44", "0,43", "60",
	};
	unsigned int off = 54, k, len;
	__u32 seed = 1200 + i;
	const char *c;

	if (i >= ARRAY_SIZE(chains) + 2)
		return 0;
	for (k = 0; k < GAP_PKT_MAX; k++)
		p[k] = rnd(&seed);
	p[12] = 0x86;
	p[13] = 0xdd;
	p[14] = 0x60;
	if (i == ARRAY_SIZE(chains))
		return 53;			/* the IPv6 header cut short */
	if (i == ARRAY_SIZE(chains) + 1) {
		p[20] = 43;			/* a routing header that runs past the end */
		p[off] = 6;
		p[off + 1] = 200;
		return off + 40;
	}
	c = chains[i];
	p[20] = *c ? atoi(c) : 17;
	while (*c) {
		const char *comma = strchr(c, ',');
		__u8 next = comma ? atoi(comma + 1) : 6 + i % 2 * 11;
		__u8 hlen = atoi(c) == 44 ? rnd(&seed) : rnd(&seed) % 5;

		p[off] = next;
		p[off + 1] = hlen;
		off += atoi(c) == 44 ? 8 : 8 + hlen * 8;
		c = comma ? comma + 1 : c + strlen(c);
	}
	len = off + 8 + (i == 7 ? 0 : 30);
	if (i == 8)
		len = 55;			/* the destination options cut short */
	return len < GAP_PKT_MAX ? len : GAP_PKT_MAX;
}

static void ipv6_ext_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	__u32 off = 54, next, h;

	if (len < 54) {
		out_verdict(in, len, XDP_PASS, o);
		return;
	}
	next = in[20];
	while (next == 0 || next == 43 || next == 60 || next == 44) {
		if (off + 2 > len) {
			out_verdict(in, len, XDP_DROP, o);
			return;
		}
		h = off;
		off += next == 44 ? 8 : 8 + in[h + 1] * 8;
		next = in[h];
	}
	out_tx(in, len, next, off, o);
}

/* window_sum: a window of a 64-byte record in a map. */
static __u8 records_ref[16][64];

static int window_before(unsigned int i, int (*map)(void *side, const char *name), void *side)
{
	int fd = map(side, "RECORDS");
	__u32 k, j;

	for (k = 0; !i && k < 16; k++) {
		for (j = 0; j < 64; j++)
			records_ref[k][j] = k * 31 + j * 7 + 1;
		if (bpf_map_update_elem(fd, &k, records_ref[k], BPF_ANY))
			return -1;
	}
	return 0;
}

static unsigned int window_input(unsigned int i, unsigned char *p)
{
	static const __u8 in[][3] = {
		{ 0, 0, 0 }, { 1, 0, 64 }, { 2, 63, 1 }, { 3, 64, 0 }, { 3, 64, 1 },
		{ 15, 10, 20 }, { 16, 0, 1 }, { 200, 1, 1 }, { 5, 255, 255 }, { 7, 30, 34 },
		{ 9, 0, 65 }, { 4, 1, 63 },
	};

	if (i >= ARRAY_SIZE(in))
		return 0;
	memset(p, 0x5a, GAP_MIN_PKT);
	memcpy(p, in[i], 3);
	return GAP_MIN_PKT;
}

static void window_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	unsigned int id = in[0], off = in[1], n = in[2], k;
	__u32 sum = 0;

	if (off + n > 64 || id >= 16) {
		out_verdict(in, len, XDP_DROP, o);
		return;
	}
	for (k = 0; k < n; k++)
		sum += records_ref[id][off + k];
	out_verdict(in, len, XDP_TX, o);
	put32(o->data + 4, sum);
}

/* map_find: a key in a table of keys in a map. */
struct key_table {
	__u32 n;
	__u32 keys[32];
};

static struct key_table table_ref;
static const __u32 table_sizes[] = { 0, 5, 32, 40 };

/* Every 6 inputs, a new table of the next size. */
static int table_before(unsigned int i, int (*map)(void *side, const char *name), void *side)
{
	__u32 k, zero = 0;

	if (i % 6)
		return 0;
	table_ref.n = table_sizes[i / 6];
	for (k = 0; k < 32; k++)
		table_ref.keys[k] = 1000 + k * 3 + (k == 20 ? -3 : 0);	/* 20 repeats 19 */
	return bpf_map_update_elem(map(side, "TABLES"), &zero, &table_ref, BPF_ANY);
}

static unsigned int table_input(unsigned int i, unsigned char *p)
{
	static const __u32 keys[] = { 1000, 1012, 1057, 1093, 1001, 7 };
	__u32 key;

	if (i >= 6 * ARRAY_SIZE(table_sizes))
		return 0;
	key = keys[i % 6];
	memset(p, 0, GAP_MIN_PKT);
	memcpy(p, &key, 4);
	return GAP_MIN_PKT;
}

static void table_ref_run(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	__u32 key = get32(in), n = table_ref.n < 32 ? table_ref.n : 32, k;
	__s32 at = -1;

	for (k = 0; k < n; k++)
		if (table_ref.keys[k] == key) {
			at = k;
			break;
		}
	out_verdict(in, len, XDP_TX, o);
	memcpy(o->data + 4, &at, 4);
}

/* stack_chain: a request's name and value swapped in its reply. */
static unsigned int reply_input(unsigned int i, unsigned char *p)
{
	static const __u16 lens[] = { 14, 271, 272, 273, 1500, 300 };
	__u32 seed = 41 + i, k;

	if (i >= ARRAY_SIZE(lens))
		return 0;
	for (k = 0; k < lens[i]; k++)
		p[k] = rnd(&seed);
	return lens[i];
}

static void reply_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	__u32 tag = 0x52415821;

	if (len < 8 + 264) {
		out_verdict(in, len, XDP_DROP, o);
		return;
	}
	out_verdict(in, len, XDP_TX, o);
	memcpy(o->data + 8, in + 8 + 128, 128);
	memcpy(o->data + 8 + 128, in + 8, 128);
	memcpy(o->data + 8 + 256, in + 8 + 256, 4);
	memcpy(o->data + 8 + 260, &tag, 4);
}

/* lock_lookup: a token bucket per class, refilled from a second map. */
struct token_bucket {
	__u32 lock;
	__u32 pad;
	__u64 tokens;
	__u64 dropped;
};

static __u64 tokens_ref[16];

static int bucket_before(unsigned int i, int (*map)(void *side, const char *name), void *side)
{
	int buckets = map(side, "BUCKETS"), limits = map(side, "LIMITS");
	struct token_bucket b = {};
	__u32 k, limit;

	for (k = 0; !i && k < 16; k++) {
		limit = k * 10;
		tokens_ref[k] = 0;
		if (bpf_map_update_elem(buckets, &k, &b, BPF_ANY) ||
		    bpf_map_update_elem(limits, &k, &limit, BPF_ANY))
			return -1;
	}
	return 0;
}

static unsigned int bucket_input(unsigned int i, unsigned char *p)
{
	__u32 seed = 2024 + i;

	if (i >= 40)
		return 0;
	memset(p, 0, GAP_MIN_PKT);
	p[0] = i == 7 ? 16 : i == 8 ? 255 : rnd(&seed) % 4 * 5;
	p[1] = i == 9 ? 0 : rnd(&seed) % 40;
	p[2] = i % 5 == 1;
	return GAP_MIN_PKT;
}

static void bucket_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	unsigned int class = in[0];
	__u64 *t = &tokens_ref[class % 16];
	bool ok;

	if (class >= 16) {
		out_verdict(in, len, XDP_DROP, o);
		return;
	}
	if (in[2])
		*t = class * 10;
	ok = *t >= in[1];
	if (ok)
		*t -= in[1];
	out_verdict(in, len, ok ? XDP_TX : XDP_DROP, o);
	put32(o->data + 4, *t);
}

/* list_walk: lists of nodes in a map, walked at most max_hops nodes far. */
struct node {
	__u32 next;
	__u32 value;
};

static struct node nodes_ref[4096];
static __u32 max_hops_ref;
static const __u32 max_hops[] = { 64, 0, 1000, 3 };

/* Lists at 1..10, 100..399, a cycle 500 <-> 501, 4000 -> 5000 (no such node). */
static int nodes_before(unsigned int i, int (*map)(void *side, const char *name), void *side)
{
	int nodes = map(side, "NODES");
	__u32 k, zero = 0;

	if (i % 8)
		return 0;
	if (!i) {
		memset(nodes_ref, 0, sizeof(nodes_ref));
		for (k = 1; k <= 10; k++)
			nodes_ref[k] = (struct node){ k < 10 ? k + 1 : 0, k * k };
		for (k = 100; k < 400; k++)
			nodes_ref[k] = (struct node){ k < 399 ? k + 1 : 0, 0x10000000 + k };
		nodes_ref[500] = (struct node){ 501, 5 };
		nodes_ref[501] = (struct node){ 500, 7 };
		nodes_ref[4000] = (struct node){ 5000, 9 };
		for (k = 0; k < 4096; k++)
			if ((nodes_ref[k].next || nodes_ref[k].value) &&
			    bpf_map_update_elem(nodes, &k, &nodes_ref[k], BPF_ANY))
				return -1;
	}
	max_hops_ref = max_hops[i / 8];
	return bpf_map_update_elem(map(side, "MAX_HOPS"), &zero, &max_hops_ref, BPF_ANY);
}

static unsigned int nodes_input(unsigned int i, unsigned char *p)
{
	static const __u32 heads[] = { 0, 1, 100, 500, 4000, 5000, 10, 3000 };

	if (i >= 8 * ARRAY_SIZE(max_hops))
		return 0;
	memset(p, 0xcc, GAP_MIN_PKT);
	put32(p, heads[i % 8]);
	return GAP_MIN_PKT;
}

static void nodes_ref_run(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	__u32 at = get32(in), n = 0, sum = 0;

	while (at != 0 && n < max_hops_ref && at < 4096) {
		sum += nodes_ref[at].value;
		n++;
		at = nodes_ref[at].next;
	}
	out_tx(in, len, n, sum, o);
}

/* lock_global: withdrawals a policy function allows, under the account's lock. */
struct account {
	__u32 lock;
	__u32 pad;
	__u64 balance;
	__u64 rejected;
};

static __u64 balance_ref[16];

static int accounts_before(unsigned int i, int (*map)(void *side, const char *name), void *side)
{
	int fd = map(side, "ACCOUNTS");
	struct account a = {};
	__u32 k;

	for (k = 0; !i && k < 16; k++) {
		balance_ref[k] = k * 300;
		a.balance = balance_ref[k];
		if (bpf_map_update_elem(fd, &k, &a, BPF_ANY))
			return -1;
	}
	return 0;
}

static unsigned int accounts_input(unsigned int i, unsigned char *p)
{
	__u32 seed = 777 + i, amount = rnd(&seed) % 1200;

	if (i >= 40)
		return 0;
	memset(p, 0, GAP_MIN_PKT);
	p[0] = rnd(&seed) % 18;
	put32(p + 4, i == 5 ? 0 : amount);
	return GAP_MIN_PKT;
}

static void accounts_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	__u32 id = in[0], amount = get32(in + 4);
	bool ok;

	if (id >= 16) {
		out_verdict(in, len, XDP_DROP, o);
		return;
	}
	ok = amount <= balance_ref[id] && amount <= 1000;
	if (ok)
		balance_ref[id] -= amount;
	out_verdict(in, len, ok ? XDP_TX : XDP_DROP, o);
	put32(o->data, balance_ref[id]);
}

/* ber_walk: the primitive elements of a BER message, 8 levels deep. */
static int ber_count(const unsigned char *p, unsigned int at, unsigned int len, int depth)
{
	unsigned int stop = at + len, l;
	int n = 0, inner;

	while (at < stop) {
		if (at + 2 > stop || p[at + 1] >= 128 || at + 2 + p[at + 1] > stop)
			return -1;
		l = p[at + 1];
		if ((p[at] & 0x20) && depth < 8) {
			inner = ber_count(p, at + 2, l, depth + 1);
			if (inner < 0)
				return -1;
			n += inner;
		} else {
			n++;
		}
		at += 2 + l;
	}
	return n;
}

/* Wraps @n bytes at @p in @levels sequences (tag 0x30): their new length. */
static unsigned int ber_wrap(unsigned char *p, unsigned int n, unsigned int levels)
{
	while (levels--) {
		memmove(p + 2, p, n);
		p[0] = 0x30;
		p[1] = n;
		n += 2;
	}
	return n;
}

static unsigned int ber_input(unsigned int i, unsigned char *p)
{
	static const unsigned char snmp[] = {
		0x30, 0x29, 0x02, 0x01, 0x00, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
		0xa0, 0x1c, 0x02, 0x04, 0x12, 0x34, 0x56, 0x78, 0x02, 0x01, 0x00, 0x02, 0x01,
		0x00, 0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01,
		0x01, 0x00, 0x05, 0x00,
	};
	unsigned char *m = p + 8;
	unsigned int n = 0, k;

	if (i >= 11)
		return 0;
	memset(p, 0, 8);
	switch (i) {
	case 0:				/* two primitives, the shortest packet */
		memcpy(m, "\x02\x01\x05\x04\x01\x41", 6);
		n = 6;
		break;
	case 1:
		memcpy(m, snmp, sizeof(snmp));
		n = sizeof(snmp);
		break;
	case 2:				/* 12 levels: the 9th on counts as primitive */
		memcpy(m, "\x05\x00\x05\x00", 4);
		n = ber_wrap(m, 4, 12);
		break;
	case 3:				/* 8 levels exactly */
		memcpy(m, "\x05\x00\x05\x00\x05\x00", 6);
		n = ber_wrap(m, 6, 8);
		break;
	case 4:				/* an inner length past its container */
		memcpy(m, snmp, sizeof(snmp));
		m[16] = 0x30;
		n = sizeof(snmp);
		break;
	case 5:				/* a long-form length */
		memcpy(m, "\x04\x81\x01\x41\x05\x00", 6);
		n = 6;
		break;
	case 6:				/* 300 empty elements */
		for (k = 0; k < 300; k++)
			memcpy(m + 2 * k, "\x05\x00", 2);
		n = 600;
		break;
	case 7:				/* a trailing lone byte */
		memcpy(m, "\x05\x00\x05\x00\x05\x00\x05", 7);
		n = 7;
		break;
	case 8:				/* constructed, empty */
		memcpy(m, "\x30\x00\x31\x00\x05\x00", 6);
		n = 6;
		break;
	case 9:				/* the SNMP message twice, in a sequence */
		for (k = 0; k < 2; k++)
			memcpy(m + k * sizeof(snmp), snmp, sizeof(snmp));
		n = ber_wrap(m, 2 * sizeof(snmp), 1);
		break;
	case 10:			/* a sequence whose length is one byte short */
		memcpy(m, "\x30\x03\x02\x02\x01\x02", 6);
		n = 6;
		break;
	}
	return 8 + n < GAP_MIN_PKT ? GAP_MIN_PKT : 8 + n;
}

static void ber_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	__s32 n = ber_count(in, 8, len - 8, 0);

	out_verdict(in, len, XDP_TX, o);
	memcpy(o->data, &n, 4);
}

/* spill: a count per slot, through a parse state on the stack. */
static __u64 counts_ref[64];

static int counts_before(unsigned int i, int (*map)(void *side, const char *name), void *side)
{
	__u32 zero = 0;

	if (i)
		return 0;
	memset(counts_ref, 0, sizeof(counts_ref));
	return bpf_map_update_elem(map(side, "COUNTS"), &zero, counts_ref, BPF_ANY);
}

static unsigned int counts_input(unsigned int i, unsigned char *p)
{
	__u32 seed = 64 + i;

	if (i >= 40)
		return 0;
	memset(p, 0, GAP_MIN_PKT);
	p[0] = 17;
	p[1] = i == 3 ? 64 : i == 4 ? 255 : i == 5 ? 63 : rnd(&seed) % 6;
	p[2] = i % 7 == 6;
	return GAP_MIN_PKT;
}

static void counts_ref_run(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	unsigned int slot = in[1];

	if (slot >= 64) {
		out_verdict(in, len, XDP_DROP, o);
		return;
	}
	counts_ref[slot]++;
	if (in[2] & 1) {
		out_verdict(in, len, XDP_PASS, o);
		return;
	}
	out_verdict(in, len, XDP_TX, o);
	put32(o->data + 4, counts_ref[slot]);
}

/* append: payload bytes appended to a log in a map. */
struct log {
	__u32 len;
	__u8 buf[252];
};

static struct log logs_ref[4];

static int logs_before(unsigned int i, int (*map)(void *side, const char *name), void *side)
{
	int fd = map(side, "LOGS");
	__u32 k;

	for (k = 0; !i && k < 4; k++) {
		memset(&logs_ref[k], 0, sizeof(logs_ref[k]));
		if (bpf_map_update_elem(fd, &k, &logs_ref[k], BPF_ANY))
			return -1;
	}
	return 0;
}

static unsigned int logs_input(unsigned int i, unsigned char *p)
{
	__u32 seed = 5150 + i, len, k;

	if (i >= 40)
		return 0;
	p[0] = i == 9 ? 4 : i == 10 ? 200 : rnd(&seed) % 4;
	p[1] = i == 11 ? 252 : i == 12 ? 0 : rnd(&seed) % 48;
	len = i == 13 ? 8 + p[1] - 1 : 8 + p[1] + rnd(&seed) % 8;
	if (len < GAP_MIN_PKT)
		len = GAP_MIN_PKT;
	for (k = 2; k < len; k++)
		p[k] = rnd(&seed);
	return len;
}

static void logs_ref_run(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	unsigned int id = in[0], n = in[1];
	struct log *l = &logs_ref[id % 4];

	if (id >= 4 || l->len + n > sizeof(l->buf) || 8 + n > len) {
		out_verdict(in, len, XDP_DROP, o);
		return;
	}
	memcpy(l->buf + l->len, in + 8, n);
	l->len += n;
	out_tx(in, len, get32(l->buf), l->len, o);
}

/* varint: LEB128 varints from byte 8 to the end. */
static unsigned int varint_input(unsigned int i, unsigned char *p)
{
	__u32 seed = 8080 + i, len = 8, v, k;

	if (i >= 10)
		return 0;
	memset(p, 0, 8);
	for (k = 0; len < (i < 2 ? 14 : 200 + i * 100); k++) {
		v = rnd(&seed) >> (rnd(&seed) % 32);
		do {
			p[len++] = (v & 0x7f) | (v > 0x7f ? 0x80 : 0);
			v >>= 7;
		} while (v);
	}
	if (i == 1)
		p[len - 1] |= 0x80;		/* the last one cut short */
	if (i == 3)
		memset(p + 100, 0xff, 6);	/* a varint of 6 bytes */
	if (i == 4)
		memset(p + 8, 0x80, len - 8);	/* no end at all */
	if (i == 5)
		memcpy(p + 8, "\x80\x80\x80\x80\x0f\xff\xff\xff\xff\x7f", 10);
	return len;
}

static void varint_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	__u32 n = 0, sum = 0, at = 8, v, shift;

	while (at < len) {
		v = 0;
		for (shift = 0; at < len && shift < 35; shift += 7) {
			v |= (__u32)(in[at] & 0x7f) << shift;
			if (!(in[at++] & 0x80))
				break;
		}
		if (in[at - 1] & 0x80)
			break;
		sum += v;
		n++;
	}
	out_tx(in, len, n, sum, o);
}

/* vlan_o0: the EtherType after up to two VLAN tags. */
static unsigned int vlan_input(unsigned int i, unsigned char *p)
{
	static const __u16 tags[][4] = {
		{ 0x0800 }, { 0x8100, 0x86dd }, { 0x88a8, 0x8100, 0x0800 },
		{ 0x8100, 0x8100, 0x8100, 0x0806 }, { 0x8100 }, { 0x88a8, 0x8100 },
		{ 0x9100, 0x0800 }, { 0x86dd },
	};
	__u32 seed = 6000 + i, len = 14, k;

	if (i >= ARRAY_SIZE(tags))
		return 0;
	for (k = 0; k < 64; k++)
		p[k] = rnd(&seed);
	for (k = 0; k < 4 && tags[i][k]; k++) {
		p[12 + 4 * k] = tags[i][k] >> 8;
		p[13 + 4 * k] = tags[i][k];
		len = 14 + 4 * k;
	}
	/* 4 and 5: a tag announced, cut short; the others with a payload */
	return i == 4 ? 16 : i == 5 ? 20 : len + 20;
}

static void vlan_ref(const unsigned char *in, unsigned int len, struct gap_out *o)
{
	__u32 off = 14, k;
	__u16 proto = in[12] << 8 | in[13];

	for (k = 0; k < 2 && (proto == 0x8100 || proto == 0x88a8); k++) {
		if (off + 4 > len) {
			out_verdict(in, len, XDP_DROP, o);
			return;
		}
		proto = in[off + 2] << 8 | in[off + 3];
		off += 4;
	}
	out_tx(in, len, proto, off, o);
}

static const struct gap_case cases[] = {
	{ "tlv_sum", tlv_input, tlv_ref },
	{ "str_search", search_input, search_ref, NULL, true },
	{ "pkt_len_check", offset_input, offset_ref, NULL, true },
	{ "big_stack", hist_input, hist_ref, NULL, true },
	{ "deep_calls", expr_input, expr_ref },
	{ "dns_qname", qname_input, qname_ref },
	{ "pow2_ring", ring_input, ring_ref, ring_before, true },
	{ "rule_table", rules_input, rules_ref_run, rules_before, true },
	{ "csum_len", csum_len_input, csum_len_ref, NULL, true },
	{ "dfa", dfa_input, dfa_ref, dfa_before, true },
	{ "pkt32", pkt32_input, pkt32_ref, NULL, true },
	{ "trailer", trailer_input, trailer_ref, NULL, true },
	{ "ipv4_csum", ipv4_csum_input, ipv4_csum_ref, NULL, true },
	{ "ipv6_ext", ipv6_ext_input, ipv6_ext_ref, NULL, true },
	{ "window_sum", window_input, window_ref, window_before, true },
	{ "map_find", table_input, table_ref_run, table_before, true },
	{ "stack_chain", reply_input, reply_ref, NULL, true },
	{ "lock_lookup", bucket_input, bucket_ref, bucket_before, true },
	{ "list_walk", nodes_input, nodes_ref_run, nodes_before, true },
	{ "lock_global", accounts_input, accounts_ref, accounts_before, true },
	{ "ber_walk", ber_input, ber_ref },
	{ "spill", counts_input, counts_ref_run, counts_before, true },
	{ "trailer_len", trailer_input, trailer_ref, NULL, true },
	{ "append", logs_input, logs_ref_run, logs_before },
	{ "varint", varint_input, varint_ref },
	{ "vlan_o0", vlan_input, vlan_ref, NULL, true },
};

/* ---- the test ---------------------------------------------------------- */

struct rax_side {
	struct rax_obj_file *o;
	int *fds;
};

static int rax_map(void *side, const char *name)
{
	struct rax_side *r = side;
	int i = rax_map_index(&r->o->img, name);

	return i < 0 ? -1 : r->fds[i];
}

/* The C side's maps are named as the Rax ones, in lower case. */
static int c_map(void *side, const char *name)
{
	char lower[64];
	unsigned int i;

	for (i = 0; name[i] && i < sizeof(lower) - 1; i++)
		lower[i] = tolower(name[i]);
	lower[i] = '\0';
	return bpf_object__find_map_fd_by_name(side, lower);
}

static const char *exe_dir(void)
{
	static char dir[512];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);

	if (n <= 0)
		return ".";
	dir[n] = '\0';
	*strrchr(dir, '/') = '\0';
	return dir;
}

FIXTURE(gap) {
	struct rax_obj_file o;
	int fds[16];
	int nmaps;
};

FIXTURE_SETUP(gap)
{
	self->o = rax_obj_read("gap.o");
	ASSERT_NE(0, self->o.img.size) TH_LOG("RAX_TEST_OBJECTS/gap.o missing");
	self->nmaps = rax_create_maps(&self->o.img, self->fds, ARRAY_SIZE(self->fds));
	ASSERT_LE(0, self->nmaps);
}

FIXTURE_TEARDOWN(gap)
{
	while (self->nmaps > 0)
		close(self->fds[--self->nmaps]);
	rax_obj_free(&self->o);
}

FIXTURE_VARIANT(gap) {
	const struct gap_case *c;
};

FIXTURE_VARIANT_ADD(gap, tlv_sum) {
	.c = &cases[0],
};

FIXTURE_VARIANT_ADD(gap, str_search) {
	.c = &cases[1],
};

FIXTURE_VARIANT_ADD(gap, pkt_len_check) {
	.c = &cases[2],
};

FIXTURE_VARIANT_ADD(gap, big_stack) {
	.c = &cases[3],
};

FIXTURE_VARIANT_ADD(gap, deep_calls) {
	.c = &cases[4],
};

FIXTURE_VARIANT_ADD(gap, dns_qname) {
	.c = &cases[5],
};

FIXTURE_VARIANT_ADD(gap, pow2_ring) {
	.c = &cases[6],
};

FIXTURE_VARIANT_ADD(gap, rule_table) {
	.c = &cases[7],
};

FIXTURE_VARIANT_ADD(gap, csum_len) {
	.c = &cases[8],
};

FIXTURE_VARIANT_ADD(gap, dfa) {
	.c = &cases[9],
};

FIXTURE_VARIANT_ADD(gap, pkt32) {
	.c = &cases[10],
};

FIXTURE_VARIANT_ADD(gap, trailer) {
	.c = &cases[11],
};

FIXTURE_VARIANT_ADD(gap, ipv4_csum) {
	.c = &cases[12],
};

FIXTURE_VARIANT_ADD(gap, ipv6_ext) {
	.c = &cases[13],
};

FIXTURE_VARIANT_ADD(gap, window_sum) {
	.c = &cases[14],
};

FIXTURE_VARIANT_ADD(gap, map_find) {
	.c = &cases[15],
};

FIXTURE_VARIANT_ADD(gap, stack_chain) {
	.c = &cases[16],
};

FIXTURE_VARIANT_ADD(gap, lock_lookup) {
	.c = &cases[17],
};

FIXTURE_VARIANT_ADD(gap, list_walk) {
	.c = &cases[18],
};

FIXTURE_VARIANT_ADD(gap, lock_global) {
	.c = &cases[19],
};

FIXTURE_VARIANT_ADD(gap, ber_walk) {
	.c = &cases[20],
};

FIXTURE_VARIANT_ADD(gap, spill) {
	.c = &cases[21],
};

FIXTURE_VARIANT_ADD(gap, trailer_len) {
	.c = &cases[22],
};

FIXTURE_VARIANT_ADD(gap, append) {
	.c = &cases[23],
};

FIXTURE_VARIANT_ADD(gap, varint) {
	.c = &cases[24],
};

FIXTURE_VARIANT_ADD(gap, vlan_o0) {
	.c = &cases[25],
};

TEST_F_TIMEOUT(gap, rejected_in_c_right_in_rax, GAP_VERIFY_CAP * 2 + 60)
{
	const struct gap_case *c = variant->c;
	struct rax_side rs = { &self->o, self->fds };
	char entry[64], msg[200], wa[600], status[300];
	struct side rax = { "Rax", -1, rax_map, &rs };
	unsigned int n = 0, nwa = 0;
	long long rax_ns = -1, wa_ns = -1;
	int bad, bad_wa = 0;
	struct verdict *v;

	/* The C version, through the verifier, in a child: shared memory. */
	v = mmap(NULL, sizeof(*v), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, v);
	verify_c(exe_dir(), c->name, v);
	verifier_message(v->log, msg, sizeof(msg));
	if (v->err == 1)
		snprintf(status, sizeof(status), "STOPPED | still verifying after %d s",
			 GAP_VERIFY_CAP);
	else if (v->err == 0)
		snprintf(status, sizeof(status), "ACCEPTED | this verifier accepts it now");
	else
		snprintf(status, sizeof(status), "REJECTED | %s", msg[0] ? msg : strerror(-v->err));
	ksft_print_msg("%s: the verifier: %s\n", c->name, status);
	if (v->err < 0 && v->log[0])
		ksft_print_msg("%s: its log begins: %.300s\n", c->name, v->log);
	EXPECT_NE(-ENOENT, v->err) TH_LOG("gap/%s.bpf.o could not be opened", c->name);
	munmap(v, sizeof(*v));

	/* The Rax version, against the reference. */
	snprintf(entry, sizeof(entry), "rax_entry_%s", c->name);
	rax.prog = rax_load_entry(&self->o, self->fds, self->nmaps, entry, BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, rax.prog) TH_LOG("load %s: %s\n%s", entry, strerror(-rax.prog), log_buf);
	bad = check_side(c, &rax, &n);
	EXPECT_EQ(0, bad) TH_LOG("%s: Rax: %d of %u inputs differ from the reference", c->name,
				 bad, n);

	/* The eBPF workaround, if there is one: checked, then timed against Rax. */
	if (c->workaround) {
		struct side ws = { "eBPF workaround", -1, c_map, NULL };
		struct bpf_object *obj;

		snprintf(wa, sizeof(wa), "%s/gap_%s_wa.bpf.o", exe_dir(), c->name);
		obj = bpf_object__open_file(wa, NULL);
		ASSERT_NE(NULL, obj);
		ASSERT_EQ(0, bpf_object__load(obj)) TH_LOG("%s does not load", wa);
		ws.ctx = obj;
		ws.prog = bpf_program__fd(bpf_object__next_program(obj, NULL));
		bad_wa = check_side(c, &ws, &nwa);
		EXPECT_EQ(0, bad_wa) TH_LOG("%s: the workaround: %d of %u inputs differ", c->name,
					    bad_wa, nwa);
		time_both(c, &rax, &ws, &rax_ns, &wa_ns);
		bpf_object__close(obj);
	}
	ksft_print_msg("gap: %s | %s | rax %u/%u | wa %u/%u | rax_ns %lld | wa_ns %lld\n",
		       c->name, status, n - bad, n, nwa - bad_wa, nwa, rax_ns, wa_ns);
	close(rax.prog);
}

TEST_HARNESS_MAIN
