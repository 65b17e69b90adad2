// SPDX-License-Identifier: GPL-2.0
// librax's C API as a C program sees it: the options struct with a size
// (an older or newer caller's struct, as libbpf takes *_opts); the shared
// library, whose only symbols are the functions rax/rax.h declares; and a
// C99 program built with `pkg-config --cflags --libs librax` against a
// `cmake --install`ed librax, which runs.
#include "test_paths.hpp"
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <rax/paths.hpp>
#include <rax/rax.h>

#include "cli_run.hpp"

namespace fs = std::filesystem;

using namespace rax::test;

namespace {

// The functions rax/rax.h declares with RAX_API.
std::set<std::string> header_functions()
{
	std::string const text =
		slurp(std::string(rax::paths::source_dir) + "/userspace/librax/include/rax/rax.h");
	std::regex const decl(R"(\nRAX_API [^(]*?\b(rax_\w+)\()");
	std::set<std::string> names;
	for (std::sregex_iterator i(text.begin(), text.end(), decl), end; i != end; ++i)
		names.insert((*i)[1]);
	return names;
}

} // namespace

TEST_CASE("capi: rax_build() takes its options by their size", "[capi]")
{
	TempDir d;
	char err[RAX_ERR_SIZE];
	std::string const none = (d.path / "no-such-crate").string();

	// Past the checks of the options, the missing crate is the error.
	// (RAX_BUILD_OPTS() is for C, where designated initializers may leave
	// fields out without a warning: the C program below uses it.)
	rax_build_opts opts{};
	opts.sz = sizeof(opts);
	opts.cache_dir = d.path.c_str();
	int rc = rax_build(none.c_str(), &opts, nullptr, err, sizeof(err));
	INFO(err);
	CHECK(rc < 0);
	CHECK(std::string(err).find("opts") == std::string::npos);
	CHECK(rax_build(none.c_str(), nullptr, nullptr, err, sizeof(err)) < 0);
	CHECK(std::string(err).find("opts") == std::string::npos);

	// Too small to hold its own size.
	opts.sz = 4;
	CHECK(rax_build(none.c_str(), &opts, nullptr, err, sizeof(err)) == -EINVAL);
	CHECK(std::string(err).find("opts: sz 4") != std::string::npos);

	// An older caller's struct, without the key fields: defaults for them.
	opts.sz = offsetof(struct rax_build_opts, key_path);
	opts.key_path = "/nonexistent/key.pem";
	rc = rax_build(none.c_str(), &opts, nullptr, err, sizeof(err));
	CHECK(rc < 0);
	CHECK(std::string(err).find("opts") == std::string::npos);
	CHECK(std::string(err).find("key.pem") == std::string::npos);

	// A newer caller's struct: a field this librax does not know, set, is
	// refused; left 0 it is not.
	struct {
		struct rax_build_opts o;
		unsigned long later;
	} newer = {};
	newer.o.sz = sizeof(newer);
	newer.later = 1;
	CHECK(rax_build(none.c_str(), &newer.o, nullptr, err, sizeof(err)) == -EINVAL);
	CHECK(std::string(err).find("opts: a field past the 48 bytes") != std::string::npos);
	newer.later = 0;
	rc = rax_build(none.c_str(), &newer.o, nullptr, err, sizeof(err));
	CHECK(rc < 0);
	CHECK(std::string(err).find("opts") == std::string::npos);

	// A certificate without a key, as the positional form says too.
	rax_build_opts cert_only{};
	cert_only.sz = sizeof(cert_only);
	cert_only.cert_path = "c.pem";
	CHECK(rax_build(none.c_str(), &cert_only, nullptr, err, sizeof(err)) == -EINVAL);
	CHECK(std::string(err) == "build: a certificate without a key");
	CHECK(rax_build_crate(none.c_str(), nullptr, 0, nullptr, nullptr, "c.pem", nullptr, err,
			      sizeof(err)) == -EINVAL);
	CHECK(std::string(err) == "build: a certificate without a key");
}

TEST_CASE("capi: the shared library exports the C API and nothing else", "[capi]")
{
	std::string const build = env("RAX_BUILD");
	if (build.empty()) {
		WARN("skipped: RAX_BUILD is not set (run through ctest)");
		return;
	}
	fs::path const so = fs::path(build) / "userspace" / "librax" / "librax.so.0";
	REQUIRE(fs::exists(so));
	Run r = run_program("nm", {"-D", "--defined-only", so.string()});
	INFO(r.err);
	REQUIRE(r.status == 0);
	std::set<std::string> exported;
	std::istringstream in(r.out);
	for (std::string line; std::getline(in, line);) {
		// "ADDRESS T NAME@@LIBRAX_0.1", and the version node itself (A).
		std::istringstream f(line);
		std::string addr, type, name;
		f >> addr >> type >> name;
		if (type == "A")
			continue;
		INFO(line);
		CHECK(name.ends_with("@@LIBRAX_0.1"));
		exported.insert(name.substr(0, name.find('@')));
	}
	std::set<std::string> const declared = header_functions();
	CHECK(declared.size() >= 8);
	CHECK(exported == declared);
}

TEST_CASE("capi: a C program links librax through pkg-config and runs", "[capi]")
{
	std::string const build = env("RAX_BUILD"), cmake = env("RAX_CMAKE");
	if (build.empty() || cmake.empty()) {
		WARN("skipped: RAX_BUILD and RAX_CMAKE are not set (run through ctest)");
		return;
	}
	if (run_program("sh", {"-c", "command -v pkg-config && command -v cc"}).status != 0) {
		WARN("skipped: no pkg-config or cc (Debian: apt-get install pkg-config gcc)");
		return;
	}
	TempDir prefix;
	Run r = run_program(cmake, {"--install", build, "--prefix", prefix.path.string()});
	INFO(r.out << r.err);
	REQUIRE(r.status == 0);
	fs::path pc;
	for (auto const &e : fs::recursive_directory_iterator(prefix.path))
		if (e.path().filename() == "librax.pc")
			pc = e.path();
	REQUIRE(!pc.empty());
	fs::path const libdir = pc.parent_path().parent_path();
	CHECK(fs::exists(libdir / "librax.so.0"));
	CHECK(fs::exists(prefix.path / "include" / "rax" / "rax.h"));

	fs::path const src = prefix.path / "t.c", exe = prefix.path / "t";
	std::ofstream(src) << R"(#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <rax/rax.h>

int main(void)
{
	char err[RAX_ERR_SIZE];
	RAX_BUILD_OPTS(opts, .stack_limit = 4096);
	int rc;

	opts.sz = 1;
	rc = rax_build("/nonexistent", &opts, NULL, err, sizeof(err));
	printf("%s %d %s\n", rax_version(), rc, err);
	return rc == -EINVAL && !strncmp(err, "build: opts: sz 1", 17) ? 0 : 1;
}
)";
	std::string const cmd = "PKG_CONFIG_PATH='" + pc.parent_path().string() +
				"' cc -std=c99 -Wall -Wextra -Werror '" + src.string() + "' -o '" +
				exe.string() + "' $(PKG_CONFIG_PATH='" + pc.parent_path().string() +
				"' pkg-config --cflags --libs librax)";
	r = run_program("sh", {"-c", cmd});
	INFO(cmd << "\n" << r.out << r.err);
	REQUIRE(r.status == 0);
	r = run_program("env", {"LD_LIBRARY_PATH=" + libdir.string(), exe.string()});
	INFO(r.out << r.err);
	CHECK(r.status == 0);
	CHECK(r.out.rfind(std::string(rax_version()) + " -22 build: opts: sz 1", 0) == 0);
}
