// SPDX-License-Identifier: GPL-2.0
// The rax command (RAX_CLI): help, version, usage errors and exit codes,
// and keygen -> sign -> verify -> inspect through the binary.
#include "test_paths.hpp"
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <rax/paths.hpp>
#include <rax/rax.h>
#include <rax/sign.hpp>

#include "cli/util.hpp"
#include "cli_run.hpp"
#include "elf_builder.hpp"

namespace fs = std::filesystem;

using namespace rax::test;

namespace {

// A key and certificate for the CLI tests, 2048-bit for speed.
struct CliKeys {
	TempDir dir;
	std::string cert = dir / "cert.pem";
	std::string key = dir / "key.pem";
	std::string other = dir / "other.pem";

	CliKeys()
	{
		Run r = rax_cli({"keygen", "--bits", "2048", "--cn", "Rax CLI test", "-o", cert, "-k", key});
		INFO(r.err);
		REQUIRE(r.status == 0);
		Run r2 = rax_cli({"keygen", "--bits", "2048", "-o", other, "-k", dir / "other.key"});
		REQUIRE(r2.status == 0);
	}
};

CliKeys &keys()
{
	static CliKeys k;
	return k;
}

} // namespace

TEST_CASE("cli: --help lists the commands and exit codes, --version", "[cli]")
{
	Run r = rax_cli({"--help"});
	CHECK(r.status == 0);
	for (char const *c : {"build", "keygen", "sign", "verify", "inspect", "Exit status"})
		CHECK(has(r.out, c));
	r = rax_cli({"-h"});
	CHECK(r.status == 0);

	r = rax_cli({"--version"});
	CHECK(r.status == 0);
	CHECK(r.out.rfind("rax ", 0) == 0);
	CHECK(has(r.out, "format"));
}

TEST_CASE("cli: each command's --help exits 0 and names its options", "[cli]")
{
	struct {
		char const *cmd;
		std::vector<char const *> words;
	} const cases[] = {
		{"keygen", {"Usage: rax keygen", "--cn", "--bits", "-o", "-k", "Exit status"}},
		{"sign", {"Usage: rax sign", "-k", "-c", "-o", "OBJ.sig"}},
		{"verify", {"Usage: rax verify", "-s", "-c", "signature"}},
		{"inspect", {"Usage: rax inspect", "-s", "-j", "-p"}},
		{"build", {"rax build"}},
	};
	for (auto const &c : cases) {
		Run r = rax_cli({c.cmd, "--help"});
		INFO(c.cmd << ": " << r.err);
		CHECK(r.status == 0);
		for (auto w : c.words)
			CHECK(has(r.out, w));
		Run s = rax_cli({c.cmd, "-h"});
		CHECK(s.status == 0);
		CHECK(s.out == r.out);
	}
}

TEST_CASE("cli: usage errors exit 2 with a message", "[cli]")
{
	Run r = rax_cli({"frobnicate"});
	CHECK(r.status == 2);
	CHECK(has(r.err, "rax: usage: unknown command 'frobnicate'"));
	CHECK(r.out.empty());

	r = rax_cli({});
	CHECK(r.status == 2);
	CHECK(has(r.err, "Usage: rax"));

	r = rax_cli({"--frob"});
	CHECK(r.status == 2);

	r = rax_cli({"sign", "x.o", "--no-such-option"});
	CHECK(r.status == 2);
	CHECK(has(r.err, "rax: sign: unknown option '--no-such-option'"));

	r = rax_cli({"sign", "x.o", "-k"});
	CHECK(r.status == 2);
	CHECK(has(r.err, "needs an argument"));

	r = rax_cli({"sign", "x.o"});
	CHECK(r.status == 2);
	CHECK(has(r.err, "-k"));

	r = rax_cli({"verify", "x.o"});
	CHECK(r.status == 2);
	CHECK(has(r.err, "-c"));

	r = rax_cli({"keygen", "-o", "c.pem"});
	CHECK(r.status == 2);

	r = rax_cli({"keygen", "--bits", "12x", "-o", "c.pem", "-k", "k.pem"});
	CHECK(r.status == 2);
	CHECK(has(r.err, "--bits"));

	r = rax_cli({"inspect"});
	CHECK(r.status == 2);

	// An error names the option as it was written.
	r = rax_cli({"inspect", "x.o", "--pretty=1"});
	CHECK(r.status == 2);
	CHECK(has(r.err, "option '--pretty' takes no argument"));
	r = rax_cli({"inspect", "x.o", "--signature"});
	CHECK(r.status == 2);
	CHECK(has(r.err, "option '--signature' needs an argument"));
	r = rax_cli({"inspect", "x.o", "-s"});
	CHECK(r.status == 2);
	CHECK(has(r.err, "option '-s' needs an argument"));
	r = rax_cli({"inspect", "x.o", "--no-such=1"});
	CHECK(r.status == 2);
	CHECK(has(r.err, "unknown option '--no-such'"));
	r = rax_cli({"inspect", "x.o", "-jx"});
	CHECK(r.status == 2);
	CHECK(has(r.err, "unknown option '-x'"));
	CHECK(r.err.find('\001') == std::string::npos);
}

