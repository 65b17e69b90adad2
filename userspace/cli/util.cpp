// SPDX-License-Identifier: GPL-2.0
// Option parsing, error printing and exit codes of the rax CLI.

#include "util.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace rax::cli {

char const exit_codes_help[] =
	"Exit status:\n"
	"  0  success\n"
	"  1  refused: the object or signature is not acceptable (EKEYREJECTED,\n"
	"     ENOKEY, EBADMSG, EINVAL, ENOPKG, E2BIG, ELOOP), as the kernel would,\n"
	"     or the kernel refused the load (EPERM, or EACCES from its policy),\n"
	"     or the toolchain the crate (EPERM)\n"
	"  2  usage error: unknown command or option, missing argument\n"
	"  3  system error: a file cannot be read or written (ENOENT, EACCES, EIO,\n"
	"     ENOMEM, ...), or a permission is missing (EPERM from bpf(2) or a\n"
	"     file: not root)\n";

int exit_code(int err, std::string_view op)
{
	switch (err) {
	case 0:
		return EXIT_OK;
	case EPERM:
		// A permission the caller lacks, for a bpf(2) command or a
		// file; otherwise a refusal: of a load by the kernel
		// (kernel.rax.enabled=0, an LSM, a token), of a crate by the
		// toolchain.
		return op == "bpf" || op == "open" || op == "read" || op == "write" || op == "pin"
			       ? EXIT_SYSTEM
			       : EXIT_REFUSED;
	case EACCES:
		// The kernel's policy refusing the load of a Rax object
		// (kernel.rax.toolchains, kernel.rax.denied,
		// kernel.rax.min_format_version, no termination pass): its
		// BPF_PROG_LOAD alone. Elsewhere a permission the caller lacks.
		return op == "load" ? EXIT_REFUSED : EXIT_SYSTEM;
	case EKEYREJECTED:
	case ENOKEY:
	case EBADMSG:
	case EINVAL:
	case ENOPKG:
	case E2BIG:
	case ELOOP:
	case ENOEXEC:
	case ERANGE:
	case EOVERFLOW:
	case ENOTSUP:
		return EXIT_REFUSED;
	default:
		return EXIT_SYSTEM;
	}
}

namespace {

// Set by -j/-p (global or the command's): errors are JSON on stdout too.
bool json_errors;
bool json_pretty;

void print_json_error(std::string const &message)
{
	if (!json_errors)
		return;
	JsonWriter w(std::cout, json_pretty);
	w.begin_object();
	w.field("error", message);
	w.end_object();
}

} // namespace

std::string subcommand(std::string const &given, std::initializer_list<char const *> names)
{
	std::string found;

	for (char const *n : names) {
		std::string_view name(n);
		if (name == given)
			return given;
		if (!given.empty() && given[0] != '-' && name.substr(0, given.size()) == given) {
			if (!found.empty())
				return given;
			found = name;
		}
	}
	return found.empty() ? given : found;
}

void set_json_errors(bool pretty)
{
	json_errors = true;
	json_pretty = json_pretty || pretty;
}

void print_error(std::string const &op, std::string const &message)
{
	std::cerr << "rax: " << op << ": " << message << '\n';
	print_json_error(op + ": " + message);
}

void print_error(Error const &e)
{
	std::cerr << "rax: " << e.to_string() << '\n';
	print_json_error(e.to_string());
}

int fail(Error const &e)
{
	print_error(e);
	return exit_code(e.code(), e.op());
}

int usage_error(std::string const &cmd, std::string const &message)
{
	print_error(cmd, message);
	std::cerr << "Try 'rax " << cmd << " --help'.\n";
	return EXIT_USAGE;
}

Options::Options(std::string cmd, std::string help, std::vector<Option> opts)
	: cmd_(std::move(cmd)), help_(std::move(help)), opts_(std::move(opts))
{
	opts_.push_back({"help", no_argument, 'h'});
}

int Options::parse(int argc, char **argv)
{
	std::string shorts = ":"; // ':' reports a missing argument as ':'
	std::vector<option> longs;

	for (auto const &o : opts_) {
		if (o.short_name > 0 && o.short_name < 256) {
			shorts += static_cast<char>(o.short_name);
			if (o.has_arg == required_argument)
				shorts += ':';
		}
		longs.push_back({o.name, o.has_arg, nullptr, o.short_name});
	}
	longs.push_back({nullptr, 0, nullptr, 0});

	optind = 0; // a full reinitialisation (GNU)
	opterr = 0;
	for (;;) {
		int longindex = -1;
		int c = getopt_long(argc, argv, shorts.c_str(), longs.data(), &longindex);

		if (c == -1)
			break;
		if (c == 'h') {
			std::cout << help_;
			return EXIT_OK;
		}
		if (c == '?' || c == ':') {
			// The option as written: a long one by its name (without
			// "=value"), a short one by its letter. getopt's optopt is
			// a long option's value, not a letter, when it has none.
			std::string arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
			bool is_long = arg.rfind("--", 0) == 0;
			std::string bad = is_long ? arg.substr(0, arg.find('='))
				: optopt > 0 && optopt < 256 ? std::string("-") + static_cast<char>(optopt)
							     : arg;
			if (c == ':')
				return usage("option '" + bad + "' needs an argument");
			if (is_long && optopt && arg.find('=') != std::string::npos)
				return usage("option '" + bad + "' takes no argument");
			return usage("unknown option '" + bad + "'");
		}
		if (longindex >= 0 ? !std::strcmp(longs[longindex].name, "json") ||
					     !std::strcmp(longs[longindex].name, "pretty")
				   : (c == 'j' || c == 'p') && declares(c))
			set_json_errors(c == 'p');
		seen_.push_back({c, optarg ? std::string(optarg) : std::string()});
	}
	for (int i = optind; i < argc; i++)
		args_.emplace_back(argv[i]);
	return -1;
}

