// SPDX-License-Identifier: GPL-2.0
// rax inspect: what a Rax object holds, as bpftool shows programs and
// maps: entries, maps, helpers, provenance and the signer of its
// signature. Text by default, JSON with -j (-p: pretty).

#include <sys/stat.h>

#include <iostream>
#include <optional>

#include <rax/describe.hpp>
#include <rax/json.hpp>
#include <rax/object.hpp>
#include <rax/sign.hpp>

#include "commands.hpp"
#include "util.hpp"

using namespace rax::cli;

namespace {

constexpr char help[] =
	"Usage: rax inspect OBJ [-s SIG] [-j] [-p]\n"
	"\n"
	"Parse OBJ strictly (as the kernel does after the signature check) and show\n"
	"its entry points (symbol, program type, attach type, stack bound), maps\n"
	"(name, type, key and value size, max entries, the offset of a spin lock\n"
	"in the value; a ring buffer's size), imported helpers and\n"
	"provenance (format, rustc, hashes, flags), and the signer named by its\n"
	"signature (OBJ.sig if it exists, or -s). The signer is not verified:\n"
	"use 'rax verify' for that.\n"
	"\n"
	"Options:\n"
	"  -s, --signature SIG   the signature to read the signer from\n"
	"  -j, --json            JSON output\n"
	"  -p, --pretty          pretty-printed JSON (implies -j)\n"
	"  -h, --help            show this help\n"
	"\n";

bool exists(std::string const &path)
{
	struct stat st {};
	return stat(path.c_str(), &st) == 0;
}

void print_text(std::string const &path, std::uint64_t size, rax::Object const &obj,
		std::optional<rax::Signer> const &signer)
{
	rax::Provenance const &p = obj.provenance;
	std::ostream &out = std::cout;

	out << path << ": Rax object, format " << p.format << ", " << size << " bytes  code "
	    << obj.code_bytes << "B  rodata " << obj.rodata_bytes << "B  data " << obj.data_bytes
	    << "B\n";

	out << "entries:\n";
	if (obj.entries.empty())
		out << "\t(none)\n";
	for (std::size_t i = 0; i < obj.entries.size(); i++) {
		rax::Entry const &e = obj.entries[i];

		out << '\t' << i << ": " << rax::prog_type_name(e.prog_type) << "  symbol " << rax::printable_name(e.symbol);
		if (std::string at = rax::entry_attach_type(e); !at.empty())
			out << "  attach_type " << at;
		if (i < p.stack.size())
			out << "  stack " << p.stack[i] << "B";
		if (e.max_ctx_offset)
			out << "  max_ctx_offset " << e.max_ctx_offset;
		if (e.flags)
			out << "  flags 0x" << std::hex << e.flags << std::dec;
		out << '\n';
	}

	out << "maps:\n";
	if (obj.maps.empty())
		out << "\t(none)\n";
	for (std::size_t i = 0; i < obj.maps.size(); i++) {
		rax::MapDef const &m = obj.maps[i];

		out << '\t' << i << ": " << rax::map_type_name(m.type) << "  name " << rax::printable_name(m.name);
		if (m.is_ringbuf())
			out << "  size " << m.max_entries << "B";
		else
			out << "  key " << m.key_size << "B  value " << m.value_size << "B  max_entries "
			    << m.max_entries;
		out << "  flags 0x" << std::hex << m.map_flags << std::dec;
		if (m.has_spin_lock())
			out << "  spin_lock at " << m.spin_lock_off;
		out << '\n';
	}

	out << "helpers:\n";
	if (obj.imports.empty())
		out << "\t(none)\n";
	for (auto const &h : obj.imports)
		out << '\t' << rax::printable_name(h) << '\n';

	out << "provenance:\n"
	    << "\tformat " << p.format << '\n'
	    << "\trustc " << rax::printable_text(rax::first_line(p.rustc_version)) << '\n'
	    << "\trustc_sha256 " << rax::hex(p.rustc_sha256) << '\n'
	    << "\tsysroot_sha256 " << rax::hex(p.sysroot_sha256) << '\n'
	    << "\tcrate_sha256 " << rax::hex(p.crate_sha256) << '\n'
	    << "\ttarget_sha256 " << rax::hex(p.target_sha256) << '\n'
	    << "\tsource_sha256 " << rax::hex(p.source_sha256) << '\n';
	if (p.btf_sha256)
		out << "\tbtf_sha256 " << rax::hex(*p.btf_sha256) << '\n';
	if (p.plugin_sha256)
		out << "\tplugin_sha256 " << rax::hex(*p.plugin_sha256) << '\n';
	out << "\tflags " << p.flags << '\n';
	for (std::size_t i = 0; i < p.stack.size(); i++)
		out << "\tstack[" << i << "] " << p.stack[i] << "B\n";

	if (signer) {
		out << "signer (not verified):\n";
		if (!signer->subject.empty())
			out << "\tsubject " << rax::printable_text(signer->subject) << '\n';
		if (!signer->issuer.empty())
			out << "\tissuer " << rax::printable_text(signer->issuer) << '\n';
		if (!signer->serial.empty())
			out << "\tserial " << rax::printable_text(signer->serial) << '\n';
		if (!signer->key_id.empty())
			out << "\tkey_id " << rax::printable_text(signer->key_id) << '\n';
		out << "\tdigest " << signer->digest << '\n';
	}
}

} // namespace

int cmd_inspect(int argc, char **argv)
{
	Options o("inspect", std::string(help) + exit_codes_help,
		  {
			  {"signature", required_argument, 's'},
			  {"json", no_argument, 'j'},
			  {"pretty", no_argument, 'p'},
		  });
	if (int r = o.parse(argc, argv); r >= 0)
		return r;
	if (o.args().size() != 1)
		return o.usage(o.args().empty() ? "no object given" : "more than one object given");

	std::string const &path = o.args().front();
	auto image = rax::read_file(path);
	if (!image)
		return fail(image.error());
	auto obj = rax::parse_object(*image);
	if (!obj)
		return fail(with_file(obj.error(), "parse", path));

	std::optional<rax::Signer> signer;
	std::string sig_path = o.has('s') ? o.get('s') : path + ".sig";
	if (o.has('s') || exists(sig_path)) {
		auto sig = rax::read_file(sig_path);
		if (!sig)
			return fail(sig.error());
		auto s = rax::signer_of(*sig);
		if (!s)
			return fail(with_file(s.error(), "signature", sig_path));
		signer = std::move(*s);
	}

	if (o.has('j') || o.has('p')) {
		rax::JsonWriter w(std::cout, o.has('p'));
		rax::describe_json(w, path, image->size(), *obj, signer);
	} else {
		print_text(path, image->size(), *obj, signer);
	}
	return EXIT_OK;
}
