// SPDX-License-Identifier: GPL-2.0
// rax verify: the kernel's checks of a Rax load, in userspace and in the
// kernel's order: sizes, the signature against the trusted certificates,
// then the strict parse of the signed object.

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <system_error>

#include <linux/rax.h>

#include <rax/build.hpp>
#include <rax/object.hpp>
#include <rax/sign.hpp>

#include "commands.hpp"
#include "util.hpp"

using namespace rax::cli;

namespace {

constexpr char help[] =
	"Usage: rax verify OBJ [-s OBJ.sig] -c CERT [-c CERT...]\n"
	"\n"
	"Check OBJ as BPF_PROG_LOAD with BPF_F_RAX does, in the same order:\n"
	"  1. the sizes of the object and its signature;\n"
	"  2. the detached PKCS#7 signature over the whole object, against the\n"
	"     given certificates only (as the kernel uses its .rax keyring);\n"
	"  3. the strict parse of the object (Documentation/rax/format.rst).\n"
	"Nothing is parsed before the signature has been verified. Prints the\n"
	"signer and a summary on success; on refusal, the reason on stderr.\n"
	"\n"
	"With --rebuild, a 4th step: build CRATE_DIR with this toolchain and\n"
	"require the result to be OBJ byte for byte (builds are reproducible:\n"
	"the same sources and toolchain give the same object in any directory),\n"
	"so a signing service can check what it signs instead of trusting the\n"
	"object's provenance note.\n"
	"\n"
	"Options:\n"
	"  -s, --signature SIG   the signature (default OBJ.sig)\n"
	"  -c, --cert CERT       a trusted certificate (PEM, one or more, or DER);\n"
	"                        repeat for more\n"
	"  -r, --rebuild DIR     rebuild the extension crate DIR and compare\n"
	"  -C, --cache DIR       sysroot cache for --rebuild (as rax build)\n"
	"  -q, --quiet           print nothing on success\n"
	"  -h, --help            show this help\n"
	"\n";

// 4. Build @crate into a scratch directory and compare with @image.
int rebuild(std::string const &obj, std::vector<std::uint8_t> const &image,
	    std::string const &crate, std::string const &cache, bool quiet)
{
	namespace fs = std::filesystem;
	std::error_code ec;
	std::string tmpl = (fs::temp_directory_path(ec) / "rax-rebuild.XXXXXX").string();
	if (!mkdtemp(tmpl.data()))
		return fail(rax::Error(errno, "rebuild", "cannot make a scratch directory"));
	struct Remove {
		std::string dir;
		~Remove()
		{
			std::error_code e;
			std::filesystem::remove_all(dir, e);
		}
	} scratch{tmpl};

	rax::BuildOptions opt;
	opt.crate_dir = crate;
	opt.output = (fs::path(tmpl) / "rebuilt.rax.o").string();
	opt.cache_dir = cache;
	// The object was accepted under its builder's limit; only the bytes matter.
	opt.stack_limit = 1ULL << 32;
	auto r = rax::build(opt);
	if (!r)
		return fail(rax::Error(r.error().code(), "rebuild",
				       crate + " does not build: " + r.error().message()));
	auto again = rax::read_file(r->output);
	if (!again)
		return fail(again.error());
	if (*again != image) {
		std::size_t n = std::min(again->size(), image.size()), i = 0;
		while (i < n && (*again)[i] == image[i])
			i++;
		return fail(rax::Error(EBADMSG, "rebuild",
				       obj + " is not what " + crate + " builds to: first difference at byte " +
					       std::to_string(i) + " (" + std::to_string(image.size()) +
					       " bytes signed, " + std::to_string(again->size()) +
					       " bytes rebuilt)"));
	}
	if (!quiet)
		std::cout << obj << ": rebuilt from " << crate << ": identical, " << image.size()
			  << " bytes\n";
	return EXIT_OK;
}

} // namespace

int cmd_verify(int argc, char **argv)
{
	Options o("verify", std::string(help) + exit_codes_help,
		  {
			  {"signature", required_argument, 's'},
			  {"cert", required_argument, 'c'},
			  {"rebuild", required_argument, 'r'},
			  {"cache", required_argument, 'C'},
			  {"quiet", no_argument, 'q'},
		  });
	if (int r = o.parse(argc, argv); r >= 0)
		return r;
	if (o.args().size() != 1)
		return o.usage(o.args().empty() ? "no object given" : "more than one object given");
	if (!o.has('c'))
		return o.usage("at least one -c CERT is required");

	std::string const &obj = o.args().front();
	std::string sig_path = o.has('s') ? o.get('s') : obj + ".sig";
	std::vector<std::string> certs = o.all('c');
	bool quiet = o.has('q');

	// The kernel's checks, in its order: sizes, signature, parse.
	auto v = rax::verify_file(obj, sig_path, certs, [&](rax::Signer const &s) {
		if (!quiet)
			std::cout << obj << ": signature OK: " << s.subject << ", serial " << s.serial
				  << ", key id " << s.key_id << " (" << s.cert << ")\n";
	});
	if (!v)
		return fail(v.error());
	if (!quiet)
		std::cout << obj << ": Rax object OK: format " << v->object.provenance.format << ", "
			  << v->object.entries.size() << " entries, " << v->object.maps.size()
			  << " maps, " << v->object.imports.size() << " helpers\n";
	if (o.has('r'))
		return rebuild(obj, v->image, o.get('r'), o.has('C') ? o.get('C') : "", quiet);
	return EXIT_OK;
}
