// SPDX-License-Identifier: GPL-2.0
// rax map dump: every key and value of a BPF map, in hex, as bpftool dumps
// them; per-CPU maps show one value per possible CPU. rax map update: one
// key's value, as bpftool's map update. rax map peek and pop: a queue's or
// a stack's next element, as bpftool's.

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
	"Usage: rax map dump MAP [-j] [-p]\n"
	"\n"
	"  MAP := ID | id ID | pinned PATH\n"
	"\n"
	"Dump every key and value of MAP in hex (BPF_MAP_GET_NEXT_KEY and\n"
	"BPF_MAP_LOOKUP_ELEM). A per-CPU map has one value per possible CPU\n"
	"(/sys/devices/system/cpu/possible). A ring buffer has no keys or values:\n"
	"its records are read with mmap, and dumping it is an error. A queue or a\n"
	"stack has no keys: its dump is the element a pop would take next (seen\n"
	"without taking it; `rax map pop` takes it). A value the kernel does not\n"
	"give to userspace (a perf event array's) is shown as its error, as\n"
	"bpftool does.\n"
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

// What a lookup's errno means to a reader: ENOTSUPP (524) is the
// kernel's own, which strerror() does not know.
std::string entry_error(int e)
{
	return e == 524 ? "Operation not supported (ENOTSUPP)" : std::strerror(e);
}

void json_entry(rax::JsonWriter &w, k::MapInfo const &info, std::vector<unsigned> const &cpus,
		k::MapEntry const &e)
{
	w.begin_object();
	if (!k::map_is_keyless(info.type)) {
		w.key("key");
		json_bytes(w, e.key);
		json_number(w, "key", e.key);
	}
	if (e.error) {
		w.key("value").begin_object();
		w.field("error", entry_error(e.error));
		w.end_object();
	} else if (!k::map_is_percpu(info.type)) {
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

	if (k::map_is_keyless(info.type)) {
		out << "value: " << spaced_hex(e.value) << '\n';
		return;
	}
	if (e.error) {
		out << "key: " << spaced_hex(e.key) << "  value: <" << entry_error(e.error) << ">\n";
		return;
	}
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
	} else if (k::map_is_keyless(info->type)) {
		for (auto const &e : *entries)
			text_entry(*info, cpus, e);
		if (entries->empty())
			std::cout << "Empty\n";
		else
			std::cout << "Next of its elements shown (a queue or a stack lists no others)\n";
	} else {
		for (auto const &e : *entries)
			text_entry(*info, cpus, e);
		std::cout << "Found " << entries->size() << " element"
			  << (entries->size() == 1 ? "" : "s") << '\n';
	}
	return EXIT_OK;
}

constexpr char peek_help[] =
	"Usage: rax map peek MAP [-j] [-p]\n"
	"       rax map pop MAP [-j] [-p]\n"
	"\n"
	"  MAP := ID | id ID | pinned PATH\n"
	"\n"
	"The element of a queue or a stack that a pop takes next, as bpftool's map\n"
	"peek and pop: peek leaves it (BPF_MAP_LOOKUP_ELEM without a key), pop\n"
	"takes it (BPF_MAP_LOOKUP_AND_DELETE_ELEM). An empty map is an error\n"
	"(ENOENT). JSON output is {\"value\":[\"0x00\",...]}.\n"
	"\n"
	"Options:\n"
	"  -j, --json             JSON output\n"
	"  -p, --pretty           pretty-printed JSON (implies -j)\n"
	"  -h, --help             show this help\n"
	"\n";

