// SPDX-License-Identifier: GPL-2.0
// rax-tap: summarise TAP/KTAP results.
//
//   rax-tap [--name SUITE] [--require-tap] [--expect N] FILE
//
// Prints one line per failed test and a last line
// "SUITE: N passed, N failed, N skipped". Exit status 0 when nothing
// failed, 1 when a test failed, a plan was not met or the run bailed out,
// 2 on usage errors. With --require-tap, input without any TAP is a
// failure (the suite did not run). With --expect N, fewer than N results
// is a failure (tests went missing).
#include <raxtest/tap.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char **argv)
{
	std::string name = "tap", file;
	bool require = false;
	long expect = -1;

	for (int i = 1; i < argc; i++) {
		if (!std::strcmp(argv[i], "--name") && i + 1 < argc) {
			name = argv[++i];
		} else if (!std::strcmp(argv[i], "--expect") && i + 1 < argc) {
			expect = std::strtol(argv[++i], nullptr, 10);
		} else if (!std::strcmp(argv[i], "--require-tap")) {
			require = true;
		} else if (!std::strcmp(argv[i], "-h") || !std::strcmp(argv[i], "--help")) {
			std::cout << "Usage: rax-tap [--name SUITE] [--require-tap] [--expect N] FILE\n";
			return 0;
		} else if (file.empty()) {
			file = argv[i];
		} else {
			std::cerr << "rax-tap: what is '" << argv[i] << "'?\n";
			return 2;
		}
	}
	if (file.empty()) {
		std::cerr << "Usage: rax-tap [--name SUITE] [--require-tap] [--expect N] FILE\n";
		return 2;
	}
	std::ifstream in(file, std::ios::binary);
	if (!in) {
		std::cerr << "rax-tap: cannot open " << file << ": " << std::strerror(errno) << "\n";
		return 2;
	}
	std::stringstream ss;
	ss << in.rdbuf();
	raxtest::TapSummary s = raxtest::parse_tap(ss.str());

	std::size_t failed = s.failed + s.plan_errors.size();
	for (auto const &r : s.results)
		if (r.outcome == raxtest::Outcome::fail)
			std::cout << name << ": FAIL " << r.name << " (" << file << ":" << r.line << ")\n";
	for (auto const &e : s.plan_errors)
		std::cout << name << ": FAIL plan: " << e << "\n";
	if (require && !s.saw_tap) {
		std::cout << name << ": FAIL no TAP output in " << file << " (the suite did not run)\n";
		failed++;
	}
	std::size_t seen = s.passed + s.failed + s.skipped;
	if (expect >= 0 && seen < static_cast<std::size_t>(expect)) {
		std::cout << name << ": FAIL expected at least " << expect << " results, saw " << seen
			  << " (tests went missing)\n";
		failed++;
	}
	std::cout << name << ": " << s.passed << " passed, " << failed << " failed, " << s.skipped
		  << " skipped\n";
	return failed ? 1 : 0;
}
