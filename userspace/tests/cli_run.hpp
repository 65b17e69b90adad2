// SPDX-License-Identifier: GPL-2.0
// Running the rax CLI from the tests: a temporary directory, file helpers,
// run_program(), which runs a program and captures its exit status and
// output, and rax_cli(), which runs $RAX_CLI (or the one built next to the
// tests) so.
#pragma once

#include "test_paths.hpp"
#include <catch2/catch.hpp>

#include <stdlib.h>
#include <sys/wait.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace rax::test {

namespace fs = std::filesystem;

struct TempDir {
	fs::path path;

	TempDir()
	{
		std::string t = (fs::temp_directory_path() / "rax-cli-XXXXXX").string();
		REQUIRE(mkdtemp(t.data()) != nullptr);
		path = t;
	}
	~TempDir()
	{
		std::error_code ec;
		fs::remove_all(path, ec);
	}
	TempDir(TempDir const &) = delete;
	TempDir &operator=(TempDir const &) = delete;
	std::string operator/(std::string const &name) const { return (path / name).string(); }
};

// The environment variable @name, or "" when it is not set.
inline std::string env(char const *name)
{
	char const *v = std::getenv(name);
	return v ? v : "";
}

inline std::string slurp(std::string const &path)
{
	std::ifstream f(path, std::ios::binary);
	return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

inline void store(std::string const &path, std::vector<std::uint8_t> const &b)
{
	std::ofstream f(path, std::ios::binary | std::ios::trunc);
	REQUIRE(f);
	f.write(reinterpret_cast<char const *>(b.data()), static_cast<std::streamsize>(b.size()));
	REQUIRE(f);
}

inline std::string quote(std::string const &s)
{
	std::string q = "'";
	for (char c : s) {
		if (c == '\'')
			q += "'\\''";
		else
			q += c;
	}
	return q + "'";
}

// The CLI: $RAX_CLI, else the one built next to the tests.
inline std::string cli()
{
	char const *p = std::getenv("RAX_CLI");
	if (p && *p)
		return p;
	std::string built = std::string(test_paths::binary_dir) + "/../cli/rax";
	if (!fs::exists(built))
		FAIL("RAX_CLI is not set and " << built << " does not exist");
	return built;
}

struct Run {
	int status = -1;
	std::string out, err;
};

// Run @program with @args, capturing its output; @wrapper (a command and
// its arguments, e.g. unshare -n) runs it.
inline Run run_program(std::string const &program, std::vector<std::string> const &args,
		       std::vector<std::string> const &wrapper = {})
{
	TempDir d;
	std::string cmd;
	for (auto const &w : wrapper)
		cmd += quote(w) + " ";
	cmd += quote(program);
	for (auto const &a : args)
		cmd += " " + quote(a);
	cmd += " >" + quote(d / "out") + " 2>" + quote(d / "err") + " </dev/null";
	int st = std::system(cmd.c_str());
	Run r;
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r.out = slurp(d / "out");
	r.err = slurp(d / "err");
	return r;
}

// Run the CLI with @args, as run_program() does.
inline Run rax_cli(std::vector<std::string> const &args, std::vector<std::string> const &wrapper = {})
{
	return run_program(cli(), args, wrapper);
}

inline bool has(std::string const &s, std::string const &what)
{
	return s.find(what) != std::string::npos;
}

// The lines of @text, without their newlines.
inline std::vector<std::string> lines_of(std::string const &text)
{
	std::vector<std::string> v;
	std::istringstream in(text);
	for (std::string line; std::getline(in, line);)
		v.push_back(line);
	return v;
}

// The lines under "Commands:" in a help text, up to the blank line.
inline std::vector<std::string> command_lines(std::string const &help)
{
	std::vector<std::string> out;
	bool in = false;
	for (std::string const &line : lines_of(help)) {
		if (line == "Commands:") {
			in = true;
			continue;
		}
		if (!in)
			continue;
		if (line.empty())
			break;
		out.push_back(line);
	}
	return out;
}

// The commands `rax help` lists under "Commands:", in its order.
inline std::vector<std::string> help_commands()
{
	Run r = rax_cli({"help"});
	REQUIRE(r.status == 0);
	std::vector<std::string> out;
	for (std::string const &line : command_lines(r.out)) {
		std::istringstream words(line);
		std::string name;
		words >> name;
		out.push_back(name);
	}
	REQUIRE(out.size() >= 11);
	return out;
}

} // namespace rax::test
