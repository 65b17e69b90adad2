// SPDX-License-Identifier: GPL-2.0
// Forged kernel objects in safe Rust: locks a program makes itself, map
// definitions outside .rax.maps, unsafe attributes passed through the
// crate's macros, pod! structs with hidden padding. Each spelling must fail to build, at the line marked
// "// REFUSED:" in the fixture, with the error that names why. The kernel
// re-checks the same pointers (tools/testing/selftests/rax).

#include <catch2/catch.hpp>

#include <string>

#include "build_fixtures.hpp"

namespace {

struct Forgery {
	char const *fixture;
	char const *why; // in the error rustc (or the toolchain) gives
	bool at_mark;	 // the error names the marked line
};

// Class 2: a lock word the program made itself.
Forgery const forged_locks[] = {
	{"forge_lock_read", "the method `read` exists for struct `ArrayMap<Locked<u64>, 1>`, but its "
			    "trait bounds were not satisfied",
	 true},
	{"forge_lock_packet", "the trait bound `Locked<u64>: Pod` is not satisfied", true},
	{"forge_lock_new", "no associated function or constant named `new` found for struct `Locked<T>`",
	 true},
	{"forge_lock_spinlock", "cannot find type `SpinLock` in crate `rax`", true},
	{"forge_lock_field", "the trait bound `Locked<u64>: Pod` is not satisfied", true},
	{"forge_lock_ringbuf", "the trait bound `Locked<u64>: Pod` is not satisfied", true},
	{"forge_lock_probe", "the trait bound `Locked<u64>: Pod` is not satisfied", true},
	{"forge_lock_nested", "the trait bound `Locked<u32>: Pod` is not satisfied", true},
	{"locked_lock", "the trait bound `Locked<u32>: Pod` is not satisfied", false},
};

// Class 3: a map definition outside .rax.maps. Class 6: caller attributes
// or unsafe code inside map!'s expansion.
Forgery const forged_maps[] = {
	{"forge_map_local", "call to unsafe function `rax::maps::MapToken::new` is unsafe", true},
	{"forge_map_static", "cannot initialize a tuple struct which contains private fields", true},
	{"forge_map_attr", "no rules expected keyword `unsafe`", true},
	{"forge_map_cfg_attr", "no rules expected `cfg_attr`", true},
	{"forge_map_macro_attr", "no rules expected `meta` metavariable", false},
	{"forge_map_type_unsafe", "unsafe block", true},
};

// pod!: a field removed by an attribute but counted by the padding check
// (a struct with padding, whose copies leak stack bytes), and an unsafe
// attribute in its expansion.
Forgery const forged_pods[] = {
	{"forge_pod_cfg", "no rules expected `cfg`", true},
	{"forge_pod_cfg_attr", "no rules expected `cfg_attr`", true},
	{"forge_pod_unsafe_attr", "no rules expected keyword `unsafe`", true},
};

void expect_forgery_refused(Forgery const &f)
{
	INFO(f.fixture);
	auto r = rax::build(rax::test::fixture_options(f.fixture));
	REQUIRE_FALSE(r.ok());
	std::string const msg = r.error().message();
	INFO(msg);
	CHECK(msg.find(f.why) != std::string::npos);
	if (f.at_mark) {
		unsigned line = rax::test::refused_marker(rax::test::fixture_dir(f.fixture)).first;
		REQUIRE(line > 0);
		CHECK(msg.find("src/lib.rs:" + std::to_string(line) + ":") != std::string::npos);
	}
}

} // namespace

TEST_CASE("forge: a lock the program makes itself does not build", "[build][forge]")
{
	for (auto const &f : forged_locks)
		expect_forgery_refused(f);
}

TEST_CASE("forge: a map outside map!, or map! with caller attributes, does not build",
	  "[build][forge]")
{
	for (auto const &f : forged_maps)
		expect_forgery_refused(f);
}

TEST_CASE("forge: pod! takes no attribute that changes its fields or is unsafe",
	  "[build][forge]")
{
	for (auto const &f : forged_pods)
		expect_forgery_refused(f);
}

TEST_CASE("forge: Locked<T> values are inserted with update_value and locked in place",
	  "[build][forge]")
{
	auto r = rax::build(rax::test::fixture_options("locked_value"));
	INFO((r.ok() ? "" : r.error().to_string()));
	REQUIRE(r.ok());
}
