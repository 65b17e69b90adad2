// SPDX-License-Identifier: GPL-2.0
// Worst-case stack of an entry point over the call graph: an iterative
// depth-first search with memoisation (no recursion, so a deep graph does
// not overflow the toolchain's own stack) that refuses cycles.
#include <rax/object.hpp>

#include <cstdio>
#include <limits>
#include <unordered_map>

namespace rax {

namespace {

constexpr std::uint64_t return_address = 8;

std::uint64_t add_sat(std::uint64_t a, std::uint64_t b)
{
	return a > std::numeric_limits<std::uint64_t>::max() - b
		       ? std::numeric_limits<std::uint64_t>::max()
		       : a + b;
}

} // namespace

Result<StackBound> stack_bound(std::vector<StackFrame> const &graph, std::string const &entry,
			       std::uint64_t limit)
{
	constexpr std::size_t none = std::numeric_limits<std::size_t>::max();
	std::unordered_map<std::string, std::size_t> index;

	for (std::size_t i = 0; i < graph.size(); i++)
		if (!index.emplace(graph[i].symbol, i).second)
			return Error(EINVAL, "stack", "function " + graph[i].symbol +
							     " appears twice in the call graph");
	auto root = index.find(entry);
	if (root == index.end())
		return Error(ENOENT, "stack", "entry " + entry + " has no stack size");

	enum : std::uint8_t { white, grey, black };
	std::vector<std::uint8_t> colour(graph.size(), white);
	std::vector<std::uint64_t> best(graph.size(), 0);
	std::vector<std::size_t> next(graph.size(), none);
	// The DFS stack: a node and the index of its next callee to visit.
	std::vector<std::pair<std::size_t, std::size_t>> dfs;

	dfs.emplace_back(root->second, 0);
	colour[root->second] = grey;
	while (!dfs.empty()) {
		auto &[v, child] = dfs.back();
		StackFrame const &f = graph[v];

		if (child < f.callees.size()) {
			std::string const &name = f.callees[child++];
			auto it = index.find(name);
			if (it == index.end())
				return Error(ENOENT, "stack", "function " + name + ", called by " +
								      f.symbol + ", has no stack size");
			std::size_t const c = it->second;
			if (colour[c] == grey) {
				// The cycle is the part of the DFS stack from c.
				std::string cycle;
				bool in = false;
				for (auto const &[u, ignored] : dfs) {
					(void)ignored;
					in = in || u == c;
					if (in)
						cycle += graph[u].symbol + " -> ";
				}
				cycle += graph[c].symbol;
				return Error(ELOOP, "stack", "recursion is not allowed: " + cycle);
			}
			if (colour[c] == white) {
				colour[c] = grey;
				dfs.emplace_back(c, 0);
			}
			continue;
		}

		// All callees done: the deepest of them, plus this frame.
		std::uint64_t deepest = 0;
		std::size_t via = none;
		for (auto const &name : f.callees) {
			std::size_t const c = index.at(name);
			std::uint64_t const d = add_sat(best[c], return_address);
			if (via == none || d > deepest) {
				deepest = d;
				via = c;
			}
		}
		best[v] = add_sat(f.frame, deepest);
		next[v] = via;
		colour[v] = black;
		dfs.pop_back();
	}

	StackBound sb;
	sb.entry = entry;
	sb.bytes = best[root->second];
	for (std::size_t v = root->second; v != none; v = next[v])
		sb.path.push_back(graph[v].symbol);

	if (sb.bytes > limit) {
		std::string msg = "entry " + entry + " needs " + std::to_string(sb.bytes) +
				  " bytes of stack, over the limit of " + std::to_string(limit) +
				  " bytes; deepest path (frame bytes, +8 per call):";
		for (std::size_t v = root->second; v != none; v = next[v]) {
			char buf[32];
			std::snprintf(buf, sizeof(buf), "\n  %8llu  ",
				      static_cast<unsigned long long>(graph[v].frame));
			msg += buf + graph[v].symbol;
		}
		return Error(E2BIG, "stack", msg);
	}
	return sb;
}

} // namespace rax
