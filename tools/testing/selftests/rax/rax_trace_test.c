// SPDX-License-Identifier: GPL-2.0
/*
 * Tracing and the throw path: a Rax program stopped inside a helper, at a
 * cancellation point or by the recursion guard is unwound across those
 * functions, so none of them may carry a return hook. They are not in
 * ftrace's list, kprobes and kretprobes on them are refused, BPF fentry
 * and fexit programs cannot attach to them, and programs stopped every way
 * with the function-graph tracer on leave a working kernel.
 */
#define _GNU_SOURCE
#include <linux/if_ether.h>

#include "../kselftest_harness.h"
#include "rax_util.h"
#include "rax_btf.h"

#define BUDGET_MAX_US	"/proc/sys/kernel/rax/budget_max_us"

/*
 * Functions a program can be stopped inside: every helper that may not
 * return, and the stop path itself.
 */
static const char *const unwound[] = {
	"rax_map_lookup_elem", "rax_map_update_elem", "rax_map_delete_elem",
	"rax_trace_print", "rax_get_current_comm", "rax_probe_read_kernel",
	"rax_spin_lock", "rax_spin_unlock", "rax_ringbuf_reserve",
	"rax_ringbuf_submit", "rax_ringbuf_discard", "rax_ringbuf_output",
	"rax_task_release", "rax_task_pid_tgid", "rax_task_comm",
	"rax_clone_redirect", "rax_tc_make_writable", "rax_stack_check", "rax_budget_check",
	"rax_throw", "rax_refuse", "rax_stop_timeout",
	/* The checks inside helper_impl.c that stop a program. */
	"rax_refuse_call", "rax_refuse_arg", "rax_def_map", "rax_check_unlocked",
	"rax_task_check",
};

/* Whether @func is a line of tracefs' available_filter_functions. */
static int traceable(const char *func)
{
	char line[256];
	size_t n = strlen(func);
	int found = 0;
	FILE *f;

	f = fopen(RAX_TRACEFS "available_filter_functions", "r");
	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, func, n) && (line[n] == '\n' || line[n] == ' ');
	fclose(f);
	return found;
}

TEST(helpers_are_not_traceable)
{
	unsigned int i;

	/* Control: the dispatcher is traced, so the list is the right one. */
	ASSERT_EQ(1, traceable("rax_run"));
	for (i = 0; i < ARRAY_SIZE(unwound); i++)
		EXPECT_EQ(0, traceable(unwound[i])) TH_LOG("%s can be traced", unwound[i]);
}

TEST(kprobes_and_kretprobes_refused)
{
	char ev[160];
	unsigned int i;

	/* Control: a kretprobe on the dispatcher is allowed. */
	ASSERT_EQ(0, append_file(RAX_KPROBE_EVENTS, "r:rax_trace_test/ctl rax_run\n"));
	ASSERT_EQ(0, append_file(RAX_KPROBE_EVENTS, "-:rax_trace_test/ctl\n"));
	for (i = 0; i < ARRAY_SIZE(unwound); i++) {
		snprintf(ev, sizeof(ev), "r:rax_trace_test/r%u %s\n", i, unwound[i]);
		EXPECT_GT(0, append_file(RAX_KPROBE_EVENTS, ev))
			TH_LOG("kretprobe on %s accepted", unwound[i]);
		snprintf(ev, sizeof(ev), "p:rax_trace_test/p%u %s\n", i, unwound[i]);
		EXPECT_GT(0, append_file(RAX_KPROBE_EVENTS, ev))
			TH_LOG("kprobe on %s accepted", unwound[i]);
	}
}

/* Load an eBPF tracing program of @type for kernel function @func. */
static int tracing_load(const char *func, unsigned int type)
{
	const struct bpf_insn insns[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	int id = rax_btf_func_id(func);

	if (id < 0)
		return id;
	return ebpf_load_attach(BPF_PROG_TYPE_TRACING, type, id, insns,
				ARRAY_SIZE(insns), NULL);
}

TEST(fentry_and_fexit_refused)
{
	static const char *const funcs[] = {
		"rax_map_update_elem", "rax_budget_check", "rax_stack_check",
		"rax_throw", "rax_spin_lock", "rax_ringbuf_reserve",
	};
	unsigned int i;
	int fd;

	/* Control: fexit on an ordinary kernel function loads. */
	fd = tracing_load("bpf_fentry_test1", BPF_TRACE_FEXIT);
	ASSERT_LE(0, fd) TH_LOG("fexit on bpf_fentry_test1: %s\n%s", strerror(-fd), log_buf);
	close(fd);
	for (i = 0; i < ARRAY_SIZE(funcs); i++) {
		EXPECT_EQ(-EINVAL, tracing_load(funcs[i], BPF_TRACE_FEXIT))
			TH_LOG("fexit on %s", funcs[i]);
		expect_log(_metadata, "a Rax program can be stopped inside it");
		EXPECT_EQ(-EINVAL, tracing_load(funcs[i], BPF_TRACE_FENTRY))
			TH_LOG("fentry on %s", funcs[i]);
	}
}

/* Whether tracefs' trace buffer names @func. */
static bool traced(const char *func)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(RAX_TRACEFS "trace", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, func);
	fclose(f);
	return found;
}

/* Load entry @symbol of test object @name as XDP, with its own maps. */
static int load_xdp(const char *name, const char *symbol, int *fds, int *nmaps)
{
	struct rax_obj_file o = rax_obj_read(name);
	int prog;

	if (!o.img.size)
		return -ENOENT;
	*nmaps = rax_create_maps(&o.img, fds, 4);
	prog = rax_load_entry(&o, fds, *nmaps, symbol, BPF_PROG_TYPE_XDP);
	rax_obj_free(&o);
	return prog;
}

