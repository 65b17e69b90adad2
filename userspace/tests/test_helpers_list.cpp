// SPDX-License-Identifier: GPL-2.0
// The kernel's helper list (kernel/rax/helpers.h) is the one source of the
// helpers; the rax crate's declarations must match it exactly, so the two
// cannot drift. This test fails on any difference in names, arity or order.

#include "test_paths.hpp"
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <rax/object.hpp>

namespace {

using HelperList = std::vector<std::pair<std::string, int>>;

// The kernel's helpers with their argument counts, in the header's order.
HelperList kernel_order()
{
	HelperList l;
#define RAX_HELPER(name, nargs, types) l.emplace_back(#name, nargs);
#define RAX_ABI(name, nargs) l.emplace_back(#name, nargs);
#include "../../kernel/rax/helpers.h"
#undef RAX_ABI
#undef RAX_HELPER
	return l;
}

std::map<std::string, int> kernel_list()
{
	auto const l = kernel_order();
	return std::map<std::string, int>(l.begin(), l.end());
}

// The functions declared in the crate's `extern "C"` blocks, with their
// argument counts, in declaration order.
HelperList crate_order(std::string const &text)
{
	HelperList m;
	std::size_t pos = 0;
	while ((pos = text.find("extern \"C\"", pos)) != std::string::npos) {
		auto open = text.find_first_not_of(" \t\n", pos + 10);
		if (open == std::string::npos || text[open] != '{') {
			pos++;
			continue;
		}
		int depth = 1;
		std::size_t i = open + 1;
		for (; i < text.size() && depth; i++)
			depth += text[i] == '{' ? 1 : text[i] == '}' ? -1 : 0;
		std::string block = text.substr(open + 1, i - open - 2);
		// strip line comments (doc comments mention parentheses)
		std::string clean;
		std::istringstream in(block);
		std::string line;
		while (std::getline(in, line)) {
			auto c = line.find("//");
			clean += (c == std::string::npos ? line : line.substr(0, c)) + "\n";
		}
		std::size_t f = 0;
		while ((f = clean.find("fn ", f)) != std::string::npos) {
			if (f > 0 && (std::isalnum(static_cast<unsigned char>(clean[f - 1])) || clean[f - 1] == '_')) {
				f += 3;
				continue;
			}
			auto paren = clean.find('(', f);
			std::string name = clean.substr(f + 3, paren - f - 3);
			name.erase(name.find_last_not_of(" \t\n") + 1);
			int d = 0, args = 0;
			bool any = false;
			std::size_t k = paren;
			for (; k < clean.size(); k++) {
				char ch = clean[k];
				if (ch == '(' || ch == '<' || ch == '[')
					d++;
				else if (ch == ')' || ch == '>' || ch == ']') {
					if (ch == '>' && k > 0 && clean[k - 1] == '-')
						continue;
					if (--d == 0)
						break;
				} else if (d == 1 && ch == ',')
					args++;
				else if (d == 1 && !std::isspace(static_cast<unsigned char>(ch)))
					any = true;
			}
			// a trailing comma does not make an argument
			std::string inner = clean.substr(paren + 1, k - paren - 1);
			inner.erase(inner.find_last_not_of(" \t\n") + 1);
			if (!inner.empty() && inner.back() == ',')
				args--;
			m.emplace_back(name, any ? args + 1 : 0);
			f = k;
		}
		pos = i;
	}
	return m;
}

std::string crate_source()
{
	std::ifstream in(std::string(rax::paths::source_dir) + "/userspace/rax/src/ffi.rs");
	REQUIRE(in.good());
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

} // namespace

TEST_CASE("helpers: the rax crate declares exactly the kernel's helper list", "[helpers]")
{
	auto const order = crate_order(crate_source());
	std::map<std::string, int> crate;
	for (auto const &[name, n] : order) {
		INFO("crate declares " << name);
		CHECK(crate.emplace(name, n).second); // once
	}
	auto kernel = kernel_list();
	REQUIRE(kernel.size() >= 15);
	for (auto const &[name, n] : kernel) {
		INFO("kernel helper " << name);
		REQUIRE(crate.count(name) == 1);
		CHECK(crate[name] == n);
	}
	for (auto const &[name, n] : crate) {
		INFO("crate declares " << name);
		CHECK(kernel.count(name) == 1);
	}
}

TEST_CASE("helpers: the rax crate declares the helpers in the kernel's order", "[helpers]")
{
	// Appending to kernel/rax/helpers.h appends to the crate's list too;
	// names and arity are checked above, this is the order.
	auto const crate = crate_order(crate_source());
	auto const kernel = kernel_order();
	std::vector<std::string> cn, kn;
	for (auto const &[name, n] : crate)
		cn.push_back(name);
	for (auto const &[name, n] : kernel)
		kn.push_back(name);
	CHECK(cn == kn);
}

TEST_CASE("helpers: librax's helper table is the kernel's list", "[helpers]")
{
	auto names = rax::helper_names();
	CHECK(names.size() == kernel_list().size());
	for (auto const &[name, n] : kernel_list())
		CHECK(rax::helper_known(name));
	CHECK_FALSE(rax::helper_known("kallsyms_lookup_name"));
	// program-type restrictions come from the same list
	CHECK(rax::helper_allowed("rax_probe_read_kernel", 2 /* KPROBE */));
	CHECK_FALSE(rax::helper_allowed("rax_probe_read_kernel", 6 /* XDP */));
	CHECK(rax::helper_allowed("rax_map_lookup_elem", 6 /* XDP */));
	// The ring buffer helpers are for every program type, the task
	// references for tracing programs only.
	CHECK(rax::helper_allowed("rax_ringbuf_output", 3 /* SCHED_CLS */));
	CHECK(rax::helper_allowed("rax_ringbuf_reserve", 6 /* XDP */));
	CHECK(rax::helper_allowed("rax_task_from_pid", 7 /* PERF_EVENT */));
	CHECK_FALSE(rax::helper_allowed("rax_task_acquire_current", 6 /* XDP */));
	CHECK_FALSE(rax::helper_allowed("rax_task_release", 3 /* SCHED_CLS */));
}
