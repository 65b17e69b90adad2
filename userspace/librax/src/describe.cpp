// SPDX-License-Identifier: GPL-2.0
// Names of BPF types as bpftool prints them, and the JSON description of
// a Rax object (rax inspect -j, rax_inspect_json()).

#include <rax/describe.hpp>

#include <bpf/libbpf.h>

#include <array>
#include <string_view>

namespace rax {
namespace {

// The names libbpf gives (bpftool's), and after the last value Debian 12's
// libbpf 1.1 knows, the 6.12 UAPI's newer ones (a newer libbpf names them
// itself). Each list starts at the value of its first name.
constexpr std::uint32_t newer_prog_type = 32; // BPF_PROG_TYPE_NETFILTER
constexpr std::string_view newer_prog_types[] = {"netfilter"};

constexpr std::uint32_t newer_attach_type = 44; // BPF_STRUCT_OPS
constexpr std::string_view newer_attach_types[] = {
	"struct_ops",	       "netfilter",	      "tcx_ingress",
	"tcx_egress",	       "trace_uprobe_multi",  "cgroup_unix_connect",
	"cgroup_unix_sendmsg", "cgroup_unix_recvmsg", "cgroup_unix_getpeername",
	"cgroup_unix_getsockname", "netkit_primary",  "netkit_peer",
	"trace_kprobe_session",
};

constexpr std::uint32_t newer_map_type = 33; // BPF_MAP_TYPE_ARENA
constexpr std::string_view newer_map_types[] = {"arena"};

// The Rax attach types in the UAPI, which never changes them.
static_assert(newer_attach_types[46 - newer_attach_type] == "tcx_ingress" &&
	      newer_attach_types[47 - newer_attach_type] == "tcx_egress");

// libbpf's name of @v through @str, which takes the UAPI's enum: asked only
// for a value that enum can hold (each of the three holds 0 to 63).
template <typename Enum>
char const *libbpf_name(char const *(*str)(Enum), std::uint32_t v)
{
	return v < 64 ? str(static_cast<Enum>(v)) : nullptr;
}

template <std::size_t N>
std::string name_of(char const *known, std::uint32_t first, std::string_view const (&newer)[N],
		    std::uint32_t v)
{
	if (known)
		return known;
	if (v >= first && v - first < N)
		return std::string(newer[v - first]);
	return std::to_string(v);
}

std::string hash_hex(Sha256 const &h)
{
	return hex(h);
}

} // namespace

std::string prog_type_name(std::uint32_t type)
{
	return name_of(libbpf_name(libbpf_bpf_prog_type_str, type), newer_prog_type,
		       newer_prog_types, type);
}

std::string attach_type_name(std::uint32_t type)
{
	return name_of(libbpf_name(libbpf_bpf_attach_type_str, type), newer_attach_type,
		       newer_attach_types, type);
}

std::string map_type_name(std::uint32_t type)
{
	return name_of(libbpf_name(libbpf_bpf_map_type_str, type), newer_map_type,
		       newer_map_types, type);
}

std::string entry_attach_type(Entry const &e)
{
	// Program types whose attach type 0 (BPF_CGROUP_INET_INGRESS) is real.
	static constexpr std::uint32_t cgroup_types[] = {8, 9, 13, 15, 18, 23, 25};

	if (e.expected_attach_type == 0) {
		for (auto t : cgroup_types) {
			if (t == e.prog_type)
				return attach_type_name(0);
		}
		return {};
	}
	return attach_type_name(e.expected_attach_type);
}

std::string first_line(std::string const &s)
{
	return s.substr(0, s.find('\n'));
}

namespace {

std::string printable(std::string_view s, bool (*keep)(unsigned char))
{
	static constexpr char digits[] = "0123456789abcdef";
	std::string out;

	for (unsigned char c : s) {
		if (keep(c)) {
			out += static_cast<char>(c);
		} else {
			out += "\\x";
			out += digits[c >> 4];
			out += digits[c & 15];
		}
	}
	return out;
}

} // namespace

std::string printable_name(std::string_view s)
{
	return printable(s, [](unsigned char c) {
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		       c == '_' || c == '.' || c == '$';
	});
}

std::string printable_text(std::string_view s)
{
	return printable(s, [](unsigned char c) {
		return (c >= 0x20 && c < 0x7f && c != '\\') || c == '\n';
	});
}

void describe_json(JsonWriter &w, std::string const &path, std::uint64_t size, Object const &obj,
		   std::optional<Signer> const &signer)
{
	Provenance const &p = obj.provenance;

	w.begin_object();
	w.field("file", path);
	w.field("size", size);
	w.field("format", p.format);

	w.key("sections").begin_array();
	for (auto const &s : obj.sections) {
		w.begin_object();
		w.field("name", printable_name(s.name));
		w.field("type", s.type);
		w.field("flags", s.flags);
		w.field("size", s.size);
		w.field("align", s.align);
		w.end_object();
	}
	w.end_array();
	w.field("code_bytes", obj.code_bytes);
	w.field("rodata_bytes", obj.rodata_bytes);
	w.field("data_bytes", obj.data_bytes);

	w.key("entries").begin_array();
	for (std::size_t i = 0; i < obj.entries.size(); i++) {
		Entry const &e = obj.entries[i];

		w.begin_object();
		w.field("index", static_cast<std::uint64_t>(i));
		w.field("symbol", printable_name(e.symbol));
		w.field("prog_type", prog_type_name(e.prog_type));
		w.field("prog_type_id", e.prog_type);
		if (std::string at = entry_attach_type(e); !at.empty())
			w.field("attach_type", at);
		else
			w.key("attach_type").null();
		w.field("attach_type_id", e.expected_attach_type);
		w.field("max_ctx_offset", e.max_ctx_offset);
		w.field("flags", e.flags);
		if (i < p.stack.size())
			w.field("stack", p.stack[i]);
		else
			w.key("stack").null();
		w.end_object();
	}
	w.end_array();

	w.key("maps").begin_array();
	for (std::size_t i = 0; i < obj.maps.size(); i++) {
		MapDef const &m = obj.maps[i];

		w.begin_object();
		w.field("index", static_cast<std::uint64_t>(i));
		w.field("name", printable_name(m.name));
		w.field("type", map_type_name(m.type));
		w.field("type_id", m.type);
		w.field("key_size", m.key_size);
		w.field("value_size", m.value_size);
		w.field("max_entries", m.max_entries);
		w.field("map_flags", m.map_flags);
		w.field("flags", m.flags);
		if (m.has_spin_lock())
			w.field("spin_lock_off", m.spin_lock_off);
		else
			w.key("spin_lock_off").null();
		w.end_object();
	}
	w.end_array();

	w.key("helpers").begin_array();
	for (auto const &h : obj.imports)
		w.value(printable_name(h));
	w.end_array();

	w.key("provenance").begin_object();
	w.field("format", p.format);
	w.field("rustc_version", printable_text(p.rustc_version));
	w.field("rustc", printable_text(first_line(p.rustc_version)));
	w.field("rustc_sha256", hash_hex(p.rustc_sha256));
	w.field("sysroot_sha256", hash_hex(p.sysroot_sha256));
	w.field("crate_sha256", hash_hex(p.crate_sha256));
	w.field("target_sha256", hash_hex(p.target_sha256));
	w.field("flags", p.flags);
	w.field("source_sha256", hash_hex(p.source_sha256));
	w.key("stack").begin_array();
	for (auto s : p.stack)
		w.value(s);
	w.end_array();
	w.key("helpers").begin_array();
	for (auto const &h : p.helpers)
		w.value(printable_name(h));
	w.end_array();
	if (p.btf_sha256)
		w.field("btf_sha256", hash_hex(*p.btf_sha256));
	else
		w.key("btf_sha256").null();
	if (p.plugin_sha256)
		w.field("plugin_sha256", hash_hex(*p.plugin_sha256));
	else
		w.key("plugin_sha256").null();
	w.end_object();

	if (signer) {
		w.key("signer").begin_object();
		w.field("verified", !signer->cert.empty());
		w.field("subject", printable_text(signer->subject));
		w.field("issuer", printable_text(signer->issuer));
		w.field("serial", printable_text(signer->serial));
		w.field("key_id", printable_text(signer->key_id));
		w.field("digest", signer->digest);
		if (!signer->cert.empty())
			w.field("cert", signer->cert);
		w.end_object();
	}
	w.end_object();
}

} // namespace rax
