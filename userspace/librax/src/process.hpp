// SPDX-License-Identifier: GPL-2.0
// Running a tool (rustc) and capturing what it prints.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <rax/result.hpp>

namespace rax {

struct ProcessResult {
	int status = -1; // exit status, or 128 + signal
	std::string output; // stdout and stderr, interleaved
};

enum class Env { inherit, scrub };

// Run @argv (argv[0] is an absolute path; no shell) with @env added to the
// environment, in @cwd when not empty. With Env::scrub the environment is
// @env and PATH=/usr/bin:/bin only.
Result<ProcessResult> run_process(std::vector<std::string> const &argv,
				  std::vector<std::pair<std::string, std::string>> const &env = {},
				  std::string const &cwd = {}, Env mode = Env::inherit);

} // namespace rax
