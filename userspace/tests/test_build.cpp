// SPDX-License-Identifier: GPL-2.0
// rax build end to end, with the pinned rustc: the samples build into Rax
// objects that parse strictly; each escape hatch is refused with its
// construct and line; the stack bound is enforced.

#include "test_paths.hpp"
#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <elf.h>
#include <linux/rax.h>

#include <rax/build.hpp>
#include <rax/object.hpp>

#include "elf_builder.hpp"

namespace fs = std::filesystem;

namespace {

std::string const top = rax::paths::source_dir;

rax::BuildOptions options(std::string const &crate, std::string const &out_name)
{
	rax::BuildOptions o;
	o.crate_dir = crate;
	o.source_dir = top;
	// One sysroot for the whole test run, shared by parallel tests (locked);
	// scripts/test.sh shares its cache with the kselftest objects.
	char const *cache = std::getenv("RAX_SYSROOT_CACHE");
	o.cache_dir = cache && *cache ? cache : std::string(test_paths::binary_dir) + "/rax-cache";
	o.output = std::string(test_paths::binary_dir) + "/objects/" + out_name + ".rax.o";
	return o;
}

// The line of the fixture marked "// REFUSED: <case>".
unsigned marked_line(std::string const &crate)
{
	std::ifstream in(crate + "/src/lib.rs");
	std::string line;
	unsigned n = 0;
	while (std::getline(in, line)) {
		n++;
		if (line.find("// REFUSED:") != std::string::npos)
			return n;
	}
	return 0;
}

rax::Object build_crate(std::string const &dir, std::string const &name)
{
	auto r = rax::build(options(dir, name));
	INFO(name << ": " << (r.ok() ? "" : r.error().to_string()));
	REQUIRE(r.ok());
	auto image = rax::read_file(r->output);
	REQUIRE(image.ok());
	auto obj = rax::parse_object(*image);
	INFO((obj.ok() ? "" : obj.error().to_string()));
	REQUIRE(obj.ok());
	REQUIRE(obj->provenance.stack.size() == obj->entries.size());
	for (auto s : obj->provenance.stack) {
		CHECK(s > 0);
		CHECK(s <= 32768);
	}
	CHECK(obj->provenance.helpers == obj->imports);
	CHECK(obj->provenance.rustc_version.find("rustc 1.") == 0);
	return obj.value();
}

rax::Object build_sample(std::string const &name)
{
	return build_crate(top + "/userspace/samples/" + name, name);
}

rax::Object build_fixture(std::string const &name)
{
	return build_crate(top + "/userspace/tests/fixtures/" + name, name);
}

bool has(std::vector<std::string> const &v, std::string const &s)
{
	return std::find(v.begin(), v.end(), s) != v.end();
}

} // namespace

TEST_CASE("build: the hello sample has a tracepoint and a kprobe entry that print", "[build]")
{
	auto obj = build_sample("hello");
	REQUIRE(obj.entries.size() == 2);
	std::vector<std::uint32_t> types;
	for (auto const &e : obj.entries)
		types.push_back(e.prog_type);
	std::sort(types.begin(), types.end());
	CHECK(types == std::vector<std::uint32_t>{2 /* KPROBE */, 5 /* TRACEPOINT */});
	CHECK(has(obj.imports, "rax_trace_print"));
	CHECK(obj.maps.empty());
}

TEST_CASE("build: the XDP counter sample has its map", "[build]")
{
	auto obj = build_sample("xdp_counter");
	REQUIRE(obj.entries.size() == 1);
	CHECK(obj.entries[0].prog_type == 6 /* XDP */);
	REQUIRE(obj.maps.size() >= 1);
	CHECK(has(obj.imports, "rax_map_lookup_elem"));
}

