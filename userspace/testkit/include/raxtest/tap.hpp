// SPDX-License-Identifier: GPL-2.0
// A TAP 13 / KTAP parser for the results of kselftests (nested with "# "
// prefixes) and KUnit (nested with four-space indentation, interleaved
// with other console output). Only leaf results count: a result whose
// subtests were printed before it is a parent, reported by its subtests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace raxtest {

enum class Outcome { pass, fail, skip };

struct TestResult {
	std::string name; // "parent/child" path of the test
	Outcome outcome;
	std::size_t line;      // 1-based line of the result in the input
	std::string directive; // text after '#' (SKIP/TODO reason), if any
};

struct TapSummary {
	std::vector<TestResult> results; // leaf results, in order
	std::size_t passed = 0;
	std::size_t failed = 0;
	std::size_t skipped = 0;
	bool bailed_out = false;
	// Plans ("1..N") whose count of results did not match, as messages.
	std::vector<std::string> plan_errors;
	bool saw_tap = false; // a TAP/KTAP header or a result was found
};

// Parse @text. Lines that are not TAP (other console output, printk
// timestamps) are ignored.
TapSummary parse_tap(std::string_view text);

} // namespace raxtest
