// SPDX-License-Identifier: GPL-2.0
// stack_bound() on crafted call graphs, and the call graph and stack
// sizes analyse_compiler_object() recovers from a compiler object.
#include <catch2/catch.hpp>

#include "elf_builder.hpp"

#include <linux/rax.h>

using namespace rax;
using namespace rax::test;

namespace {

bool contains(std::string const &s, std::string const &needle)
{
	return s.find(needle) != std::string::npos;
}

} // namespace

TEST_CASE("stack: chain", "[stack]")
{
	std::vector<StackFrame> g = {{"a", 16, {"b"}}, {"b", 32, {"c"}}, {"c", 64, {}}};
	auto r = stack_bound(g, "a", 1024);
	REQUIRE(r.ok());
	CHECK(r->bytes == 16 + 32 + 64 + 2 * 8);
	CHECK(r->path == std::vector<std::string>{"a", "b", "c"});
	CHECK(r->entry == "a");
}

TEST_CASE("stack: a leaf entry", "[stack]")
{
	auto r = stack_bound({{"a", 40, {}}}, "a", 40);
	REQUIRE(r.ok());
	CHECK(r->bytes == 40);
	CHECK(r->path == std::vector<std::string>{"a"});
}

TEST_CASE("stack: diamond takes the deepest branch, not the sum", "[stack]")
{
	std::vector<StackFrame> g = {
		{"a", 8, {"b", "c"}}, {"b", 100, {"d"}}, {"c", 10, {"d"}}, {"d", 50, {}}};
	auto r = stack_bound(g, "a", 1024);
	REQUIRE(r.ok());
	CHECK(r->bytes == 8 + 100 + 50 + 16);
	CHECK(r->path == std::vector<std::string>{"a", "b", "d"});
}

TEST_CASE("stack: deep chain without recursion blowup", "[stack]")
{
	std::vector<StackFrame> g;
	std::size_t const n = 100000;
	for (std::size_t i = 0; i < n; i++)
		g.push_back({"f" + std::to_string(i), 1,
			     i + 1 < n ? std::vector<std::string>{"f" + std::to_string(i + 1)}
				       : std::vector<std::string>{}});
	auto r = stack_bound(g, "f0", ~0ULL);
	REQUIRE(r.ok());
	CHECK(r->bytes == n + 8 * (n - 1));
	CHECK(r->path.size() == n);
}

TEST_CASE("stack: shared callees are visited once", "[stack]")
{
	// A ladder of diamonds: exponential paths, linear work with memoisation.
	std::vector<StackFrame> g;
	std::size_t const n = 200;
	for (std::size_t i = 0; i < n; i++) {
		std::string const next = "x" + std::to_string(i + 1);
		std::string const alt = "y" + std::to_string(i + 1);
		std::vector<std::string> callees;
		if (i + 1 < n)
			callees = {next, alt};
		g.push_back({"x" + std::to_string(i), 1, callees});
		g.push_back({"y" + std::to_string(i), 2, callees});
	}
	auto r = stack_bound(g, "x0", ~0ULL);
	REQUIRE(r.ok());
	CHECK(r->bytes == 1 + 2 * (n - 1) + 8 * (n - 1));
}

TEST_CASE("stack: direct recursion is refused", "[stack]")
{
	auto r = stack_bound({{"a", 8, {"a"}}}, "a", 1024);
	REQUIRE_FALSE(r.ok());
	CHECK(r.error().code() == ELOOP);
	CHECK(contains(r.error().message(), "a -> a"));
}

TEST_CASE("stack: mutual recursion is refused with the cycle named", "[stack]")
{
	std::vector<StackFrame> g = {
		{"main", 8, {"leaf", "ping"}}, {"leaf", 8, {}}, {"ping", 8, {"pong"}}, {"pong", 8, {"ping"}}};
	auto r = stack_bound(g, "main", 1024);
	REQUIRE_FALSE(r.ok());
	CHECK(r.error().code() == ELOOP);
	CHECK(contains(r.error().message(), "ping -> pong -> ping"));
	CHECK_FALSE(contains(r.error().message(), "main ->"));
}