namespace {

// The contents of section @name of the ELF64 object @img (empty if none).
std::string section_bytes(std::string const &img, std::string const &name)
{
	Elf64_Ehdr eh;
	std::memcpy(&eh, img.data(), sizeof(eh));
	auto shdr = [&](unsigned i) {
		Elf64_Shdr sh;
		std::memcpy(&sh, img.data() + eh.e_shoff + i * sizeof(sh), sizeof(sh));
		return sh;
	};
	Elf64_Shdr const strs = shdr(eh.e_shstrndx);
	for (unsigned i = 1; i < eh.e_shnum; i++) {
		Elf64_Shdr const sh = shdr(i);
		if (img.c_str() + strs.sh_offset + sh.sh_name == name)
			return img.substr(sh.sh_offset, sh.sh_size);
	}
	return {};
}

} // namespace

TEST_CASE("build: code returns through the kernel's return thunk and entries start with ENDBR64",
	  "[build]")
{
	build_sample("xdp_counter");
	std::ifstream in(std::string(test_paths::binary_dir) + "/objects/xdp_counter.rax.o",
			 std::ios::binary);
	std::stringstream ss;
	ss << in.rdbuf();
	std::string const img = ss.str();
	REQUIRE(img.size() > sizeof(Elf64_Ehdr));
	// The thunk is referenced (by name, in the symbol table) and is not an
	// import: the helper records do not list it.
	CHECK(img.find(std::string(RAX_THUNK_RETURN) + '\0') != std::string::npos);
	std::string const entry = section_bytes(img, ".text.rax_entry_xdp_counter");
	REQUIRE(entry.size() > 4);
	CHECK(entry.substr(0, 4) == std::string("\xf3\x0f\x1e\xfa", 4));
	auto obj = rax::parse_object(std::span<std::uint8_t const>(
		reinterpret_cast<std::uint8_t const *>(img.data()), img.size()));
	REQUIRE(obj.ok());
	for (auto const &h : obj->imports)
		CHECK_FALSE(rax::kernel_thunk(h));
	// The flags that make it so are recorded in the provenance note.
	CHECK(obj->provenance.flags.find("-Zfunction-return=thunk-extern") != std::string::npos);
	CHECK(obj->provenance.flags.find("-Zretpoline-external-thunk") != std::string::npos);
	CHECK(obj->provenance.flags.find("-Zcf-protection=branch") != std::string::npos);
	CHECK(obj->provenance.flags.find("-Cjump-tables=no") != std::string::npos);
	// The context layouts the rax crate's bindings were generated for.
	REQUIRE(obj->provenance.btf_sha256);
	CHECK(*obj->provenance.btf_sha256 == rax::test::crate_layouts_sha256());
}

TEST_CASE("build: an indirect call goes through the kernel's retpoline thunk", "[build]")
{
	// resources calls through a table of function pointers (mode 6).
	auto obj = build_sample("resources");
	std::ifstream in(std::string(test_paths::binary_dir) + "/objects/resources.rax.o",
			 std::ios::binary);
	std::stringstream ss;
	ss << in.rdbuf();
	std::string const img = ss.str();
	REQUIRE(img.size() > sizeof(Elf64_Ehdr));
	CHECK(img.find(std::string(RAX_THUNK_INDIRECT) + '\0') != std::string::npos);
	CHECK_FALSE(has(obj.imports, RAX_THUNK_INDIRECT));
	// The lock map and the ring buffer, as the format defines them.
	REQUIRE(obj.maps.size() == 2);
	CHECK(obj.maps[0].name == "STATS");
	CHECK(obj.maps[0].flags == RAX_MAP_SPIN_LOCK);
	CHECK(obj.maps[0].spin_lock_off == 0);
	CHECK(obj.maps[1].type == 27 /* BPF_MAP_TYPE_RINGBUF */);
	CHECK(obj.maps[1].max_entries == 4096);
}

TEST_CASE("build: task_ref takes task references from tracing entries", "[build]")
{
	auto obj = build_sample("task_ref");
	REQUIRE(obj.entries.size() == 2);
	CHECK(obj.entries[0].prog_type == 5 /* TRACEPOINT */);
	CHECK(obj.entries[1].prog_type == 2 /* KPROBE */);
	for (char const *h : {"rax_task_acquire_current", "rax_task_from_pid", "rax_task_release",
			      "rax_task_pid_tgid", "rax_task_comm"})
		CHECK(has(obj.imports, h));
}

