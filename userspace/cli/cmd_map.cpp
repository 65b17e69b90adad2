// SPDX-License-Identifier: GPL-2.0
// rax map dump: every key and value of a BPF map, in hex, as bpftool dumps
// them; per-CPU maps show one value per possible CPU.

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
	"Usage: rax map dump MAP [-j] [-p]\n"
	"\n"
	"  MAP := ID | id ID | pinned PATH\n"
	"\n"
	"Dump every key and value of MAP in hex (BPF_MAP_GET_NEXT_KEY and\n"
	"BPF_MAP_LOOKUP_ELEM). A per-CPU map has one value per possible CPU\n"
	"(/sys/devices/system/cpu/possible). A ring buffer has no keys or values:\n"
	"its records are read with mmap, and dumping it is an error.\n"
	"\n"
	"JSON output is bpftool's: [{\"key\":[\"0x00\",...],\"value\":[...]}], per-CPU\n"
	"maps with \"values\":[{\"cpu\":0,\"value\":[...]},...]. A key or value of 4 or\n"
	"8 bytes is also given as a little-endian number: \"key_u32\", \"key_u64\",\n"
	"\"value_u32\", \"value_u64\".\n"
	"\n"
	"Options:\n"
	"  -j, --json             JSON output\n"
	"  -p, --pretty           pretty-printed JSON (implies -j)\n"
	"  -h, --help             show this help\n"
	"\n";

using Span = std::span<std::uint8_t const>;

// "key_u32": N when @b is 4 or 8 bytes.
void json_number(rax::JsonWriter &w, std::string const &what, Span b)
{
	if (auto v = k::le_value(b))
		w.field(what + (b.size() == 4 ? "_u32" : "_u64"), *v);
}

void json_entry(rax::JsonWriter &w, k::MapInfo const &info, std::vector<unsigned> const &cpus,
		k::MapEntry const &e)
{
	w.begin_object();
	w.key("key");
	json_bytes(w, e.key);
	json_number(w, "key", e.key);
	if (!k::map_is_percpu(info.type)) {
		w.key("value");
		json_bytes(w, e.value);
		json_number(w, "value", e.value);
	} else {
		std::size_t const stride = (info.value_size + 7) & ~std::size_t(7);
		w.key("values").begin_array();
		for (std::size_t i = 0; i < cpus.size(); i++) {
			Span v = Span(e.value).subspan(i * stride, info.value_size);
			w.begin_object();
			w.field("cpu", cpus[i]);
			w.key("value");
			json_bytes(w, v);
			json_number(w, "value", v);
			w.end_object();
		}
		w.end_array();
	}
	w.end_object();
}

void text_entry(k::MapInfo const &info, std::vector<unsigned> const &cpus, k::MapEntry const &e)
{
	std::ostream &out = std::cout;

	if (!k::map_is_percpu(info.type)) {
		out << "key: " << spaced_hex(e.key) << "  value: " << spaced_hex(e.value) << '\n';
		return;
	}
	std::size_t const stride = (info.value_size + 7) & ~std::size_t(7);
	out << "key: " << spaced_hex(e.key) << '\n';
	for (std::size_t i = 0; i < cpus.size(); i++)
		out << "\tvalue (CPU " << cpus[i]
		    << "): " << spaced_hex(Span(e.value).subspan(i * stride, info.value_size)) << '\n';
}

int map_dump(int argc, char **argv)
{
	Options o("map dump", std::string(help) + exit_codes_help,
		  {
			  {"json", no_argument, 'j'},
			  {"pretty", no_argument, 'p'},
		  });
	if (int r = o.parse(argc, argv); r >= 0)
		return r;
	ObjRef ref;
	std::size_t i = 0;
	if (std::string e = take_ref(o.args(), i, "map", ref); !e.empty())
		return o.usage(e);
	if (i != o.args().size())
		return o.usage("unexpected argument '" + o.args()[i] + "'");

	auto fd = open_ref(ref, k::ObjKind::map);
	if (!fd)
		return fail(fd.error());
	auto info = k::map_info(fd->get());
	if (!info)
		return fail(info.error());
	std::vector<unsigned> cpus;
	if (k::map_is_percpu(info->type)) {
		auto c = k::possible_cpus();
		if (!c)
			return fail(c.error());
		cpus = std::move(*c);
	}
	auto entries = k::map_dump(fd->get(), *info, cpus.size());
	if (!entries)
		return fail(entries.error());

	if (o.has('j') || o.has('p')) {
		rax::JsonWriter w(std::cout, o.has('p'));
		w.begin_array();
		for (auto const &e : *entries)
			json_entry(w, *info, cpus, e);
		w.end_array();
	} else {
		for (auto const &e : *entries)
			text_entry(*info, cpus, e);
		std::cout << "Found " << entries->size() << " element"
			  << (entries->size() == 1 ? "" : "s") << '\n';
	}
	return EXIT_OK;
}

} // namespace

int cmd_map(int argc, char **argv)
{
	std::string const sub = argc > 1 ? argv[1] : "";

	if (sub == "dump")
		return map_dump(argc - 1, argv + 1);
	if (sub == "-h" || sub == "--help") {
		std::cout << help << exit_codes_help;
		return EXIT_OK;
	}
	return usage_error("map", sub.empty() ? "no subcommand given (dump)"
					      : "unknown subcommand '" + sub + "' (dump)");
}
