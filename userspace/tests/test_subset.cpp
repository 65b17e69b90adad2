// SPDX-License-Identifier: GPL-2.0
// The safe subset (Documentation/rax/safe-subset.rst): each family of known
// rustc soundness bugs that safe no_std code reaches is refused by rax
// build, in several spellings, naming the file, line and construct; what
// the subset keeps still builds.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include <rax/build.hpp>
#include <rax/paths.hpp>

#include "build_fixtures.hpp"

namespace {

std::string const fixtures = std::string(rax::paths::source_dir) + "/userspace/tests/fixtures/";

rax::BuildOptions subset_options(std::string const &name)
{
	return rax::test::fixture_options(name);
}

// The line marked "// REFUSED: <construct>" and its construct.
std::pair<unsigned, std::string> marker(std::string const &name)
{
	return rax::test::refused_marker(fixtures + name);
}

void expect_subset_refusal(std::string const &name)
{
	auto [line, construct] = marker(name);
	INFO(name);
	REQUIRE(line > 0);
	std::vector<rax::Refusal> refusals;
	auto r = rax::build(subset_options(name), &refusals);
	REQUIRE_FALSE(r.ok());
	INFO(r.error().to_string());
	CHECK(r.error().code() == EPERM);
	bool found = false;
	for (auto const &f : refusals)
		found |= f.file == "src/lib.rs" && f.line == line && f.construct == construct;
	CHECK(found);
	auto const msg = r.error().message();
	CHECK(msg.find("safe subset") != std::string::npos);
	CHECK(msg.find("src/lib.rs:" + std::to_string(line) + ":") != std::string::npos);
	CHECK(msg.find("refused: " + construct) != std::string::npos);
	// Every refusal names the rustc issue it closes.
	for (auto const &f : refusals)
		CHECK(f.message.find("rust-lang/rust#") != std::string::npos);
}

} // namespace

#define SUBSET_REFUSES(fixture, family)                                                           \
	TEST_CASE("subset: " family " (" fixture ") is refused", "[subset][build]")               \
	{                                                                                          \
		expect_subset_refusal(fixture);                                                    \
	}

// rust-lang/rust#25860: fn pointers that lose implied bounds.
SUBSET_REFUSES("unsound_fnptr_explicit", "#25860 explicit for<'x>")
SUBSET_REFUSES("unsound_fnptr_elided", "#25860 elided lifetimes")
SUBSET_REFUSES("unsound_fnptr_macro", "#25860 through a macro, an alias and use-as")
SUBSET_REFUSES("unsound_fnptr_closure", "#25860 a closure, through a generic")
// #84591, #100051, #57893: the extension's own traits.
SUBSET_REFUSES("unsound_trait_supertrait", "#84591 higher-ranked supertrait")
SUBSET_REFUSES("unsound_trait_projection", "#100051 impl-header projection, nested module")
SUBSET_REFUSES("unsound_trait_vtable", "#57893 trait object coherence, through a macro")
// #84366: core::any.
SUBSET_REFUSES("unsound_any_closure", "#84366 'static closure and downcast, renamed Any")
SUBSET_REFUSES("unsound_any_typeid", "#84366 TypeId re-exported under another name")
// #160599, #161578: match guards that write.
SUBSET_REFUSES("unsound_guard_repoint", "#160599 re-pointing the scrutinee")
SUBSET_REFUSES("unsound_guard_assign", "#161578 assignment with unreachable success")
SUBSET_REFUSES("unsound_guard_macro", "#161578 mutable borrow through a macro and a generic")

TEST_CASE("subset: closures, iterators, lifetimes, slices and fmt::Write still build",
	  "[subset][build]")
{
	auto r = rax::build(subset_options("subset_ok"));
	INFO((r.ok() ? "" : r.error().to_string()));
	REQUIRE(r.ok());
	CHECK(r->refusals.empty());
}

// Every sample, built into objects/subset-NAME.rax.o: the fixture
// rax-sample-objects of x86-diff (tests/CMakeLists.txt), which walks them.
TEST_CASE("subset: every sample is inside the subset", "[subset][build]")
{
	std::filesystem::path const samples =
		std::filesystem::path(rax::paths::source_dir) / "userspace" / "samples";
	std::vector<std::string> names;
	for (auto const &e : std::filesystem::directory_iterator(samples))
		if (std::filesystem::exists(e.path() / "Rax.toml"))
			names.push_back(e.path().filename().string());
	std::sort(names.begin(), names.end());
	CHECK(names.size() >= 30);
	for (auto const &name : names) {
		auto r = rax::build(rax::test::build_options((samples / name).string(), "subset-" + name));
		INFO(name << ": " << (r.ok() ? "" : r.error().to_string()));
		CHECK(r.ok());
	}
}