TEST_CASE("build: the rule table sample unrolls its 512 rules into one large function",
	  "[build]")
{
	auto obj = build_sample("rule_table");
	REQUIRE(obj.entries.size() == 1);
	CHECK(obj.entries[0].prog_type == 6 /* XDP */);
	REQUIRE(obj.maps.size() == 1);
	CHECK(obj.maps[0].max_entries == 512);
	CHECK(obj.imports == std::vector<std::string>{"rax_budget_check", "rax_map_lookup_elem"});
	// Unrolled, not a loop: tens of kilobytes of code (the load benchmark's
	// large case depends on it).
	std::size_t code = 0;
	for (auto const &s : obj.sections)
		if (s.name.rfind(".text", 0) == 0)
			code += s.size;
	CHECK(code > 16384);
}

TEST_CASE("build: the out-of-bounds sample imports the throw helper", "[build]")
{
	auto obj = build_sample("oob_panic");
	REQUIRE(obj.entries.size() == 1);
	CHECK(has(obj.imports, "rax_throw"));
}

TEST_CASE("build: the stacks sample recurses through the guard", "[build]")
{
	auto obj = build_sample("stacks");
	REQUIRE(obj.entries.size() == 2);
	CHECK(obj.entries[0].prog_type == 2 /* KPROBE */);
	CHECK(obj.entries[1].prog_type == 6 /* XDP */);
	CHECK(has(obj.imports, "rax_stack_check"));
	CHECK(has(obj.imports, "rax_ktime_get_boot_ns"));
	// The recursive entry's bound holds one guarded step.
	CHECK(obj.provenance.stack[1] > RAX_RECURSION_STEP);
	CHECK(obj.provenance.stack[0] < RAX_RECURSION_STEP);
}

TEST_CASE("build: the redirect sample is a tc program that clones packets", "[build]")
{
	auto obj = build_sample("redirect");
	REQUIRE(obj.entries.size() == 1);
	CHECK(obj.entries[0].prog_type == 3 /* SCHED_CLS */);
	CHECK(has(obj.imports, "rax_clone_redirect"));
	CHECK(has(obj.imports, "rax_spin_lock"));
	REQUIRE(obj.maps.size() == 2);
	CHECK(obj.maps[0].name == "NEST");
	CHECK(obj.maps[0].max_entries == 8);
	CHECK(obj.maps[1].name == "GUARDED");
}

TEST_CASE("build: the NMI sample shares the stacks sample's map", "[build]")
{
	auto nmi = build_sample("nmi");
	auto stacks = build_sample("stacks");
	REQUIRE(nmi.entries.size() == 1);
	CHECK(nmi.entries[0].prog_type == 5 /* TRACEPOINT */);
	CHECK(has(nmi.imports, "rax_probe_read_kernel"));
	CHECK_FALSE(has(stacks.imports, "rax_probe_read_kernel"));
	// The selftest loads it with the stacks object's map fd: same definition.
	REQUIRE(nmi.maps.size() == 1);
	REQUIRE(stacks.maps.size() == 1);
	auto const &a = nmi.maps[0];
	auto const &b = stacks.maps[0];
	CHECK(a.name == b.name);
	CHECK(a.type == b.type);
	CHECK(a.key_size == b.key_size);
	CHECK(a.value_size == b.value_size);
	CHECK(a.max_entries == 9);
	CHECK(a.max_entries == b.max_entries);
	CHECK(a.map_flags == b.map_flags);
}

TEST_CASE("build: the output is deterministic", "[build]")
{
	auto a = rax::build(options(top + "/userspace/samples/xdp_counter", "det-a"));
	auto b = rax::build(options(top + "/userspace/samples/xdp_counter", "det-b"));
	REQUIRE(a.ok());
	REQUIRE(b.ok());
	CHECK(rax::read_file(a->output).value() == rax::read_file(b->output).value());
}

