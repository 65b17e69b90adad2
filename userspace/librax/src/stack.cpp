// SPDX-License-Identifier: GPL-2.0
// Worst-case stack of an entry point over the call graph: an iterative
// depth-first search with memoisation (no recursion, so a deep graph does
// not overflow the toolchain's own stack) that refuses cycles, except
// through the rax crate's recursion guard, which checks at run time that
// the stack has room for one more step of RAX_RECURSION_STEP bytes.
#include <rax/object.hpp>

#include <linux/rax.h>

#include <algorithm>
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

bool recursion_guard(std::string const &symbol)
{
	// v0 mangling of rax::stack::recurse::<F>: _RINvNtCs<crate>_3rax5stack7recurse...
	// (the extension crate cannot be called rax: rax build refuses it).
	static std::string const path = "_3rax5stack7recurse";
	if (symbol.rfind("_RINvNtCs", 0) != 0)
		return false;
	auto const at = symbol.find('_', 9);
	return at != std::string::npos && symbol.compare(at, path.size(), path) == 0;
}

namespace {

// The deepest path from one function, over the call graph with recursion
// guards other than the start cut off: a guard costs its own frame plus
// @guard_below. Cycles that do not pass through a guard are refused.
struct Walk {
	std::vector<StackFrame> const &graph;
	std::unordered_map<std::string, std::size_t> const &index;

	static constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

	std::vector<std::uint64_t> best;
	std::vector<std::size_t> next;
	std::vector<std::size_t> guards; // guards reached, each once

	Result<std::uint64_t> run(std::size_t root, std::uint64_t guard_below)
	{
		enum : std::uint8_t { white, grey, black };
		std::vector<std::uint8_t> colour(graph.size(), white);
		// The DFS stack: a node and the index of its next callee to visit.
		std::vector<std::pair<std::size_t, std::size_t>> dfs;
		std::vector<bool> is_guard(graph.size());

		best.assign(graph.size(), 0);
		next.assign(graph.size(), none);
		guards.clear();
		for (std::size_t i = 0; i < graph.size(); i++)
			is_guard[i] = recursion_guard(graph[i].symbol);

		dfs.emplace_back(root, 0);
		colour[root] = grey;
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
				if (is_guard[c]) {
					// A leaf here, even when it is where the walk started.
					if (std::find(guards.begin(), guards.end(), c) == guards.end())
						guards.push_back(c);
					continue;
				}
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
					return Error(ELOOP, "stack",
						     "recursion is only allowed through rax::stack::recurse: " +
							     cycle);
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
				std::uint64_t const below =
					is_guard[c] ? add_sat(graph[c].frame, guard_below) : best[c];
				std::uint64_t const d = add_sat(below, return_address);
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
		return best[root];
	}

	std::string path(std::size_t root) const
	{
		std::string msg;
		for (std::size_t const v : nodes(root)) {
			char buf[32];
			std::snprintf(buf, sizeof(buf), "\n  %8llu  ",
				      static_cast<unsigned long long>(graph[v].frame));
			msg += buf + graph[v].symbol;
		}
		return msg;
	}

	// The deepest path from @root, which ends at a leaf or a guard.
	std::vector<std::size_t> nodes(std::size_t root) const
	{
		std::vector<std::size_t> p;
		for (std::size_t v = root; v != none; v = next[v]) {
			p.push_back(v);
			if (p.size() > 1 && recursion_guard(graph[v].symbol))
				break;
		}
		return p;
	}
};

} // namespace

Result<StackBound> stack_bound(std::vector<StackFrame> const &graph, std::string const &entry,
			       std::uint64_t limit)
{
	std::unordered_map<std::string, std::size_t> index;

	for (std::size_t i = 0; i < graph.size(); i++)
		if (!index.emplace(graph[i].symbol, i).second)
			return Error(EINVAL, "stack", "function " + graph[i].symbol +
							     " appears twice in the call graph");
	auto root = index.find(entry);
	if (root == index.end())
		return Error(ENOENT, "stack", "entry " + entry + " has no stack size");

	Walk w{graph, index, {}, {}, {}};

	// Each step of guarded recursion: from a guard to the next guard, at
	// most RAX_RECURSION_STEP bytes below the guard's frame, which the
	// guard checks the stack has room for before it goes on.
	std::vector<std::size_t> todo;
	std::vector<bool> seen(graph.size());
	RAX_TRY(w.run(root->second, RAX_RECURSION_STEP));
	todo = w.guards;
	for (std::size_t g : todo)
		seen[g] = true;
	while (!todo.empty()) {
		std::size_t const g = todo.back();
		todo.pop_back();
		std::uint64_t const step = RAX_TRY(w.run(g, 0));
		if (step - graph[g].frame > RAX_RECURSION_STEP)
			return Error(E2BIG, "stack",
				     "one step of recursion through " + graph[g].symbol + " needs " +
					     std::to_string(step - graph[g].frame) +
					     " bytes of stack below the guard, over the " +
					     std::to_string(RAX_RECURSION_STEP) +
					     " bytes it checks for; deepest path (frame bytes, +8 per call):" +
					     w.path(g));
		for (std::size_t h : w.guards)
			if (!seen[h]) {
				seen[h] = true;
				todo.push_back(h);
			}
	}

	StackBound sb;
	sb.entry = entry;
	sb.bytes = RAX_TRY(w.run(root->second, RAX_RECURSION_STEP));
	for (std::size_t const v : w.nodes(root->second))
		sb.path.push_back(graph[v].symbol);

	if (sb.bytes > limit)
		return Error(E2BIG, "stack",
			     "entry " + entry + " needs " + std::to_string(sb.bytes) +
				     " bytes of stack, over the limit of " + std::to_string(limit) +
				     " bytes; deepest path (frame bytes, +8 per call):" +
				     w.path(root->second));
	return sb;
}

} // namespace rax
