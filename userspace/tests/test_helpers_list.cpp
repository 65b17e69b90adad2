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

namespace {

// The body of C function @fn in @text, from its opening to its closing
// brace at the start of a line, or "" when it is not defined there.
std::string c_body(std::string const &text, std::string const &fn)
{
	std::size_t pos = 0;
	while ((pos = text.find(fn + "(", pos)) != std::string::npos) {
		bool const at_def = pos > 0 && (text[pos - 1] == ' ' || text[pos - 1] == '*');
		std::size_t const nl = text.rfind('\n', pos);
		std::size_t const line = nl == std::string::npos ? 0 : nl + 1;
		std::size_t const open = text.find("\n{\n", pos);
		std::size_t const semi = text.find(';', pos);
		// A definition: the name after its return type at the start of
		// a line, and the brace before any ';' (a call or a prototype).
		if (at_def && text[line] != '\t' && open != std::string::npos && open < semi) {
			std::size_t const close = text.find("\n}\n", open);
			return text.substr(open, close - open);
		}
		pos++;
	}
	return "";
}

// Whether @body counts the call before it can return: rax_charge() comes
// before its first return statement.
bool charges_first(std::string const &body)
{
	std::size_t const charge = body.find("\trax_charge(");
	return !body.empty() && charge != std::string::npos && charge < body.find("return");
}

} // namespace

// Termination (Documentation/rax/termination.rst): every call a program
// makes counts against its budget by the work it is given, so that the
// check's interval, grown on cheap loop iterations, cannot hide expensive
// ones. rax_forge_test has the attack; this keeps a helper added later
// from forgetting the count. rax_throw, rax_stack_check and
// rax_budget_check are not in helper_impl.c: the first never returns,
// the other two are the checks themselves.
TEST_CASE("helpers: every helper and ABI call counts against the time budget", "[helpers]")
{
	std::ifstream in(std::string(rax::paths::source_dir) + "/kernel/rax/helper_impl.c");
	REQUIRE(in);
	std::string const text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	std::size_t checked = 0;
	for (auto const &[name, n] : kernel_order()) {
		if (name == "rax_throw" || name == "rax_stack_check" || name == "rax_budget_check")
			continue;
		std::string const fn = name.rfind("rax_", 0) == 0 ? name : "rax_abi_" + name;
		INFO(fn << " in kernel/rax/helper_impl.c");
		std::string const body = c_body(text, fn);
		CHECK_FALSE(body.empty());
		CHECK(charges_first(body));
		checked++;
	}
	CHECK(checked == kernel_order().size() - 3);
	// The scan sees a missing or late count.
	std::string const late = "u64 rax_x(void)\n{\n\treturn f();\n\trax_charge(0);\n}\n";
	std::string const none = "u64 rax_y(void)\n{\n\treturn f();\n}\n";
	std::string const good = "u64 rax_z(void)\n{\n\tint a;\n\n\trax_charge(a);\n\treturn a;\n}\n";
	CHECK_FALSE(charges_first(c_body(late, "rax_x")));
	CHECK_FALSE(charges_first(c_body(none, "rax_y")));
	CHECK(charges_first(c_body(good, "rax_z")));
	CHECK(c_body(good, "rax_w").empty());
}
