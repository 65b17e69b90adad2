// SPDX-License-Identifier: GPL-2.0
/*
 * A Rax kernel stays a good eBPF kernel: standard eBPF tools (Debian's
 * libbpf-tools, from the host's root file system) run while Rax
 * programs are attached to the same tracepoints, and both see the events
 * they must. Each tool runs for a few seconds in the background, printing
 * to a file; this process makes known events meanwhile (execs of a
 * program with a unique argument, opens of a unique file, getppid()
 * calls); the tool's output must show them, and so must the Rax
 * programs' maps.
 *
 * A tool that is not installed is a skip, reported as such.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

#define TOOLS_DIR	"/usr/sbin"
#define STDBUF		"/usr/bin/stdbuf"

/* No state: a fixture only for the time a tool takes to load. */
FIXTURE(tools) {
	int unused;
};

FIXTURE_SETUP(tools)
{
}

FIXTURE_TEARDOWN(tools)
{
}

struct tool {
	pid_t pid;
	char out[64];
	int start_ms;
};

/*
 * Start TOOLS_DIR/@name with @args (NULL-terminated), its output in a
 * file, and wait until it printed its first line (the header: attached).
 */
static int tool_start(struct tool *t, const char *name, char *const args[])
{
	char path[128], *argv[18];
	int i, fd, waited;

	snprintf(path, sizeof(path), TOOLS_DIR "/%s", name);
	if (access(path, X_OK))
		return -ENOENT;
	snprintf(t->out, sizeof(t->out), "/tmp/rax-tool-%s.out", name);
	argv[0] = path;
	for (i = 0; args[i] && i < 14; i++)
		argv[i + 1] = args[i];
	argv[i + 1] = NULL;
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (t->pid == 0) {
		fd = open(t->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		/* Line-buffered: the header shows when the tool is attached. */
		if (!access(STDBUF, X_OK)) {
			memmove(argv + 2, argv, (i + 2) * sizeof(*argv));
			argv[0] = STDBUF;
			argv[1] = "-oL";
			execv(STDBUF, argv);
		}
		execv(path, argv);
		_exit(127);
	}
	/* Loading through the verifier takes seconds under TCG and KASAN. */
	for (waited = 0; waited < 120000; waited += 50) {
		struct stat st;
		int status;

		if (waitpid(t->pid, &status, WNOHANG) == t->pid)
			return -ECHILD;
		if (!stat(t->out, &st) && st.st_size > 0)
			break;
		usleep(50 * 1000);
	}
	/* The header is printed once the programs are attached. */
	usleep(300 * 1000);
	t->start_ms = waited;
	ksft_print_msg("%s: attached in %.1f s\n", name, waited / 1000.0);
	return 0;
}

/* Wait up to @ms for the tool to exit: its status, or -1. */
static int tool_wait(struct tool *t, unsigned int ms)
{
	int status;

	for (; ms; ms -= ms < 50 ? ms : 50) {
		if (waitpid(t->pid, &status, WNOHANG) == t->pid)
			return status;
		usleep(50 * 1000);
	}
	return -1;
}

/* Read the tool's output into @buf. */
static void tool_read(struct tool *t, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	buf[0] = '\0';
	fd = open(t->out, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(t->out);
}

/* Stop the tool (SIGINT, as ^C, which makes it print what it has). */
static void tool_stop(struct tool *t, char *buf, size_t size)
{
	kill(t->pid, SIGINT);
	if (tool_wait(t, 10000) < 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
	}
	tool_read(t, buf, size);
}

/* How many lines of @buf hold @needle. */
static int count_lines(const char *buf, const char *needle)
{
	const char *line = buf, *end;
	int n = 0;

	while (*line) {
		end = strchrnul(line, '\n');
		if (memmem(line, end - line, needle, strlen(needle)))
			n++;
		line = *end ? end + 1 : end;
	}
	return n;
}

/* Load @o's entries, attach each to its tracepoint; -errno on failure. */
static int attach_rax(struct __test_metadata *_metadata, const struct rax_obj_file *o,
		      const int *fds, int nmaps, const char *const *entries,
		      const char *const *events, int *progs, int *links, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		progs[i] = rax_load_entry(o, fds, nmaps, entries[i], BPF_PROG_TYPE_TRACEPOINT);
		if (progs[i] < 0) {
			TH_LOG("load %s: %s\n%s", entries[i], strerror(-progs[i]), log_buf);
			return progs[i];
		}
		links[i] = rax_tracepoint_attach(events[i], -1, 0, progs[i]);
		if (links[i] < 0) {
			TH_LOG("attach %s to %s: %s", entries[i], events[i], strerror(-links[i]));
			return links[i];
		}
	}
	return 0;
}

/*
 * opensnoop beside syscall_tp (Rax, on the openat tracepoints of this
 * process): 20 opens of a unique file, seen 20 times by both.
 */
TEST_F_TIMEOUT(tools, opensnoop_beside_rax, 240)
{
	static const char *const entries[] = { "rax_entry_syscall_enter",
					       "rax_entry_syscall_exit" };
	static const char *const events[] = { "syscalls/sys_enter_openat",
					      "syscalls/sys_exit_openat" };
	struct rax_obj_file o = rax_obj_read("syscall_tp.o");
	char pid[16], name[64], *args[] = { "-p", pid, NULL };
	static char out[1 << 16];
	int fds[2], n, progs[2], links[2], i, fd, err;
	struct tool t;
	__u32 k = 0, me = getpid();

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/syscall_tp.o missing");
	n = rax_create_maps(&o.img, fds, 2);
	ASSERT_EQ(2, n);
	ASSERT_EQ(0, map_update(fds[rax_map_index(&o.img, "TARGET")], &k, &me));
	ASSERT_EQ(0, attach_rax(_metadata, &o, fds, n, entries, events, progs, links, 2));
	snprintf(pid, sizeof(pid), "%d", getpid());
	err = tool_start(&t, "opensnoop", args);
	if (err == -ENOENT)
		SKIP(return, TOOLS_DIR "/opensnoop is not installed (libbpf-tools)");
	ASSERT_EQ(0, err) TH_LOG("opensnoop: %s", strerror(-err));
	snprintf(name, sizeof(name), "/tmp/rax-opensnoop-%d", getpid());
	for (i = 0; i < 20; i++) {
		fd = open(name, O_RDONLY | O_CREAT, 0600);
		if (fd >= 0)
			close(fd);
	}
	usleep(500 * 1000);
	tool_stop(&t, out, sizeof(out));
	unlink(name);
	EXPECT_EQ(20, count_lines(out, name)) TH_LOG("opensnoop printed:\n%s", out);
	EXPECT_LE(20, rax_map_u64(fds[rax_map_index(&o.img, "COUNTS")], 1));
	ksft_print_msg("opensnoop: %d opens of %s seen; syscall_tp: %llu openat entries\n",
		       count_lines(out, name), name,
		       rax_map_u64(fds[rax_map_index(&o.img, "COUNTS")], 1));
	for (i = 0; i < 2; i++) {
		close(links[i]);
		close(progs[i]);
		close(fds[i]);
	}
	rax_obj_free(&o);
}

/*
 * execsnoop beside syscount (Rax, on the raw syscall tracepoints, every
 * process): 5 execs of /bin/true with a unique argument, seen 5 times by
 * execsnoop; syscount counts at least 5 execve calls.
 */
TEST_F_TIMEOUT(tools, execsnoop_beside_rax, 240)
{
	static const char *const entries[] = { "rax_entry_syscount_enter",
					       "rax_entry_syscount_exit" };
	static const char *const events[] = { "raw_syscalls/sys_enter", "raw_syscalls/sys_exit" };
	struct rax_obj_file o = rax_obj_read("syscount.o");
	int fds[3], n, progs[2], links[2], i, st, err;
	static char *const args[] = { NULL };
	char tag[32];
	static char out[1 << 16];
	unsigned long long v[3];
	struct tool t;
	__u32 nr = __NR_execve;
	pid_t c;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/syscount.o missing");
	n = rax_create_maps(&o.img, fds, 3);
	ASSERT_EQ(3, n);
	ASSERT_EQ(0, attach_rax(_metadata, &o, fds, n, entries, events, progs, links, 2));
	err = tool_start(&t, "execsnoop", args);
	if (err == -ENOENT)
		SKIP(return, TOOLS_DIR "/execsnoop is not installed (libbpf-tools)");
	ASSERT_EQ(0, err) TH_LOG("execsnoop: %s", strerror(-err));
	snprintf(tag, sizeof(tag), "rax-exec-%d", getpid());
	for (i = 0; i < 5; i++) {
		c = fork();
		if (c == 0) {
			execl("/bin/true", "true", tag, NULL);
			_exit(127);
		}
		waitpid(c, &st, 0);
	}
	usleep(500 * 1000);
	tool_stop(&t, out, sizeof(out));
	EXPECT_EQ(5, count_lines(out, tag)) TH_LOG("execsnoop printed:\n%s", out);
	memset(v, 0, sizeof(v));
	EXPECT_EQ(0, map_lookup(fds[rax_map_index(&o.img, "STATS")], &nr, v));
	EXPECT_LE(5, v[0]) TH_LOG("syscount: %llu execve calls", v[0]);
	ksft_print_msg("execsnoop: %d execs of /bin/true %s seen; syscount: %llu execve calls\n",
		       count_lines(out, tag), tag, v[0]);
	for (i = 0; i < 2; i++) {
		close(links[i]);
		close(progs[i]);
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	rax_obj_free(&o);
}

/*
 * libbpf-tools' syscount beside Rax's, both on the raw syscall
 * tracepoints and aimed at this process: 50 getppid() calls, counted 50
 * times by each.
 */
TEST_F_TIMEOUT(tools, syscount_beside_rax, 240)
{
	static const char *const entries[] = { "rax_entry_syscount_enter",
					       "rax_entry_syscount_exit" };
	static const char *const events[] = { "raw_syscalls/sys_enter", "raw_syscalls/sys_exit" };
	struct rax_obj_file o = rax_obj_read("syscount.o");
	char pid[16], *args[] = { "-p", pid, NULL }, *line;
	int fds[3], n, progs[2], links[2], i, tool_count = -1, err;
	static char out[1 << 16];
	unsigned long long v[3];
	__u32 nr = __NR_getppid, k = 0, me = getpid();
	struct tool t;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/syscount.o missing");
	n = rax_create_maps(&o.img, fds, 3);
	ASSERT_EQ(3, n);
	ASSERT_EQ(0, map_update(fds[rax_map_index(&o.img, "TARGET")], &k, &me));
	ASSERT_EQ(0, attach_rax(_metadata, &o, fds, n, entries, events, progs, links, 2));
	snprintf(pid, sizeof(pid), "%d", getpid());
	err = tool_start(&t, "syscount", args);
	if (err == -ENOENT)
		SKIP(return, TOOLS_DIR "/syscount is not installed (libbpf-tools)");
	ASSERT_EQ(0, err) TH_LOG("syscount: %s", strerror(-err));
	for (i = 0; i < 50; i++)
		syscall(__NR_getppid);
	usleep(500 * 1000);
	tool_stop(&t, out, sizeof(out));
	/* "getppid    50" in the table it prints when stopped. */
	line = strstr(out, "getppid");
	if (line)
		sscanf(line, "getppid %d", &tool_count);
	EXPECT_EQ(50, tool_count) TH_LOG("syscount printed:\n%s", out);
	memset(v, 0, sizeof(v));
	EXPECT_EQ(0, map_lookup(fds[rax_map_index(&o.img, "STATS")], &nr, v));
	EXPECT_EQ(50, v[0]);
	ksft_print_msg("syscount: libbpf-tools counted %d getppid calls, Rax %llu\n", tool_count,
		       v[0]);
	for (i = 0; i < 2; i++) {
		close(links[i]);
		close(progs[i]);
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	rax_obj_free(&o);
}

/*
 * runqlat (a histogram of run queue latency from the sched tracepoints,
 * BTF-typed raw tracepoints) beside syscount on the raw syscall
 * tracepoints: it runs for 2 s and prints its histogram.
 */
TEST_F_TIMEOUT(tools, runqlat_beside_rax, 240)
{
	static const char *const entries[] = { "rax_entry_syscount_enter",
					       "rax_entry_syscount_exit" };
	static const char *const events[] = { "raw_syscalls/sys_enter", "raw_syscalls/sys_exit" };
	struct rax_obj_file o = rax_obj_read("syscount.o");
	static char *const args[] = { "1", "2", NULL };
	int fds[3], n, progs[2], links[2], i, status, err;
	static char out[1 << 16];
	struct tool t;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/syscount.o missing");
	n = rax_create_maps(&o.img, fds, 3);
	ASSERT_EQ(3, n);
	ASSERT_EQ(0, attach_rax(_metadata, &o, fds, n, entries, events, progs, links, 2));
	err = tool_start(&t, "runqlat", args);
	if (err == -ENOENT)
		SKIP(return, TOOLS_DIR "/runqlat is not installed (libbpf-tools)");
	ASSERT_EQ(0, err) TH_LOG("runqlat: %s", strerror(-err));
	/* Sleep and wake up again and again meanwhile. */
	for (i = 0; i < 200; i++)
		usleep(5000);
	status = tool_wait(&t, 15000);
	if (status < 0) {
		kill(t.pid, SIGKILL);
		waitpid(t.pid, NULL, 0);
	}
	EXPECT_TRUE(status >= 0 && WIFEXITED(status) && !WEXITSTATUS(status))
		TH_LOG("status %#x", status);
	tool_read(&t, out, sizeof(out));
	EXPECT_LE(2, count_lines(out, "usecs")) TH_LOG("runqlat printed:\n%s", out);
	for (i = 0; i < 2; i++) {
		close(links[i]);
		close(progs[i]);
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	rax_obj_free(&o);
}

TEST_HARNESS_MAIN
