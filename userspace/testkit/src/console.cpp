// SPDX-License-Identifier: GPL-2.0
#include <raxtest/console.hpp>

#include <regex>

namespace raxtest {

namespace {

struct Marker {
	char const *cause;
	char const *needle; // exact substring, or nullptr when re is used
	char const *re;
};

// Ordered: the first matching marker names the cause of a line.
Marker const markers[] = {
	{ "KASAN report", "BUG: KASAN:", nullptr },
	{ "KASAN report", "KASAN: ", nullptr },
	{ "soft lockup", "soft lockup - CPU#", nullptr },
	{ "hard lockup", "Watchdog detected hard LOCKUP", nullptr },
	{ "lockdep", "possible circular locking dependency detected", nullptr },
	{ "lockdep", "possible recursive locking detected", nullptr },
	{ "lockdep", "inconsistent lock state", nullptr },
	{ "lockdep", "suspicious RCU usage", nullptr },
	{ "lockdep", "possible irq lock inversion dependency detected", nullptr },
	{ "lockdep", "lock held when returning to user space", nullptr },
	{ "lockdep", "bad unlock balance detected", nullptr },
	{ "BUG", "BUG:", nullptr },
	{ "WARNING", "WARNING:", nullptr },
	{ "Oops", "Oops", nullptr },
	{ "kmemleak", nullptr, R"(kmemleak: [0-9]+ new suspected memory leaks)" },
	{ "RCU stall", "rcu: INFO", nullptr },
	{ "hung task", "blocked for more than", nullptr },
	{ "UBSAN", "UBSAN:", nullptr },
	{ "general protection fault", "general protection fault", nullptr },
	{ "kernel panic", "Kernel panic", nullptr },
	{ "unwinder", "stack recursion on stack type", nullptr },
	{ "call trace", "Call Trace:", nullptr },
};

} // namespace

std::string_view strip_timestamp(std::string_view line)
{
	std::size_t i = 0;
	while (i < line.size() && (line[i] == '\r'))
		i++;
	if (i < line.size() && line[i] == '[') {
		std::size_t close = line.find(']', i);
		if (close != std::string_view::npos) {
			bool ts = close > i + 1;
			for (std::size_t j = i + 1; j < close; j++) {
				char c = line[j];
				if (!(c == ' ' || c == '.' || (c >= '0' && c <= '9')))
					ts = false;
			}
			if (ts) {
				i = close + 1;
				if (i < line.size() && line[i] == ' ')
					i++;
			}
		}
	}
	std::string_view rest = line.substr(i);
	while (!rest.empty() && (rest.back() == '\r' || rest.back() == '\n'))
		rest.remove_suffix(1);
	return rest;
}

std::vector<Finding> check_console(std::string_view log)
{
	static std::regex const kmemleak_re(markers[14].re);
	std::vector<Finding> out;
	std::size_t lineno = 0, pos = 0;

	while (pos <= log.size()) {
		std::size_t nl = log.find('\n', pos);
		std::string_view line = log.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
		lineno++;
		std::string_view text = strip_timestamp(line);
		for (Marker const &m : markers) {
			bool hit;
			if (m.needle)
				hit = text.find(m.needle) != std::string_view::npos;
			else
				hit = std::regex_search(text.begin(), text.end(), kmemleak_re);
			if (hit) {
				out.push_back({ lineno, m.cause, std::string(text) });
				break;
			}
		}
		if (nl == std::string_view::npos)
			break;
		pos = nl + 1;
	}
	return out;
}

} // namespace raxtest
