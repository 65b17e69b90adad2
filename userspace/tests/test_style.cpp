// SPDX-License-Identifier: GPL-2.0
// What review enforces on the Rust code, enforced here: the rax crate and
// every sample are rustfmt-clean (Debian's rustfmt-web, the toolchain's
// own version), and every unsafe block and unsafe impl of the crate's core
// has a "// SAFETY:" comment, as clippy's undocumented_unsafe_blocks wants
// (Debian has no clippy for rustc-web: this scan stands in for it).
#include "test_paths.hpp"
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

constexpr char const *kRustfmt = "/usr/bin/rustfmt";

fs::path top()
{
	return fs::path(rax::paths::source_dir);
}

// The crate root of the rax crate and of every sample.
std::vector<fs::path> crate_roots()
{
	std::vector<fs::path> roots = {top() / "userspace/rax/src/lib.rs"};
	for (auto const &e : fs::directory_iterator(top() / "userspace/samples")) {
		fs::path lib = e.path() / "src/lib.rs";
		if (fs::exists(lib))
			roots.push_back(lib);
	}
	return roots;
}

std::vector<std::string> lines_of(fs::path const &p)
{
	std::ifstream in(p);
	std::vector<std::string> out;
	std::string l;
	while (std::getline(in, l))
		out.push_back(l);
	return out;
}

std::string trim(std::string const &s)
{
	auto b = s.find_first_not_of(" \t");
	return b == std::string::npos ? std::string() : s.substr(b);
}

// The code of a line: without a trailing // comment and without string
// literals (a rough cut, enough for the crate's style: no raw strings
// holding "unsafe").
std::string code_of(std::string const &line)
{
	std::string out;
	bool str = false;
	for (std::size_t i = 0; i < line.size(); i++) {
		char c = line[i];
		if (str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				str = false;
			continue;
		}
		if (c == '"') {
			str = true;
			continue;
		}
		if (c == '/' && i + 1 < line.size() && line[i + 1] == '/')
			break;
		out += c;
	}
	return out;
}

bool is_word_at(std::string const &s, std::size_t i, std::string const &w)
{
	auto ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
	return s.compare(i, w.size(), w) == 0 && (i == 0 || !ident(s[i - 1])) &&
	       (i + w.size() >= s.size() || !ident(s[i + w.size()]));
}

// Where @lines[@n] has an unsafe block or an unsafe impl that no
// "// SAFETY:" comment explains: on the same line before it, or in the
// comment lines right above the statement (attributes between them
// allowed; the statement may start lines above, as a method chain does).
std::vector<std::string> undocumented(std::vector<std::string> const &lines, std::string const &file)
{
	std::vector<std::string> bad;
	for (std::size_t n = 0; n < lines.size(); n++) {
		std::string code = code_of(lines[n]);
		for (std::size_t i = code.find("unsafe"); i != std::string::npos;
		     i = code.find("unsafe", i + 1)) {
			if (!is_word_at(code, i, "unsafe"))
				continue;
			std::string rest = trim(code.substr(i + 6));
			bool block = rest.empty() || rest[0] == '{';
			bool impl = rest.rfind("impl", 0) == 0;
			if (!block && !impl)
				continue; // unsafe fn, unsafe trait, unsafe extern, #[unsafe(...)]
			bool ok = lines[n].find("// SAFETY:") != std::string::npos &&
				  lines[n].find("// SAFETY:") < i;
			for (std::size_t k = n; !ok && k-- > 0;) {
				std::string t = trim(lines[k]);
				if (t.rfind("//", 0) == 0) {
					ok = t.find("SAFETY:") != std::string::npos;
					continue;
				}
				if (t.rfind("#[", 0) == 0)
					continue;
				// A line of the same statement (a method chain, the
				// arguments of a call): its comment is above it.
				std::string c = code_of(t);
				while (!c.empty() && (c.back() == ' ' || c.back() == '\t'))
					c.pop_back();
				if (!c.empty() && c.back() != ';' && c.back() != '{' && c.back() != '}')
					continue;
				break;
			}
			if (!ok)
				bad.push_back(file + ":" + std::to_string(n + 1) + ": " + trim(lines[n]));
		}
	}
	return bad;
}

} // namespace

TEST_CASE("style: the rax crate and every sample are rustfmt-clean", "[style]")
{
	if (!fs::exists(kRustfmt)) {
		WARN("skipped: no " << kRustfmt << " (Debian's rustfmt-web; scripts/setup-deps.sh installs it)");
		return;
	}
	auto roots = crate_roots();
	REQUIRE(roots.size() > 20);
	for (auto const &root : roots) {
		std::string cmd = std::string(kRustfmt) + " --check --edition 2024 '" + root.string() +
				  "' 2>&1";
		FILE *p = popen(cmd.c_str(), "r");
		REQUIRE(p);
		std::string out;
		char buf[4096];
		std::size_t n;
		while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
			out.append(buf, n);
		int status = pclose(p);
		INFO(root.string() << ":\n" << out.substr(0, 2000));
		CHECK(WIFEXITED(status));
		CHECK(WEXITSTATUS(status) == 0);
	}
}

TEST_CASE("style: every unsafe block of the rax crate says why it is sound", "[style]")
{
	std::vector<std::string> bad;
	std::size_t files = 0;
	for (auto const &e : fs::directory_iterator(top() / "userspace/rax/src")) {
		if (e.path().extension() != ".rs")
			continue;
		files++;
		auto b = undocumented(lines_of(e.path()), e.path().filename().string());
		bad.insert(bad.end(), b.begin(), b.end());
	}
	CHECK(files > 10);
	std::ostringstream msg;
	for (auto const &b : bad)
		msg << b << '\n';
	INFO(msg.str());
	CHECK(bad.empty());
}

TEST_CASE("style: the unsafe-block scan finds what it must", "[style]")
{
	// The scan against itself: what it must flag and what it must not.
	std::vector<std::string> const good = {
		"    // SAFETY: the helper reads nothing.",
		"    unsafe { rax_ktime_get_ns() }",
		"    // SAFETY: checked above;",
		"    // more reasons.",
		"    #[allow(unused)]",
		"    let x = unsafe { f() };",
		"    g(/* x */); // SAFETY: same line. unsafe { h() }",
		"// SAFETY: Kernel is a plain pointer.",
		"unsafe impl Send for Kernel {}",
		"    unsafe fn make(ctx: *mut c_void) -> Self;",
		"unsafe extern \"C\" {",
		"    #[unsafe(link_section = \".rax.entries\")]",
		"    let s = \"unsafe { not code }\";",
		"    // SAFETY: the chain's comment, above its first line.",
		"    self.lookup(key)",
		"        .map(|p| unsafe { &*p })",
	};
	CHECK(undocumented(good, "good.rs").empty());
	std::vector<std::string> const bad = {
		"    let x = 1;",
		"    unsafe { f() }",
		"    // A comment without the word.",
		"    let y = unsafe { g() };",
		"unsafe impl Sync for Kernel {}",
		"    // SAFETY: only for the line below it,",
		"    let a = 1;",
		"    let b = unsafe {",
	};
	auto found = undocumented(bad, "bad.rs");
	REQUIRE(found.size() == 4);
	CHECK(found[0].rfind("bad.rs:2:", 0) == 0);
	CHECK(found[1].rfind("bad.rs:4:", 0) == 0);
	CHECK(found[2].rfind("bad.rs:5:", 0) == 0);
	CHECK(found[3].rfind("bad.rs:8:", 0) == 0);
}
