// SPDX-License-Identifier: GPL-2.0
// rax attach: attach a loaded program to a hook through a BPF link (XDP,
// tcx, or a perf event for kprobes, tracepoints and software events) and
// pin the link so the attachment outlives the command.

#include <net/if.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
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
	"Usage: rax attach PROG TARGET --pin-link PATH [-j] [-p]\n"
	"\n"
	"  PROG   := ID | id ID | pinned PATH\n"
	"  TARGET := xdp DEV\n"
	"          | tc DEV ingress|egress\n"
	"          | kprobe FUNC\n"
	"          | kretprobe FUNC\n"
	"          | tracepoint CATEGORY:NAME\n"
	"          | perf_event software cpu-clock|task-clock\n"
	"                       (--freq HZ | --period N) [--cpu N]\n"
	"\n"
	"Attach PROG through a BPF link (BPF_LINK_CREATE) and pin the link at PATH;\n"
	"the program stays attached until the pin is removed (rm PATH) and no one\n"
	"holds the link. PROG must have the target's program type:\n"
	"  xdp         XDP link on network device DEV (xdp programs)\n"
	"  tc          tcx link on DEV's ingress or egress (sched_cls programs)\n"
	"  kprobe      a kprobe (kretprobe: a return probe) on kernel function FUNC,\n"
	"              a perf event of the kprobe PMU (kprobe programs)\n"
	"  tracepoint  the tracepoint's perf event (tracepoint programs; its id from\n"
	"              tracefs, /sys/kernel/tracing/events/CATEGORY/NAME/id)\n"
	"  perf_event  a software perf event sampling at HZ per second or every N\n"
	"              events, on one CPU (--cpu) or each online CPU, one link per\n"
	"              CPU pinned at PATH, PATH_1, PATH_2, ... (perf_event programs;\n"
	"              not PATH.1: bpffs refuses names with a dot)\n"
	"On failure nothing stays pinned.\n"
	"\n"
	"Options:\n"
	"      --pin-link PATH    (required) pin the link (the first link) at PATH, on\n"
	"                         a bpf file system\n"
	"      --freq HZ          perf_event: sampling frequency\n"
	"      --period N         perf_event: sample every N events (ns for the clocks)\n"
	"      --cpu N            perf_event: only on CPU N\n"
	"  -j, --json             JSON output\n"
	"  -p, --pretty           pretty-printed JSON (implies -j)\n"
	"  -h, --help             show this help\n"
	"\n";

struct Target {
	std::string kind;
	std::string dev;       // xdp, tc
	bool egress = false;   // tc
	std::string func;      // kprobe, kretprobe
	std::string category;  // tracepoint
	std::string name;      // tracepoint
	std::string event;     // perf_event: cpu-clock, task-clock
	std::uint64_t config = 0;
	std::string text;      // "xdp eth0"
};

// The program type each target kind needs.
std::uint32_t needed_type(std::string const &kind)
{
	if (kind == "xdp")
		return k::prog_xdp;
	if (kind == "tc")
		return k::prog_sched_cls;
	if (kind == "kprobe" || kind == "kretprobe")
		return k::prog_kprobe;
	if (kind == "tracepoint")
		return k::prog_tracepoint;
	return k::prog_perf_event;
}

