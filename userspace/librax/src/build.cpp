// SPDX-License-Identifier: GPL-2.0
// rax build: see rax/build.hpp.

#include <rax/build.hpp>
#include <rax/btf.hpp>
#include <rax/paths.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <utility>

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <unistd.h>

#include <linux/rax.h>

#include "process.hpp"

namespace fs = std::filesystem;

namespace rax {

namespace {

struct MdCtxFree {
	void operator()(EVP_MD_CTX *c) const { EVP_MD_CTX_free(c); }
};

// SHA-256 over a sequence of named parts, each framed by its name and
// length so that no two different sequences hash alike.
class Hasher {
public:
	Hasher() : ctx_(EVP_MD_CTX_new())
	{
		EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr);
	}
	void add(std::string_view name, std::string_view data)
	{
		std::uint64_t n = name.size(), d = data.size();
		EVP_DigestUpdate(ctx_.get(), &n, sizeof(n));
		EVP_DigestUpdate(ctx_.get(), name.data(), name.size());
		EVP_DigestUpdate(ctx_.get(), &d, sizeof(d));
		EVP_DigestUpdate(ctx_.get(), data.data(), data.size());
	}
	Result<void> add_file(std::string_view name, fs::path const &path)
	{
		std::ifstream in(path, std::ios::binary);
		if (!in)
			return Error(errno ? errno : ENOENT, "hash", "cannot read " + path.string());
		std::error_code ec;
		std::uint64_t n = name.size(), d = fs::file_size(path, ec);
		if (ec)
			return Error(ec.value(), "hash", path.string() + ": " + ec.message());
		EVP_DigestUpdate(ctx_.get(), &n, sizeof(n));
		EVP_DigestUpdate(ctx_.get(), name.data(), name.size());
		EVP_DigestUpdate(ctx_.get(), &d, sizeof(d));
		std::vector<char> buf(1 << 20);
		while (in) {
			in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
			EVP_DigestUpdate(ctx_.get(), buf.data(), static_cast<std::size_t>(in.gcount()));
		}
		return {};
	}
	Sha256 finish()
	{
		Sha256 out{};
		unsigned int len = 0;
		EVP_DigestFinal_ex(ctx_.get(), out.data(), &len);
		return out;
	}

private:
	std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx_;
};

std::string trim(std::string s)
{
	auto sp = [](unsigned char c) { return std::isspace(c); };
	s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), sp));
	s.erase(std::find_if_not(s.rbegin(), s.rend(), sp).base(), s.end());
	return s;
}

Result<std::string> slurp(fs::path const &p)
{
	std::ifstream in(p, std::ios::binary);
	if (!in)
		return Error(ENOENT, "read", "cannot read " + p.string());
	std::ostringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

// Every regular file under @dir, as paths relative to it, sorted.
std::vector<std::string> files_under(fs::path const &dir)
{
	std::vector<std::string> out;
	std::error_code ec;
	for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
	     it.increment(ec))
		if (it->is_regular_file())
			out.push_back(fs::relative(it->path(), dir).string());
	std::sort(out.begin(), out.end());
	return out;
}

// An advisory lock on a file, released when it goes out of scope.
class FileLock {
public:
	explicit FileLock(fs::path const &p) : fd_(::open(p.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644))
	{
		if (fd_ >= 0)
			while (::flock(fd_, LOCK_EX) < 0 && errno == EINTR) {
			}
	}
	~FileLock()
	{
		if (fd_ >= 0)
			::close(fd_);
	}
	FileLock(FileLock const &) = delete;
	FileLock &operator=(FileLock const &) = delete;
	[[nodiscard]] bool ok() const { return fd_ >= 0; }

private:
	int fd_;
};