// Each escape hatch is refused with EPERM, and the refusal names the
// construct and the line marked "// REFUSED:" in the fixture.
static void expect_refused(char const *fixture, char const *construct)
{
	std::string crate = top + "/userspace/tests/fixtures/" + fixture;
	unsigned line = marked_line(crate);
	REQUIRE(line > 0);
	std::vector<rax::Refusal> refusals;
	auto r = rax::build(options(crate, fixture), &refusals);
	REQUIRE_FALSE(r.ok());
	INFO(r.error().to_string());
	CHECK(r.error().code() == EPERM);
	REQUIRE_FALSE(refusals.empty());
	bool found = false;
	for (auto const &f : refusals)
		if (f.construct == construct && f.line == line && f.file == "src/lib.rs")
			found = true;
	CHECK(found);
	// The message a user sees names both.
	CHECK(r.error().message().find(construct) != std::string::npos);
	CHECK(r.error().message().find("src/lib.rs:" + std::to_string(line) + ":") != std::string::npos);
}

#define ESCAPE_HATCH(fixture, construct)                                                          \
	TEST_CASE("build: escape hatch " fixture " is refused as " construct, "[build]")          \
	{                                                                                          \
		expect_refused(fixture, construct);                                                \
	}

ESCAPE_HATCH("unsafe_block", "unsafe block")
ESCAPE_HATCH("unsafe_fn", "unsafe function")
ESCAPE_HATCH("unsafe_impl", "unsafe impl")
ESCAPE_HATCH("unsafe_trait", "unsafe trait")
ESCAPE_HATCH("no_mangle", "#[no_mangle]")
ESCAPE_HATCH("export_name", "#[export_name]")
ESCAPE_HATCH("link_section", "#[link_section]")
ESCAPE_HATCH("global_asm", "global_asm!")
ESCAPE_HATCH("naked_fn", "naked function")
ESCAPE_HATCH("extern_block", "extern block")
ESCAPE_HATCH("feature_attr", "#![feature]")
ESCAPE_HATCH("extern_crate", "extern crate")
ESCAPE_HATCH("include_outside", "include_bytes!")
ESCAPE_HATCH("target_feature", "#[target_feature]")
ESCAPE_HATCH("env_macro", "option_env!")
ESCAPE_HATCH("path_outside", "#[path]")
ESCAPE_HATCH("include_str_outside", "include_str!")

// Map values must accept any bit pattern (the sealed Pod trait): other
// CPUs, eBPF programs and syscalls write them. These must not compile.
// include!() of a file outside src/ (inside the crate): rustc compiles
// the naked function in it; the toolchain scans every file rustc read and
// refuses it, naming the file and line.
TEST_CASE("build: code included from a file outside src/ is scanned too", "[build]")
{
	std::vector<rax::Refusal> refusals;
	auto r = rax::build(options(top + "/userspace/tests/fixtures/include_code", "include_code"),
			    &refusals);
	REQUIRE_FALSE(r.ok());
	INFO(r.error().to_string());
	CHECK(r.error().code() == EPERM);
	bool naked = false;
	for (auto const &f : refusals)
		naked |= f.construct == "naked function" && f.file == "asm.txt" && f.line == 1;
	CHECK(naked);
}

// The hidden entry macro, used directly, cannot pair one program type's
// table entry with another type's context: the kind decides both.
TEST_CASE("build: a kprobe function behind an XDP entry does not build", "[build]")
{
	auto r = rax::build(options(top + "/userspace/tests/fixtures/entry_mismatch", "entry_mismatch"));
	REQUIRE_FALSE(r.ok());
	INFO(r.error().to_string());
	CHECK(r.error().message().find("rustc failed") != std::string::npos);
	CHECK(r.error().message().find("mismatched types") != std::string::npos);
}

