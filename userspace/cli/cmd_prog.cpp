// SPDX-License-Identifier: GPL-2.0
// rax prog list|show: the kernel's BPF programs as bpftool shows them,
// with what the kernel tells about Rax programs (their fdinfo's rax_entry,
// rax_signer and rax_panics lines).

#include <iostream>
#include <optional>

#include <rax/describe.hpp>
#include <rax/json.hpp>
#include <rax/kernel.hpp>

#include "commands.hpp"
#include "util.hpp"

using namespace rax::cli;
namespace k = rax::kernel;

namespace {

constexpr char help[] =
	"Usage: rax prog list [-j] [-p]\n"
	"       rax prog show PROG [-j] [-p]\n"
	"\n"
	"  PROG := ID | id ID | pinned PATH\n"
	"\n"
	"List every BPF program of the kernel (BPF_PROG_GET_NEXT_ID), or show one:\n"
	"id, type, name, tag, run_cnt and run_time_ns (counted while\n"
	"kernel.bpf_stats_enabled is 1), translated and JIT sizes, map ids. A Rax\n"
	"program (its fdinfo has \"rax: 1\") is marked 'rax', with its entry symbol\n"
	"(rax_entry), the key id of its signer (rax_signer), how often it\n"
	"panicked (rax_panics), its time budget per run (rax_budget_ns), how\n"
	"often it was stopped past it (rax_timeouts), the largest overrun of\n"
	"the deadline at a stop (rax_overrun_max_ns), its panic limit\n"
	"(rax_panic_limit, 0 for none; kernel.rax.panic_limit at load), whether\n"
	"reaching it disabled the program (rax_disabled), the runs skipped\n"
	"since (rax_skipped), and whether it runs bare (rax_bare: a program of\n"
	"leaves, without loops, calls or panics, run without a frame, a stack\n"
	"or a budget of its own); eBPF programs are listed beside it.\n"
	"\n"
	"Options:\n"
	"  -j, --json             JSON output\n"
	"  -p, --pretty           pretty-printed JSON (implies -j)\n"
	"  -h, --help             show this help\n"
	"\n";

struct Prog {
	k::ProgInfo info;
	std::optional<k::RaxProgInfo> rax;
};

rax::Result<Prog> describe(int fd)
{
	Prog p;
	p.info = RAX_TRY(k::prog_info(fd));
	p.rax = k::rax_prog_info(RAX_TRY(k::fdinfo(fd)));
	return p;
}

void json_prog(rax::JsonWriter &w, Prog const &p)
{
	w.begin_object();
	w.field("id", p.info.id);
	w.field("type", rax::prog_type_name(p.info.type));
	w.field("name", p.info.name);
	w.field("tag", p.info.tag);
	w.field("run_cnt", p.info.run_cnt);
	w.field("run_time_ns", p.info.run_time_ns);
	w.field("uid", p.info.created_by_uid);
	w.field("bytes_xlated", p.info.xlated_prog_len);
	w.field("bytes_jited", p.info.jited_prog_len);
	w.key("map_ids").begin_array();
	for (auto id : p.info.map_ids)
		w.value(id);
	w.end_array();
	w.field("rax", p.rax.has_value());
	if (p.rax) {
		w.field("rax_entry", p.rax->entry);
		w.field("rax_signer", p.rax->signer);
		w.field("rax_panics", p.rax->panics);
		w.field("rax_budget_ns", p.rax->budget_ns);
		w.field("rax_timeouts", p.rax->timeouts);
		w.field("rax_overrun_max_ns", p.rax->overrun_max_ns);
		w.field("rax_panic_limit", p.rax->panic_limit);
		w.field("rax_disabled", p.rax->disabled);
		w.field("rax_skipped", p.rax->skipped);
		w.field("rax_bare", p.rax->bare);
	}
	w.end_object();
}

void text_prog(Prog const &p)
{
	std::ostream &out = std::cout;

	out << p.info.id << ": " << rax::prog_type_name(p.info.type);
	if (!p.info.name.empty())
		out << "  name " << p.info.name;
	out << "  tag " << p.info.tag;
	if (p.rax)
		out << "  rax";
	out << '\n';
	out << "\tuid " << p.info.created_by_uid << "  xlated " << p.info.xlated_prog_len
	    << "B  jited " << p.info.jited_prog_len << "B  run_cnt " << p.info.run_cnt
	    << "  run_time_ns " << p.info.run_time_ns << '\n';
	if (!p.info.map_ids.empty()) {
		out << "\tmap_ids ";
		for (std::size_t i = 0; i < p.info.map_ids.size(); i++)
			out << (i ? "," : "") << p.info.map_ids[i];
		out << '\n';
	}
	if (p.rax) {
		out << "\trax_entry " << p.rax->entry;
		if (!p.rax->signer.empty())
			out << "  rax_signer " << p.rax->signer;
		out << "  rax_panics " << p.rax->panics << (p.rax->bare ? "  bare" : "") << '\n';
		out << "\trax_budget_ns " << p.rax->budget_ns << "  rax_timeouts " << p.rax->timeouts
		    << "  rax_overrun_max_ns " << p.rax->overrun_max_ns << '\n';
		if (p.rax->panic_limit)
			out << "\trax_panic_limit " << p.rax->panic_limit << "  rax_skipped "
			    << p.rax->skipped << (p.rax->disabled ? "  disabled" : "") << '\n';
	}
}

Options options(std::string const &cmd)
{
	return Options(cmd, std::string(help) + exit_codes_help,
		       {
			       {"json", no_argument, 'j'},
			       {"pretty", no_argument, 'p'},
		       });
}

int prog_list(int argc, char **argv)
{
	Options o = options("prog list");
	if (int r = o.parse(argc, argv); r >= 0)
		return r;
	if (!o.args().empty())
		return o.usage("unexpected argument '" + o.args().front() + "'");

	auto ids = k::prog_ids();
	if (!ids)
		return fail(ids.error());
	std::vector<Prog> progs;
	for (auto id : *ids) {
		auto fd = k::prog_fd_by_id(id);
		if (!fd && fd.error().code() == ENOENT)
			continue; // unloaded meanwhile
		if (!fd)
			return fail(fd.error());
		auto p = describe(fd->get());
		if (!p)
			return fail(p.error());
		progs.push_back(std::move(*p));
	}

	if (o.has('j') || o.has('p')) {
		rax::JsonWriter w(std::cout, o.has('p'));
		w.begin_array();
		for (auto const &p : progs)
			json_prog(w, p);
		w.end_array();
	} else {
		for (auto const &p : progs)
			text_prog(p);
	}
	return EXIT_OK;
}

int prog_show(int argc, char **argv)
{
	Options o = options("prog show");
	if (int r = o.parse(argc, argv); r >= 0)
		return r;
	// Without a program, as bpftool: every program.
	if (o.args().empty())
		return prog_list(argc, argv);
	ObjRef ref;
	std::size_t i = 0;
	if (std::string e = take_ref(o.args(), i, "program", ref); !e.empty())
		return o.usage(e);
	if (i != o.args().size())
		return o.usage("unexpected argument '" + o.args()[i] + "'");

	auto fd = open_ref(ref, k::ObjKind::prog);
	if (!fd)
		return fail(fd.error());
	auto p = describe(fd->get());
	if (!p)
		return fail(p.error());
	if (o.has('j') || o.has('p')) {
		rax::JsonWriter w(std::cout, o.has('p'));
		json_prog(w, *p);
	} else {
		text_prog(*p);
	}
	return EXIT_OK;
}

} // namespace

int cmd_prog(int argc, char **argv)
{
	std::string const sub = subcommand(argc > 1 ? argv[1] : "", {"list", "show", "help"});

	if (sub == "list")
		return prog_list(argc - 1, argv + 1);
	if (sub == "show")
		return prog_show(argc - 1, argv + 1);
	if (sub == "help" || sub == "-h" || sub == "--help") {
		std::cout << help << exit_codes_help;
		return EXIT_OK;
	}
	return usage_error("prog", sub.empty() ? "no subcommand given (list or show)"
					       : "unknown subcommand '" + sub + "' (list or show)");
}
