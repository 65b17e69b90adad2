// SPDX-License-Identifier: GPL-2.0
// rax: the Rax toolchain command. Builds, signs, verifies and inspects Rax
// objects (Documentation/rax/format.rst), loads them into the kernel,
// attaches them and shows programs and maps; one file per command.

#include <algorithm>
#include <cstring>
#include <iostream>
#include <string_view>
#include <vector>

#include <linux/rax.h>

#include "commands.hpp"
#include "util.hpp"

#ifndef RAX_VERSION
#define RAX_VERSION "0.1.0"
#endif

namespace {

struct Command {
	std::string_view name;
	int (*fn)(int argc, char **argv);
	std::string_view summary;
	bool json; // takes -j and -p
};

constexpr Command commands[] = {
	{"build", cmd_build, "build a signed Rax object from an extension crate", true},
	{"keygen", cmd_keygen, "make a signing key and its self-signed certificate", false},
	{"sign", cmd_sign, "sign an object (detached PKCS#7, as the kernel checks)", false},
	{"verify", cmd_verify, "check an object's signature and format, as the kernel does", false},
	{"inspect", cmd_inspect, "show an object's entries, maps, helpers, provenance, signer", true},
	{"load", cmd_load, "load a signed object into the kernel (BPF_F_RAX) and pin it", true},
	{"attach", cmd_attach, "attach a program to xdp, tc, a kprobe, tracepoint or perf event", true},
	{"prog", cmd_prog, "list or show the kernel's programs, Rax ones marked", true},
	{"map", cmd_map, "dump a map, update a key, peek at or pop a queue", true},
	{"test-run", cmd_test_run, "run an XDP or tc program on a packet (BPF_PROG_TEST_RUN)", true},
	{"btf-bindings", cmd_btf_bindings, "the rax crate's context bindings from a kernel's BTF", false},
};

void usage(std::ostream &out)
{
	out << "Usage: rax [-j | -p] COMMAND [OPTIONS] [ARGS]\n"
	       "       rax COMMAND --help | rax help [COMMAND]\n"
	       "       rax --help | --version\n"
	       "\n"
	       "A COMMAND may be shortened to a prefix of it that no other shares\n"
	       "(rax p l: rax prog list). -j and -p before the command are its JSON\n"
	       "options; in JSON mode an error is also a JSON object on stdout.\n"
	       "\n"
	       "Options (before the command):\n"
	       "  -j, --json     JSON output, for the commands that have it\n"
	       "  -p, --pretty   pretty-printed JSON (implies -j)\n"
	       "  -h, --help     this help (also rax help)\n"
	       "  -V, --version  the version and the object format (also rax version)\n"
	       "\n"
	       "Commands:\n";
	std::size_t width = 0;
	for (auto const &c : commands)
		width = std::max(width, c.name.size());
	for (auto const &c : commands) {
		out << "  " << c.name;
		for (std::size_t i = c.name.size(); i < width + 2; i++)
			out << ' ';
		out << c.summary << '\n';
	}
	out << "\n" << rax::cli::exit_codes_help;
}


// The command @name names: itself, or a prefix of exactly one command.
Command const *find_command(std::string_view name)
{
	Command const *found = nullptr;

	for (auto const &c : commands) {
		if (c.name == name)
			return &c;
		if (!name.empty() && c.name.substr(0, name.size()) == name) {
			if (found)
				return nullptr;
			found = &c;
		}
	}
	return found;
}

int unknown(std::string_view cmd)
{
	std::string matches;

	for (auto const &c : commands)
		if (!cmd.empty() && c.name.substr(0, cmd.size()) == cmd)
			matches += (matches.empty() ? "" : ", ") + std::string(c.name);
	if (!cmd.empty() && cmd[0] == '-')
		rax::cli::print_error("usage", "unknown option '" + std::string(cmd) + "'");
	else if (!matches.empty())
		rax::cli::print_error("usage", "ambiguous command '" + std::string(cmd) + "' (" +
						       matches + ")");
	else
		rax::cli::print_error("usage", "unknown command '" + std::string(cmd) + "'");
	std::cerr << "Try 'rax --help'.\n";
	return rax::cli::EXIT_USAGE;
}

} // namespace

int main(int argc, char **argv)
{
	std::vector<char *> args(argv, argv + argc);
	std::vector<char *> global; // -j, -p before the command

	while (args.size() > 1) {
		std::string_view a = args[1];
		if (a != "-j" && a != "--json" && a != "-p" && a != "--pretty")
			break;
		global.push_back(args[1]);
		rax::cli::set_json_errors(a == "-p" || a == "--pretty");
		args.erase(args.begin() + 1);
	}
	if (args.size() < 2) {
		usage(std::cerr);
		return rax::cli::EXIT_USAGE;
	}
	std::string_view cmd = args[1];
	if (cmd == "--help" || cmd == "-h" || (cmd == "help" && args.size() == 2)) {
		usage(std::cout);
		return rax::cli::EXIT_OK;
	}
	if (cmd == "--version" || cmd == "-V" || cmd == "version") {
		std::cout << "rax " RAX_VERSION " (object format " << RAX_FORMAT_VERSION << ")\n";
		return rax::cli::EXIT_OK;
	}
	if (cmd == "help") {
		// rax help COMMAND: its --help.
		Command const *c = find_command(args[2]);
		if (!c)
			return unknown(args[2]);
		char help[] = "--help";
		std::vector<char *> a = {args[2], help, nullptr};
		return c->fn(2, a.data());
	}
	Command const *c = find_command(cmd);
	if (!c)
		return unknown(cmd);
	if (!global.empty() && !c->json) {
		rax::cli::print_error("usage", "'" + std::string(c->name) + "' has no JSON output");
		return rax::cli::EXIT_USAGE;
	}
	// The command sees its own name, its arguments, then the global options
	// (after a subcommand: its options are parsed in any order).
	std::vector<char *> a = {args[1]};
	a.insert(a.end(), args.begin() + 2, args.end());
	a.insert(a.end(), global.begin(), global.end());
	a.push_back(nullptr);
	return c->fn(static_cast<int>(a.size() - 1), a.data());
}