// The work directory of one build: private (mode 0700, a fresh name under
// the temporary directory), removed whatever the build's outcome.
class WorkDir {
public:
	static Result<WorkDir> make()
	{
		std::error_code ec;
		std::string tmpl = (fs::temp_directory_path(ec) / "rax-build.XXXXXX").string();
		if (ec || !::mkdtemp(tmpl.data()))
			return Error(errno ? errno : EIO, "build", "cannot make a work directory in " +
									fs::temp_directory_path(ec).string());
		return WorkDir(tmpl);
	}
	~WorkDir()
	{
		std::error_code ec;
		if (!dir_.empty())
			fs::remove_all(dir_, ec);
	}
	WorkDir(WorkDir &&o) noexcept : dir_(std::exchange(o.dir_, {})) {}
	WorkDir &operator=(WorkDir &&) = delete;
	WorkDir(WorkDir const &) = delete;
	WorkDir &operator=(WorkDir const &) = delete;
	[[nodiscard]] fs::path const &path() const { return dir_; }

private:
	explicit WorkDir(fs::path dir) : dir_(std::move(dir)) {}
	fs::path dir_;
};

constexpr char const *kTargetName = "x86_64-rax";

fs::path target_libdir(fs::path const &sysroot)
{
	return sysroot / "lib" / "rustlib" / kTargetName / "lib";
}

// Every crate, the sysroot's and the extension's, returns through the
// kernel's return thunk and makes indirect calls through its retpoline
// thunk (jmp __x86_return_thunk, call __x86_indirect_thunk_r11), which the
// kernel resolves at load time as objtool's sites are patched, so that no
// bare ret or indirect branch bypasses the kernel's Spectre mitigations;
// and every function starts with ENDBR64, which a CPU enforcing IBT needs
// at every indirect branch target, the entry first. No jump tables: an
// indirect jump to a label inside a function would need an ENDBR64 there
// and would escape the call graph. The machine-code check of the object
// (object.cpp) refuses whatever these flags did not make so.
constexpr char const *kMitigationFlags[] = {"-Zfunction-return=thunk-extern",
					     "-Zretpoline-external-thunk", "-Zcf-protection=branch",
					     "-Cjump-tables=no"};

// Flags every crate of the sysroot is compiled with.
std::vector<std::string> common_flags(Toolchain const &tc)
{
	std::vector<std::string> f = {tc.rustc,	"--edition", "2024", "-Zunstable-options",
				      "--target", tc.target_spec, "-O",  "-C",
				      "panic=abort", "-C",	  "debuginfo=0", "--error-format=short"};
	f.insert(f.end(), std::begin(kMitigationFlags), std::end(kMitigationFlags));
	return f;
}

Result<void> run_rustc(std::vector<std::string> const &argv, std::string const &what,
		       std::string const &cwd = {}, std::string *log = nullptr)
{
	auto r = run_process(argv, {{"RUSTC_BOOTSTRAP", "1"}}, cwd);
	if (!r)
		return std::move(r).error();
	if (log)
		*log = r->output;
	if (r->status != 0)
		return Error(EIO, "rustc", what + " failed (exit " + std::to_string(r->status) + "):\n" +
					     r->output);
	return {};
}

std::string seconds_since(std::chrono::steady_clock::time_point t0)
{
	auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
			  std::chrono::steady_clock::now() - t0)
			  .count();
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%.1f s", static_cast<double>(ms) / 1000.0);
	return buf;
}

// What a rustc diagnostic refuses, from its message.
std::string construct_of(std::string const &msg)
{
	static const std::pair<char const *, char const *> table[] = {
		{"usage of an `unsafe extern` block", "extern block"},
		{"usage of an `unsafe` block", "unsafe block"},
		{"declaration of an `unsafe` function", "unsafe function"},
		{"declaration of an `unsafe` method", "unsafe function"},
		{"implementation of an `unsafe` trait", "unsafe impl"},
		{"implementation of an `unsafe` method", "unsafe impl"},
		{"declaration of an `unsafe` trait", "unsafe trait"},
		{"`no_mangle`", "#[no_mangle]"},
		{"`export_name`", "#[export_name]"},
		{"`link_section`", "#[link_section]"},
		{"global_asm", "global_asm!"},
		{"naked", "naked function"},
		{"not in the list of allowed features", "#![feature]"},
		{"can't find crate", "extern crate"},
		{"unsafe", "unsafe code"},
	};
	for (auto const &[needle, name] : table)
		if (msg.find(needle) != std::string::npos)
			return name;
	return {};
}

