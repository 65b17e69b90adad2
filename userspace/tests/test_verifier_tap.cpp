// SPDX-License-Identifier: GPL-2.0
// scripts/test-verifier-tap.py: test_verifier's output becomes TAP, a
// failure not on the list of expected ones fails, a listed one is a TODO,
// and an output that stops early or disagrees with its summary fails.
#include "cli_run.hpp"

#include <rax/paths.hpp>

using namespace rax::test;

namespace {

struct Tap {
	int status;
	std::string out;
};

Tap convert(std::string const &log, std::string const &expected)
{
	TempDir d;
	std::ofstream(d / "log") << log;
	std::ofstream(d / "expected") << expected;
	std::string const script = (fs::path(rax::paths::source_dir) / "scripts/test-verifier-tap.py").string();
	std::string cmd = "python3 " + quote(script) + " " + quote(d / "log") + " " + quote(d / "expected") +
			  " >" + quote(d / "out") + " 2>&1";
	int st = std::system(cmd.c_str());
	return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, slurp(d / "out")};
}

// What rax-tap makes of a TAP text: its last line.
std::string summary(std::string const &tap)
{
	TempDir d;
	std::ofstream(d / "tap") << tap;
	std::string const rax_tap = std::string(test_paths::binary_dir) + "/../testkit/rax-tap";
	std::string cmd = quote(rax_tap) + " --name verifier " + quote(d / "tap") + " >" + quote(d / "out");
	(void)std::system(cmd.c_str());
	std::string out = slurp(d / "out");
	auto nl = out.rfind('\n', out.size() - 2);
	return out.substr(nl == std::string::npos ? 0 : nl + 1);
}

constexpr char log_ok[] = "#0/u invalid and of negative number SKIP\n"
			  "#0/p invalid and of negative number OK\n"
			  "#1/p check valid spill/fill 3 cases OK\n"
			  "#2/p unaligned access OK (NOTE: not executed due to unknown alignment)\n"
			  "#3/p sleepable lsm accept FAIL\n"
			  "Failed to load prog 'Permission denied'!\n"
			  "verification time 12 usec\n"
			  "#4/p map of maps SKIP (unsupported map type 12)\n"
			  "Summary: 3 PASSED, 2 SKIPPED, 1 FAILED\n";

} // namespace

TEST_CASE("test-verifier-tap: every result, skips with their reason, failures with their log",
	  "[verifier]")
{
	Tap t = convert(log_ok, "");
	INFO(t.out);
	REQUIRE(t.status == 0);
	CHECK(has(t.out, "1..7\n"));
	CHECK(has(t.out, "ok 1 invalid and of negative number/u # SKIP unprivileged BPF is disabled\n"));
	CHECK(has(t.out, "ok 2 invalid and of negative number/p\n"));
	CHECK(has(t.out, "ok 3 check valid spill/fill/p\n"));
	CHECK(has(t.out, "ok 4 unaligned access/p\n"));
	CHECK(has(t.out, "not ok 5 sleepable lsm accept/p\n# | Failed to load prog"));
	CHECK(has(t.out, "ok 6 map of maps/p # SKIP (unsupported map type 12)\n"));
	CHECK(has(t.out, "ok 7 summary: 3 passed, 2 skipped, 1 failed\n"));
	// The summary that agrees is a result of its own.
	CHECK(summary(t.out) == "verifier: 4 passed, 1 failed, 2 skipped\n");
}

TEST_CASE("test-verifier-tap: a listed failure is expected, with its reason", "[verifier]")
{
	Tap t = convert(log_ok, "# a comment\np\tsleepable lsm accept\tno BPF LSM in the guest\n"
				"p\tinvalid and of negative number\tonce broken\n");
	INFO(t.out);
	REQUIRE(t.status == 0);
	CHECK(has(t.out, "not ok 5 sleepable lsm accept/p # TODO expected: no BPF LSM in the guest\n"));
	CHECK(has(t.out, "# listed as an expected failure but passes now"));
	CHECK(summary(t.out) == "verifier: 4 passed, 0 failed, 3 skipped\n");

	// The mode is part of the name: a listed /u does not excuse /p.
	t = convert(log_ok, "u\tsleepable lsm accept\tunprivileged only\n");
	CHECK(summary(t.out) == "verifier: 4 passed, 1 failed, 2 skipped\n");
	CHECK(has(t.out, "# listed test not run: sleepable lsm accept/u"));

	// A malformed list is an error, not an empty list.
	t = convert(log_ok, "p sleepable lsm accept\n");
	CHECK(t.status != 0);
	CHECK(has(t.out, "want MODE<TAB>DESCRIPTION<TAB>WHY"));
}

TEST_CASE("test-verifier-tap: a run cut short or miscounted fails", "[verifier]")
{
	std::string cut = log_ok;
	cut.resize(cut.find("#4/p"));
	Tap t = convert(cut, "p\tsleepable lsm accept\tno BPF LSM\n");
	INFO(t.out);
	CHECK(has(t.out, "not ok 6 summary # test_verifier printed no summary"));
	CHECK(summary(t.out) == "verifier: 3 passed, 1 failed, 2 skipped\n");

	std::string miscounted = log_ok;
	miscounted.replace(miscounted.find("3 PASSED"), 8, "4 PASSED");
	t = convert(miscounted, "p\tsleepable lsm accept\tno BPF LSM\n");
	CHECK(has(t.out, "test_verifier says 4 passed, 2 skipped, 1 failed; 3, 2, 1 parsed"));
	CHECK(summary(t.out) == "verifier: 3 passed, 1 failed, 3 skipped\n");

	// A test whose verdict never came (the run died in it).
	std::string died = "#0/p a test that oopses \n";
	t = convert(died, "");
	CHECK(has(t.out, "not ok 1 a test that oopses /p"));
	CHECK(summary(t.out) == "verifier: 0 passed, 2 failed, 0 skipped\n");
}