namespace {
// What rustc's v0 mangling makes of rax::stack::recurse::<closure in f>.
std::string const guard = "_RINvNtCs2fXNSGwdGLH_3rax5stack7recurseNCNvCsipIaxLNYkYC_3ext1f0EB6_";
} // namespace

TEST_CASE("stack: the recursion guard is recognised by its path only", "[stack]")
{
	CHECK(recursion_guard(guard));
	CHECK(recursion_guard("_RINvNtCsX_3rax5stack7recursejEB2_"));
	CHECK_FALSE(recursion_guard("_RNvNtCs2fXNSGwdGLH_3rax5stack7recurse"));
	CHECK_FALSE(recursion_guard("_RINvNtCs2fXNSGwdGLH_4mine5stack7recurseB2_"));
	CHECK_FALSE(recursion_guard("_RINvNtCs2fXNSGwdGLH_6xyzrax5stack7recurseB2_"));
	CHECK_FALSE(recursion_guard("_RINvNtCs2fXNSGwdGLH_3rax5stack8recursesB2_"));
	CHECK_FALSE(recursion_guard("rax_stack_check"));
}

TEST_CASE("stack: recursion through the guard is bounded by the step it checks", "[stack]")
{
	std::vector<StackFrame> g = {
		{"entry", 32, {"f"}}, {"f", 48, {guard, "leaf"}}, {"leaf", 8, {}}, {guard, 16, {"f"}}};
	auto r = stack_bound(g, "entry", 65536);
	INFO((r.ok() ? "" : r.error().to_string()));
	REQUIRE(r.ok());
	CHECK(r->bytes == 32 + 8 + 48 + 8 + 16 + RAX_RECURSION_STEP);
	CHECK(r->path == std::vector<std::string>{"entry", "f", guard});
	// The guard's reserve counts against the limit.
	auto over = stack_bound(g, "entry", 1024);
	REQUIRE_FALSE(over.ok());
	CHECK(over.error().code() == E2BIG);
}

TEST_CASE("stack: a recursion step larger than the guard checks for is refused", "[stack]")
{
	std::vector<StackFrame> g = {
		{"entry", 32, {"f"}}, {"f", RAX_RECURSION_STEP, {guard}}, {guard, 16, {"f"}}};
	auto r = stack_bound(g, "entry", ~0ULL);
	REQUIRE_FALSE(r.ok());
	CHECK(r.error().code() == E2BIG);
	CHECK(contains(r.error().message(), "one step of recursion through " + guard));
	// guard -> f (the step) -> guard: 8 + 4096 + 8 + 16.
	CHECK(contains(r.error().message(), "needs " + std::to_string(RAX_RECURSION_STEP + 8 + 8 + 16)));
	CHECK(contains(r.error().message(), "  f"));
}

TEST_CASE("stack: a cycle that avoids the guard is refused even beside a guarded one", "[stack]")
{
	std::vector<StackFrame> g = {
		{"entry", 32, {"f"}}, {"f", 48, {guard, "g"}}, {"g", 8, {"f"}}, {guard, 16, {"f"}}};
	auto r = stack_bound(g, "entry", ~0ULL);
	REQUIRE_FALSE(r.ok());
	CHECK(r.error().code() == ELOOP);
	CHECK(contains(r.error().message(), "only allowed through rax::stack::recurse"));
	CHECK(contains(r.error().message(), "f -> g -> f"));
}

