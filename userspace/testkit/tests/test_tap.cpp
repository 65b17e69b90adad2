// SPDX-License-Identifier: GPL-2.0
#include <catch2/catch.hpp>
#include <raxtest/tap.hpp>

using raxtest::Outcome;
using raxtest::parse_tap;

TEST_CASE("kselftest output nested by run_kselftest.sh", "[tap]")
{
	char const out[] = "TAP version 13\n"
			   "1..1\n"
			   "# timeout set to 120\n"
			   "# selftests: rax: rax_core_test\n"
			   "# TAP version 13\n"
			   "# 1..3\n"
			   "# # Starting 3 tests from 1 test cases.\n"
			   "# #  RUN           global.a ...\n"
			   "# #            OK  global.a\n"
			   "# ok 1 global.a\n"
			   "# not ok 2 global.b\n"
			   "# ok 3 global.c # SKIP no hardware\n"
			   "# # FAILED: 1 / 3 tests passed.\n"
			   "not ok 1 selftests: rax: rax_core_test # exit=1\n";
	auto s = parse_tap(out);
	CHECK(s.saw_tap);
	CHECK(s.passed == 1);
	CHECK(s.failed == 1);
	CHECK(s.skipped == 1);
	REQUIRE(s.results.size() == 3);
	CHECK(s.results[1].name == "global.b");
	CHECK(s.results[1].outcome == Outcome::fail);
	CHECK(s.results[1].line == 11);
	CHECK(s.plan_errors.empty());
}

TEST_CASE("a test binary that dies fails through its parent and its plan", "[tap]")
{
	char const out[] = "TAP version 13\n"
			   "1..1\n"
			   "# TAP version 13\n"
			   "# 1..3\n"
			   "# ok 1 global.a\n"
			   "not ok 1 selftests: rax: rax_core_test # TIMEOUT 120 seconds\n";
	auto s = parse_tap(out);
	CHECK(s.passed == 1);
	CHECK(s.failed == 1); // the parent, since no subtest failed
	CHECK(s.results.back().name == "selftests: rax: rax_core_test");
	REQUIRE(s.plan_errors.size() == 1);
	CHECK(s.plan_errors[0] == "planned 3 tests, saw 1");
}

TEST_CASE("KUnit KTAP interleaved with console output", "[tap]")
{
	char const con[] = "[    4.000000] Run /init as init process\n"
			   "[    3.100000] KTAP version 1\n"
			   "[    3.100001] 1..1\n"
			   "[    3.100002]     KTAP version 1\n"
			   "[    3.100003]     # Subtest: rax_core\n"
			   "[    3.100004]     # module: core_kunit\n"
			   "[    3.100005]     1..3\n"
			   "[    3.100006] rax: some unrelated message\n"
			   "[    3.100007]     ok 1 rax_stack_size_valid_test\n"
			   "[    3.100008]     # rax_keyring_test: EXPECTATION FAILED at kernel/rax/core_kunit.c:40\n"
			   "[    3.100009]     not ok 2 rax_keyring_test\n"
			   "[    3.100010]     ok 3 rax_params_default_test # SKIP not today\n"
			   "[    3.100011] # rax_core: pass:1 fail:1 skip:1 total:3\n"
			   "[    3.100012] not ok 1 rax_core\n";
	auto s = parse_tap(con);
	CHECK(s.passed == 1);
	CHECK(s.failed == 1);
	CHECK(s.skipped == 1);
	REQUIRE(s.results.size() == 3);
	CHECK(s.results[0].name == "rax_core/rax_stack_size_valid_test");
	CHECK(s.results[1].name == "rax_core/rax_keyring_test");
	CHECK(s.results[1].line == 11);
	CHECK(s.plan_errors.empty());
}

TEST_CASE("no TAP at all and bail out", "[tap]")
{
	auto none = parse_tap("[ 1.0] just a console\nhello\n");
	CHECK_FALSE(none.saw_tap);
	CHECK(none.passed + none.failed + none.skipped == 0);

	auto bail = parse_tap("TAP version 13\n1..2\nok 1 a\nBail out! cannot continue\n");
	CHECK(bail.bailed_out);
	CHECK(bail.passed == 1);
	CHECK(bail.failed == 1);
}

TEST_CASE("all-pass nested suites count leaves only", "[tap]")
{
	char const out[] = "KTAP version 1\n1..2\n"
			   "    KTAP version 1\n    # Subtest: s1\n    1..2\n    ok 1 a\n    ok 2 b\nok 1 s1\n"
			   "    KTAP version 1\n    # Subtest: s2\n    1..1\n    ok 1 c\nok 2 s2\n";
	auto s = parse_tap(out);
	CHECK(s.passed == 3);
	CHECK(s.failed == 0);
	CHECK(s.results[2].name == "s2/c");
	CHECK(s.plan_errors.empty());
}