// Parse rustc's --error-format=short errors: "FILE:LINE:COL: error[CODE]: MSG".
std::vector<Refusal> refusals_from_rustc(std::string const &log, bool *other)
{
	std::vector<Refusal> out;
	std::istringstream in(log);
	std::string line;
	*other = false;
	while (std::getline(in, line)) {
		auto e = line.find(": error");
		if (e == std::string::npos)
			continue;
		auto colon = line.find(": ", e + 2);
		if (colon == std::string::npos)
			continue;
		std::string where = line.substr(0, e), msg = line.substr(colon + 2);
		Refusal r;
		auto c2 = where.rfind(':');
		auto c1 = c2 == std::string::npos ? c2 : where.rfind(':', c2 - 1);
		if (c1 != std::string::npos) {
			r.file = where.substr(0, c1);
			r.line = static_cast<unsigned>(std::strtoul(where.c_str() + c1 + 1, nullptr, 10));
			r.column = static_cast<unsigned>(std::strtoul(where.c_str() + c2 + 1, nullptr, 10));
		} else {
			r.file = where;
		}
		r.construct = construct_of(msg);
		r.message = msg;
		if (r.construct.empty()) {
			*other = true;
			continue;
		}
		out.push_back(std::move(r));
	}
	return out;
}

bool valid_crate_name(std::string const &s)
{
	if (s.empty() || s.size() > 32 || !(std::islower(static_cast<unsigned char>(s[0])) || s[0] == '_'))
		return false;
	return std::all_of(s.begin(), s.end(), [](unsigned char c) {
		return std::islower(c) || std::isdigit(c) || c == '_';
	});
}

// The staticlib rustc writes holds the whole program, after fat LTO, as
// one object (NAME.<hash>-cgu.0.rcgu.o) and an empty member from the
// compiler_builtins stub. Return the first.
Result<Bytes> lto_object(Bytes const &ar)
{
	static constexpr char magic[] = "!<arch>\n";
	if (ar.size() < 8 || std::memcmp(ar.data(), magic, 8))
		return Error(EBADMSG, "archive", "not an ar archive");
	std::string longnames;
	std::vector<Bytes> found;
	std::size_t off = 8;
	while (off + 60 <= ar.size()) {
		char const *h = reinterpret_cast<char const *>(ar.data() + off);
		std::string name(h, 16), size_s(h + 48, 10);
		if (h[58] != '`' || h[59] != '\n')
			return Error(EBADMSG, "archive", "bad member header at " + std::to_string(off));
		char *end = nullptr;
		unsigned long long size = std::strtoull(size_s.c_str(), &end, 10);
		std::size_t data = off + 60;
		if (size > ar.size() - data)
			return Error(EBADMSG, "archive", "member at " + std::to_string(off) + " is truncated");
		name = trim(name);
		if (name == "//") {
			longnames.assign(reinterpret_cast<char const *>(ar.data() + data), size);
		} else if (name != "/" && name != "/SYM64/") {
			if (name.size() > 1 && name[0] == '/') {
				std::size_t lo = std::strtoull(name.c_str() + 1, nullptr, 10);
				if (lo < longnames.size())
					name = longnames.substr(lo, longnames.find('\n', lo) - lo);
			}
			if (!name.empty() && name.back() == '/')
				name.pop_back();
			if (name.rfind("compiler_builtins", 0) != 0 &&
			    name.rfind("libcompiler_builtins", 0) != 0 && name.find(".o") != std::string::npos)
				found.emplace_back(ar.begin() + static_cast<std::ptrdiff_t>(data),
						   ar.begin() + static_cast<std::ptrdiff_t>(data + size));
		}
		off = data + size + (size & 1);
	}
	if (found.size() != 1)
		return Error(EBADMSG, "archive",
			     "expected one object of the crate after LTO, found " + std::to_string(found.size()));
	return std::move(found[0]);
}

} // namespace

