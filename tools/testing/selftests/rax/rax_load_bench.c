// SPDX-License-Identifier: GPL-2.0
/*
 * Load-time benchmark, not a test: loads the xdp_counter sample (xdp.o) as
 * a Rax program and its eBPF twin (the same parsing and counting, written
 * as eBPF instructions, through the verifier and the JIT) alternately, N
 * times each, in the same boot, and prints the mean and median load time
 * of each and their ratio.
 *
 * Usage: RAX_TEST_OBJECTS=DIR rax_load_bench [N]
 */
#define _GNU_SOURCE
#include <time.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), \
						.src_reg = (s), .off = (o), .imm = (i) })
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
static int load_twin(int proto_map)
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
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	memset(log_buf, 0, sizeof(log_buf));
	attr.prog_type = BPF_PROG_TYPE_XDP;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = ARRAY_SIZE(insns);
	attr.license = (unsigned long)"GPL";
	attr.log_level = 1;
	attr.log_buf = (unsigned long)log_buf;
	attr.log_size = sizeof(log_buf);
	memcpy(attr.prog_name, "ebpf_twin", sizeof("ebpf_twin"));
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	return fd < 0 ? -errno : fd;
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

int main(int argc, char **argv)
{
	static unsigned long long trax[MAX_RUNS], tebpf[MAX_RUNS];
	struct rax_obj_file o = rax_obj_read("xdp.o");
	struct rax_load_opts opts = { .prog_type = BPF_PROG_TYPE_XDP, .name = "xdp_counter" };
	int n = argc > 1 ? atoi(argv[1]) : 200;
	unsigned long long t0, mrax, mebpf;
	double arax, aebpf;
	int fds[8], nmaps, i, fd;

	if (n < 1 || n > MAX_RUNS || !o.img.size) {
		fprintf(stderr, "usage: RAX_TEST_OBJECTS=DIR %s [N <= %d]\n", argv[0], MAX_RUNS);
		return 2;
	}
	nmaps = rax_create_maps(&o.img, fds, 8);
	if (nmaps != 2) {
		fprintf(stderr, "creating the maps: %d\n", nmaps);
		return 1;
	}
	opts.fd_array = fds;
	opts.fd_array_cnt = nmaps;
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
		fd = load_twin(fds[rax_map_index(&o.img, "PROTO_COUNT")]);
		tebpf[i] = now_ns() - t0;
		if (fd < 0) {
			fprintf(stderr, "eBPF load: %s\n%s", strerror(-fd), log_buf);
			return 1;
		}
		close(fd);
	}
	/* The twin must do what the Rax program does. */
	{
		unsigned char pkt[64] = { 0 };
		int rax = rax_load_opts(o.img.data, o.img.size, o.sig.data, o.sig.size, &opts);
		int twin = load_twin(fds[rax_map_index(&o.img, "PROTO_COUNT")]);
		union bpf_attr attr;
		int port, r[2], k;

		pkt[12] = 0x08;
		pkt[14] = 0x45;
		pkt[23] = 17;
		for (port = 9; port <= 53; port += 44) {
			pkt[36] = port >> 8;
			pkt[37] = port & 0xff;
			for (k = 0; k < 2; k++) {
				memset(&attr, 0, sizeof(attr));
				attr.test.prog_fd = k ? twin : rax;
				attr.test.data_in = (unsigned long)pkt;
				attr.test.data_size_in = sizeof(pkt);
				r[k] = sys_bpf(BPF_PROG_TEST_RUN, &attr) ? -errno :
					   (int)attr.test.retval;
			}
			printf("UDP to port %d: Rax %d, eBPF twin %d%s\n", port, r[0], r[1],
			       r[0] == r[1] ? "" : "  DIFFER");
			if (r[0] != r[1])
				return 1;
		}
		close(rax);
		close(twin);
	}
	printf("load time, %d loads each, alternating, same boot\n", n);
	report("Rax xdp_counter (xdp.o)", trax, n, &arax, &mrax);
	report("eBPF twin (verifier + JIT)", tebpf, n, &aebpf, &mebpf);
	printf("ratio Rax / eBPF: mean %.2f  median %.2f\n", arax / aebpf,
	       (double)mrax / mebpf);
	rax_obj_free(&o);
	return 0;
}
