// SPDX-License-Identifier: GPL-2.0
// rax build: compile, check and (optionally) sign an extension crate.

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>

#include <rax/build.hpp>
#include <rax/json.hpp>
#include <rax/sign.hpp>

#include "commands.hpp"
#include "util.hpp"

using namespace rax::cli;

namespace {

std::string build_help()
{
	return "Usage: rax build [OPTIONS] [CRATE_DIR]\n"
	       "\n"
	       "Compile an extension crate (a directory with Rax.toml and src/lib.rs)\n"
	       "with the pinned toolchain into a Rax object, after refusing every\n"
	       "construct safe extensions may not use, and bounding each entry's stack.\n"
	       "\n"
	       "Options:\n"
	       "  -o, --output FILE      the object (default CRATE_DIR/target/NAME.rax.o)\n"
	       "      --stack-limit N    largest stack bound accepted, in bytes (default 32768)\n"
	       "  -C, --cache DIR        sysroot cache (default $XDG_CACHE_HOME/rax)\n"
	       "  -k, --key FILE         sign the object with this private key (PEM) ...\n"
	       "  -c, --cert FILE        ... and this certificate; writes OBJECT.sig\n"
	       "  -j, --json             print the result as JSON\n"
	       "  -p, --pretty           pretty JSON (implies -j)\n"
	       "  -q, --quiet            no progress lines\n"
	       "  -h, --help             this help\n"
	       "\n"
	       "Exit status:\n"
	       "  0  built (and signed, with -k and -c)\n"
	       "  1  refused: a construct refused, a stack bound over the limit, a\n"
	       "     compiler error (EPERM, EINVAL, E2BIG, ELOOP, ...)\n"
	       "  2  usage error: unknown option, missing argument, a CRATE_DIR that is\n"
	       "     not a directory\n"
	       "  3  system error: a missing toolchain (rustc, the termination pass, the\n"
	       "     sysroot's sources), a file that cannot be read or written (ENOENT,\n"
	       "     EACCES, EIO, ...)\n";
}

void print_refusals_json(rax::JsonWriter &j, std::vector<rax::Refusal> const &refusals)
{
	j.key("refused").begin_array();
	for (auto const &r : refusals) {
		j.begin_object();
		j.key("file").value(r.file);
		j.key("line").value(static_cast<std::uint64_t>(r.line));
		j.key("column").value(static_cast<std::uint64_t>(r.column));
		j.key("construct").value(r.construct);
		j.key("message").value(r.message);
		j.end_object();
	}
	j.end_array();
}

} // namespace

int cmd_build(int argc, char **argv)
{
	enum { OPT_STACK_LIMIT = 256 };
	Options o("build", build_help(),
		  {
			  {"output", required_argument, 'o'},
			  {"stack-limit", required_argument, OPT_STACK_LIMIT},
			  {"cache", required_argument, 'C'},
			  {"key", required_argument, 'k'},
			  {"cert", required_argument, 'c'},
			  {"json", no_argument, 'j'},
			  {"pretty", no_argument, 'p'},
			  {"quiet", no_argument, 'q'},
		  });
	if (int r = o.parse(argc, argv); r >= 0)
		return r;

	rax::BuildOptions opt;
	std::string key = o.get('k'), cert = o.get('c');
	bool pretty = o.has('p'), json = pretty || o.has('j'), quiet = o.has('q');
	opt.output = o.get('o');
	opt.cache_dir = o.get('C');
	if (o.has(OPT_STACK_LIMIT)) {
		std::string v = o.get(OPT_STACK_LIMIT);
		char *end = nullptr;
		errno = 0;
		unsigned long long n = std::strtoull(v.c_str(), &end, 0);
		if (errno || !end || *end || n == 0)
			return o.usage("--stack-limit: '" + v + "' is not a number of bytes");
		opt.stack_limit = n;
	}
	if (o.args().size() > 1)
		return o.usage("one crate directory only");
	opt.crate_dir = o.args().empty() ? "." : o.args().front();
	if (std::error_code ec; !std::filesystem::is_directory(opt.crate_dir, ec))
		return o.usage("'" + opt.crate_dir + "' is not a crate directory");
	if (key.empty() != cert.empty())
		return o.usage("signing needs both --key and --cert");
	if (!quiet)
		opt.progress = [](std::string const &s) { std::fprintf(stderr, "rax build: %s\n", s.c_str()); };

	std::vector<rax::Refusal> refusals;
	auto r = rax::build_and_sign(opt, key, cert, &refusals);
	if (!r) {
		if (json) {
			rax::JsonWriter j(std::cout, pretty);
			j.begin_object();
			j.key("error").value(r.error().message());
			j.key("errno").value(static_cast<std::int64_t>(r.error().code()));
			print_refusals_json(j, refusals);
			j.end_object();
		}
		std::fprintf(stderr, "rax: %s\n", r.error().to_string().c_str());
		// A refusal of the crate (EPERM, with what was refused), of its
		// code (a stack bound, a compiler error): 1; a missing
		// toolchain or a file that cannot be read or written: 3, as for
		// every command.
		return refusals.empty() ? exit_code(r.error().code(), r.error().op()) : EXIT_REFUSED;
	}
	std::string const &sig = r->signature;

	auto const &an = r->analysis;
	if (json) {
		rax::JsonWriter j(std::cout, pretty);
		j.begin_object();
		j.key("name").value(r->manifest.name);
		j.key("version").value(r->manifest.version);
		j.key("object").value(r->output);
		j.key("size").value(r->size);
		if (!sig.empty())
			j.key("signature").value(sig);
		j.key("entries").begin_array();
		for (std::size_t i = 0; i < an.entries.size(); i++) {
			j.begin_object();
			j.key("symbol").value(an.entries[i].symbol);
			j.key("prog_type").value(static_cast<std::uint64_t>(an.entries[i].prog_type));
			if (i < an.stack.size()) {
				j.key("stack").value(an.stack[i].bytes);
				j.key("stack_path").begin_array();
				for (auto const &f : an.stack[i].path)
					j.value(f);
				j.end_array();
			}
			j.end_object();
		}
		j.end_array();
		j.key("maps").begin_array();
		for (auto const &m : an.maps)
			j.value(m.name);
		j.end_array();
		j.key("helpers").begin_array();
		for (auto const &h : an.imports)
			j.value(h);
		j.end_array();
		j.key("source_sha256").value(rax::hex(r->provenance.source_sha256));
		j.end_object();
		return 0;
	}
	std::printf("%s %s -> %s (%llu bytes)\n", r->manifest.name.c_str(), r->manifest.version.c_str(),
		    r->output.c_str(), static_cast<unsigned long long>(r->size));
	for (std::size_t i = 0; i < an.entries.size(); i++)
		std::printf("  entry %s: stack %llu bytes\n", an.entries[i].symbol.c_str(),
			    static_cast<unsigned long long>(i < an.stack.size() ? an.stack[i].bytes : 0));
	for (auto const &m : an.maps)
		std::printf("  map %s\n", m.name.c_str());
	std::string hs;
	for (auto const &h : an.imports)
		hs += (hs.empty() ? "" : ", ") + h;
	std::printf("  helpers: %s\n", hs.empty() ? "(none)" : hs.c_str());
	if (!sig.empty())
		std::printf("  signed: %s\n", sig.c_str());
	return 0;
}