Result<Manifest> parse_manifest(std::string const &text)
{
	Manifest m;
	std::istringstream in(text);
	std::string line;
	unsigned n = 0;
	while (std::getline(in, line)) {
		n++;
		line = trim(line);
		if (line.empty() || line[0] == '#')
			continue;
		auto eq = line.find('=');
		auto where = "Rax.toml:" + std::to_string(n) + ": ";
		if (eq == std::string::npos)
			return Error(EINVAL, "manifest", where + "expected key = \"value\"");
		std::string key = trim(line.substr(0, eq)), val = trim(line.substr(eq + 1));
		if (val.size() < 2 || val.front() != '"' || val.back() != '"' ||
		    val.find('"', 1) != val.size() - 1)
			return Error(EINVAL, "manifest", where + "the value of " + key + " must be a quoted string");
		val = val.substr(1, val.size() - 2);
		if (key == "name") {
			if (!valid_crate_name(val))
				return Error(EINVAL, "manifest",
					     where + "name \"" + val +
						     "\" must be 1-32 characters of a-z, 0-9 and _, not starting with a digit");
			if (val == "rax" || val == "core" || val == "compiler_builtins")
				return Error(EINVAL, "manifest", where + "name \"" + val + "\" is reserved");
			m.name = val;
		} else if (key == "version") {
			if (val.empty() || !std::all_of(val.begin(), val.end(), [](unsigned char c) {
				    return std::isalnum(c) || c == '.' || c == '-' || c == '+';
			    }))
				return Error(EINVAL, "manifest", where + "version \"" + val + "\" is not a version");
			m.version = val;
		} else {
			return Error(EINVAL, "manifest", where + "unknown key \"" + key + "\" (only name and version)");
		}
	}
	if (m.name.empty())
		return Error(EINVAL, "manifest", "Rax.toml has no name");
	if (m.version.empty())
		return Error(EINVAL, "manifest", "Rax.toml has no version");
	return m;
}

Result<Toolchain> find_toolchain(std::string const &source_dir)
{
	Toolchain tc;
	if (::access(tc.rustc.c_str(), X_OK) != 0)
		return Error(ENOENT, "toolchain",
			     tc.rustc + " not found: install Debian's rustc-web and rust-web-src");
	auto v = run_process({tc.rustc, "-vV"});
	if (!v)
		return std::move(v).error();
	if (v->status != 0)
		return Error(EIO, "toolchain", tc.rustc + " -vV failed:\n" + v->output);
	tc.rustc_version = trim(v->output);

	// The toolchain identity: the rustc binary and the shared objects that
	// do its work (the driver and LLVM), as the dynamic loader finds them.
	Hasher h;
	if (auto r = h.add_file("rustc", tc.rustc); !r)
		return std::move(r).error();
	auto ldd = run_process({"/usr/bin/ldd", tc.rustc});
	if (!ldd || ldd->status != 0)
		return Error(EIO, "toolchain", "ldd " + tc.rustc + " failed");
	std::istringstream in(ldd->output);
	std::string line;
	unsigned libs = 0;
	while (std::getline(in, line)) {
		auto arrow = line.find("=> /");
		if (arrow == std::string::npos)
			continue;
		std::string name = trim(line.substr(0, arrow));
		std::string path = line.substr(arrow + 3);
		path = path.substr(0, path.find(" ("));
		if (name.rfind("librustc_driver", 0) == 0 || name.rfind("libLLVM", 0) == 0) {
			if (auto r = h.add_file(name, path); !r)
				return std::move(r).error();
			libs++;
		}
	}
	if (!libs)
		return Error(ENOENT, "toolchain", "rustc's driver library was not found (ldd " + tc.rustc + ")");

	// The termination pass runs inside rustc: it is part of the identity.
	char const *plugin = std::getenv("RAX_PLUGIN");
	tc.plugin = plugin && *plugin ? plugin : rax::paths::plugin;
	if (::access(tc.plugin.c_str(), R_OK) != 0)
		return Error(ENOENT, "toolchain",
			     "the termination pass plugin " + tc.plugin +
				     " was not found (build the rax-budget target, or set RAX_PLUGIN)");
	Hasher ph;
	if (auto r = ph.add_file("plugin", tc.plugin); !r)
		return std::move(r).error();
	tc.plugin_sha256 = ph.finish();
	h.add("plugin", {reinterpret_cast<char const *>(tc.plugin_sha256.data()), 32});
	tc.rustc_sha256 = h.finish();

	fs::path crate = fs::path(source_dir) / "userspace" / "rax";
	tc.crate_dir = crate.string();
	tc.target_spec = (crate / (std::string(kTargetName) + ".json")).string();
	tc.builtins_src = (crate / "compiler_builtins" / "lib.rs").string();
	if (!fs::exists(tc.target_spec) || !fs::exists(crate / "src" / "lib.rs"))
		return Error(ENOENT, "toolchain", "the rax crate is not at " + crate.string());
	// The context bindings, generated from the target kernel's BTF, carry
	// the hash of the layouts they were generated from.
	auto const bindings_path = (crate / "src" / "btf.rs").string();
	auto bindings = read_file(bindings_path);
	if (!bindings)
		return std::move(bindings).error();
	auto const btf_hash = bindings_sha256(
		std::string_view(reinterpret_cast<char const *>(bindings->data()), bindings->size()));
	if (!btf_hash)
		return Error(EINVAL, "toolchain",
			     bindings_path + " has no context-layouts-sha256 line: regenerate it "
					     "with rax btf-bindings");
	tc.btf_sha256 = *btf_hash;
	Hasher th;
	if (auto r = th.add_file("target", tc.target_spec); !r)
		return std::move(r).error();
	tc.target_sha256 = th.finish();

	Hasher ch;
	for (auto const &f : files_under(crate / "src"))
		if (auto r = ch.add_file("src/" + f, crate / "src" / f); !r)
			return std::move(r).error();
	if (auto r = ch.add_file("compiler_builtins/lib.rs", tc.builtins_src); !r)
		return std::move(r).error();
	tc.crate_sha256 = ch.finish();
	return tc;
}

