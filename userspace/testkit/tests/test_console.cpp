// SPDX-License-Identifier: GPL-2.0
#include <catch2/catch.hpp>
#include <raxtest/console.hpp>

using raxtest::check_console;

namespace {

// Lines every debug boot prints; none of them is a report.
char const clean_boot[] =
	"[    0.000000] Linux version 6.12.117 (rax@rax-build) #1 SMP PREEMPT\n"
	"[    0.000000] kasan: KernelAddressSanitizer initialized (generic)\n"
	"[    0.120000] Lock dependency validator: Copyright (c) 2006 Red Hat, Inc.\n"
	"[    0.130000] ... MAX_LOCKDEP_SUBCLASSES:  8\n"
	"[    1.000000] kmemleak: Kernel memory leak detector initialized (mem pool available: 15739)\n"
	"[    1.100000] kmemleak: Automatic memory scanning thread ended\n"
	"[    2.000000] rcu: Hierarchical RCU implementation.\n"
	"[    2.100000] rax: format v0, stack 64 KiB, budget max 10000 us\n"
	"[    3.000000] lkdtm: No crash points registered, enable through debugfs\n"
	"[    3.100000] warning: process 'x' launched with a deprecated option\n"
	"[    3.200000] bug: this lowercase word is not a report\n";

} // namespace

TEST_CASE("a clean debug boot has no findings", "[console]")
{
	CHECK(check_console(clean_boot).empty());
	CHECK(check_console("").empty());
}

TEST_CASE("each kernel report is found and named", "[console]")
{
	struct {
		char const *line;
		char const *cause;
	} const cases[] = {
		{ "[   10.1] WARNING: CPU: 1 PID: 77 at drivers/misc/lkdtm/bugs.c:101 lkdtm_WARNING+0x1/0x2",
		  "WARNING" },
		{ "[   10.2] BUG: kernel NULL pointer dereference, address: 0000000000000000", "BUG" },
		{ "[   10.3] Oops: general protection fault, probably for non-canonical address", "Oops" },
		{ "[   10.4] BUG: KASAN: slab-out-of-bounds in foo+0x12/0x34", "KASAN report" },
		{ "[   10.5] WARNING: possible circular locking dependency detected", "lockdep" },
		{ "[   10.6] WARNING: possible recursive locking detected", "lockdep" },
		{ "[   10.7] WARNING: inconsistent lock state", "lockdep" },
		{ "[   10.8] kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
		  "kmemleak" },
		{ "[   10.9] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", "RCU stall" },
		{ "[   11.0] watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [sh:80]", "soft lockup" },
		{ "[   11.1] Call Trace:", "call trace" },
		{ "[   11.2] Kernel panic - not syncing: No working init found.", "kernel panic" },
		{ "[   11.3] INFO: task sh:80 blocked for more than 120 seconds.", "hung task" },
		{ "[   11.4] UBSAN: shift-out-of-bounds in kernel/foo.c:12:3", "UBSAN" },
		{ "[   11.5] BUG: sleeping function called from invalid context at mm/slab.c:1", "BUG" },
	};
	for (auto const &c : cases) {
		std::string log = std::string(clean_boot) + c.line + "\n[   12.0] reboot: Power down\n";
		auto f = check_console(log);
		INFO(c.line);
		REQUIRE(f.size() == 1);
		CHECK(f[0].cause == c.cause);
		CHECK(f[0].line == 12);
		CHECK(f[0].text.find("[") != 0); // timestamp stripped
	}
}

TEST_CASE("markers are case-sensitive and exact", "[console]")
{
	CHECK(check_console("[ 1.0] kmemleak: 0 new suspected memory leak\n").empty());
	CHECK(check_console("[ 1.0] warning: lowercase\n[ 1.1] oops lowercase\n").empty());
	CHECK(check_console("[ 1.0] call trace: lowercase\n").empty());
	CHECK(check_console("[ 1.0] kmemleak: 12 new suspected memory leaks\n").size() == 1);
}

TEST_CASE("a report with its call trace counts each line", "[console]")
{
	char const log[] = "[ 5.0] ------------[ cut here ]------------\n"
			   "[ 5.0] WARNING: CPU: 0 PID: 1 at kernel/x.c:1 f+0x0/0x1\n"
			   "[ 5.0] Call Trace:\n"
			   "[ 5.0]  <TASK>\n";
	auto f = check_console(log);
	REQUIRE(f.size() == 2);
	CHECK(f[0].cause == "WARNING");
	CHECK(f[0].line == 2);
	CHECK(f[1].cause == "call trace");
}

TEST_CASE("printk timestamps are stripped only when they are timestamps", "[console]")
{
	CHECK(raxtest::strip_timestamp("[   12.345678] hello") == "hello");
	CHECK(raxtest::strip_timestamp("[foo] hello") == "[foo] hello");
	CHECK(raxtest::strip_timestamp("no stamp\r") == "no stamp");
}