bool Options::declares(int opt) const
{
	for (auto const &o : opts_)
		if (o.short_name == opt)
			return std::strcmp(o.name, "json") == 0 || std::strcmp(o.name, "pretty") == 0;
	return false;
}

std::string Options::get(int opt) const
{
	std::string v;

	for (auto const &s : seen_) {
		if (s.opt == opt)
			v = s.arg;
	}
	return v;
}

std::vector<std::string> Options::all(int opt) const
{
	std::vector<std::string> v;

	for (auto const &s : seen_) {
		if (s.opt == opt)
			v.push_back(s.arg);
	}
	return v;
}

bool Options::has(int opt) const
{
	for (auto const &s : seen_) {
		if (s.opt == opt)
			return true;
	}
	return false;
}

bool parse_int(std::string const &s, long lo, long hi, long &out)
{
	if (s.empty() || s[0] < '0' || s[0] > '9')
		return false;
	char *end = nullptr;
	errno = 0;
	long v = std::strtol(s.c_str(), &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	out = v;
	return true;
}

std::string colon_hex(std::string const &hex)
{
	std::string s;

	for (std::size_t i = 0; i < hex.size(); i++) {
		if (i && i % 2 == 0)
			s += ':';
		char c = hex[i];
		s += static_cast<char>(c >= 'a' && c <= 'f' ? c - 'a' + 'A' : c);
	}
	return s;
}

std::string ObjRef::text() const
{
	return pinned ? "pinned " + path : "id " + std::to_string(id);
}

std::string take_ref(std::vector<std::string> const &args, std::size_t &i, char const *what,
		     ObjRef &ref)
{
	std::string const w = what;
	long id = 0;

	if (i >= args.size())
		return "no " + w + " given (ID, id ID or pinned PATH)";
	std::string const &a = args[i];
	if (a == "pinned" || a == "id") {
		if (i + 1 >= args.size())
			return "'" + a + "' needs " + (a == "id" ? "an id" : "a path");
		std::string const &v = args[i + 1];
		if (a == "pinned") {
			if (v.empty())
				return "'pinned' needs a path";
			ref.pinned = true;
			ref.path = v;
		} else {
			if (!parse_int(v, 1, UINT32_MAX, id))
				return "bad " + w + " id '" + v + "'";
			ref.id = static_cast<std::uint32_t>(id);
		}
		i += 2;
		return "";
	}
	if (!parse_int(a, 1, UINT32_MAX, id))
		return "bad " + w + " '" + a + "' (ID, id ID or pinned PATH)";
	ref.id = static_cast<std::uint32_t>(id);
	i++;
	return "";
}

Result<kernel::Fd> open_ref(ObjRef const &ref, kernel::ObjKind kind)
{
	kernel::Fd fd;

	if (ref.pinned) {
		fd = RAX_TRY(kernel::obj_get(ref.path));
	} else if (kind == kernel::ObjKind::prog) {
		fd = RAX_TRY(kernel::prog_fd_by_id(ref.id));
	} else if (kind == kernel::ObjKind::map) {
		fd = RAX_TRY(kernel::map_fd_by_id(ref.id));
	} else {
		return Error(EINVAL, "open", "cannot open " + ref.text());
	}
	auto info = RAX_TRY(kernel::fdinfo(fd.get()));
	if (kernel::ObjKind k = kernel::obj_kind(info); k != kind)
		return Error(EINVAL, "open",
			     ref.text() + " is a " + kernel::obj_kind_name(k) + ", not a " +
				     kernel::obj_kind_name(kind));
	return fd;
}

std::string spaced_hex(std::span<std::uint8_t const> b, char const *sep)
{
	std::string s;
	std::string const h = rax::hex(b);

	for (std::size_t i = 0; i < b.size(); i++) {
		if (i)
			s += sep;
		s += h.substr(2 * i, 2);
	}
	return s;
}

void json_bytes(JsonWriter &w, std::span<std::uint8_t const> b)
{
	std::string const h = rax::hex(b);

	w.begin_array();
	for (std::size_t i = 0; i < b.size(); i++)
		w.value("0x" + h.substr(2 * i, 2));
	w.end_array();
}

void print_hexdump(std::ostream &out, std::span<std::uint8_t const> b, char const *indent)
{
	for (std::size_t off = 0; off < b.size(); off += 16) {
		std::ostringstream line;
		line << indent << std::hex << std::setw(4) << std::setfill('0') << off << "  ";
		out << line.str() << spaced_hex(b.subspan(off, std::min<std::size_t>(16, b.size() - off)))
		    << '\n';
	}
}

} // namespace rax::cli
