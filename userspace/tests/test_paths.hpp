// SPDX-License-Identifier: GPL-2.0
// The tests' data directory and build directory, defined in a generated
// source (userspace/tests/CMakeLists.txt) for the reason given in
// rax/paths.hpp. The source tree is rax::paths::source_dir.
#pragma once

#include <rax/paths.hpp>

namespace test_paths {

extern char const data[];       // userspace/tests/data
extern char const binary_dir[]; // the tests' build directory

} // namespace test_paths