TEST_CASE("cli: build's usage errors exit 2 in the commands' format", "[cli]")
{
	struct {
		std::vector<std::string> args;
		char const *message;
	} const cases[] = {
		{{"build", "--frob"}, "rax: build: unknown option '--frob'"},
		{{"build", "-x"}, "rax: build: unknown option '-x'"},
		{{"build", "--quiet=1"}, "rax: build: option '--quiet' takes no argument"},
		{{"build", "-o"}, "rax: build: option '-o' needs an argument"},
		{{"build", "--stack-limit", "12x", "."}, "'12x' is not a number of bytes"},
		{{"build", "/nonexistent/crate"}, "'/nonexistent/crate' is not a crate directory"},
		{{"build", "a", "b"}, "one crate directory only"},
		{{"build", "-k", "key.pem", "."}, "signing needs both --key and --cert"},
	};
	for (auto const &c : cases) {
		Run r = rax_cli(c.args);
		INFO(c.args.back() << ": " << r.err);
		CHECK(r.status == 2);
		CHECK(has(r.err, c.message));
		CHECK(has(r.err, "Try 'rax build --help'."));
		CHECK(r.out.empty());
	}
}

TEST_CASE("cli: build exits 1 for a refused crate, 2 for a usage error, 3 for a system error",
	  "[cli][build]")
{
	TempDir d;
	std::string const top = rax::paths::source_dir;
	// A crate directory that is not there: a usage error, as --help says.
	Run r = rax_cli({"build", "-q", d / "no-such-crate"});
	CHECK(r.status == 2);
	CHECK(has(r.err, "is not a crate directory"));

	// The toolchain refuses the crate (an unsafe block), in text and JSON.
	std::string const refused = top + "/userspace/tests/fixtures/unsafe_block";
	r = rax_cli({"build", "-q", refused, "-o", d / "refused.rax.o"});
	INFO(r.err);
	CHECK(r.status == 1);
	CHECK(has(r.err, "unsafe block"));
	r = rax_cli({"build", "-q", "-j", refused, "-o", d / "refused.rax.o"});
	CHECK(r.status == 1);
	CHECK(r.out.rfind("{\"error\":", 0) == 0);
	CHECK(has(r.out, "\"refused\":[{"));

	// A missing toolchain: the termination pass RAX_PLUGIN names.
	std::string const sample = top + "/userspace/samples/empty";
	r = rax_cli({"build", "-q", sample, "-o", d / "empty.rax.o"},
		    {"env", "RAX_PLUGIN=" + d / "no-such-plugin.so"});
	INFO(r.err);
	CHECK(r.status == 3);
	CHECK(has(r.err, "no-such-plugin.so"));
	CHECK(!fs::exists(d / "empty.rax.o"));

	// A file of the crate that cannot be read: as root, the build runs as
	// nobody, whom the file's mode keeps out.
	fs::permissions(d.path, fs::perms::owner_all | fs::perms::group_read |
					fs::perms::group_exec | fs::perms::others_read |
					fs::perms::others_exec);
	fs::create_directories(d.path / "crate" / "src");
	std::ofstream(d / "crate/Rax.toml") << "name = \"unreadable\"\nversion = \"0.1.0\"\n";
	std::ofstream(d / "crate/src/lib.rs") << "#![no_std]\n";
	fs::permissions(d.path / "crate" / "src" / "lib.rs", fs::perms::none);
	std::vector<std::string> as_user;
	if (geteuid() == 0)
		as_user = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"};
	r = rax_cli({"build", "-q", d / "crate", "-o", d / "unreadable.rax.o"}, as_user);
	INFO(r.err);
	CHECK(r.status == 3);
	CHECK(has(r.err, "Permission denied"));
	CHECK(!has(r.err, "Try 'rax build --help'"));
}

