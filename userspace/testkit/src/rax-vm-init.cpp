// SPDX-License-Identifier: GPL-2.0
// rax-vm-init: PID 1 of the Rax test guest (scripts/vm-run.sh boots it
// with init=).
//
// The root file system is the host's, read-only over virtio-9p; the run's
// scratch directory (9p tag "scratch") is mounted at /mnt. It sets up the
// guest, runs "bash /mnt/cmd.sh" in /mnt with its output in
// /mnt/output.log, writes the exit status to /mnt/rc, has kmemleak scan
// for leaks (into /mnt/kmemleak.txt) and stops the machine.
//
// It is one static program making system calls, not a shell script:
// under TCG with the debug options every fork costs about 50 ms and every
// exec over 9p 100 ms or more, and the script it replaces spent 3 to 5 s
// of each boot on them. The console lines "RAX-VM: ..." are what
// scripts/vm-run.sh looks for.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <net/if.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

// An owned file descriptor.
class Fd {
public:
	explicit Fd(int fd) : fd_(fd) {}
	Fd(Fd const &) = delete;
	Fd &operator=(Fd const &) = delete;
	~Fd()
	{
		if (fd_ >= 0)
			close(fd_);
	}
	int get() const { return fd_; }
	explicit operator bool() const { return fd_ >= 0; }

private:
	int fd_;
};

void say(std::string const &line)
{
	std::string s = "RAX-VM: " + line + "\n";
	// The console is fd 1; nothing useful can be done when it fails.
	if (write(STDOUT_FILENO, s.data(), s.size()) < 0)
		return;
}

std::string uptime()
{
	std::ifstream in("/proc/uptime");
	std::string first;
	in >> first;
	return first.empty() ? "?" : first;
}

// Mounts; a required one that fails is reported on the console, the others
// (debugfs, tracefs, bpffs on a kernel without them) are skipped quietly.
bool do_mount(char const *src, char const *dst, char const *type, unsigned long flags,
	      char const *data, bool required)
{
	if (mount(src, dst, type, flags, data) == 0)
		return true;
	if (required)
		say(std::string("mount ") + type + " on " + dst + " failed: " + std::strerror(errno));
	return false;
}

// mkdir -p, for directories on the guest's own tmpfs.
void make_dirs(std::string const &path)
{
	for (std::size_t i = 1; i <= path.size(); i++) {
		if (i == path.size() || path[i] == '/')
			mkdir(path.substr(0, i).c_str(), 0755);
	}
}

// ln -sfn TARGET LINK
void make_link(char const *target, char const *link)
{
	unlink(link);
	if (symlink(target, link) != 0)
		say(std::string("symlink ") + link + " failed: " + std::strerror(errno));
}