int map_peek(int argc, char **argv, bool pop)
{
	Options o(pop ? "map pop" : "map peek", std::string(peek_help) + exit_codes_help,
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
	if (!k::map_is_keyless(info->type))
		return fail(rax::Error(EINVAL, "map",
				       "map " + info->name + " is not a queue or a stack: " +
					       (pop ? "pop" : "peek") + " needs one (rax map dump)"));
	auto v = k::map_peek(fd->get(), info->value_size, pop);
	if (!v)
		return fail(v.error());
	if (!*v)
		return fail(rax::Error(ENOENT, "map", "map " + info->name + " is empty"));
	if (o.has('j') || o.has('p')) {
		rax::JsonWriter w(std::cout, o.has('p'));
		w.begin_object();
		w.key("value");
		json_bytes(w, **v);
		json_number(w, "value", **v);
		w.end_object();
	} else {
		std::cout << "value: " << spaced_hex(**v) << '\n';
	}
	return EXIT_OK;
}

constexpr char update_help[] =
	"Usage: rax map update MAP [key HEX] value HEX [any | noexist | exist]\n"
	"                      [-j] [-p]\n"
	"\n"
	"  MAP := ID | id ID | pinned PATH\n"
	"\n"
	"Set the value of a key of MAP (BPF_MAP_UPDATE_ELEM), as bpftool's map\n"
	"update: HEX is the bytes in hex (\"0a000001\"; white space and ':'\n"
	"between bytes are allowed), exactly the map's key and value sizes. A\n"
	"per-CPU map gets the value on every CPU. A queue or a stack has no key:\n"
	"the value is pushed. The flag says whether the key may exist already\n"
	"(any, the default), must not (noexist) or must (exist). It prints\n"
	"nothing, and null in JSON mode, as bpftool does.\n"
	"\n"
	"Options:\n"
	"  -j, --json             JSON output\n"
	"  -p, --pretty           pretty-printed JSON (implies -j)\n"
	"  -h, --help             show this help\n"
	"\n";

int map_update(int argc, char **argv)
{
	Options o("map update", std::string(update_help) + exit_codes_help,
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
	auto const &args = o.args();
	std::optional<std::string> key_hex, value_hex;
	std::uint64_t flags = 0;
	for (; i < args.size(); i++) {
		if ((args[i] == "key" || args[i] == "value") && i + 1 < args.size()) {
			(args[i] == "key" ? key_hex : value_hex) = args[i + 1];
			i++;
		} else if (args[i] == "any" || args[i] == "noexist" || args[i] == "exist") {
			flags = args[i] == "noexist" ? 1 : args[i] == "exist" ? 2 : 0;
		} else {
			return o.usage("unexpected argument '" + args[i] + "'");
		}
	}
	if (!value_hex)
		return o.usage("no value given");

	auto fd = open_ref(ref, k::ObjKind::map);
	if (!fd)
		return fail(fd.error());
	auto info = k::map_info(fd->get());
	if (!info)
		return fail(info.error());
	rax::Bytes key;
	if (key_hex) {
		auto b = k::parse_hex(*key_hex);
		if (!b)
			return o.usage("key: " + b.error().message());
		key = std::move(*b);
	}
	auto value = k::parse_hex(*value_hex);
	if (!value)
		return o.usage("value: " + value.error().message());
	if (key.size() != info->key_size)
		return o.usage("the key is " + std::to_string(key.size()) + " bytes, the map's " +
			       std::to_string(info->key_size));
	if (value->size() != info->value_size)
		return o.usage("the value is " + std::to_string(value->size()) + " bytes, the map's " +
			       std::to_string(info->value_size));
	if (k::map_is_percpu(info->type)) {
		auto cpus = k::possible_cpus();
		if (!cpus)
			return fail(cpus.error());
		std::size_t const stride = (info->value_size + 7) & ~std::size_t(7);
		rax::Bytes all(stride * cpus->size());
		for (std::size_t c = 0; c < cpus->size(); c++)
			std::copy(value->begin(), value->end(), all.begin() + c * stride);
		*value = std::move(all);
	}
	if (auto r = k::map_update(fd->get(), key, *value, flags); !r)
		return fail(r.error());
	if (o.has('j') || o.has('p')) {
		rax::JsonWriter w(std::cout, o.has('p'));
		w.null();
	}
	return EXIT_OK;
}

} // namespace

int cmd_map(int argc, char **argv)
{
	std::string const sub =
		subcommand(argc > 1 ? argv[1] : "", {"dump", "update", "peek", "pop", "help"});

	if (sub == "dump")
		return map_dump(argc - 1, argv + 1);
	if (sub == "update")
		return map_update(argc - 1, argv + 1);
	if (sub == "peek" || sub == "pop")
		return map_peek(argc - 1, argv + 1, sub == "pop");
	if (sub == "help" || sub == "-h" || sub == "--help") {
		std::cout << help << '\n' << update_help << '\n' << peek_help << exit_codes_help;
		return EXIT_OK;
	}
	return usage_error("map", sub.empty() ? "no subcommand given (dump, update, peek, pop)"
					      : "unknown subcommand '" + sub +
							"' (dump, update, peek, pop)");
}