// Parse TARGET from @args at @i. Returns "" or the usage message.
std::string parse_target(std::vector<std::string> const &args, std::size_t i, Target &t)
{
	auto const n = args.size() - i;
	auto const want = [&](std::size_t count, char const *form) -> std::string {
		if (n < count)
			return "target " + t.kind + " needs " + form;
		if (n > count)
			return "unexpected argument '" + args[i + count] + "' after target " + form;
		return "";
	};

	if (n == 0)
		return "no target given (xdp, tc, kprobe, kretprobe, tracepoint, perf_event)";
	t.kind = args[i];
	if (t.kind == "xdp") {
		if (auto e = want(2, "xdp DEV"); !e.empty())
			return e;
		t.dev = args[i + 1];
		t.text = "xdp " + t.dev;
	} else if (t.kind == "tc") {
		if (auto e = want(3, "tc DEV ingress|egress"); !e.empty())
			return e;
		t.dev = args[i + 1];
		std::string const dir = args[i + 2];
		if (dir != "ingress" && dir != "egress")
			return "tc direction '" + dir + "': ingress or egress";
		t.egress = dir == "egress";
		t.text = "tc " + t.dev + " " + dir;
	} else if (t.kind == "kprobe" || t.kind == "kretprobe") {
		if (auto e = want(2, (t.kind + " FUNC").c_str()); !e.empty())
			return e;
		t.func = args[i + 1];
		if (t.func.empty())
			return t.kind + ": empty function name";
		t.text = t.kind + " " + t.func;
	} else if (t.kind == "tracepoint") {
		if (auto e = want(2, "tracepoint CATEGORY:NAME"); !e.empty())
			return e;
		std::string const &tp = args[i + 1];
		std::size_t const colon = tp.find(':');
		if (colon == std::string::npos || colon == 0 || colon + 1 == tp.size() ||
		    tp.find(':', colon + 1) != std::string::npos)
			return "tracepoint '" + tp + "': expected CATEGORY:NAME";
		t.category = tp.substr(0, colon);
		t.name = tp.substr(colon + 1);
		t.text = "tracepoint " + tp;
	} else if (t.kind == "perf_event") {
		if (auto e = want(3, "perf_event software cpu-clock|task-clock"); !e.empty())
			return e;
		if (args[i + 1] != "software")
			return "perf_event type '" + args[i + 1] + "': only software events";
		t.event = args[i + 2];
		if (t.event == "cpu-clock")
			t.config = PERF_COUNT_SW_CPU_CLOCK;
		else if (t.event == "task-clock")
			t.config = PERF_COUNT_SW_TASK_CLOCK;
		else
			return "software event '" + t.event + "': cpu-clock or task-clock";
		t.text = "perf_event software " + t.event;
	} else {
		return "unknown target '" + t.kind +
		       "' (xdp, tc, kprobe, kretprobe, tracepoint, perf_event)";
	}
	return "";
}

// The links pinned so far; unpinned again unless committed.
class LinkPins {
public:
	LinkPins() = default;
	~LinkPins()
	{
		if (committed_)
			return;
		for (auto it = paths_.rbegin(); it != paths_.rend(); ++it)
			::unlink(it->c_str());
	}
	LinkPins(LinkPins const &) = delete;
	LinkPins &operator=(LinkPins const &) = delete;

	rax::Result<void> pin(int fd, std::string const &path)
	{
		RAX_CHECK(k::obj_pin(fd, path));
		paths_.push_back(path);
		return {};
	}
	void commit() { committed_ = true; }

private:
	std::vector<std::string> paths_;
	bool committed_ = false;
};

struct Link {
	std::uint32_t id = 0;
	std::string pinned;
	int cpu = -1;
};

rax::Result<std::uint32_t> ifindex(std::string const &dev)
{
	unsigned idx = ::if_nametoindex(dev.c_str());
	if (!idx) {
		int const err = errno == ENXIO ? ENODEV : errno;
		return rax::Error(err, "attach", "network device '" + dev + "': " + std::strerror(err));
	}
	return idx;
}