void write_file(char const *path, std::string const &text)
{
	Fd fd(open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	if (!fd || write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
		say(std::string("cannot write ") + path + ": " + std::strerror(errno));
}

void bring_up_loopback()
{
	Fd s(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	if (!s)
		return;
	ifreq ifr{};
	std::strncpy(ifr.ifr_name, "lo", sizeof(ifr.ifr_name) - 1);
	if (ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0)
		return;
	ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
	if (ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0)
		say(std::string("cannot bring lo up: ") + std::strerror(errno));
}

void set_up()
{
	do_mount("proc", "/proc", "proc", 0, nullptr, true);
	do_mount("sys", "/sys", "sysfs", 0, nullptr, true);
	// The host's root has no modules for this kernel, so every module
	// request (the first bpffs mount makes one, for bpf_preload)
	// ran the host's modprobe over 9p only to fail: 0.5 to 0.9 s each.
	// An empty modprobe path makes the kernel fail them at once.
	write_file("/proc/sys/kernel/modprobe", "\n");
	struct stat st{};
	if (stat("/dev/null", &st) != 0 || !S_ISCHR(st.st_mode))
		do_mount("dev", "/dev", "devtmpfs", 0, nullptr, true);
	mkdir("/dev/pts", 0755);
	mkdir("/dev/shm", 01777);
	do_mount("devpts", "/dev/pts", "devpts", 0, nullptr, false);
	// devtmpfs has no /dev/fd or /dev/std* (udev makes them); scripts
	// need them.
	make_link("/proc/self/fd", "/dev/fd");
	make_link("/proc/self/fd/0", "/dev/stdin");
	make_link("/proc/self/fd/1", "/dev/stdout");
	make_link("/proc/self/fd/2", "/dev/stderr");
	do_mount("run", "/run", "tmpfs", 0, nullptr, true);
	// /tmp becomes a tmpfs, but a host path under it (a clone in /tmp, say)
	// must stay visible: keep the host's /tmp at /run/host-tmp and bind the
	// paths listed in the scratch directory's host-paths back in place.
	mkdir("/run/host-tmp", 0755);
	do_mount("/tmp", "/run/host-tmp", nullptr, MS_BIND, nullptr, true);
	do_mount("tmp", "/tmp", "tmpfs", 0, nullptr, true);
	do_mount("shm", "/dev/shm", "tmpfs", 0, nullptr, false);
	do_mount("debugfs", "/sys/kernel/debug", "debugfs", 0, nullptr, false);
	do_mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, nullptr, false);
	do_mount("bpf", "/sys/fs/bpf", "bpf", 0, nullptr, false);
	do_mount("scratch", "/mnt", "9p", 0, "trans=virtio,version=9p2000.L,msize=512000", true);

	std::ifstream paths("/mnt/host-paths");
	for (std::string p; std::getline(paths, p);) {
		if (p.size() <= 5 || p.compare(0, 5, "/tmp/") != 0)
			continue;
		make_dirs(p);
		do_mount(("/run/host-tmp/" + p.substr(5)).c_str(), p.c_str(), nullptr, MS_BIND,
			 nullptr, true);
	}
	bring_up_loopback();
	char const name[] = "rax-vm";
	sethostname(name, sizeof(name) - 1);
}

// Runs "bash /mnt/cmd.sh" and returns its status as a shell would.
int run_command()
{
	pid_t pid = fork();
	if (pid < 0) {
		say(std::string("fork failed: ") + std::strerror(errno));
		return 127;
	}
	if (pid == 0) {
		int in = open("/dev/null", O_RDONLY);
		int out = open("/mnt/output.log", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
			_exit(126);
		close(in);
		close(out);
		setsid();
		execlp("bash", "bash", "/mnt/cmd.sh", static_cast<char *>(nullptr));
		std::fprintf(stderr, "rax-vm-init: cannot run bash: %s\n", std::strerror(errno));
		_exit(127);
	}
	// PID 1 also reaps the orphans the command leaves behind.
	for (;;) {
		int status = 0;
		pid_t w = waitpid(-1, &status, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return 127;
		if (w != pid)
			continue;
		if (WIFEXITED(status))
			return WEXITSTATUS(status);
		return 128 + WTERMSIG(status);
	}
}

// Leaks are reported only for objects older than 5 s: scan, wait, scan.
void scan_for_leaks()
{
	char const *ctl = "/sys/kernel/debug/kmemleak";
	if (access(ctl, W_OK) != 0)
		return;
	auto scan = [ctl] {
		Fd fd(open(ctl, O_WRONLY | O_CLOEXEC));
		if (!fd || write(fd.get(), "scan", 4) != 4)
			say(std::string("kmemleak scan failed: ") + std::strerror(errno));
	};
	scan();
	sleep(5);
	scan();
	std::ifstream in(ctl);
	std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	write_file("/mnt/kmemleak.txt", report);
	say("kmemleak scanned uptime=" + uptime());
}

[[noreturn]] void stop()
{
	// The microvm has no ACPI to power off with: restart (by triple fault,
	// reboot=t), which ends QEMU since it runs with -no-reboot.
	sync();
	say("power off");
	reboot(RB_AUTOBOOT);
	say(std::string("reboot failed: ") + std::strerror(errno));
	// PID 1 must not exit: the kernel would panic.
	for (;;)
		pause();
}

} // namespace

int main()
{
	if (getpid() != 1) {
		std::fprintf(stderr, "rax-vm-init: the guest's PID 1 (scripts/vm-run.sh boots it)\n");
		return 2;
	}
	setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
	setenv("HOME", "/tmp", 1);
	setenv("TERM", "dumb", 1);
	set_up();
	if (access("/mnt/cmd.sh", R_OK) != 0) {
		say("no command (scratch not mounted)");
		stop();
	}
	if (chdir("/mnt") != 0) {
		say(std::string("cannot enter /mnt: ") + std::strerror(errno));
		stop();
	}
	say("command start uptime=" + uptime());
	int rc = run_command();
	say("command exit " + std::to_string(rc) + " uptime=" + uptime());
	write_file("/mnt/rc", std::to_string(rc) + "\n");
	scan_for_leaks();
	stop();
}
