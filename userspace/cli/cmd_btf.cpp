// SPDX-License-Identifier: GPL-2.0
// rax btf-bindings: the rax crate's context bindings from a kernel's BTF,
// or a check that the checked-in bindings match it.

#include <iostream>
#include <string>

#include <rax/btf.hpp>

#include "commands.hpp"
#include "util.hpp"

using namespace rax::cli;

namespace {

constexpr int OPT_CHECK = 256;
constexpr int OPT_LAYOUTS = 257;

constexpr char help[] =
	"Usage: rax btf-bindings [--btf FILE] [-o OUT.rs | --check FILE.rs | --layouts]\n"
	"\n"
	"Read the layouts of the kernel structures Rax contexts read\n"
	"(kernel/rax/ctx_types.h) from a kernel's BTF and write the rax crate's\n"
	"bindings for them (userspace/rax/src/btf.rs): #[repr(C)] structs with the\n"
	"members at the kernel's offsets, and the layouts' SHA-256, which 'rax\n"
	"build' records as the object's RAX_PROV_BTF_SHA256 and the kernel compares\n"
	"with its own. There is no CO-RE: objects are built for these layouts.\n"
	"\n"
	"Options:\n"
	"  -b, --btf FILE       the kernel's BTF: a vmlinux (its .BTF section) or a\n"
	"                       raw blob (default /sys/kernel/btf/vmlinux)\n"
	"  -o, --output FILE    write the bindings here (default: standard output)\n"
	"      --check FILE     compare FILE with the bindings instead; exit 1 when\n"
	"                       they differ, naming the first differing line\n"
	"      --layouts        print the layouts' text (what is hashed) and hash\n"
	"  -h, --help           show this help\n"
	"\n";

} // namespace

int cmd_btf_bindings(int argc, char **argv)
{
	Options o("btf-bindings", std::string(help) + exit_codes_help,
		  {
			  {"btf", required_argument, 'b'},
			  {"output", required_argument, 'o'},
			  {"check", required_argument, OPT_CHECK},
			  {"layouts", no_argument, OPT_LAYOUTS},
		  });
	if (int r = o.parse(argc, argv); r >= 0)
		return r;
	if (!o.args().empty())
		return o.usage("unexpected argument '" + o.args().front() + "'");
	if (int(o.has('o')) + int(o.has(OPT_CHECK)) + int(o.has(OPT_LAYOUTS)) > 1)
		return o.usage("-o, --check and --layouts exclude each other");

	std::string const path = o.has('b') ? o.get('b') : "/sys/kernel/btf/vmlinux";
	auto btf = rax::read_btf(path);
	if (!btf)
		return fail(with_file(btf.error(), "btf-bindings", path));
	auto layouts = rax::context_layouts(*btf);
	if (!layouts)
		return fail(with_file(layouts.error(), "btf-bindings", path));
	if (o.has(OPT_LAYOUTS)) {
		std::cout << rax::context_layouts_text(*layouts)
			  << "sha256 " << rax::hex(rax::context_layouts_sha256(*layouts)) << '\n';
		return EXIT_OK;
	}
	auto text = rax::context_bindings(*layouts);
	if (!text)
		return fail(text.error());

	if (o.has(OPT_CHECK)) {
		std::string const file = o.get(OPT_CHECK);
		auto have = rax::read_file(file);
		if (!have)
			return fail(with_file(have.error(), "btf-bindings", file));
		std::string const old(have->begin(), have->end());
		if (old == *text) {
			std::cout << file << ": matches the BTF of " << path << '\n';
			return EXIT_OK;
		}
		std::size_t line = 1, i = 0;
		for (; i < old.size() && i < text->size() && old[i] == (*text)[i]; i++)
			line += old[i] == '\n';
		print_error("btf-bindings", file + ": differs from the bindings of " + path +
						    " from line " + std::to_string(line) +
						    "; regenerate it with: rax btf-bindings --btf " +
						    path + " -o " + file);
		return EXIT_REFUSED;
	}
	if (o.has('o')) {
		std::string const file = o.get('o');
		auto w = rax::write_file(file, std::span(reinterpret_cast<std::uint8_t const *>(
								 text->data()),
							 text->size()));
		if (!w)
			return fail(with_file(w.error(), "btf-bindings", file));
		std::cerr << "rax: btf-bindings: wrote " << file << " (context layouts sha256 "
			  << rax::hex(rax::context_layouts_sha256(*layouts)) << ")\n";
		return EXIT_OK;
	}
	std::cout << *text;
	return EXIT_OK;
}