TEST_CASE("cli: inspect prints an object's names escaped, never its bytes", "[cli]")
{
	TempDir d;
	std::string obj = d / "esc.rax.o";
	rax::test::ObjectSpec spec;
	// A name that clears the screen, with a byte that is not UTF-8.
	spec.maps = {rax::test::map_def(1, "a\x1b[2J\xff"), rax::test::map_def(2, "cfg.b$1")};
	store(obj, rax::test::make_object(spec));

	Run r = rax_cli({"inspect", obj});
	INFO(r.err);
	REQUIRE(r.status == 0);
	CHECK(has(r.out, "name a\\x1b\\x5b2J\\xff"));
	CHECK(has(r.out, "name cfg.b$1"));
	for (std::string const &out : {r.out, rax_cli({"inspect", obj, "-j"}).out}) {
		CHECK(out.find('\x1b') == std::string::npos);
		CHECK(std::none_of(out.begin(), out.end(),
				   [](char c) { return static_cast<unsigned char>(c) >= 0x80; }));
	}
	r = rax_cli({"inspect", obj, "-j"});
	CHECK(has(r.out, "\"name\":\"a\\\\x1b\\\\x5b2J\\\\xff\""));
}

TEST_CASE("cli: an error's exit code follows its number and the operation that failed", "[cli]")
{
	using rax::cli::exit_code;
	struct {
		int err;
		char const *op;
		int code;
	} const cases[] = {
		{0, "load", 0},
		// The kernel's policy refuses the load of a Rax object with
		// EACCES (kernel.rax.toolchains, kernel.rax.denied,
		// min_format_version, no termination pass): a refusal, as
		// EPERM from kernel.rax.enabled=0 or an LSM is.
		{EACCES, "load", 1},
		{EPERM, "load", 1},
		// EACCES and EPERM anywhere else are a permission the caller
		// lacks: bpf(2) as a user, a file, a pin.
		{EACCES, "bpf", 3},
		{EPERM, "bpf", 3},
		{EACCES, "open", 3},
		{EPERM, "open", 3},
		{EACCES, "read", 3},
		{EACCES, "write", 3},
		{EACCES, "pin", 3},
		{EPERM, "pin", 3},
		{EACCES, "snapshot", 3},
		{EACCES, "", 3},
		// The toolchain's refusal of a crate.
		{EPERM, "build", 1},
		// Refusals of the object whatever the operation.
		{EKEYREJECTED, "verify", 1},
		{EBADMSG, "parse", 1},
		{EINVAL, "load", 1},
		{E2BIG, "load", 1},
		// System errors whatever the operation.
		{ENOENT, "load", 3},
		{ENOENT, "open", 3},
		{ENOENT, "toolchain", 3},
		{EIO, "rustc", 3},
		{ENOMEM, "load", 3},
	};
	for (auto const &c : cases) {
		INFO(std::strerror(c.err) << " from " << (*c.op ? c.op : "(no operation)"));
		CHECK(exit_code(c.err, c.op) == c.code);
	}
	// The codes --help documents.
	CHECK(rax::cli::EXIT_REFUSED == 1);
	CHECK(rax::cli::EXIT_SYSTEM == 3);
	std::string const help = rax::cli::exit_codes_help;
	CHECK(has(help, "the kernel refused the load (EPERM, or EACCES from its policy)"));
	CHECK(has(rax_cli({"--help"}).out, help));
}

