// SPDX-License-Identifier: GPL-2.0
// What the tests that run rax build share: the options of a test build
// (one sysroot cache for the whole run, objects in the build directory)
// and the line a fixture marks "// REFUSED: <construct>".
#pragma once

#include "test_paths.hpp"

#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>

#include <rax/build.hpp>
#include <rax/paths.hpp>

namespace rax::test {

// The crate userspace/tests/fixtures/@name.
inline std::string fixture_dir(std::string const &name)
{
	return std::string(rax::paths::source_dir) + "/userspace/tests/fixtures/" + name;
}

// Build @crate into objects/@out_name.rax.o of the test build directory.
inline rax::BuildOptions build_options(std::string const &crate, std::string const &out_name)
{
	rax::BuildOptions o;
	o.crate_dir = crate;
	o.source_dir = rax::paths::source_dir;
	// One sysroot for the whole test run, shared by parallel tests (locked);
	// scripts/test.sh shares its cache with the kselftest objects.
	char const *cache = std::getenv("RAX_SYSROOT_CACHE");
	o.cache_dir = cache && *cache ? cache : std::string(test_paths::binary_dir) + "/rax-cache";
	o.output = std::string(test_paths::binary_dir) + "/objects/" + out_name + ".rax.o";
	return o;
}

inline rax::BuildOptions fixture_options(std::string const &name)
{
	return build_options(fixture_dir(name), name);
}

// The line of @crate's src/lib.rs marked "// REFUSED: <construct>" and the
// construct; {0, ""} when there is none.
inline std::pair<unsigned, std::string> refused_marker(std::string const &crate)
{
	std::ifstream in(crate + "/src/lib.rs");
	std::string line;
	static constexpr std::string_view tag = "// REFUSED:";
	for (unsigned n = 1; std::getline(in, line); n++)
		if (auto at = line.find(tag); at != std::string::npos) {
			auto construct = line.substr(at + tag.size());
			construct.erase(0, construct.find_first_not_of(' '));
			return {n, construct};
		}
	return {0, {}};
}

} // namespace rax::test