// Create the links of @t for program @prog, pinned from @pin_path on.
rax::Result<std::vector<Link>> attach(int prog, Target const &t, std::string const &pin_path,
				      long freq, long period, long cpu)
{
	std::vector<std::pair<int, k::Fd>> links; // (cpu, link)

	if (t.kind == "xdp" || t.kind == "tc") {
		std::uint32_t const idx = RAX_TRY(ifindex(t.dev));
		std::uint32_t const type = t.kind == "xdp" ? k::attach_xdp
					 : t.egress	   ? k::attach_tcx_egress
							   : k::attach_tcx_ingress;
		links.emplace_back(-1, RAX_TRY(k::link_create(prog, idx, type)));
	} else if (t.kind == "kprobe" || t.kind == "kretprobe") {
		perf_event_attr a {};
		a.type = RAX_TRY(k::kprobe_pmu_type());
		if (t.kind == "kretprobe")
			a.config |= 1ULL << RAX_TRY(k::kprobe_retprobe_bit());
		a.config1 = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(t.func.c_str()));
		a.config2 = 0; // offset in the function
		a.sample_period = 1;
		a.wakeup_events = 1;
		auto pfd = k::perf_event_open(a, -1, 0);
		if (!pfd)
			return rax::Error(pfd.error().code(), "attach",
					  t.text + ": perf_event_open: " +
						  std::strerror(pfd.error().code()) +
						  (pfd.error().code() == ENOENT || pfd.error().code() == EINVAL
							   ? " (no such function, or it cannot be probed)"
							   : ""));
		links.emplace_back(-1, RAX_TRY(k::link_create(prog, static_cast<std::uint32_t>(pfd->get()),
							     k::attach_perf_event)));
	} else if (t.kind == "tracepoint") {
		perf_event_attr a {};
		a.type = PERF_TYPE_TRACEPOINT;
		a.config = RAX_TRY(k::tracepoint_id(t.category, t.name));
		a.sample_period = 1;
		a.wakeup_events = 1;
		auto pfd = RAX_TRY(k::perf_event_open(a, -1, 0));
		links.emplace_back(-1, RAX_TRY(k::link_create(prog, static_cast<std::uint32_t>(pfd.get()),
							     k::attach_perf_event)));
	} else {
		std::vector<unsigned> cpus;
		auto online = RAX_TRY(k::online_cpus());
		if (cpu >= 0) {
			if (std::find(online.begin(), online.end(), static_cast<unsigned>(cpu)) ==
			    online.end())
				return rax::Error(EINVAL, "attach",
						  "CPU " + std::to_string(cpu) + " is not online");
			cpus.push_back(static_cast<unsigned>(cpu));
		} else {
			cpus = online;
		}
		for (unsigned c : cpus) {
			perf_event_attr a {};
			a.type = PERF_TYPE_SOFTWARE;
			a.config = t.config;
			if (freq > 0) {
				a.freq = 1;
				a.sample_freq = static_cast<std::uint64_t>(freq);
			} else {
				a.sample_period = static_cast<std::uint64_t>(period);
			}
			auto pfd = RAX_TRY(k::perf_event_open(a, -1, static_cast<int>(c)));
			links.emplace_back(static_cast<int>(c),
					   RAX_TRY(k::link_create(prog, static_cast<std::uint32_t>(pfd.get()),
								  k::attach_perf_event)));
		}
	}

	// The links hold their perf events; pin them, all or none.
	LinkPins pins;
	std::vector<Link> out;
	for (std::size_t i = 0; i < links.size(); i++) {
		Link l;
		l.cpu = links[i].first;
		// bpffs refuses names with a '.' (EPERM): PATH_1, not PATH.1.
		l.pinned = i ? pin_path + "_" + std::to_string(i) : pin_path;
		l.id = RAX_TRY(k::link_info(links[i].second.get())).id;
		RAX_CHECK(pins.pin(links[i].second.get(), l.pinned));
		out.push_back(l);
	}
	pins.commit();
	return out;
}

} // namespace

