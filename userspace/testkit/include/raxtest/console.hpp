// SPDX-License-Identifier: GPL-2.0
// The guest console-log check: finds the kernel reports that fail a test
// run (oops, BUG, WARNING, KASAN, lockdep, kmemleak, RCU stalls, soft
// lockups, call traces, panics) with exact, case-sensitive markers, since
// every boot prints harmless text that a loose match would catch.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace raxtest {

struct Finding {
	std::size_t line;   // 1-based line number in the log
	std::string cause;  // short name of the report, e.g. "WARNING"
	std::string text;   // the log line, without its printk timestamp
};

// Every report in @log, in order.
std::vector<Finding> check_console(std::string_view log);

// The log line without a leading printk timestamp "[   12.345678] ".
std::string_view strip_timestamp(std::string_view line);

} // namespace raxtest
