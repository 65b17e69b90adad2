// SPDX-License-Identifier: GPL-2.0
// The crate as the build sees it: a snapshot of its directory in the
// build's private work directory, and a strict reading of what rustc says
// it read (dep-info).
//
// rustc writes file names into dep-info as they are: a backslash, a space
// or a newline in a name cannot be told apart from the format's own
// syntax. So the build never reconstructs a file name from dep-info: the
// crate's files have plain portable names, they are copied (never through
// a symbolic link) into a directory only this build writes, scanned and
// hashed from the bytes copied, and rustc compiles that copy. dep-info is
// then only a cross-check: every name in it must be one of the snapshot's.

#include <rax/build.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string_view>
#include <utility>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace rax {

namespace {

// The limits of a crate: far above any extension, low enough that a crate
// cannot make the toolchain copy a disk.
constexpr std::size_t kMaxNameLength = 64;
constexpr std::size_t kMaxDepth = 8;
constexpr std::size_t kMaxEntries = 1024;
constexpr std::uint64_t kMaxFileSize = 4u << 20;
constexpr std::uint64_t kMaxTotalSize = 32u << 20;

// A file descriptor, closed when it goes out of scope.
class Fd {
public:
	explicit Fd(int fd = -1) : fd_(fd) {}
	~Fd()
	{
		if (fd_ >= 0)
			::close(fd_);
	}
	Fd(Fd &&o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
	Fd &operator=(Fd &&o) noexcept
	{
		std::swap(fd_, o.fd_);
		return *this;
	}
	Fd(Fd const &) = delete;
	Fd &operator=(Fd const &) = delete;
	[[nodiscard]] int get() const { return fd_; }
	[[nodiscard]] bool ok() const { return fd_ >= 0; }
	int release() { return std::exchange(fd_, -1); }

private:
	int fd_;
};

struct DirClose {
	void operator()(DIR *d) const { ::closedir(d); }
};

// A name as a message can show it: printable ASCII as is, the rest (and
// the backslash) escaped.
std::string shown(std::string_view s)
{
	std::string out;
	for (unsigned char c : s) {
		if (c == '\\') {
			out += "\\\\";
		} else if (c >= 0x20 && c < 0x7f) {
			out += static_cast<char>(c);
		} else {
			char buf[8];
			std::snprintf(buf, sizeof(buf), "\\x%02x", c);
			out += buf;
		}
	}
	return out;
}

std::string join(std::string const &dir, std::string const &name)
{
	return dir.empty() ? name : dir + "/" + name;
}

Result<std::string> read_all(int fd, std::uint64_t limit, bool *too_big)
{
	std::string data;
	char buf[65536];
	*too_big = false;
	for (;;) {
		ssize_t n = ::read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return Error(errno, "snapshot", std::strerror(errno));
		if (n == 0)
			return data;
		data.append(buf, static_cast<std::size_t>(n));
		if (data.size() > limit) {
			*too_big = true;
			return data;
		}
	}
}

class Walker {
public:
	Walker(std::vector<SourceFile> &files, std::vector<std::string> &dirs,
	       std::vector<Refusal> &refusals)
		: files_(files), dirs_(dirs), refusals_(refusals)
	{
	}

	// Every entry of the directory @fd (the crate's @rel, "" at the top).
	Result<void> walk(int fd, std::string const &rel, std::size_t depth)
	{
		int dup = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (dup < 0)
			return Error(errno, "snapshot", std::strerror(errno));
		std::unique_ptr<DIR, DirClose> d(::fdopendir(dup));
		if (!d) {
			::close(dup);
			return Error(errno, "snapshot", "cannot list " + shown(rel.empty() ? "." : rel));
		}
		std::vector<std::string> names;
		errno = 0;
		while (dirent *e = ::readdir(d.get()))
			names.emplace_back(e->d_name);
		if (errno)
			return Error(errno, "snapshot", "cannot list " + shown(rel.empty() ? "." : rel));
		std::sort(names.begin(), names.end());
		for (auto const &name : names) {
			// Dot entries (., .., .git, editor files) and the top-level
			// output directory are not part of the crate: rustc does not
			// get them.
			if (name.empty() || name[0] == '.' || (rel.empty() && name == "target"))
				continue;
			if (auto r = entry(fd, rel, name, depth); !r)
				return r;
		}
		return {};
	}

private:
	void refuse(std::string const &path, std::string construct, std::string message)
	{
		refusals_.push_back({shown(path), 0, 0, std::move(construct), std::move(message)});
	}