int cmd_attach(int argc, char **argv)
{
	Options o("attach", std::string(help) + exit_codes_help,
		  {
			  {"pin-link", required_argument, OPT_PIN_LINK},
			  {"freq", required_argument, OPT_FREQ},
			  {"period", required_argument, OPT_PERIOD},
			  {"cpu", required_argument, OPT_CPU},
			  {"json", no_argument, 'j'},
			  {"pretty", no_argument, 'p'},
		  });
	if (int r = o.parse(argc, argv); r >= 0)
		return r;
	ObjRef ref;
	std::size_t i = 0;
	if (std::string e = take_ref(o.args(), i, "program", ref); !e.empty())
		return o.usage(e);
	Target t;
	if (std::string e = parse_target(o.args(), i, t); !e.empty())
		return o.usage(e);

	long freq = 0, period = 0, cpu = -1;
	bool const perf = t.kind == "perf_event";
	struct {
		int opt;
		char const *name;
	} const perf_only[] = {{OPT_FREQ, "--freq"}, {OPT_PERIOD, "--period"}, {OPT_CPU, "--cpu"}};
	for (auto const &p : perf_only) {
		if (o.has(p.opt) && !perf)
			return o.usage(std::string(p.name) + " applies only to perf_event targets");
	}
	if (perf) {
		if (o.has(OPT_FREQ) == o.has(OPT_PERIOD))
			return o.usage("perf_event needs one of --freq HZ and --period N");
		if (o.has(OPT_FREQ) && !parse_int(o.get(OPT_FREQ), 1, INT32_MAX, freq))
			return o.usage("--freq '" + o.get(OPT_FREQ) + "': not a positive number");
		if (o.has(OPT_PERIOD) && !parse_int(o.get(OPT_PERIOD), 1, INT64_MAX, period))
			return o.usage("--period '" + o.get(OPT_PERIOD) + "': not a positive number");
		if (o.has(OPT_CPU) && !parse_int(o.get(OPT_CPU), 0, 65535, cpu))
			return o.usage("--cpu '" + o.get(OPT_CPU) + "': not a CPU number");
	}
	if (!o.has(OPT_PIN_LINK) || o.get(OPT_PIN_LINK).empty())
		return o.usage("--pin-link PATH is required: without a pin the link, and the "
			       "attachment, go away when rax attach exits");
	std::string const pin_path = o.get(OPT_PIN_LINK);
	if (std::size_t slash = pin_path.rfind('/');
	    pin_path.find('.', slash == std::string::npos ? 0 : slash + 1) != std::string::npos)
		return o.usage("--pin-link " + pin_path + ": bpffs refuses names with a '.'");

	auto fd = open_ref(ref, k::ObjKind::prog);
	if (!fd)
		return fail(fd.error());
	auto info = k::prog_info(fd->get());
	if (!info)
		return fail(info.error());
	if (std::uint32_t want = needed_type(t.kind); info->type != want)
		return fail(rax::Error(EINVAL, "attach",
				       "program " + std::to_string(info->id) + " is a " +
					       rax::prog_type_name(info->type) + " program; target " +
					       t.kind + " needs a " + rax::prog_type_name(want) +
					       " program"));

	auto links = attach(fd->get(), t, pin_path, freq, period, cpu);
	if (!links)
		return fail(links.error());

	if (o.has('j') || o.has('p')) {
		rax::JsonWriter w(std::cout, o.has('p'));
		w.begin_object();
		w.field("prog_id", info->id);
		w.field("kind", t.kind);
		w.field("target", t.text);
		w.key("links").begin_array();
		for (auto const &l : *links) {
			w.begin_object();
			w.field("id", l.id);
			w.field("pinned", l.pinned);
			if (l.cpu >= 0)
				w.field("cpu", l.cpu);
			w.end_object();
		}
		w.end_array();
		w.end_object();
	} else {
		for (auto const &l : *links) {
			std::cout << "program " << info->id << " (" << rax::prog_type_name(info->type)
				  << ") attached to " << t.text;
			if (l.cpu >= 0)
				std::cout << " on CPU " << l.cpu;
			std::cout << ": link " << l.id << ", pinned at " << l.pinned << '\n';
		}
	}
	return EXIT_OK;
}