TEST_CASE("build: maps of bool, of an enum, of a reference do not build", "[build]")
{
	for (char const *fixture : {"map_bool", "map_enum", "map_ref"}) {
		INFO(fixture);
		auto r = rax::build(options(top + "/userspace/tests/fixtures/" + fixture, fixture));
		REQUIRE_FALSE(r.ok());
		INFO(r.error().to_string());
		CHECK(r.error().message().find("rustc failed") != std::string::npos);
		CHECK(r.error().message().find(": Pod` is not satisfied") != std::string::npos);
	}
}

TEST_CASE("build: a reference into a map of plain values does not build", "[build]")
{
	auto r = rax::build(options(top + "/userspace/tests/fixtures/map_get_plain", "map_get_plain"));
	REQUIRE_FALSE(r.ok());
	INFO(r.error().to_string());
	CHECK(r.error().message().find("rustc failed") != std::string::npos);
	CHECK(r.error().message().find("get() hands out a reference to a value others write") !=
	      std::string::npos);
	CHECK(r.error().message().find("MapDef::lookup::<u32, u64>") != std::string::npos);
}

TEST_CASE("build: plain fields change in place only under a Locked<T>'s lock", "[build]")
{
	auto obj = build_fixture("locked_value");
	REQUIRE(obj.maps.size() == 2);
	CHECK(obj.maps[0].name == "FLOWS");
	CHECK(obj.maps[0].flags == RAX_MAP_SPIN_LOCK);
	CHECK(obj.maps[0].spin_lock_off == 0);
	CHECK(obj.maps[0].value_size == 8 + 16);
	CHECK(has(obj.imports, "rax_spin_lock"));
	CHECK(has(obj.imports, "rax_spin_unlock"));
	CHECK(obj.maps[1].name == "LIMIT");
	CHECK(obj.maps[1].flags == 0);

	// A Locked<T> whose T holds a lock: test_forge.cpp.
}

TEST_CASE("build: recursion is refused, naming the cycle", "[build]")
{
	auto r = rax::build(options(top + "/userspace/tests/fixtures/recursion", "recursion"));
	REQUIRE_FALSE(r.ok());
	INFO(r.error().to_string());
	CHECK(r.error().code() == ELOOP);
	CHECK(r.error().message().find("->") != std::string::npos);
	CHECK(r.error().message().find("rax::stack::recurse") != std::string::npos);
}

TEST_CASE("build: a stack bound over the limit is refused with the deepest path", "[build]")
{
	auto ok = rax::build(options(top + "/userspace/tests/fixtures/stack_ok", "stack_ok"));
	INFO((ok.ok() ? "" : ok.error().to_string()));
	REQUIRE(ok.ok());
	REQUIRE(ok->analysis.stack.size() == 1);
	auto bound = ok->analysis.stack[0].bytes;
	CHECK(ok->analysis.stack[0].path.size() >= 3);

	auto o = options(top + "/userspace/tests/fixtures/stack_ok", "stack_small");
	o.stack_limit = bound - 1;
	auto r = rax::build(o);
	REQUIRE_FALSE(r.ok());
	INFO(r.error().to_string());
	CHECK(r.error().code() == E2BIG);
	// the path's functions appear in the message
	for (auto const &f : ok->analysis.stack[0].path)
		CHECK(r.error().message().find(f) != std::string::npos);
}

TEST_CASE("build: a crate without a manifest or with a bad one is refused", "[build]")
{
	auto dir = fs::path(test_paths::binary_dir) / "bad-crate";
	fs::remove_all(dir);
	fs::create_directories(dir / "src");
	std::ofstream(dir / "src" / "lib.rs") << "#![no_std]\n";
	auto r = rax::build(options(dir.string(), "bad"));
	REQUIRE_FALSE(r.ok());
	CHECK(r.error().code() == ENOENT);
	CHECK(r.error().message().find("Rax.toml") != std::string::npos);
	std::ofstream(dir / "Rax.toml") << "name = \"bad\"\n";
	r = rax::build(options(dir.string(), "bad"));
	REQUIRE_FALSE(r.ok());
	CHECK(r.error().message().find("version") != std::string::npos);
}
