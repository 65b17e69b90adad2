// SPDX-License-Identifier: GPL-2.0
#include <raxtest/console.hpp>
#include <raxtest/tap.hpp>

#include <cctype>
#include <map>

namespace raxtest {

namespace {

bool starts_with(std::string_view s, std::string_view p)
{
	return s.substr(0, p.size()) == p;
}

bool is_tap_line(std::string_view s)
{
	return starts_with(s, "ok ") || starts_with(s, "not ok ") || s == "ok" ||
	       starts_with(s, "TAP version") || starts_with(s, "KTAP version") ||
	       starts_with(s, "1..") || starts_with(s, "Bail out!");
}

// Strip nesting prefixes ("# " from kselftest, four spaces from KTAP)
// until a TAP line appears; return the depth, or -1 when the line is not
// a TAP line at any depth.
int tap_depth(std::string_view &s)
{
	int depth = 0;
	for (;;) {
		if (is_tap_line(s))
			return depth;
		if (starts_with(s, "# ")) {
			s.remove_prefix(2);
		} else if (starts_with(s, "    ")) {
			s.remove_prefix(4);
		} else if (starts_with(s, "\t")) {
			s.remove_prefix(1);
		} else {
			return -1;
		}
		depth++;
	}
}

struct Level {
	std::size_t results = 0;  // results seen at this level
	std::size_t failures = 0; // failed leaf results at or below this level
	long plan = -1;           // "1..N" at this level, if any
	std::string subtest_name; // "# Subtest: name" announced at this level
};

} // namespace

TapSummary parse_tap(std::string_view text)
{
	TapSummary sum;
	std::map<int, Level> levels;
	std::size_t lineno = 0, pos = 0;

	auto close_level = [&](int d) {
		auto it = levels.find(d);
		if (it == levels.end())
			return;
		if (it->second.plan >= 0 && static_cast<std::size_t>(it->second.plan) != it->second.results)
			sum.plan_errors.push_back("planned " + std::to_string(it->second.plan) + " tests, saw " +
						  std::to_string(it->second.results));
		levels.erase(it);
	};

	while (pos <= text.size()) {
		std::size_t nl = text.find('\n', pos);
		std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
		lineno++;
		pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;

		std::string_view s = strip_timestamp(raw);
		// "# Subtest: name" (KTAP) names the next nested block.
		{
			std::string_view t = s;
			int d = 0;
			while (starts_with(t, "    ") || starts_with(t, "# ")) {
				bool hash = starts_with(t, "# ");
				if (hash && starts_with(t.substr(2), "Subtest:"))
					break;
				t.remove_prefix(hash ? 2 : 4);
				d++;
			}
			if (starts_with(t, "# Subtest:")) {
				std::string_view n = t.substr(10);
				while (!n.empty() && n.front() == ' ')
					n.remove_prefix(1);
				levels[d].subtest_name = std::string(n);
				continue;
			}
		}
		int depth = tap_depth(s);
		if (depth < 0)
			continue;
		if (starts_with(s, "TAP version") || starts_with(s, "KTAP version")) {
			sum.saw_tap = true;
			// A new document at this depth: forget deeper state.
			for (auto it = levels.begin(); it != levels.end();) {
				if (it->first > depth)
					it = levels.erase(it);
				else
					++it;
			}
			levels[depth].results = 0;
			levels[depth].plan = -1;
			continue;
		}
		if (starts_with(s, "1..")) {
			levels[depth].plan = std::strtol(std::string(s.substr(3)).c_str(), nullptr, 10);
			continue;
		}
		if (starts_with(s, "Bail out!")) {
			sum.bailed_out = true;
			sum.failed++;
			sum.results.push_back({ "Bail out", Outcome::fail, lineno, std::string(s) });
			continue;
		}

		sum.saw_tap = true;
		bool ok = starts_with(s, "ok");
		std::string_view rest = s.substr(ok ? 2 : 6);
		while (!rest.empty() && rest.front() == ' ')
			rest.remove_prefix(1);
		while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest.front())))
			rest.remove_prefix(1);
		while (!rest.empty() && (rest.front() == ' ' || rest.front() == '-'))
			rest.remove_prefix(1);
		std::string directive;
		std::size_t hash = rest.find(" # ");
		std::string_view name = rest;
		if (hash != std::string_view::npos) {
			directive = std::string(rest.substr(hash + 3));
			name = rest.substr(0, hash);
		} else if (starts_with(rest, "# ")) {
			directive = std::string(rest.substr(2));
			name = {};
		}

		levels[depth].results++;
		bool parent = levels.count(depth + 1) && levels[depth + 1].results > 0;
		std::size_t child_failures = parent ? levels[depth + 1].failures : 0;
		close_level(depth + 1);
		// A parent is reported by its subtests, unless it failed while
		// they all passed (a crash, a timeout, a missing result).
		if (parent && (ok || child_failures > 0)) {
			levels[depth].failures += child_failures;
			continue;
		}

		Outcome outcome = ok ? Outcome::pass : Outcome::fail;
		std::string d = directive;
		for (auto &c : d)
			c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
		if (starts_with(d, "SKIP"))
			outcome = Outcome::skip;
		else if (!ok && starts_with(d, "TODO"))
			outcome = Outcome::skip;

		std::string path;
		for (auto const &[d2, lvl] : levels)
			if (d2 <= depth && !lvl.subtest_name.empty())
				path += lvl.subtest_name + "/";
		path += std::string(name);
		sum.results.push_back({ path, outcome, lineno, directive });
		switch (outcome) {
		case Outcome::pass: sum.passed++; break;
		case Outcome::fail:
			sum.failed++;
			levels[depth].failures++;
			break;
		case Outcome::skip: sum.skipped++; break;
		}
	}
	for (int d = 0; d < 64; d++)
		if (levels.count(d) && levels[d].plan >= 0 &&
		    static_cast<std::size_t>(levels[d].plan) != levels[d].results)
			sum.plan_errors.push_back("planned " + std::to_string(levels[d].plan) + " tests, saw " +
						  std::to_string(levels[d].results));
	return sum;
}

} // namespace raxtest