TEST_CASE("stack: over the limit is refused with the path printed", "[stack]")
{
	std::vector<StackFrame> g = {{"entry", 100, {"mid"}}, {"mid", 200, {"big"}}, {"big", 4000, {}}};
	auto r = stack_bound(g, "entry", 4096);
	REQUIRE_FALSE(r.ok());
	CHECK(r.error().code() == E2BIG);
	std::string const &m = r.error().message();
	CHECK(contains(m, "entry entry needs 4316 bytes"));
	CHECK(contains(m, "limit of 4096"));
	CHECK(contains(m, "\n       100  entry"));
	CHECK(contains(m, "\n       200  mid"));
	CHECK(contains(m, "\n      4000  big"));
	// Exactly at the limit is fine.
	CHECK(stack_bound(g, "entry", 4316).ok());
}

TEST_CASE("stack: missing frame is refused", "[stack]")
{
	auto r = stack_bound({{"a", 8, {"b"}}}, "a", 1024);
	REQUIRE_FALSE(r.ok());
	CHECK(r.error().code() == ENOENT);
	CHECK(contains(r.error().message(), "function b, called by a, has no stack size"));
	auto e = stack_bound({{"a", 8, {}}}, "zz", 1024);
	REQUIRE_FALSE(e.ok());
	CHECK(e.error().code() == ENOENT);
}

TEST_CASE("stack: huge frames saturate instead of wrapping", "[stack]")
{
	auto r = stack_bound({{"a", ~0ULL - 4, {"b"}}, {"b", 100, {}}}, "a", ~0ULL - 1);
	REQUIRE_FALSE(r.ok());
	CHECK(r.error().code() == E2BIG);
}

TEST_CASE("stack: analysis of a compiler object", "[stack][elf]")
{
	CompilerSpec spec;
	spec.funcs = {
		{"entry", 32, {"_RNv3ext1a", "_RNv3ext1b"}, true},
		{"_RNv3ext1a", 100, {"_RNv3ext4leaf"}, false, true}, // via section symbols
		{"_RNv3ext1b", 10, {"_RNv3ext4leaf", "rax_trace_print"}},
		{"_RNv3ext4leaf", 16, {"memcpy"}},
	};
	spec.entries = {{prog_xdp, "entry"}};
	auto a = analyse_compiler_object(make_compiler_object(spec), 1024);
	INFO((a ? "" : a.error().to_string()));
	REQUIRE(a.ok());
	REQUIRE(a->stack.size() == 1);
	CHECK(a->stack[0].entry == "entry");
	CHECK(a->stack[0].bytes == 32 + 100 + 16 + 0 + 3 * 8);
	CHECK(a->stack[0].path ==
	      std::vector<std::string>{"entry", "_RNv3ext1a", "_RNv3ext4leaf", "memcpy"});
	CHECK(a->imports == std::vector<std::string>{"memcpy", "rax_trace_print"});
}

TEST_CASE("stack: an indirect call may reach every function whose address is taken",
	  "[stack][elf]")
{
	CompilerSpec spec;
	// With a cancellation point at the entry, as the termination pass
	// puts one in a program that calls: one that imports nothing may not
	// call another function (termination.rst).
	spec.funcs = {
		{"entry", 16, {"rax_budget_check"}, true},
		{"_RNv3ext6method", 500, {}},
		{"_RNv3ext5other", 8, {}},
	};
	spec.vtable = {"_RNv3ext5other", "_RNv3ext6method"};
	spec.vtable_users = {"entry"};
	spec.entries = {{prog_kprobe, "entry"}};
	spec.funcs[0].indirect_call = true;
	auto a = analyse_compiler_object(make_compiler_object(spec), 1024);
	INFO((a ? "" : a.error().to_string()));
	REQUIRE(a.ok());
	CHECK(a->stack[0].bytes == 16 + 500 + 8);
	CHECK(a->stack[0].path == std::vector<std::string>{"entry", "_RNv3ext6method"});

	// Taking an address is not a call: without the indirect call, only the
	// entry's own frame counts, and the check's return address.
	spec.funcs[0].indirect_call = false;
	a = analyse_compiler_object(make_compiler_object(spec), 1024);
	REQUIRE(a.ok());
	CHECK(a->stack[0].bytes == 16 + 8);
	CHECK(a->stack[0].path == std::vector<std::string>{"entry", "rax_budget_check"});
}