	Result<void> entry(int dirfd, std::string const &rel, std::string const &name,
			   std::size_t depth)
	{
		std::string const path = join(rel, name);
		if (!portable_name(name)) {
			refuse(path, "file name",
			       "crate files and directories are named with A-Z a-z 0-9 _ . - only, not "
			       "starting with - or ., at most " +
				       std::to_string(kMaxNameLength) + " characters");
			return {};
		}
		if (++entries_ > kMaxEntries) {
			if (entries_ == kMaxEntries + 1)
				refuse(path, "too many files",
				       "a crate has at most " + std::to_string(kMaxEntries) +
					       " files and directories");
			return {};
		}
		struct stat st;
		if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
			return Error(errno, "snapshot", path + ": " + std::strerror(errno));
		if (S_ISLNK(st.st_mode)) {
			refuse(path, "symbolic link",
			       "crate files are regular files and directories, never links: the build "
			       "reads nothing outside the crate");
			return {};
		}
		if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode)) {
			refuse(path, "special file",
			       "a device, FIFO or socket: crate files are regular files and directories");
			return {};
		}
		bool const dir = S_ISDIR(st.st_mode);
		// O_NOFOLLOW and the type checked again on what was opened: an
		// entry replaced since fstatat() is refused, never followed.
		Fd fd(::openat(dirfd, name.c_str(),
			       O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
				       (dir ? O_DIRECTORY : 0)));
		// An entry that is gone, a link (ELOOP), no longer a directory or
		// now a socket has changed; any other error (EACCES, EMFILE) is
		// the system's, not the crate's.
		if (!fd.ok() && errno != ENOENT && errno != ELOOP && errno != ENOTDIR &&
		    errno != ENXIO)
			return Error(errno, "snapshot", path + ": " + std::strerror(errno));
		if (!fd.ok() || ::fstat(fd.get(), &st) < 0 ||
		    (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))) {
			refuse(path, "changed file", "it changed while the build was reading the crate");
			return {};
		}
		if (dir) {
			if (depth + 1 > kMaxDepth) {
				refuse(path, "too deep",
				       "crate directories nest at most " + std::to_string(kMaxDepth) + " deep");
				return {};
			}
			dirs_.push_back(path);
			return walk(fd.get(), path, depth + 1);
		}
		bool too_big = false;
		auto data = read_all(fd.get(), kMaxFileSize, &too_big);
		if (!data)
			return Error(data.error().code(), "snapshot", path + ": " + data.error().message());
		if (too_big || (total_ += data->size()) > kMaxTotalSize) {
			refuse(path, "file size",
			       "a crate file holds at most " + std::to_string(kMaxFileSize >> 20) +
				       " MiB, the crate " + std::to_string(kMaxTotalSize >> 20) + " MiB");
			return {};
		}
		files_.push_back({path, std::move(*data)});
		return {};
	}

	std::vector<SourceFile> &files_;
	std::vector<std::string> &dirs_;
	std::vector<Refusal> &refusals_;
	std::size_t entries_ = 0;
	std::uint64_t total_ = 0;
};

Result<void> write_all(int fd, std::string_view data)
{
	while (!data.empty()) {
		ssize_t n = ::write(fd, data.data(), data.size());
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return Error(errno, "snapshot", std::strerror(errno));
		data.remove_prefix(static_cast<std::size_t>(n));
	}
	return {};
}

} // namespace

bool portable_name(std::string_view s)
{
	auto alnum = [](unsigned char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
	};
	if (s.empty() || s.size() > kMaxNameLength || !(alnum(s[0]) || s[0] == '_'))
		return false;
	return std::all_of(s.begin(), s.end(), [&](unsigned char c) {
		return alnum(c) || c == '_' || c == '.' || c == '-';
	});
}

SourceFile const *Snapshot::find(std::string_view path) const
{
	auto it = std::lower_bound(files.begin(), files.end(), path,
				   [](SourceFile const &f, std::string_view p) { return f.path < p; });
	return it != files.end() && it->path == path ? &*it : nullptr;
}

