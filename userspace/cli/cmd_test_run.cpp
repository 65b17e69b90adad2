// SPDX-License-Identifier: GPL-2.0
// rax test-run: run an XDP or tc program once (or N times) on a packet
// with BPF_PROG_TEST_RUN and show its return value and the packet after.

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
	"Usage: rax test-run PROG (--data HEX | --data-file PATH) [--repeat N] [-j] [-p]\n"
	"\n"
	"  PROG := ID | id ID | pinned PATH\n"
	"\n"
	"Run the XDP or tc (sched_cls) program PROG on a packet with\n"
	"BPF_PROG_TEST_RUN and print its return value with its name (XDP_ABORTED,\n"
	"XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT; TC_ACT_OK, TC_ACT_SHOT, ...), the\n"
	"average duration of a run and the packet as the program left it. A tc\n"
	"program needs at least an Ethernet header (14 bytes).\n"
	"\n"
	"Options:\n"
	"      --data HEX         the packet, in hex (\"ffffffffffff0001...\"; white space\n"
	"                         and ':' between bytes are allowed)\n"
	"      --data-file PATH   the packet, raw bytes from PATH\n"
	"      --repeat N         run N times (default 1)\n"
	"  -j, --json             JSON output\n"
	"  -p, --pretty           pretty-printed JSON (implies -j)\n"
	"  -h, --help             show this help\n"
	"\n";

} // namespace

int cmd_test_run(int argc, char **argv)
{
	Options o("test-run", std::string(help) + exit_codes_help,
		  {
			  {"data", required_argument, OPT_DATA},
			  {"data-file", required_argument, OPT_DATA_FILE},
			  {"repeat", required_argument, OPT_REPEAT},
			  {"json", no_argument, 'j'},
			  {"pretty", no_argument, 'p'},
		  });
	if (int r = o.parse(argc, argv); r >= 0)
		return r;
	ObjRef ref;
	std::size_t i = 0;
	if (std::string e = take_ref(o.args(), i, "program", ref); !e.empty())
		return o.usage(e);
	if (i != o.args().size())
		return o.usage("unexpected argument '" + o.args()[i] + "'");
	if (o.has(OPT_DATA) == o.has(OPT_DATA_FILE))
		return o.usage("give the packet with one of --data HEX and --data-file PATH");
	long repeat = 1;
	if (o.has(OPT_REPEAT) && !parse_int(o.get(OPT_REPEAT), 1, UINT32_MAX, repeat))
		return o.usage("--repeat '" + o.get(OPT_REPEAT) + "': not a number from 1 to " +
			       std::to_string(UINT32_MAX));

	rax::Bytes data;
	if (o.has(OPT_DATA)) {
		auto d = k::parse_hex(o.get(OPT_DATA));
		if (!d)
			return o.usage("--data: " + d.error().message());
		data = std::move(*d);
	} else {
		auto d = rax::read_file(o.get(OPT_DATA_FILE));
		if (!d)
			return fail(d.error());
		data = std::move(*d);
	}
	if (data.empty())
		return o.usage("the packet is empty");

	auto fd = open_ref(ref, k::ObjKind::prog);
	if (!fd)
		return fail(fd.error());
	auto info = k::prog_info(fd->get());
	if (!info)
		return fail(info.error());
	if (info->type != k::prog_xdp && info->type != k::prog_sched_cls)
		return fail(rax::Error(EINVAL, "test-run",
				       "program " + std::to_string(info->id) + " is a " +
					       rax::prog_type_name(info->type) +
					       " program; test-run runs xdp and sched_cls (tc) programs"));

	auto t = k::test_run(fd->get(), data, static_cast<std::uint32_t>(repeat));
	if (!t)
		return fail(t.error());
	std::string const name = k::retval_name(info->type, t->retval);
	// tc's actions are signed (TC_ACT_UNSPEC is -1).
	std::int64_t const retval = info->type == k::prog_sched_cls
					    ? static_cast<std::int64_t>(static_cast<std::int32_t>(t->retval))
					    : static_cast<std::int64_t>(t->retval);

	if (o.has('j') || o.has('p')) {
		rax::JsonWriter w(std::cout, o.has('p'));
		w.begin_object();
		w.field("id", info->id);
		w.field("type", rax::prog_type_name(info->type));
		w.field("retval", retval);
		if (name.empty())
			w.key("retval_name").null();
		else
			w.field("retval_name", name);
		w.field("duration_ns", t->duration_ns);
		w.field("repeat", static_cast<std::uint64_t>(repeat));
		w.field("data_size_in", static_cast<std::uint64_t>(data.size()));
		w.field("data_size_out", static_cast<std::uint64_t>(t->data_out.size()));
		w.key("data_out");
		json_bytes(w, t->data_out);
		w.field("data_out_hex", rax::hex(t->data_out));
		w.end_object();
	} else {
		std::cout << "retval " << retval;
		if (!name.empty())
			std::cout << " (" << name << ")";
		std::cout << "  duration " << t->duration_ns << " ns  repeat " << repeat << '\n';
		std::cout << "data_out " << t->data_out.size() << " bytes:\n";
		print_hexdump(std::cout, t->data_out, "\t");
	}
	return EXIT_OK;
}
