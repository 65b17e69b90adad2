// SPDX-License-Identifier: GPL-2.0
// Describing a Rax object for people and programs: the names bpftool
// gives program, attach and map types, and the JSON document of
// `rax inspect -j` (and rax_inspect_json() of the C API).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <rax/json.hpp>
#include <rax/object.hpp>
#include <rax/sign.hpp>

namespace rax {

// libbpf's/bpftool's names ("xdp", "hash", "cgroup_inet_ingress"), or the
// number when the type is unknown.
std::string prog_type_name(std::uint32_t type);
std::string attach_type_name(std::uint32_t type);
std::string map_type_name(std::uint32_t type);

// The attach type of an entry as bpftool would name it, or "" when it is
// unset (0 for a program type, like all of Rax's, that has no attach type
// 0 of its own).
std::string entry_attach_type(Entry const &e);

// The first line of a multi-line string (e.g. of `rustc -vV` output).
std::string first_line(std::string const &s);

// A string read from an object, safe to print: names (of maps, sections,
// symbols, helpers) keep [A-Za-z0-9_.$] only, as the kernel's object names
// do, text (a rustc version, a certificate's names) printable ASCII and
// newlines but the backslash; any other byte becomes "\xNN". An object's bytes are
// untrusted: a name must not carry a terminal escape or invalid UTF-8.
std::string printable_name(std::string_view s);
std::string printable_text(std::string_view s);

// The JSON description of @obj (read from @path, @size bytes), with the
// (unverified) signer of its signature if given:
//   {"file", "size", "format", "sections": [...], "entries": [...],
//    "maps": [...], "helpers": [...], "provenance": {...}, "signer": {...}}
void describe_json(JsonWriter &w, std::string const &path, std::uint64_t size, Object const &obj,
		   std::optional<Signer> const &signer);

} // namespace rax
