// SPDX-License-Identifier: GPL-2.0
// rax load: load a signed Rax object with bpf(BPF_PROG_LOAD) and
// BPF_F_RAX, after creating its maps, and pin the program and its maps.

#include <iostream>

#include <rax/describe.hpp>
#include <rax/json.hpp>
#include <rax/kernel.hpp>

#include "commands.hpp"
#include "util.hpp"

using namespace rax::cli;
namespace k = rax::kernel;

namespace {

constexpr char help[] =
	"Usage: rax load OBJ --pin DIR [-s SIG] [-e NAME] [-m NAME=PATH]... [--budget-us US]\n"
	"                [-j] [-p]\n"
	"\n"
	"Load the Rax object OBJ into the kernel: create the maps its .rax.maps\n"
	"defines (BPF_MAP_CREATE, in definition order), then BPF_PROG_LOAD with\n"
	"BPF_F_RAX, the object, its detached signature (as 'rax sign' writes it)\n"
	"and the map fds. The kernel checks the signature against its .rax keyring,\n"
	"then the object; when it refuses, its log (\"rax: <stage>: ...\") is\n"
	"printed. The program's type and attach type are the entry's; its name is\n"
	"the entry's function name (rax_entry_NAME), at most 15 characters.\n"
	"\n"
	"A program lives only as long as something holds it, and rax load exits\n"
	"when it is done: --pin is required. The program is pinned at DIR/prog and\n"
	"each map it created at DIR/maps/NAME (DIR on a bpf file system, such as\n"
	"/sys/fs/bpf/NAME; made if missing). Attach it with\n"
	"'rax attach pinned DIR/prog ...'; unload it with 'rm -r DIR' once no link\n"
	"holds it. On failure nothing stays pinned.\n"
	"\n"
	"Options:\n"
	"      --pin DIR          (required) pin the program at DIR/prog and its maps\n"
	"                         at DIR/maps/NAME\n"
	"  -s, --signature SIG    the signature (default OBJ.sig); also --sig\n"
	"  -e, --entry NAME       the entry to load, by function name (or symbol);\n"
	"                         needed when the object has more than one\n"
	"  -m, --map NAME=PATH    use the map pinned at PATH as the object's map NAME\n"
	"                         instead of creating one (type and sizes must match);\n"
	"                         may be repeated\n"
	"      --budget-us US     stop a run of the program after US microseconds\n"
	"                         (at most kernel.rax.budget_max_us, the default)\n"
	"  -j, --json             JSON output\n"
	"  -p, --pretty           pretty-printed JSON (implies -j)\n"
	"  -h, --help             show this help\n"
	"\n";

void print_json(std::string const &obj, k::LoadedProgram const &p, bool pretty)
{
	rax::JsonWriter w(std::cout, pretty);

	w.begin_object();
	w.field("file", obj);
	w.key("entry").begin_object();
	w.field("index", p.entry);
	w.field("symbol", p.entry_def.symbol);
	w.field("function", k::entry_function(p.entry_def.symbol));
	w.field("prog_type", rax::prog_type_name(p.entry_def.prog_type));
	if (std::string at = rax::entry_attach_type(p.entry_def); !at.empty())
		w.field("attach_type", at);
	else
		w.key("attach_type").null();
	w.end_object();
	w.field("prog_id", p.id);
	w.field("prog_name", p.prog_name);
	w.field("pinned", p.pinned);
	w.key("maps").begin_array();
	for (auto const &m : p.maps) {
		w.begin_object();
		w.field("name", m.name);
		w.field("id", m.id);
		w.field("created", m.reused_from.empty());
		if (!m.reused_from.empty())
			w.field("reused_from", m.reused_from);
		if (!m.pinned.empty())
			w.field("pinned", m.pinned);
		w.end_object();
	}
	w.end_array();
	w.field("log", p.log);
	w.end_object();
}

void print_text(std::string const &obj, k::LoadedProgram const &p)
{
	std::cout << obj << ": loaded entry " << k::entry_function(p.entry_def.symbol) << " ("
		  << rax::prog_type_name(p.entry_def.prog_type) << ") as program " << p.id << " \""
		  << p.prog_name << "\", pinned at " << p.pinned << '\n';
	for (auto const &m : p.maps) {
		std::cout << "\tmap " << m.name << ": id " << m.id;
		if (!m.reused_from.empty())
			std::cout << ", reused from " << m.reused_from;
		else
			std::cout << ", created, pinned at " << m.pinned;
		std::cout << '\n';
	}
	if (!p.log.empty())
		std::cerr << p.log << (p.log.back() == '\n' ? "" : "\n");
}

} // namespace

int cmd_load(int argc, char **argv)
{
	Options o("load", std::string(help) + exit_codes_help,
		  {
			  {"pin", required_argument, OPT_PIN},
			  {"signature", required_argument, 's'},
			  {"sig", required_argument, 's'},
			  {"entry", required_argument, 'e'},
			  {"map", required_argument, 'm'},
			  {"budget-us", required_argument, OPT_BUDGET},
			  {"json", no_argument, 'j'},
			  {"pretty", no_argument, 'p'},
		  });
	if (int r = o.parse(argc, argv); r >= 0)
		return r;
	if (o.args().size() != 1)
		return o.usage(o.args().empty() ? "no object given" : "more than one object given");
	if (!o.has(OPT_PIN) || o.get(OPT_PIN).empty())
		return o.usage("--pin DIR is required: without a pin the program is unloaded when "
			       "rax load exits");

	k::LoadOptions opt;
	opt.object = o.args().front();
	opt.signature = o.get('s');
	opt.entry = o.get('e');
	if (long us = 0; o.has(OPT_BUDGET)) {
		if (!parse_int(o.get(OPT_BUDGET), 1, UINT32_MAX, us))
			return o.usage("--budget-us '" + o.get(OPT_BUDGET) +
				       "': not a number of microseconds from 1 to " +
				       std::to_string(UINT32_MAX));
		opt.budget_us = static_cast<std::uint32_t>(us);
	}
	opt.pin_dir = o.get(OPT_PIN);
	while (opt.pin_dir.size() > 1 && opt.pin_dir.back() == '/')
		opt.pin_dir.pop_back();
	for (auto const &m : o.all('m')) {
		std::size_t const eq = m.find('=');
		if (eq == std::string::npos || eq == 0 || eq + 1 == m.size())
			return o.usage("--map '" + m + "': expected NAME=PATH");
		std::string const name = m.substr(0, eq);
		if (opt.reuse_maps.count(name))
			return o.usage("--map " + name + " given twice");
		opt.reuse_maps[name] = m.substr(eq + 1);
	}

	auto p = k::load_program(opt);
	if (!p) {
		int r = fail(p.error());
		if (p.error().op() == "entry" && opt.entry.empty())
			std::cerr << "Choose the entry with --entry NAME.\n";
		return r;
	}
	if (o.has('j') || o.has('p'))
		print_json(opt.object, *p, o.has('p'));
	else
		print_text(opt.object, *p);
	return EXIT_OK;
}