TEST_CASE("stack: the indirect call is counted where it is made, not where the address is taken",
	  "[stack][elf]")
{
	// entry takes the vtable's address and hands it to call_it, which calls
	// through it: entry -> call_it -> method, deeper than entry -> method.
	CompilerSpec spec;
	spec.funcs = {
		{"entry", 16, {"_RNv3ext7call_it", "rax_budget_check"}, true},
		{"_RNv3ext7call_it", 200, {}},
		{"_RNv3ext6method", 500, {}},
	};
	spec.funcs[1].indirect_call = true;
	spec.vtable = {"_RNv3ext6method"};
	spec.vtable_users = {"entry"};
	spec.entries = {{prog_kprobe, "entry"}};
	auto a = analyse_compiler_object(make_compiler_object(spec), 1024);
	INFO((a ? "" : a.error().to_string()));
	REQUIRE(a.ok());
	CHECK(a->stack[0].bytes == 16 + 200 + 500 + 2 * 8);
	CHECK(a->stack[0].path ==
	      std::vector<std::string>{"entry", "_RNv3ext7call_it", "_RNv3ext6method"});
}

TEST_CASE("stack: analysis refuses recursion through a function pointer", "[stack][elf]")
{
	// Each cycle passes a cancellation point (rax_budget_check at walk's
	// entry, as the termination pass puts one): the stack bound refuses it.
	CompilerSpec spec;
	spec.entries = {{prog_kprobe, "entry"}};

	SECTION("a function calling through a vtable that holds it") {
		spec.funcs = {
			{"entry", 16, {"_RNv3ext4walk"}, true},
			{"_RNv3ext4walk", 64, {"rax_budget_check"}},
		};
		spec.funcs[1].indirect_call = true;
		spec.vtable = {"_RNv3ext4walk"};
		spec.vtable_users = {"_RNv3ext4walk"};
	}
	SECTION("the address taken elsewhere, the call made in a callee") {
		// entry stores walk's address; walk calls call_it, which calls
		// through the pointer: walk -> call_it -> walk.
		spec.funcs = {
			{"entry", 16, {"_RNv3ext4walk"}, true},
			{"_RNv3ext4walk", 64, {"rax_budget_check", "_RNv3ext7call_it"}},
			{"_RNv3ext7call_it", 8, {}},
		};
		spec.funcs[2].indirect_call = true;
		spec.vtable = {"_RNv3ext4walk"};
		spec.vtable_users = {"entry"};
	}
	auto a = analyse_compiler_object(make_compiler_object(spec), 1024);
	REQUIRE_FALSE(a.ok());
	CHECK(a.error().code() == ELOOP);
	CHECK(contains(a.error().message(), "only allowed through rax::stack::recurse"));
	CHECK(contains(a.error().message(), "_RNv3ext4walk -> "));
}

TEST_CASE("stack: a frame over 4 KiB is refused whatever the limit", "[stack][elf]")
{
	CompilerSpec spec;
	spec.entries = {{prog_kprobe, "entry"}};
	spec.funcs = {{"entry", 16, {"_RNv3ext3big", "rax_budget_check"}, true},
		      {"_RNv3ext3big", max_frame + 1, {}}};
	auto a = analyse_compiler_object(make_compiler_object(spec), 1 << 20);
	REQUIRE_FALSE(a.ok());
	CHECK(a.error().code() == EINVAL);
	CHECK(contains(a.error().message(), "function _RNv3ext3big has a frame of 4097 bytes"));
	spec.funcs[1].frame = max_frame;
	CHECK(analyse_compiler_object(make_compiler_object(spec), 1 << 20).ok());
}