Result<Sysroot> ensure_sysroot(Toolchain const &tc, std::string const &cache_dir,
			       Progress const &progress)
{
	Hasher kh;
	kh.add("rustc", {reinterpret_cast<char const *>(tc.rustc_sha256.data()), 32});
	kh.add("target", {reinterpret_cast<char const *>(tc.target_sha256.data()), 32});
	kh.add("crate", {reinterpret_cast<char const *>(tc.crate_sha256.data()), 32});
	for (auto const *f : kMitigationFlags)
		kh.add("flag", f);
	Sha256 key = kh.finish();
	std::string tag = hex(key).substr(0, 16);
	fs::path cache = cache_dir;
	std::error_code ec;
	fs::create_directories(cache, ec);
	if (ec)
		return Error(ec.value(), "sysroot", "cannot create " + cache.string() + ": " + ec.message());
	fs::path dir = cache / ("sysroot-" + tag);
	fs::path done = dir / "complete";

	auto fingerprint = [&]() -> Result<Sysroot> {
		Hasher sh;
		for (auto const &f : {target_libdir(dir) / "libcore.rlib",
				      target_libdir(dir) / "libcompiler_builtins.rlib", dir / "rax" / "librax.rlib"})
			if (auto r = sh.add_file(f.filename().string(), f); !r)
				return std::move(r).error();
		return Sysroot{dir.string(), sh.finish()};
	};
	if (fs::exists(done))
		return fingerprint();

	FileLock lock(cache / ("sysroot-" + tag + ".lock"));
	if (!lock.ok())
		return Error(errno, "sysroot", "cannot lock " + cache.string());
	if (fs::exists(done))
		return fingerprint();

	fs::path tmp = cache / ("sysroot-" + tag + ".tmp");
	fs::remove_all(tmp, ec);
	fs::create_directories(target_libdir(tmp), ec);
	fs::create_directories(tmp / "rax", ec);
	if (ec)
		return Error(ec.value(), "sysroot", "cannot create " + tmp.string());

	auto t0 = std::chrono::steady_clock::now();
	if (progress)
		progress("sysroot: building core for " + std::string(kTargetName) +
			 " (about a minute, once per toolchain)");
	auto core_src = fs::path("/usr/lib/rustlib/src/rust/library/core/src/lib.rs");
	if (!fs::exists(core_src))
		return Error(ENOENT, "sysroot", core_src.string() + " not found: install rust-web-src");
	auto argv = common_flags(tc);
	argv.insert(argv.end(), {"--crate-type", "rlib", "--crate-name", "core", "--cap-lints", "allow",
				 core_src.string(), "-o", (target_libdir(tmp) / "libcore.rlib").string()});
	if (auto r = run_rustc(argv, "building core"); !r)
		return std::move(r).error();
	if (progress)
		progress("sysroot: core built in " + seconds_since(t0));

	argv = common_flags(tc);
	argv.insert(argv.end(), {"--sysroot", tmp.string(), "--crate-type", "rlib", "--crate-name",
				 "compiler_builtins", tc.builtins_src, "-o",
				 (target_libdir(tmp) / "libcompiler_builtins.rlib").string()});
	if (auto r = run_rustc(argv, "building compiler_builtins"); !r)
		return std::move(r).error();

	if (progress)
		progress("sysroot: building the rax crate");
	argv = common_flags(tc);
	argv.insert(argv.end(), {"--sysroot", tmp.string(), "--crate-type", "rlib", "--crate-name", "rax",
				 (fs::path(tc.crate_dir) / "src" / "lib.rs").string(), "-o",
				 (tmp / "rax" / "librax.rlib").string()});
	if (auto r = run_rustc(argv, "building the rax crate"); !r)
		return std::move(r).error();

	{
		std::ofstream(tmp / "complete") << tc.rustc_version << "\n";
	}
	fs::remove_all(dir, ec);
	fs::rename(tmp, dir, ec);
	if (ec)
		return Error(ec.value(), "sysroot", "cannot rename " + tmp.string() + ": " + ec.message());
	if (progress)
		progress("sysroot: ready in " + seconds_since(t0) + " at " + dir.string());
	return fingerprint();
}

