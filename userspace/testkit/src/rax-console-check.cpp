// SPDX-License-Identifier: GPL-2.0
// rax-console-check: fail when a guest console log holds a kernel report.
//
//   rax-console-check LOG
//
// Prints each report as "LOG:LINE: CAUSE: TEXT". Exit status 0 when the
// log is clean, 1 when it holds a report, 2 on usage errors.
#include <raxtest/console.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char **argv)
{
	if (argc != 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help")) {
		std::cerr << "Usage: rax-console-check LOG\n";
		return argc == 2 ? 0 : 2;
	}
	std::ifstream in(argv[1], std::ios::binary);
	if (!in) {
		std::cerr << "rax-console-check: cannot open " << argv[1] << ": " << std::strerror(errno)
			  << "\n";
		return 2;
	}
	std::stringstream ss;
	ss << in.rdbuf();
	auto findings = raxtest::check_console(ss.str());
	for (auto const &f : findings)
		std::cout << argv[1] << ":" << f.line << ": " << f.cause << ": " << f.text << "\n";
	return findings.empty() ? 0 : 1;
}