static void close_all(int prog, const int *fds, int n)
{
	int i;

	close(prog);
	for (i = 0; i < n; i++)
		close(fds[i]);
}

/*
 * With the function-graph tracer on every traceable rax_* function (the
 * same filter caught the helpers and the cancellation points before they
 * were built without ftrace), programs are stopped at a cancellation
 * point (past the budget), by the recursion guard, by a panic and inside
 * a helper (map update under a spin lock). Each run returns the abort
 * verdict, is counted, and the kernel keeps working: an abandoned
 * return-stack entry would have sent a later return to a stale address.
 */
TEST(stops_under_function_graph)
{
	unsigned char pkt[64] = { 0 };
	long long old_budget;
	int fds[4], n, prog, i;
	unsigned int key = 0;
	unsigned long long on = 1;
	char s[32];

	if (access(RAX_TRACEFS "current_tracer", W_OK))
		SKIP(return, "no tracefs");
	/*
	 * The filter first: the function-graph tracer on every function of
	 * a KASAN kernel under TCG takes minutes to switch on.
	 */
	ASSERT_EQ(0, write_file(RAX_TRACEFS "set_ftrace_filter", "rax_*\n"));
	ASSERT_EQ(0, write_file(RAX_TRACEFS "trace", ""));
	old_budget = read_ll_file(BUDGET_MAX_US);
	ASSERT_LT(0, old_budget);
	ASSERT_EQ(0, write_file(BUDGET_MAX_US, "2000\n"));
	ASSERT_EQ(0, write_file(RAX_TRACEFS "current_tracer", "function_graph\n"))
		TH_LOG("no function_graph tracer in this kernel (CONFIG_FUNCTION_GRAPH_TRACER)");

	/* At a cancellation point: spin.o loops while CTL[0] is set. */
	prog = load_xdp("spin.o", "rax_entry_spin_xdp", fds, &n);
	ASSERT_LE(0, prog) TH_LOG("spin.o: %s\n%s", strerror(-prog), log_buf);
	ASSERT_EQ(0, map_update(fds[0], &key, &on));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(XDP_ABORTED, test_run(prog, pkt, sizeof(pkt), 1));
	EXPECT_EQ(3, fdinfo_ll(prog, "rax_timeouts"));
	close_all(prog, fds, n);

	/* By the recursion guard: stacks.o, mode 2, a million levels. */
	prog = load_xdp("stacks.o", "rax_entry_stacks_xdp", fds, &n);
	ASSERT_LE(0, prog) TH_LOG("stacks.o: %s\n%s", strerror(-prog), log_buf);
	pkt[0] = 2;
	pkt[1] = 0x40;
	pkt[2] = 0x42;
	pkt[3] = 0x0f;
	for (i = 0; i < 3; i++)
		EXPECT_EQ(XDP_ABORTED, test_run(prog, pkt, sizeof(pkt), 1));
	EXPECT_EQ(3, fdinfo_ll(prog, "rax_panics"));
	close_all(prog, fds, n);

	/* By a panic: oob.o panics on every packet. */
	prog = load_xdp("oob.o", "rax_entry_oob_panic", fds, &n);
	ASSERT_LE(0, prog) TH_LOG("oob.o: %s\n%s", strerror(-prog), log_buf);
	memset(pkt, 0, sizeof(pkt));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(XDP_ABORTED, test_run(prog, pkt, sizeof(pkt), 1));
	EXPECT_EQ(3, fdinfo_ll(prog, "rax_panics"));
	close_all(prog, fds, n);

	/* Inside a helper: locked_calls.o, mode 1, a map update under a lock. */
	prog = load_xdp("locked_calls.o", "rax_entry_locked_calls", fds, &n);
	ASSERT_LE(0, prog) TH_LOG("locked_calls.o: %s\n%s", strerror(-prog), log_buf);
	pkt[0] = 1;
	for (i = 0; i < 3; i++)
		EXPECT_EQ(XDP_ABORTED, test_run(prog, pkt, sizeof(pkt), 1));
	EXPECT_EQ(3, fdinfo_ll(prog, "rax_panics"));
	pkt[0] = 0;
	EXPECT_EQ(XDP_PASS, test_run(prog, pkt, sizeof(pkt), 1));
	close_all(prog, fds, n);

	/* Read before the tracer goes: switching tracers empties the buffer. */
	EXPECT_EQ(0, write_file(RAX_TRACEFS "tracing_on", "0\n"));
	EXPECT_TRUE(traced("rax_run")) TH_LOG("the tracer saw no rax_run()");
	EXPECT_EQ(0, write_file(RAX_TRACEFS "current_tracer", "nop\n"));
	EXPECT_EQ(0, write_file(RAX_TRACEFS "tracing_on", "1\n"));
	EXPECT_EQ(0, write_file(RAX_TRACEFS "set_ftrace_filter", ""));
	EXPECT_EQ(0, write_file(RAX_TRACEFS "trace", ""));
	snprintf(s, sizeof(s), "%lld\n", old_budget);
	EXPECT_EQ(0, write_file(BUDGET_MAX_US, s));
	/* Returns in this task after the stops go where they should. */
	EXPECT_EQ(getpid(), syscall(__NR_getpid));
}

TEST_HARNESS_MAIN
