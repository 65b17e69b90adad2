// SPDX-License-Identifier: GPL-2.0
// Shared pieces of the rax CLI: option parsing, error printing and exit
// codes.
//
// Exit codes (every command):
//   0  success
//   1  refused: the object or its signature is not acceptable (EKEYREJECTED,
//      ENOKEY, EBADMSG, EINVAL, ENOPKG, E2BIG, ELOOP, ...), as the kernel
//      would refuse it; the kernel refused the load of a Rax object (EPERM,
//      EACCES: op "load"); the toolchain refused a crate (EPERM)
//   2  usage: unknown command or option, missing argument
//   3  system: a file cannot be read or written, out of memory, a tool
//      failed (ENOENT, EACCES, EIO, ENOMEM, ...), a permission is missing
//      (EPERM, EACCES from bpf(2) or a file)
#pragma once

#include <getopt.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <rax/json.hpp>
#include <rax/kernel.hpp>
#include <rax/result.hpp>
#include <rax/verify.hpp>

namespace rax::cli {

enum Exit {
	EXIT_OK = 0,
	EXIT_REFUSED = 1,
	EXIT_USAGE = 2,
	EXIT_SYSTEM = 3,
};

// The exit code for an errno value, of the operation @op (an Error's op()).
// EPERM is a permission the caller lacks for a bpf(2) command or a file
// (op "bpf", "open", "read", "write", "pin"), else a refusal; EACCES is a
// refusal only from the BPF_PROG_LOAD of a Rax object (op "load", as
// kernel::load_program() reports it), else a missing permission.
int exit_code(int err, std::string_view op = {});

// The subcommand @given names among @names: itself, or a prefix of exactly
// one of them; else @given unchanged (for the caller's error).
std::string subcommand(std::string const &given, std::initializer_list<char const *> names);

// JSON mode (-j, -p): from now on an error is also written to stdout as
// {"error": "..."}, as bpftool does, so that a JSON reader sees it.
void set_json_errors(bool pretty);

// The exit codes, for --help texts.
extern char const exit_codes_help[];

// Print "rax: <op>: <message>" to stderr.
void print_error(std::string const &op, std::string const &message);
void print_error(Error const &e);

using rax::with_file;

// Print the error and return its exit code.
int fail(Error const &e);
// A usage error: "rax: <cmd>: <message>" and a hint to --help; EXIT_USAGE.
int usage_error(std::string const &cmd, std::string const &message);

// One command's options, parsed with getopt_long. @help is the command's
// full help text (printed by -h/--help to stdout).
struct Option {
	char const *name;   // long name, without "--"
	int has_arg;        // no_argument or required_argument
	int short_name;     // the short letter, or a value > 255 for long only
};

class Options {
public:
	Options(std::string cmd, std::string help, std::vector<Option> opts);

	// Parse argv (argv[0] is the command). Returns -1 to go on, else the
	// exit code to return now (after --help or a usage error).
	int parse(int argc, char **argv);

	// Options seen, in order: (short_name, argument).
	struct Seen {
		int opt;
		std::string arg;
	};
	std::vector<Seen> const &seen() const { return seen_; }
	// The last argument of option @opt, or "" when not given.
	std::string get(int opt) const;
	// Every argument of option @opt, in order.
	std::vector<std::string> all(int opt) const;
	bool has(int opt) const;
	// Whether @opt is this command's -j (--json) or -p (--pretty).
	bool declares(int opt) const;
	// Operands (non-option arguments).
	std::vector<std::string> const &args() const { return args_; }

	std::string const &cmd() const { return cmd_; }
	// Print "rax <cmd>: <message>" and a --help hint; return EXIT_USAGE.
	int usage(std::string const &message) const { return usage_error(cmd_, message); }

private:
	std::string cmd_;
	std::string help_;
	std::vector<Option> opts_;
	std::vector<Seen> seen_;
	std::vector<std::string> args_;
};

// Parse a non-negative decimal integer in [lo, hi].
bool parse_int(std::string const &s, long lo, long hi, long &out);

// Colon-separated upper-case hex ("AB:CD:..."), as openssl prints
// fingerprints.
std::string colon_hex(std::string const &hex);

// ---- The kernel-facing commands (load, attach, prog, map, test-run)

// Values of Option::short_name for long-only options.
enum LongOnly {
	OPT_PIN = 256,
	OPT_PIN_LINK,
	OPT_FREQ,
	OPT_PERIOD,
	OPT_CPU,
	OPT_DATA,
	OPT_DATA_FILE,
	OPT_REPEAT,
	OPT_BUDGET,
};

// A BPF object named on the command line, as bpftool names them: "ID",
// "id ID" or "pinned PATH".
struct ObjRef {
	bool pinned = false;
	std::uint32_t id = 0;
	std::string path;

	// "id 42" or "pinned /sys/fs/bpf/x".
	[[nodiscard]] std::string text() const;
};

// Take an ObjRef from @args at @i, advancing @i past it. Returns "" or the
// usage message (naming @what: "program", "map").
std::string take_ref(std::vector<std::string> const &args, std::size_t &i, char const *what,
		     ObjRef &ref);

// Open the object @ref names and check that it is a @kind.
Result<kernel::Fd> open_ref(ObjRef const &ref, kernel::ObjKind kind);

// "00 1f a0" (@sep between bytes).
std::string spaced_hex(std::span<std::uint8_t const> b, char const *sep = " ");
// A JSON array of bytes as bpftool writes them: ["0x00","0x1f"].
void json_bytes(JsonWriter &w, std::span<std::uint8_t const> b);
// A hex dump: 16 bytes a line, each line prefixed by its offset.
void print_hexdump(std::ostream &out, std::span<std::uint8_t const> b, char const *indent);

} // namespace rax::cli