// The dump checks on their own, on excerpts of the shape rustc prints.
TEST_CASE("subset: the HIR check finds trait declarations and their spans", "[subset]")
{
	std::string const hir = "DefId(0:6 ~ c[1]::T) => OwnerNodes {\n"
				"    node: Item(\n"
				"        Item {\n"
				"            kind: Trait(\n"
				"                NotConst,\n"
				"                span: src/lib.rs:9:9: 9:10 (#0),\n"
				"            ),\n"
				"            span: src/lib.rs:7:1: 7:37 (#3),\n"
				"        },\n"
				"        Item {\n"
				"            kind: Struct(\n"
				"            ),\n"
				"            span: src/lib.rs:8:1: 8:10 (#0),\n"
				"        },\n";
	auto found = rax::subset_check_hir(hir);
	REQUIRE(found.size() == 1);
	CHECK(found[0].construct == "trait declaration");
	CHECK(found[0].file == "src/lib.rs");
	CHECK(found[0].line == 7);
	CHECK(found[0].column == 1);
}

TEST_CASE("subset: the THIR check tells fn pointers with and without lifetimes apart",
	  "[subset]")
{
	auto pointer = [](std::string const &ty) {
		return "    Expr {\n"
		       "        ty: " + ty + "\n"
		       "        span: src/lib.rs:4:5: 4:9 (#0)\n"
		       "        kind: \n"
		       "            Pointer {\n"
		       "                cast: ReifyFnPointer(Safe)\n"
		       "                source:\n"
		       "                    Expr {\n"
		       "                        ty: FnDef(DefId(0:7 ~ c[1]::f), [])\n"
		       "                        span: src/lib.rs:4:5: 4:9 (#0)\n"
		       "                    }\n"
		       "            }\n"
		       "    }\n";
	};
	CHECK(rax::subset_check_thir(pointer("fn(u32) -> u32")).empty());
	auto found = rax::subset_check_thir(pointer("Binder { value: fn(&'^0 u8) -> &'^0 u8 }"));
	REQUIRE(found.size() == 1);
	CHECK(found[0].construct == "fn pointer with lifetimes");
	CHECK(found[0].line == 4);
	CHECK(rax::subset_check_thir(pointer("fn(S<'{erased}>)")).size() == 1);
}

TEST_CASE("subset: the THIR check reads guards only for writes", "[subset]")
{
	auto arm = [](std::string const &guard_kind) {
		return "Arm {\n"
		       "    guard: \n"
		       "        Expr {\n"
		       "            ty: bool\n"
		       "            span: src/lib.rs:6:20: 6:30 (#0)\n"
		       "            kind: \n"
		       "                " + guard_kind + "\n"
		       "        }\n"
		       "    body: \n"
		       "        Expr {\n"
		       "            ty: ()\n"
		       "            span: src/lib.rs:7:1: 7:2 (#0)\n"
		       "            kind: \n"
		       "                Assign {\n"
		       "        }\n"
		       "}\n";
	};
	// An assignment in the arm's body is fine; in its guard it is not.
	CHECK(rax::subset_check_thir(arm("Literal( lit: true )")).empty());
	for (auto const *w : {"Assign {", "AssignOp {", "borrow_kind: Mut { kind: Default }",
			      "Closure {"}) {
		auto found = rax::subset_check_thir(arm(w));
		INFO(w);
		REQUIRE(found.size() == 1);
		CHECK(found[0].construct == "mutation in match guard");
		CHECK(found[0].line == 6);
	}
}

TEST_CASE("subset: the THIR check finds core::any and core::error by path", "[subset]")
{
	CHECK(rax::subset_check_thir("ty: FnDef(DefId(2:1 ~ core[ab12]::any::TypeId::of), [u8])\n"
				     "span: src/lib.rs:3:1: 3:2 (#0)\n")
		      .at(0)
		      .construct == "core::any");
	CHECK(rax::subset_check_thir("ty: &'{erased} dyn [Binder { value: Trait(core::error::Error) }]\n"
				     "span: src/lib.rs:3:1: 3:2 (#0)\n")
		      .at(0)
		      .construct == "core::error");
	CHECK(rax::subset_check_thir("ty: FnDef(DefId(2:1 ~ core[ab12]::fmt::write), [])\n"
				     "span: src/lib.rs:3:1: 3:2 (#0)\n")
		      .empty());
}