TEST_CASE("stack: analysis refusals", "[stack][elf]")
{
	CompilerSpec spec;
	spec.entries = {{prog_kprobe, "entry"}};

	SECTION("recursion") {
		// With a cancellation point at every entry, as the termination
		// pass puts them: the stack bound is what refuses the cycle.
		spec.funcs = {{"entry", 16, {"_RNv3ext3odd"}, true},
			      {"_RNv3ext3odd", 16, {"rax_budget_check", "_RNv3ext4even"}},
			      {"_RNv3ext4even", 16, {"rax_budget_check", "_RNv3ext3odd"}}};
		auto a = analyse_compiler_object(make_compiler_object(spec), 1024);
		REQUIRE_FALSE(a.ok());
		CHECK(a.error().code() == ELOOP);
		CHECK(contains(a.error().message(), "_RNv3ext3odd -> _RNv3ext4even -> _RNv3ext3odd"));
	}
	SECTION("over the limit") {
		spec.funcs = {{"entry", 16, {"_RNv3ext3big", "rax_budget_check"}, true},
			      {"_RNv3ext3big", 4000, {"_RNv3ext4big2"}},
			      {"_RNv3ext4big2", 4000, {}}};
		auto a = analyse_compiler_object(make_compiler_object(spec), 8000);
		REQUIRE_FALSE(a.ok());
		CHECK(a.error().code() == E2BIG);
		CHECK(contains(a.error().message(), "4000  _RNv3ext3big"));
		CHECK(contains(a.error().message(), "4000  _RNv3ext4big2"));
	}
	SECTION("function without a stack size") {
		spec.funcs = {{"entry", 16, {"_RNv3ext4anon", "rax_budget_check"}, true},
			      {"_RNv3ext4anon", 16, {}, false, false, true}};
		auto a = analyse_compiler_object(make_compiler_object(spec), 8192);
		REQUIRE_FALSE(a.ok());
		CHECK(a.error().code() == ENOENT);
		CHECK(contains(a.error().message(), "_RNv3ext4anon"));
	}
	SECTION("unknown helper") {
		spec.funcs = {{"entry", 16, {"bpf_trace_printk"}, true}};
		auto a = analyse_compiler_object(make_compiler_object(spec), 8192);
		REQUIRE_FALSE(a.ok());
		CHECK(a.error().code() == EINVAL);
		CHECK(contains(a.error().message(), "(bpf_trace_printk) is not a Rax helper"));
	}
	SECTION("helper not allowed") {
		spec.entries = {{prog_sched_cls, "entry"}};
		spec.funcs = {{"entry", 16, {"rax_get_current_comm"}, true}};
		auto a = analyse_compiler_object(make_compiler_object(spec), 8192);
		REQUIRE_FALSE(a.ok());
		CHECK(a.error().code() == EINVAL);
		CHECK(contains(a.error().message(), "rax_get_current_comm is not allowed for entry 0 (entry)"));
	}
	SECTION("entry is not global") {
		spec.funcs = {{"entry", 16, {}, false}};
		auto a = analyse_compiler_object(make_compiler_object(spec), 8192);
		REQUIRE_FALSE(a.ok());
		CHECK(a.error().code() == EINVAL);
		CHECK(contains(a.error().message(), "symbol entry is not a global function"));
	}
}

TEST_CASE("stack: analysis never crashes on flipped bytes", "[stack][elf][corpus]")
{
	CompilerSpec spec;
	spec.funcs = {{"entry", 16, {"_RNv3ext1a", "rax_ktime_get_ns"}, true},
		      {"_RNv3ext1a", 24, {}, false, true}};
	spec.entries = {{prog_kprobe, "entry"}};
	Bytes const v = make_compiler_object(spec);
	REQUIRE(analyse_compiler_object(v, 1024).ok());
	for (std::size_t i = 0; i < v.size(); i++) {
		Bytes img = v;
		img[i] ^= 0xff;
		auto a = analyse_compiler_object(img, 1024);
		if (!a.ok())
			CHECK_FALSE(a.error().message().empty());
		auto w = write_rax_object(img, sample_provenance(1, {"rax_ktime_get_ns"}));
		if (w.ok())
			CHECK(parse_object(*w).ok());
	}
}
