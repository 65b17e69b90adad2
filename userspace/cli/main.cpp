// SPDX-License-Identifier: GPL-2.0
// rax: the Rax toolchain command. Builds, signs, verifies and inspects Rax
// objects (Documentation/rax/format.rst), loads them into the kernel,
// attaches them and shows programs and maps; one file per command.

#include <algorithm>
#include <cstring>
#include <iostream>
#include <string_view>

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
};

constexpr Command commands[] = {
	{"build", cmd_build, "build a signed Rax object from an extension crate"},
	{"keygen", cmd_keygen, "make a signing key and its self-signed certificate"},
	{"sign", cmd_sign, "sign an object (detached PKCS#7, as the kernel checks)"},
	{"verify", cmd_verify, "check an object's signature and format, as the kernel does"},
	{"inspect", cmd_inspect, "show an object's entries, maps, helpers, provenance, signer"},
	{"load", cmd_load, "load a signed object into the kernel (BPF_F_RAX) and pin it"},
	{"attach", cmd_attach, "attach a program to xdp, tc, a kprobe, tracepoint or perf event"},
	{"prog", cmd_prog, "list or show the kernel's programs, Rax ones marked"},
	{"map", cmd_map, "dump a map, update a key, peek at or pop a queue"},
	{"test-run", cmd_test_run, "run an XDP or tc program on a packet (BPF_PROG_TEST_RUN)"},
	{"btf-bindings", cmd_btf_bindings, "the rax crate's context bindings from a kernel's BTF"},
};

void usage(std::ostream &out)
{
	out << "Usage: rax COMMAND [OPTIONS] [ARGS]\n"
	       "       rax COMMAND --help\n"
	       "       rax --help | --version\n"
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

} // namespace

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(std::cerr);
		return rax::cli::EXIT_USAGE;
	}
	std::string_view cmd = argv[1];
	if (cmd == "--help" || cmd == "-h" || cmd == "help") {
		usage(std::cout);
		return rax::cli::EXIT_OK;
	}
	if (cmd == "--version" || cmd == "-V" || cmd == "version") {
		std::cout << "rax " RAX_VERSION " (object format " << RAX_FORMAT_VERSION << ")\n";
		return rax::cli::EXIT_OK;
	}
	for (auto const &c : commands) {
		if (c.name == cmd)
			return c.fn(argc - 1, argv + 1);
	}
	if (!cmd.empty() && cmd[0] == '-')
		rax::cli::print_error("usage", "unknown option '" + std::string(cmd) + "'");
	else
		rax::cli::print_error("usage", "unknown command '" + std::string(cmd) + "'");
	std::cerr << "Try 'rax --help'.\n";
	return rax::cli::EXIT_USAGE;
}
