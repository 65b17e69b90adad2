// SPDX-License-Identifier: GPL-2.0
#include "process.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace rax {

namespace {

class Fd {
public:
	Fd() = default;
	explicit Fd(int fd) : fd_(fd) {}
	~Fd() { reset(); }
	Fd(Fd const &) = delete;
	Fd &operator=(Fd const &) = delete;
	[[nodiscard]] int get() const { return fd_; }
	void reset()
	{
		if (fd_ >= 0)
			::close(fd_);
		fd_ = -1;
	}

private:
	int fd_ = -1;
};

class SpawnActions {
public:
	SpawnActions() { posix_spawn_file_actions_init(&a_); }
	~SpawnActions() { posix_spawn_file_actions_destroy(&a_); }
	SpawnActions(SpawnActions const &) = delete;
	SpawnActions &operator=(SpawnActions const &) = delete;
	posix_spawn_file_actions_t *get() { return &a_; }

private:
	posix_spawn_file_actions_t a_;
};

} // namespace

Result<ProcessResult> run_process(std::vector<std::string> const &argv,
				  std::vector<std::pair<std::string, std::string>> const &env,
				  std::string const &cwd, Env mode)
{
	if (argv.empty())
		return Error(EINVAL, "run", "empty command");
	int p[2];
	if (::pipe2(p, O_CLOEXEC) < 0)
		return Error(errno, "run", std::string("pipe: ") + std::strerror(errno));
	Fd rd(p[0]), wr(p[1]);

	SpawnActions actions;
	posix_spawn_file_actions_adddup2(actions.get(), wr.get(), 1);
	posix_spawn_file_actions_adddup2(actions.get(), wr.get(), 2);
	posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0);
	if (!cwd.empty())
		posix_spawn_file_actions_addchdir_np(actions.get(), cwd.c_str());

	std::vector<std::string> envs;
	if (mode == Env::scrub)
		envs.emplace_back("PATH=/usr/bin:/bin");
	for (char **e = environ; mode == Env::inherit && *e; e++) {
		std::string_view kv(*e);
		bool replaced = false;
		for (auto const &[k, v] : env)
			if (kv.size() > k.size() && kv.substr(0, k.size()) == k && kv[k.size()] == '=')
				replaced = true;
		if (!replaced)
			envs.emplace_back(kv);
	}
	for (auto const &[k, v] : env)
		envs.push_back(k + "=" + v);
	std::vector<char *> cargv, cenv;
	for (auto const &a : argv)
		cargv.push_back(const_cast<char *>(a.c_str()));
	cargv.push_back(nullptr);
	for (auto const &e : envs)
		cenv.push_back(const_cast<char *>(e.c_str()));
	cenv.push_back(nullptr);

	pid_t pid;
	int err = posix_spawn(&pid, argv[0].c_str(), actions.get(), nullptr, cargv.data(), cenv.data());
	if (err)
		return Error(err, "run", argv[0] + ": " + std::strerror(err));
	wr.reset();

	ProcessResult r;
	char buf[65536];
	for (;;) {
		ssize_t n = ::read(rd.get(), buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		r.output.append(buf, static_cast<std::size_t>(n));
	}
	int st;
	while (::waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return Error(errno, "run", "waitpid");
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return r;
}

} // namespace rax
