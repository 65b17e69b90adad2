// SPDX-License-Identifier: GPL-2.0
// parse_object() on valid objects, and write_rax_object(): from a
// compiler object to a final Rax object that parses, deterministically.
#include "test_paths.hpp"
#include <catch2/catch.hpp>

#include <fstream>

#include "elf_builder.hpp"

using namespace rax;
using namespace rax::test;

namespace {

CompilerSpec sample_compiler_spec()
{
	CompilerSpec spec;
	spec.funcs = {
		{"prog", 32, {"_RNv3ext4work", "rax_ktime_get_ns"}, true},
		{"_RNv3ext4work", 48, {"_RNv3ext4leaf", "rax_map_lookup_elem"}, false, true},
		{"_RNv3ext4leaf", 16, {}},
	};
	spec.entries = {{prog_kprobe, "prog"}};
	spec.maps = {map_def(1, "counts")};
	return spec;
}

} // namespace

TEST_CASE("elf: a valid object parses", "[elf]")
{
	auto r = parse_object(valid_object());
	INFO((r ? "" : r.error().to_string()));
	REQUIRE(r.ok());
	Object const &o = *r;
	REQUIRE(o.entries.size() == 1);
	CHECK(o.entries[0].symbol == "prog");
	CHECK(o.entries[0].prog_type == prog_kprobe);
	REQUIRE(o.maps.size() == 2);
	CHECK(o.maps[0].name == "counts");
	CHECK(o.maps[1].type == 2);
	CHECK(o.imports == std::vector<std::string>{"rax_budget_check", "rax_ktime_get_ns",
						    "rax_map_lookup_elem"});
	CHECK(o.provenance.helpers == o.imports);
	CHECK(o.provenance.stack == std::vector<std::uint32_t>{64});
	CHECK(o.code_bytes == 23); // a call per helper, a lea, a ret
	CHECK(o.rodata_bytes == 3);
	CHECK(o.data_bytes == 16 + 64 + 128);
	REQUIRE(!o.sections.empty());
	CHECK(o.sections[0].type == SHT_NULL);
	CHECK(o.sections[1].name == ".text.prog");
}

TEST_CASE("elf: several entries of different program types", "[elf]")
{
	ObjectSpec spec;
	spec.entries = {{prog_kprobe, "kp"}, {prog_xdp, "xdp"}, {prog_sched_cls, "tc"}};
	auto r = parse_object(make_object(spec));
	INFO((r ? "" : r.error().to_string()));
	REQUIRE(r.ok());
	CHECK(r->entries.size() == 3);
	CHECK(r->provenance.stack.size() == 3);
}

TEST_CASE("elf: helper list comes from kernel/rax/helpers.h", "[elf]")
{
	auto const names = helper_names();
	// As many as the header lists (its lines, read independently below).
	std::ifstream hdr(std::string(rax::paths::source_dir) + "/kernel/rax/helpers.h");
	std::size_t lines = 0;
	for (std::string line; std::getline(hdr, line);)
		lines += line.rfind("RAX_HELPER(", 0) == 0 || line.rfind("RAX_ABI(", 0) == 0;
	CHECK(lines >= 30);
	CHECK(names.size() == lines);
	CHECK(helper_known("rax_ringbuf_reserve"));
	CHECK(helper_known("rax_task_comm"));
	CHECK(helper_known("rax_map_lookup_elem"));
	CHECK(helper_known("memcpy"));
	// The compiler's ABI symbols are in the list, apart from the helpers.
	for (char const *abi : {"memcpy", "memmove", "memset", "memcmp", "bcmp"}) {
		CHECK(abi_symbol(abi));
		CHECK(helper_allowed(abi, prog_kprobe));
		CHECK(helper_allowed(abi, prog_xdp));
	}
	CHECK_FALSE(abi_symbol("rax_ktime_get_ns"));
	CHECK_FALSE(abi_symbol(RAX_THUNK_RETURN));
	CHECK_FALSE(helper_known("bpf_map_lookup_elem"));
	CHECK_FALSE(helper_known(""));
	CHECK(helper_allowed("rax_probe_read_kernel", prog_kprobe));
	CHECK_FALSE(helper_allowed("rax_probe_read_kernel", prog_xdp));
	CHECK(helper_allowed("rax_ktime_get_ns", prog_sched_cls));
	CHECK_FALSE(helper_allowed("rax_ktime_get_ns", 1)); // SOCKET_FILTER
	CHECK_FALSE(helper_allowed("kmalloc", prog_kprobe));
	// TC helpers: sched_cls only.
	CHECK(helper_allowed("rax_clone_redirect", prog_sched_cls));
	CHECK_FALSE(helper_allowed("rax_clone_redirect", prog_xdp));
	CHECK_FALSE(helper_allowed("rax_clone_redirect", prog_kprobe));

	// Every helper name appears in the header, once.
	std::ifstream in(std::string(rax::paths::source_dir) + "/kernel/rax/helpers.h");
	std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	for (auto const &n : names)
		CHECK(text.find((abi_symbol(n) ? "RAX_ABI(" : "RAX_HELPER(") + n + ",") !=
		      std::string::npos);
}