Result<Snapshot> snapshot_crate(std::string const &crate_dir, std::string const &dest,
				std::vector<Refusal> *refusals)
{
	Snapshot snap;
	snap.dir = dest;
	// The crate directory itself is the one the user named (links to it are
	// followed); nothing under it is.
	Fd root(::open(crate_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (!root.ok())
		return Error(errno, "snapshot", "cannot open the crate directory " + crate_dir + ": " +
							std::strerror(errno));
	std::vector<std::string> dirs;
	std::vector<Refusal> found;
	Walker w(snap.files, dirs, found);
	if (auto r = w.walk(root.get(), "", 0); !r)
		return Error(r.error().code(), "snapshot", crate_dir + ": " + r.error().message());
	if (!found.empty()) {
		if (refusals)
			refusals->insert(refusals->end(), found.begin(), found.end());
		return snap;
	}
	std::sort(snap.files.begin(), snap.files.end(),
		  [](SourceFile const &a, SourceFile const &b) { return a.path < b.path; });

	// The copy: a directory of this build only, written with O_EXCL and
	// O_NOFOLLOW.
	std::error_code ec;
	fs::create_directory(dest, ec);
	if (ec)
		return Error(ec.value(), "snapshot", "cannot create " + dest + ": " + ec.message());
	for (auto const &d : dirs)
		if (::mkdir((fs::path(dest) / d).c_str(), 0700) < 0)
			return Error(errno, "snapshot", "cannot create " + dest + "/" + d + ": " +
								std::strerror(errno));
	for (auto const &f : snap.files) {
		auto const p = fs::path(dest) / f.path;
		Fd fd(::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
		if (!fd.ok())
			return Error(errno, "snapshot", "cannot create " + p.string() + ": " +
								std::strerror(errno));
		if (auto r = write_all(fd.get(), f.data); !r)
			return Error(r.error().code(), "snapshot", p.string() + ": " + r.error().message());
	}
	return snap;
}

std::vector<Refusal> check_dep_info(std::string const &text, std::vector<std::string> const &targets,
				    Snapshot const &snap, std::vector<std::string> *read)
{
	std::vector<Refusal> out;
	auto outside = [&](std::string_view name) {
		out.push_back({shown(name), 0, 0, "file outside the crate",
			       "rustc read a file that is not one of the crate's (portable names "
			       "only, inside the crate, no links)"});
	};
	// A name rustc wrote: relative, portable components, inside the crate,
	// one of the snapshot's files. Anything else is not reconstructed.
	auto dep = [&](std::string_view name) {
		std::vector<std::string_view> parts;
		std::string_view rest = name;
		bool ok = !name.empty() && name.front() != '/';
		while (ok && !rest.empty()) {
			auto slash = rest.find('/');
			std::string_view c = rest.substr(0, slash);
			rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
			if (c == "..") {
				ok = !parts.empty();
				if (ok)
					parts.pop_back();
			} else if (c != ".") {
				ok = portable_name(c);
				parts.push_back(c);
			}
		}
		std::string norm;
		for (auto c : parts)
			norm += (norm.empty() ? "" : "/") + std::string(c);
		if (!ok || !snap.find(norm)) {
			outside(name);
			return;
		}
		if (read && std::find(read->begin(), read->end(), norm) == read->end())
			read->push_back(norm);
	};
	std::vector<bool> seen(targets.size());
	std::size_t pos = 0;
	while (pos < text.size()) {
		auto nl = text.find('\n', pos);
		std::string_view line(text.data() + pos,
				      (nl == std::string::npos ? text.size() : nl) - pos);
		pos = nl == std::string::npos ? text.size() : nl + 1;
		if (line.empty())
			continue;
		static constexpr std::string_view env = "# env-dep:";
		if (line.substr(0, env.size()) == env) {
			auto var = line.substr(env.size());
			var = var.substr(0, var.find('='));
			out.push_back({"src/lib.rs", 0, 0, "environment variable",
				       "the crate reads the build machine's environment variable " +
					       shown(var) +
					       " (env! or option_env!, under any name or through a macro): "
					       "nothing of the build machine reaches an extension"});
			continue;
		}
		bool rule = false;
		for (std::size_t i = 0; i < targets.size() && !rule; i++) {
			auto const &t = targets[i];
			if (line.size() > t.size() && line.substr(0, t.size()) == t && line[t.size()] == ':' &&
			    (line.size() == t.size() + 1 || line[t.size() + 1] == ' ')) {
				rule = true;
				seen[i] = true;
				std::string_view deps = line.substr(t.size() + 1);
				while (!deps.empty()) {
					auto sp = deps.find(' ');
					if (sp != 0)
						dep(deps.substr(0, sp));
					deps = sp == std::string_view::npos ? std::string_view{}
									    : deps.substr(sp + 1);
				}
			}
		}
		if (rule)
			continue;
		if (line.back() == ':') {
			dep(line.substr(0, line.size() - 1)); // the empty rule of each input
			continue;
		}
		out.push_back({"src/lib.rs", 0, 0, "dep-info",
			       "rustc's list of the files it read has a line the toolchain does not "
			       "accept: " +
				       shown(line)});
	}
	for (std::size_t i = 0; i < targets.size(); i++)
		if (!seen[i])
			out.push_back({"src/lib.rs", 0, 0, "dep-info",
				       "rustc's list of the files it read has no rule for " +
					       shown(targets[i])});
	if (read)
		std::sort(read->begin(), read->end());
	return out;
}

} // namespace rax