Result<BuildResult> build(BuildOptions const &opt, std::vector<Refusal> *refusals)
{
	auto say = [&](std::string const &s) {
		if (opt.progress)
			opt.progress(s);
	};
	BuildResult res;
	std::error_code ec;
	fs::path crate = fs::absolute(opt.crate_dir).lexically_normal();
	if (crate.filename().empty())
		crate = crate.parent_path();
	auto refuse = [&](int code, std::string const &msg) -> Error {
		if (refusals)
			*refusals = res.refusals;
		std::string text = msg;
		for (auto const &r : res.refusals)
			text += "\n  " + r.to_string();
		return Error(code, "build", text);
	};
	auto workdir = WorkDir::make();
	if (!workdir)
		return std::move(workdir).error();
	fs::path const work = workdir->path();

	// 1. The crate, copied into the work directory: the only bytes rustc
	// reads, the scan sees and the source hash covers. Then the toolchain's
	// own scan of every source file in it.
	if (!fs::exists(crate / "Rax.toml"))
		return Error(ENOENT, "build", (crate / "Rax.toml").string() +
						      " not found: an extension crate has Rax.toml and src/lib.rs");
	auto snap = snapshot_crate(crate.string(), (work / "crate").string(), &res.refusals);
	if (!snap)
		return std::move(snap).error();
	if (!res.refusals.empty())
		return refuse(EPERM, crate.filename().string() + ": refused " +
					     std::to_string(res.refusals.size()) +
					     " file(s) a crate may not hold:");
	fs::path const snapdir = snap->dir;
	auto const *mtext = snap->find("Rax.toml");
	if (!mtext)
		return Error(ENOENT, "build", (crate / "Rax.toml").string() + " is not a regular file");
	auto man = parse_manifest(mtext->data);
	if (!man)
		return std::move(man).error();
	res.manifest = *man;
	if (!snap->find("src/lib.rs"))
		return Error(ENOENT, "build", (crate / "src" / "lib.rs").string() + " not found");
	for (auto const &f : snap->files) {
		if (fs::path(f.path).extension() != ".rs")
			continue;
		auto found = scan_source(snapdir.string(), (snapdir / f.path).string(), f.data);
		res.refusals.insert(res.refusals.end(), found.begin(), found.end());
	}
	if (!res.refusals.empty())
		return refuse(EPERM, res.manifest.name + ": refused " + std::to_string(res.refusals.size()) +
					     " construct(s) safe extensions may not use:");

	// 2. Toolchain and sysroot.
	char const *src_env = std::getenv("RAX_SOURCE_DIR");
	std::string const source_dir = !opt.source_dir.empty() ? opt.source_dir
				       : src_env && *src_env  ? src_env
							      : rax::paths::source_dir;
	auto tc = find_toolchain(source_dir);
	if (!tc)
		return std::move(tc).error();
	std::string cache = opt.cache_dir;
	if (cache.empty()) {
		char const *x = std::getenv("XDG_CACHE_HOME");
		char const *home = std::getenv("HOME");
		cache = x && *x ? std::string(x) + "/rax" : std::string(home ? home : "/tmp") + "/.cache/rax";
	}
	auto sys = ensure_sysroot(*tc, cache, opt.progress);
	if (!sys)
		return std::move(sys).error();

	// 3. Compile the extension: safe Rust only, core and rax only.
	fs::path out = opt.output.empty() ? crate / "target" / (res.manifest.name + ".rax.o")
					  : fs::absolute(opt.output);
	fs::create_directories(out.parent_path(), ec);
	fs::path lib = work / ("lib" + res.manifest.name + ".a"), dep = work / (res.manifest.name + ".d");
	std::vector<std::string> flags = {
		"--edition", "2024", "-Zunstable-options", "--target", "x86_64-rax.json",
		"--crate-type", "staticlib", "--crate-name", res.manifest.name, "-O", "-C", "panic=abort",
		"-C", "debuginfo=0", "-C", "lto=fat", "-C", "codegen-units=1", "-Z", "emit-stack-sizes",
		"-F", "unsafe_code", "-Zallow-features=", "--extern", "rax", "--error-format=short",
		"-Zllvm-plugins=librax-budget.so"};
	flags.insert(flags.end(), std::begin(kMitigationFlags), std::end(kMitigationFlags));
	std::vector<std::string> argv = {tc->rustc};
	for (auto const &f : flags) {
		if (f == "x86_64-rax.json")
			argv.push_back(tc->target_spec);
		else if (f == "rax")
			argv.push_back("rax=" + (fs::path(sys->dir) / "rax" / "librax.rlib").string());
		else if (f.rfind("-Zllvm-plugins=", 0) == 0)
			argv.push_back("-Zllvm-plugins=" + tc->plugin);
		else
			argv.push_back(f);
	}
	argv.insert(argv.end(), {"--sysroot", sys->dir});
	// A scrubbed environment, in the snapshot: rustc reads the crate's
	// scanned bytes and nothing of the build machine's.
	auto compiler_failed = [&](ProcessResult const &rc) -> Error {
		bool other = false;
		res.refusals = refusals_from_rustc(rc.output, &other);
		if (!res.refusals.empty())
			return refuse(EPERM, res.manifest.name + ": refused " +
						     std::to_string(res.refusals.size()) +
						     " construct(s) safe extensions may not use:");
		return Error(EINVAL, "build", res.manifest.name + ": rustc failed:\n" + rc.output);
	};

	// 3a. The same rules on the crate after macro expansion: no spelling
	// through macro_rules gets past them, and env!/option_env! under any
	// name shows in dep-info.
	fs::path const expanded = work / "expanded.rs", expanded_dep = work / "expanded.d";
	std::vector<std::string> xargv;
	for (auto const &a : argv)
		if (a.rfind("-Zllvm-plugins=", 0) != 0)
			xargv.push_back(a);
	xargv.insert(xargv.end(), {"-Zunpretty=expanded", "--emit", "dep-info=" + expanded_dep.string(),
				   "-o", expanded.string(), "src/lib.rs"});
	auto xc = run_process(xargv, {{"RUSTC_BOOTSTRAP", "1"}}, snapdir.string(), Env::scrub);
	if (!xc)
		return std::move(xc).error();
	if (xc->status != 0)
		return compiler_failed(*xc);
	auto xdep = slurp(expanded_dep);
	if (!xdep)
		return std::move(xdep).error();
	// Code pulled in by include!() from a file step 1 did not scan (not a
	// .rs file) is scanned, naming its own lines.
	auto scan_included = [&](std::vector<std::string> const &read) {
		for (auto const &f : read) {
			if (fs::path(f).extension() == ".rs")
				continue;
			auto found = scan_source(snapdir.string(), (snapdir / f).string(),
						 snap->find(f)->data);
			res.refusals.insert(res.refusals.end(), found.begin(), found.end());
		}
	};
	std::vector<std::string> xread;
	res.refusals = check_dep_info(*xdep, {expanded_dep.string()}, *snap, &xread);
	scan_included(xread);
	if (!res.refusals.empty())
		return refuse(EPERM, res.manifest.name + ": the build read files outside the crate, "
					 "or code that safe extensions may not use:");
	auto xtext = slurp(expanded);
	if (!xtext)
		return std::move(xtext).error();
	auto xfound = scan_expanded(snapdir.string(), *xtext);
	res.refusals.insert(res.refusals.end(), xfound.begin(), xfound.end());
	if (!res.refusals.empty())
		return refuse(EPERM, res.manifest.name + ": refused " + std::to_string(res.refusals.size()) +
					     " construct(s) safe extensions may not use:");

	// --out-dir: rustc's intermediate objects go to the work directory.
	argv.insert(argv.end(), {"--out-dir", work.string(), "--emit",
				 "link=" + lib.string() + ",dep-info=" + dep.string(), "src/lib.rs"});
	say("compiling " + res.manifest.name + " " + res.manifest.version);
	auto t0 = std::chrono::steady_clock::now();
	auto rc = run_process(argv, {{"RUSTC_BOOTSTRAP", "1"}}, snapdir.string(), Env::scrub);
	if (!rc)
		return std::move(rc).error();
	res.compiler_log = rc->output;
	if (rc->status != 0)
		return compiler_failed(*rc);
	say("compiled in " + seconds_since(t0));

	// 4. Every file rustc read must be one of the snapshot's: its names are
	// checked against the snapshot, never taken from dep-info.
	auto deptext = slurp(dep);
	if (!deptext)
		return std::move(deptext).error();
	std::vector<std::string> read;
	res.refusals = check_dep_info(*deptext, {dep.string(), lib.string()}, *snap, &read);
	scan_included(read);
	// The source hash covers every file of the snapshot: exactly the bytes
	// rustc could read.
	Hasher src;
	for (auto const &f : snap->files)
		src.add(f.path, f.data);
	if (!res.refusals.empty())
		return refuse(EPERM, res.manifest.name + ": the build read files outside the crate, "
					 "or code that safe extensions may not use:");

	// The safe subset's rules, on what rustc made of the crate.
	auto subset = check_subset(argv, snapdir.string(), work.string());
	if (!subset)
		return std::move(subset).error();
	res.refusals = std::move(*subset);
	if (!res.refusals.empty())
		return refuse(EPERM, res.manifest.name + ": refused " + std::to_string(res.refusals.size()) +
					     " construct(s) outside the safe subset (safe-subset.rst):");

	// 5. Stack bound, relocations and imports.
	auto archive = read_file(lib.string());
	if (!archive)
		return std::move(archive).error();
	auto image = lto_object(*archive);
	if (!image)
		return Error(image.error().code(), "build",
			     res.manifest.name + ": " + lib.string() + ": " + image.error().message());
	auto an = analyse_compiler_object(*image, opt.stack_limit);
	if (!an) {
		if (refusals)
			refusals->clear();
		auto e = std::move(an).error();
		return Error(e.code(), "build", res.manifest.name + ": " + e.message());
	}
	res.analysis = *an;

	// 6. The provenance note and the object.
	Provenance &p = res.provenance;
	p.format = RAX_FORMAT_VERSION;
	p.rustc_version = tc->rustc_version;
	p.rustc_sha256 = tc->rustc_sha256;
	p.sysroot_sha256 = sys->sha256;
	p.crate_sha256 = tc->crate_sha256;
	p.target_sha256 = tc->target_sha256;
	p.plugin_sha256 = tc->plugin_sha256;
	p.btf_sha256 = tc->btf_sha256;
	std::string fl;
	for (auto const &f : flags)
		fl += (fl.empty() ? "" : " ") + f;
	p.flags = fl;
	p.source_sha256 = src.finish();
	for (auto const &s : res.analysis.stack)
		p.stack.push_back(static_cast<std::uint32_t>(s.bytes));
	p.helpers = res.analysis.imports;
	auto bytes = write_rax_object(*image, p);
	if (!bytes)
		return std::move(bytes).error();
	if (auto r = write_file(out.string(), *bytes); !r)
		return std::move(r).error();
	res.output = out.string();
	res.size = bytes->size();
	return res;
}

} // namespace rax