TEST_CASE("cli: a permission the caller lacks is a system error, not a refusal", "[cli]")
{
	if (geteuid() != 0) {
		WARN("skipped: needs root to drop to another user");
		return;
	}
	// As nobody, bpf() says EPERM: the program list cannot be read.
	Run r = rax_cli({"prog", "list"},
			{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"});
	INFO(r.err);
	CHECK(r.status == 3);
	CHECK(has(r.err, "Operation not permitted"));
}

TEST_CASE("cli: bpftool's conventions: prefixes, help, global -j and -p, JSON errors", "[cli]")
{
	TempDir d;
	std::string obj = d / "prog.rax.o";
	store(obj, rax::test::valid_object());

	// A unique prefix names a command, an ambiguous one does not.
	Run r = rax_cli({"ins", obj});
	CHECK(r.status == 0);
	CHECK(has(r.out, "maps:"));
	r = rax_cli({"b", "--help"});
	CHECK(r.status == 2);
	CHECK(has(r.err, "ambiguous command 'b' (build, btf-bindings)"));

	// rax help, rax help COMMAND, rax prog help, rax map help.
	r = rax_cli({"help"});
	CHECK(r.status == 0);
	CHECK(has(r.out, "Commands:"));
	r = rax_cli({"help", "inspect"});
	CHECK(r.status == 0);
	CHECK(has(r.out, "Usage: rax inspect"));
	for (char const *c : {"prog", "map"}) {
		r = rax_cli({c, "help"});
		CHECK(r.status == 0);
		CHECK(has(r.out, std::string("Usage: rax ") + c));
		r = rax_cli({c, "h"});
		CHECK(r.status == 0);
	}

	// -j and -p before the command are its own.
	r = rax_cli({"-j", "inspect", obj});
	CHECK(r.status == 0);
	CHECK(r.out.rfind("{\"file\":", 0) == 0);
	r = rax_cli({"-p", "i", obj});
	CHECK(r.status == 0);
	CHECK(has(r.out, "{\n    \"file\": "));

	// In JSON mode an error is a JSON object on stdout, and still a line
	// on stderr.
	r = rax_cli({"-j", "inspect", d / "missing.o"});
	CHECK(r.status == 3);
	CHECK(r.out.rfind("{\"error\":\"open: ", 0) == 0);
	CHECK(has(r.err, "rax: open: "));
	r = rax_cli({"inspect", "-j", d / "missing.o"});
	CHECK(r.out.rfind("{\"error\":", 0) == 0);
	r = rax_cli({"-j", "sign", obj});
	CHECK(r.status == 2);
	CHECK(has(r.out, "{\"error\":\"usage: 'sign' has no JSON output\"}"));
	// Without -j, nothing on stdout.
	r = rax_cli({"inspect", d / "missing.o"});
	CHECK(r.out.empty());
}

namespace {

// Whether @text is one JSON value, an object whose only member is "error",
// a string (python3's json module reads it).
bool json_error_object(std::string const &text)
{
	Run r = run_program("python3", {"-c",
					"import json, sys\n"
					"v = json.loads(sys.argv[1])\n"
					"sys.exit(0 if isinstance(v, dict) and list(v) == ['error'] and "
					"isinstance(v['error'], str) else 1)\n",
					text});
	INFO(r.err);
	return r.status == 0;
}

} // namespace

TEST_CASE("cli: every map subcommand takes -j and -p, its errors JSON objects", "[cli]")
{
	TempDir d;
	std::string const map = d / "no-such-map";
	struct {
		std::vector<std::string> args;
	} const subs[] = {
		{{"dump", "pinned", map}},
		{{"update", "pinned", map, "key", "00000000", "value", "00"}},
		{{"update", "pinned", map, "value", "00", "exist"}},
		{{"peek", "pinned", map}},
		{{"pop", "pinned", map}},
	};
	for (auto const &sub : subs) {
		for (char const *opt : {"-j", "-p", "--json", "--pretty"}) {
			// Before the command, and after the subcommand.
			std::vector<std::string> global = {opt, "map"}, local = {"map"};
			global.insert(global.end(), sub.args.begin(), sub.args.end());
			local.insert(local.end(), sub.args.begin(), sub.args.end());
			local.push_back(opt);
			for (auto const &args : {global, local}) {
				Run r = rax_cli(args);
				INFO("rax " << args[0] << " " << args[1] << " " << args[2] << " ...: "
					    << r.err);
				// The map is not there: ENOENT, a system error, not
				// a usage error.
				CHECK(r.status == 3);
				CHECK(has(r.err, "No such file or directory"));
				CHECK(!has(r.err, "unknown option"));
				CHECK(!has(r.err, "Try 'rax"));
				CHECK(r.out.rfind("{", 0) == 0);
				CHECK(json_error_object(r.out));
			}
		}
	}
	// A usage error of map update is a JSON object too.
	Run r = rax_cli({"-j", "map", "update", "pinned", map});
	CHECK(r.status == 2);
	CHECK(json_error_object(r.out));
	CHECK(has(r.out, "no value given"));
	// --help names the options; bpftool prints null for an update in JSON
	// mode, and so does rax (which the userspace tests cannot see without
	// a kernel).
	r = rax_cli({"map", "update", "--help"});
	CHECK(r.status == 0);
	CHECK(has(r.out, "-j, --json"));
	CHECK(has(r.out, "-p, --pretty"));
	CHECK(has(r.out, "null in JSON mode"));
}

namespace {

// The options a --help text lists, as its options blocks write them:
// "  -o, --output FILE  ..." or "      --stack-limit N  ...". The letter is
// 0 for a long-only option.
std::vector<std::pair<char, std::string>> help_options(std::string const &text)
{
	std::vector<std::pair<char, std::string>> out;
	auto long_name = [](std::string const &line, std::size_t at) {
		std::size_t end = at + 2;
		while (end < line.size() && (std::isalnum(static_cast<unsigned char>(line[end])) ||
					     line[end] == '-'))
			end++;
		return line.substr(at + 2, end - at - 2);
	};
	for (std::string const &line : lines_of(text)) {
		if (line.size() > 8 && line.compare(0, 3, "  -") == 0 &&
		    std::isalnum(static_cast<unsigned char>(line[3])) &&
		    line.compare(4, 4, ", --") == 0)
			out.emplace_back(line[3], long_name(line, 6));
		else if (line.size() > 8 && line.compare(0, 8, "      --") == 0)
			out.emplace_back('\0', long_name(line, 6));
	}
	return out;
}

// The subcommands a command's --help names: its synopsis lines ("Usage:"
// or white space, then "rax CMD SUB") with SUB a lower-case word.
std::set<std::string> help_subcommands(std::string const &cmd, std::string const &text)
{
	std::set<std::string> out;
	std::string const prefix = "rax " + cmd + " ";
	for (std::string line : lines_of(text)) {
		if (line.rfind("Usage:", 0) == 0)
			line.erase(0, 6);
		line.erase(0, line.find_first_not_of(' '));
		if (line.rfind(prefix, 0) != 0)
			continue;
		std::istringstream words(line.substr(prefix.size()));
		std::string w;
		words >> w;
		if (!w.empty() && std::all_of(w.begin(), w.end(), [](char c) {
			    return (c >= 'a' && c <= 'z') || c == '-';
		    }))
			out.insert(w);
	}
	return out;
}

} // namespace

TEST_CASE("cli: a short option means one thing in every command", "[cli]")
{
	// -b was keygen's --bits and btf-bindings' --btf: --bits is long only.
	Run r = rax_cli({"keygen", "-b", "2048", "-o", "c.pem", "-k", "k.pem"});
	CHECK(r.status == 2);
	CHECK(has(r.err, "unknown option '-b'"));
	r = rax_cli({"keygen", "--help"});
	CHECK(has(r.out, "      --bits N"));

	// Every --help: rax's own, each command's and each subcommand's. A
	// letter is one long option wherever it is listed, and a long option
	// has the same letter (or none) wherever it is listed.
	struct Help {
		std::vector<std::string> cmd; // after rax
		std::string text;
	};
	std::vector<Help> helps;
	helps.push_back({{}, rax_cli({"--help"}).out});
	for (auto const &c : help_commands()) {
		Run h = rax_cli({c, "--help"});
		INFO("rax " << c << " --help: " << h.err);
		REQUIRE(h.status == 0);
		helps.push_back({{c}, h.out});
		for (auto const &sub : help_subcommands(c, h.out)) {
			Run hs = rax_cli({c, sub, "--help"});
			INFO("rax " << c << " " << sub << " --help: " << hs.err);
			REQUIRE(hs.status == 0);
			helps.push_back({{c, sub}, hs.out});
		}
	}
	std::map<char, std::map<std::string, std::set<std::string>>> by_letter;
	std::map<std::string, std::map<char, std::set<std::string>>> by_name;
	TempDir empty; // where a build of "." finds no crate
	for (auto const &h : helps) {
		std::string where = "rax";
		for (auto const &w : h.cmd)
			where += " " + w;
		auto const opts = help_options(h.text);
		INFO(where << " --help:\n" << h.text);
		CHECK(!opts.empty());
		for (auto const &[letter, name] : opts) {
			if (letter)
				by_letter[letter][name].insert(where);
			by_name[name][letter].insert(where);
			if (!letter || h.cmd.empty())
				continue;
			// The letter the help lists is one the command takes.
			std::vector<std::string> args = h.cmd;
			args.push_back(std::string("-") + letter);
			Run run = rax_cli(args, {"env", "-C", empty.path.string()});
			INFO(where << " -" << letter << ": " << run.err);
			CHECK(!has(run.err, "unknown option"));
		}
	}
	auto places = [](std::set<std::string> const &s) {
		std::string out;
		for (auto const &w : s)
			out += (out.empty() ? "" : ", ") + w;
		return out;
	};
	for (auto const &[letter, names] : by_letter) {
		std::string meanings;
		for (auto const &[name, where] : names)
			meanings += "\n  --" + name + " in " + places(where);
		INFO("-" << letter << " is" << meanings);
		CHECK(names.size() == 1);
	}
	for (auto const &[name, letters] : by_name) {
		std::string forms;
		for (auto const &[letter, where] : letters)
			forms += "\n  " + (letter ? std::string("-") + letter : std::string("no letter")) +
				 " in " + places(where);
		INFO("--" << name << " has" << forms);
		CHECK(letters.size() == 1);
	}
	// What the scan reads, so that it cannot pass by reading nothing.
	CHECK(helps.size() >= 17);
	CHECK(by_letter.at('C').begin()->first == "cache");
	CHECK(by_name.at("cache").size() == 1);
	CHECK(by_name.at("json").begin()->second.size() >= 9);
	CHECK(by_name.contains("stack-limit"));
}

TEST_CASE("cli: --help keeps every command apart from its summary", "[cli]")
{
	Run r = rax_cli({"--help"});
	REQUIRE(r.status == 0);
	int commands = 0;
	for (std::string const &line : command_lines(r.out)) {
		// "  NAME  SUMMARY": the name, then at least two spaces.
		auto name_end = line.find(' ', 2);
		INFO(line);
		REQUIRE(name_end != std::string::npos);
		CHECK(line.compare(name_end, 2, "  ") == 0);
		commands++;
	}
	CHECK(commands >= 11);
	CHECK(has(r.out, "btf-bindings  "));
}

TEST_CASE("cli: keygen prints the certificate's key id and fingerprints", "[cli]")
{
	CliKeys &k = keys();
	TempDir d;
	Run r = rax_cli({"keygen", "--bits", "2048", "--cn", "Printed", "-o", d / "c.pem", "-k", d / "k.pem"});
	REQUIRE(r.status == 0);
	auto ci = rax::cert_info(d / "c.pem");
	REQUIRE(ci);
	CHECK(has(r.out, "CN = Printed"));
	CHECK(has(r.out, ci->key_id));
	CHECK(has(r.out, ci->serial));
	CHECK(has(r.out, "SHA-1 fingerprint"));
	CHECK(fs::status(d / "k.pem").permissions() ==
	      (fs::perms::owner_read | fs::perms::owner_write));
	CHECK(fs::exists(k.cert));
	CHECK(has(r.out, "2048 bits, exponent 65537"));

	r = rax_cli({"keygen", "--bits", "2048", "--exponent", "3", "-o", d / "c3.pem", "-k",
		     d / "c3.pem"});
	REQUIRE(r.status == 0);
	CHECK(has(r.out, "2048 bits, exponent 3\n"));
	for (char const *e : {"5", "65536", "0x3", "", "3x"}) {
		r = rax_cli({"keygen", "--exponent", e, "-o", d / "x.pem", "-k", d / "x.pem"});
		CHECK(r.status == 2);
		CHECK(has(r.err, "--exponent: '" + std::string(e) + "' is neither 3 nor 65537"));
		CHECK(!fs::exists(d / "x.pem"));
	}
}

TEST_CASE("cli: sign and verify, the signature is checked before the object is parsed", "[cli]")
{
	CliKeys &k = keys();
	TempDir d;
	std::string blob = d / "blob.bin";
	std::vector<std::uint8_t> data(3000);
	for (std::size_t i = 0; i < data.size(); i++)
		data[i] = static_cast<std::uint8_t>(i * 13 + 1);
	store(blob, data);

	Run r = rax_cli({"sign", blob, "-k", k.key, "-c", k.cert});
	INFO(r.err);
	REQUIRE(r.status == 0);
	REQUIRE(fs::exists(blob + ".sig"));
	r = rax_cli({"sign", blob, "-k", k.key, "-c", k.cert, "-o", d / "other.sig"});
	REQUIRE(r.status == 0);
	CHECK(slurp(d / "other.sig") == slurp(blob + ".sig"));

	// A good signature over bytes that are not a Rax object: the signature
	// passes, then the parser refuses.
	r = rax_cli({"verify", blob, "-c", k.cert});
	CHECK(r.status == 1);
	CHECK(has(r.out, "signature OK"));
	CHECK(has(r.out, "CN = Rax CLI test"));
	CHECK(has(r.err, "rax: parse: "));

	// The wrong certificate: refused at the signature, never parsed.
	r = rax_cli({"verify", blob, "-c", k.other});
	CHECK(r.status == 1);
	CHECK(has(r.err, "rax: signature: "));
	CHECK(has(r.err, "no trusted certificate"));
	CHECK(!has(r.err, "parse"));

	// The right one among several.
	r = rax_cli({"verify", blob, "-c", k.other, "-c", k.cert});
	CHECK(has(r.out, "signature OK"));

	// A changed byte.
	data[100] ^= 0x20;
	store(d / "changed.bin", data);
	r = rax_cli({"verify", d / "changed.bin", "-s", blob + ".sig", "-c", k.cert});
	CHECK(r.status == 1);
	CHECK(has(r.err, "rax: signature: "));
	CHECK(has(r.err, "does not match"));

	// Garbage as the signature.
	store(d / "garbage.sig", std::vector<std::uint8_t>(64, 0x41));
	r = rax_cli({"verify", blob, "-s", d / "garbage.sig", "-c", k.cert});
	CHECK(r.status == 1);
	CHECK(has(r.err, "PKCS#7"));

	// No signature file: a system error.
	r = rax_cli({"verify", d / "changed.bin", "-c", k.cert});
	CHECK(r.status == 3);
	CHECK(has(r.err, "changed.bin.sig"));

	// A missing object.
	r = rax_cli({"sign", d / "missing.o", "-k", k.key, "-c", k.cert});
	CHECK(r.status == 3);
	CHECK(has(r.err, "missing.o"));

	// A certificate that is not the key's.
	r = rax_cli({"sign", blob, "-k", k.key, "-c", k.other, "-o", d / "x.sig"});
	CHECK(r.status == 1);
	CHECK(!fs::exists(d / "x.sig"));
}

TEST_CASE("cli: sign, verify and inspect a Rax object", "[cli]")
{
	CliKeys &k = keys();
	TempDir d;
	std::string obj = d / "prog.rax.o";
	store(obj, rax::test::valid_object());

	Run r = rax_cli({"sign", obj, "-k", k.key, "-c", k.cert});
	INFO(r.err);
	REQUIRE(r.status == 0);
	r = rax_cli({"verify", obj, "-c", k.cert});
	INFO(r.err);
	CHECK(r.status == 0);
	CHECK(has(r.out, "signature OK"));
	CHECK(has(r.out, "Rax object OK"));
	r = rax_cli({"verify", "-q", obj, "-c", k.cert});
	CHECK(r.status == 0);
	CHECK(r.out.empty());

	r = rax_cli({"inspect", obj});
	INFO(r.err);
	CHECK(r.status == 0);
	for (char const *w : {"entries:", "kprobe", "symbol prog", "maps:", "hash", "name counts",
			      "array", "name cfg", "helpers:", "rax_map_lookup_elem", "rax_ktime_get_ns",
			      "provenance:", "rustc rustc 1.95.0", "signer", "CN = Rax CLI test",
			      "stack 64B"})
		CHECK(has(r.out, w));
	CHECK(!has(r.out, "host: x86_64"));
	CHECK(!has(r.out, "attach_type")); // unset for kprobe

	r = rax_cli({"inspect", obj, "-j"});
	CHECK(r.status == 0);
	CHECK(r.out.front() == '{');
	CHECK(r.out.find('\n') == r.out.size() - 1);
	for (char const *w : {"\"entries\":[", "\"prog_type\":\"kprobe\"", "\"symbol\":\"prog\"",
			      "\"name\":\"counts\"", "\"type\":\"hash\"", "\"helpers\":[",
			      "\"provenance\":{", "\"signer\":{", "\"verified\":false",
			      "\"rustc_sha256\":\"000102", "\"attach_type\":null"})
		CHECK(has(r.out, w));

	r = rax_cli({"inspect", obj, "-p"});
	CHECK(r.status == 0);
	CHECK(has(r.out, "\n    \"entries\": ["));

	// Without a signature there is no signer.
	fs::remove(obj + ".sig");
	r = rax_cli({"inspect", obj, "-j"});
	CHECK(r.status == 0);
	CHECK(!has(r.out, "\"signer\""));
	r = rax_cli({"inspect", obj, "-s", d / "none.sig"});
	CHECK(r.status == 3);

	// A broken object is refused by inspect.
	std::vector<std::uint8_t> bad(64, 0);
	store(d / "bad.o", bad);
	r = rax_cli({"inspect", d / "bad.o"});
	CHECK(r.status == 1);
	CHECK(has(r.err, "rax: parse: "));
}

TEST_CASE("cli: the C API signs, verifies and describes an object", "[cli]")
{
	CliKeys &k = keys();
	TempDir d;
	std::string obj = d / "prog.rax.o";
	store(obj, rax::test::valid_object());
	char err[RAX_ERR_SIZE];

	CHECK(std::string(rax_version()).size() > 0);
	REQUIRE(rax_sign_file(obj.c_str(), k.key.c_str(), k.cert.c_str(), nullptr, err, sizeof(err)) == 0);
	char const *certs[] = {k.other.c_str(), k.cert.c_str()};
	int rc = rax_verify_file(obj.c_str(), nullptr, certs, 2, err, sizeof(err));
	INFO(err);
	CHECK(rc == 0);
	CHECK(rax_verify_file(obj.c_str(), nullptr, certs, 1, err, sizeof(err)) == -ENOKEY);
	CHECK(has(err, "signature: "));

	char *json = nullptr;
	std::string sig = obj + ".sig";
	rc = rax_inspect_json(obj.c_str(), sig.c_str(), 0, &json, err, sizeof(err));
	INFO(err);
	REQUIRE(rc == 0);
	REQUIRE(json);
	CHECK(has(json, "\"prog_type\":\"kprobe\""));
	CHECK(has(json, "\"signer\":{"));
	rax_free(json);

	// Errors: -errno and the message, truncated to the buffer.
	char small[8];
	CHECK(rax_verify_file((d / "none.o").c_str(), nullptr, certs, 2, small, sizeof(small)) == -ENOENT);
	CHECK(std::string(small).size() == 7);
	CHECK(rax_keygen(nullptr, nullptr, nullptr, 0, err, sizeof(err)) == -EINVAL);
	CHECK(rax_keygen((d / "c.pem").c_str(), (d / "k.pem").c_str(), "C API", 1000, err, sizeof(err)) ==
	      -EINVAL);
	CHECK(has(err, "1000"));
}

// The C API's build: a sample built and signed, its signature verifying; a
// refused crate's construct and line in the message.
TEST_CASE("cli: the C API builds and signs a crate", "[cli][build]")
{
	CliKeys &k = keys();
	TempDir d;
	char const *env = std::getenv("RAX_SYSROOT_CACHE");
	std::string cache = env && *env ? env : std::string(test_paths::binary_dir) + "/rax-cache";
	std::string const crate = std::string(rax::paths::source_dir) + "/userspace/samples/xdp_counter";
	std::string const obj = d / "x.rax.o";
	char err[RAX_ERR_SIZE];
	char *out = nullptr;

	int rc = rax_build_crate(crate.c_str(), obj.c_str(), 0, cache.c_str(), k.key.c_str(),
				 k.cert.c_str(), &out, err, sizeof(err));
	INFO(err);
	REQUIRE(rc == 0);
	REQUIRE(out);
	CHECK(std::string(out) == obj);
	rax_free(out);
	char const *certs[] = {k.cert.c_str()};
	CHECK(rax_verify_file(obj.c_str(), nullptr, certs, 1, err, sizeof(err)) == 0);

	std::string const bad = std::string(rax::paths::source_dir) + "/userspace/tests/fixtures/unsafe_block";
	rc = rax_build_crate(bad.c_str(), (d / "bad.o").c_str(), 0, cache.c_str(), nullptr, nullptr,
			     &out, err, sizeof(err));
	CHECK(rc == -EPERM);
	CHECK(out == nullptr);
	CHECK(has(err, "unsafe block"));
	CHECK(has(err, "lib.rs:"));
	CHECK(rax_build_crate(nullptr, nullptr, 0, nullptr, nullptr, nullptr, nullptr, err,
			      sizeof(err)) == -EINVAL);
}

// rax verify --rebuild: the object must be what the crate builds to, from
// any directory; a changed source is caught.
TEST_CASE("cli: verify --rebuild compares the object with a fresh build", "[cli]")
{
	CliKeys &k = keys();
	TempDir d;
	char const *env = std::getenv("RAX_SYSROOT_CACHE");
	std::string cache = env && *env ? env : std::string(test_paths::binary_dir) + "/rax-cache";
	fs::path sample = fs::path(rax::paths::source_dir) / "userspace/samples/oob_panic";
	fs::create_directories(d / "a");
	fs::create_directories(d / "b/c");
	fs::copy(sample, d / "a/oob_panic", fs::copy_options::recursive);
	fs::copy(sample, d / "b/c/oob_panic", fs::copy_options::recursive);
	std::string obj = d / "oob.o";

	Run r = rax_cli({"build", "-q", "--cache", cache, "-k", k.key, "-c", k.cert, "-o", obj,
			 d / "a/oob_panic"});
	INFO(r.err);
	REQUIRE(r.status == 0);
	r = rax_cli({"verify", obj, "-c", k.cert, "--cache", cache, "--rebuild", d / "b/c/oob_panic"});
	INFO(r.err);
	CHECK(r.status == 0);
	CHECK(has(r.out, "identical"));

	// One more comment line: the source hash in the note differs.
	std::ofstream(d / "b/c/oob_panic/src/lib.rs", std::ios::app) << "// changed\n";
	r = rax_cli({"verify", obj, "-c", k.cert, "--cache", cache, "--rebuild", d / "b/c/oob_panic"});
	CHECK(r.status == 1);
	CHECK(has(r.out, "signature OK"));
	CHECK(has(r.err, "rax: rebuild: "));
	CHECK(has(r.err, "is not what"));

	// A crate that does not build.
	r = rax_cli({"verify", obj, "-c", k.cert, "--cache", cache, "--rebuild", d / "nothing"});
	CHECK(r.status != 0);
	CHECK(has(r.err, "does not build"));
}