TEST_CASE("elf: write_rax_object makes a final object that parses", "[elf]")
{
	Bytes const cobj = make_compiler_object(sample_compiler_spec());
	auto a = analyse_compiler_object(cobj, 4096);
	INFO((a ? "" : a.error().to_string()));
	REQUIRE(a.ok());

	Provenance p = sample_provenance(0, a->imports);
	for (auto const &s : a->stack)
		p.stack.push_back(std::uint32_t(s.bytes));
	auto w = write_rax_object(cobj, p);
	INFO((w ? "" : w.error().to_string()));
	REQUIRE(w.ok());

	auto o = parse_object(*w);
	INFO((o ? "" : o.error().to_string()));
	REQUIRE(o.ok());
	CHECK(o->entries.size() == 1);
	CHECK(o->maps.size() == 1);
	CHECK(o->imports == a->imports);
	CHECK(o->provenance.stack == p.stack);
	CHECK(o->provenance.rustc_version == p.rustc_version);
	for (auto const &s : o->sections) {
		CHECK(s.name != ".stack_sizes");
		CHECK(s.name != ".rela.stack_sizes");
		CHECK(s.name != ".comment");
		CHECK(s.name != ".note.GNU-stack");
		CHECK((s.flags & (1U << 21)) == 0); // no SHF_GNU_RETAIN
	}
	CHECK(o->sections.back().name == ".shstrtab");
	CHECK(o->sections[o->sections.size() - 4].name == RAX_SECTION_PROVENANCE);

	// Deterministic: the same input gives the same bytes.
	auto w2 = write_rax_object(cobj, p);
	REQUIRE(w2.ok());
	CHECK(*w2 == *w);

	// A different provenance changes the note only.
	p.flags += " -g";
	auto w3 = write_rax_object(cobj, p);
	REQUIRE(w3.ok());
	CHECK(*w3 != *w);
}

TEST_CASE("elf: write_rax_object refuses a provenance that does not match", "[elf]")
{
	Bytes const cobj = make_compiler_object(sample_compiler_spec());
	Provenance p = sample_provenance(1, {"rax_ktime_get_ns"});
	auto w = write_rax_object(cobj, p);
	REQUIRE_FALSE(w.ok());
	CHECK(w.error().code() == EBADMSG);
	CHECK(w.error().message().find("do not match the imported helpers") != std::string::npos);
}

TEST_CASE("elf: write_rax_object refuses unknown compiler sections", "[elf]")
{
	Bytes cobj = make_compiler_object(sample_compiler_spec());
	cobj = patch_shdr(cobj, ".comment", [](Elf64_Shdr &s) { s.sh_name += 1; }); // "comment"
	auto w = write_rax_object(cobj, sample_provenance(1, {}));
	REQUIRE_FALSE(w.ok());
	CHECK(w.error().code() == EINVAL);
	CHECK(w.error().message().find("(comment): unknown section") != std::string::npos);
}

TEST_CASE("elf: a rustc object built without Rax's flags is written but not analysed", "[elf]")
{
	// userspace/tests/data/rustc-ext.o: rustc -Z emit-stack-sizes of
	// data/rustc-ext.rs (see the comment there), for the x86_64 target with
	// SSE and without the thunks or ENDBR64.
	auto img = read_file(std::string(test_paths::data) + "/rustc-ext.o");
	REQUIRE(img.ok());
	auto a = analyse_compiler_object(*img, 8192);
	REQUIRE_FALSE(a.ok());
	CHECK(a.error().code() == EINVAL);
	CHECK(a.error().message().find("a vector (SSE/AVX) instruction") != std::string::npos);

	// The container is still one the writer takes apart correctly.
	Provenance p = sample_provenance(0, {"rax_ktime_get_ns"});
	p.stack.push_back(248);
	auto w = write_rax_object(*img, p);
	INFO((w ? "" : w.error().to_string()));
	REQUIRE(w.ok());
	auto o = parse_object(*w);
	INFO((o ? "" : o.error().to_string()));
	REQUIRE(o.ok());
	REQUIRE(o->entries.size() == 1);
	CHECK(o->entries[0].symbol == "prog");
	CHECK(o->imports == std::vector<std::string>{"rax_ktime_get_ns"});
	for (auto const &s : o->sections) {
		CHECK(s.name != ".eh_frame");
		CHECK(s.name != ".rela.eh_frame");
	}
}

TEST_CASE("elf: read_file, write_file, sha256 and hex", "[elf]")
{
	std::string const path = std::string(test_paths::binary_dir) + "/util-test.bin";
	Bytes const data = {'a', 'b', 'c'};
	REQUIRE(write_file(path, data).ok());
	auto back = read_file(path);
	REQUIRE(back.ok());
	CHECK(*back == data);
	CHECK(hex(sha256(data)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	auto missing = read_file(path + ".nope");
	REQUIRE_FALSE(missing.ok());
	CHECK(missing.error().code() == ENOENT);
}
