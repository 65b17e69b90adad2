// SPDX-License-Identifier: GPL-2.0
// The safe subset: rules that close the families of known rustc soundness
// bugs that safe no_std code can reach (Documentation/rax/safe-subset.rst).
// They are checked on what the compiler itself made of the crate, after
// macro expansion and name resolution, so no spelling (a macro, an alias,
// `use ... as`, a nested module) gets past them: rustc's HIR tree gives the
// items the crate declares, its THIR tree every coercion, call, type and
// match guard of every body, each with its span.

#include <rax/build.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "process.hpp"

namespace fs = std::filesystem;

namespace rax {

namespace {

// One line of a dump: its indentation and the text after it.
struct DumpLine {
	std::size_t indent = 0;
	std::string_view text;
};

std::vector<DumpLine> dump_lines(std::string const &dump)
{
	std::vector<DumpLine> out;
	std::size_t pos = 0;
	while (pos < dump.size()) {
		auto end = dump.find('\n', pos);
		if (end == std::string::npos)
			end = dump.size();
		std::string_view line(dump.data() + pos, end - pos);
		auto first = line.find_first_not_of(' ');
		auto last = line.find_last_not_of(" \r");
		if (first != std::string_view::npos)
			out.push_back({first, line.substr(first, last + 1 - first)});
		pos = end + 1;
	}
	return out;
}

bool starts(std::string_view s, std::string_view prefix)
{
	return s.substr(0, prefix.size()) == prefix;
}

bool has(std::string_view s, std::string_view needle)
{
	return s.find(needle) != std::string_view::npos;
}

// Where a span of the dump points: "span: src/lib.rs:10:22: 10:52 (#0)"
// (only its start). Spans without a location are left empty.
struct Where {
	std::string file;
	unsigned line = 0;
	unsigned column = 0;
};

Where parse_span(std::string_view text)
{
	Where w;
	auto colon = text.find(": ");
	if (colon == std::string_view::npos)
		return w;
	text = text.substr(colon + 2);
	if (starts(text, "Some("))
		text = text.substr(5);
	auto range = text.find(": ");
	if (range == std::string_view::npos)
		return w;
	std::string start(text.substr(0, range));
	auto c2 = start.rfind(':');
	auto c1 = c2 == std::string::npos || c2 == 0 ? std::string::npos : start.rfind(':', c2 - 1);
	if (c1 == std::string::npos)
		return w;
	w.file = start.substr(0, c1);
	w.line = static_cast<unsigned>(std::strtoul(start.c_str() + c1 + 1, nullptr, 10));
	w.column = static_cast<unsigned>(std::strtoul(start.c_str() + c2 + 1, nullptr, 10));
	return w;
}

bool is_span(DumpLine const &l)
{
	return starts(l.text, "span: ") || starts(l.text, "ty_span: Some(");
}

// The refusals of one check, each construct once per place.
class Found {
public:
	void add(Where const &w, std::string const &construct, std::string const &message)
	{
		if (w.file.empty())
			return;
		if (!seen_.insert({w.file, w.line, w.column, construct}).second)
			return;
		out_.push_back({w.file, w.line, w.column, construct, message});
	}
	std::vector<Refusal> take() { return std::move(out_); }

private:
	std::set<std::tuple<std::string, unsigned, unsigned, std::string>> seen_;
	std::vector<Refusal> out_;
};

// A type, as the THIR tree prints it, that holds a lifetime: a reference,
// a named or erased region, a bound region of a `for<'a>` binder.
bool type_has_lifetime(std::string_view ty)
{
	return has(ty, "&") || has(ty, "'");
}

// A type that holds a mutable reference or pointer (`&'{erased} mut T`,
// `*mut T`).
bool type_is_mutable_ref(std::string_view ty)
{
	return has(ty, " mut ") || has(ty, "*mut ");
}

// A path or type of core::any (Any, TypeId, downcasts) or core::error
// (the downcasts of `dyn Error`): type identity that ignores lifetimes.
char const *type_identity_module(std::string_view text)
{
	static constexpr std::string_view roots[] = {"core::", "core["};
	for (auto root : roots) {
		for (std::size_t at = text.find(root); at != std::string_view::npos;
		     at = text.find(root, at + 1)) {
			auto rest = text.substr(at + root.size());
			if (root == "core[") {
				auto close = rest.find("]::");
				if (close == std::string_view::npos)
					continue;
				rest = rest.substr(close + 3);
			}
			if (starts(rest, "any::"))
				return "core::any";
			if (starts(rest, "error::"))
				return "core::error";
		}
	}
	return nullptr;
}

} // namespace

std::vector<Refusal> subset_check_hir(std::string const &hir_tree)
{
	Found found;
	auto lines = dump_lines(hir_tree);
	for (std::size_t i = 0; i < lines.size(); i++) {
		auto const &l = lines[i];
		bool trait = starts(l.text, "kind: Trait(");
		if (!trait && !starts(l.text, "kind: TraitAlias("))
			continue;
		// The item's span follows its kind at the same depth.
		for (std::size_t j = i + 1; j < lines.size() && lines[j].indent >= l.indent; j++) {
			if (lines[j].indent == l.indent && starts(lines[j].text, "span: ")) {
				found.add(parse_span(lines[j].text), "trait declaration",
					  std::string(trait ? "a trait" : "a trait alias") +
						  " declared by the extension: its own traits are where "
						  "rustc loses implied bounds and confuses trait objects "
						  "(rust-lang/rust#84591, #100051, #57893, #84366); implement "
						  "core's traits and write inherent methods instead");
				break;
			}
		}
	}
	return found.take();
}

std::vector<Refusal> subset_check_thir(std::string const &thir_tree)
{
	Found found;
	auto lines = dump_lines(thir_tree);
	Where last_span;
	std::string_view last_ty;
	// The match guard being read: the depth of its "guard:" line.
	std::size_t guard_indent = 0;
	bool in_guard = false;

	// The span that belongs to the type on line @i: the next span line of
	// the same node.
	auto span_after = [&](std::size_t i) {
		for (std::size_t j = i + 1; j < lines.size() && j <= i + 4; j++)
			if (lines[j].indent == lines[i].indent && is_span(lines[j]))
				return parse_span(lines[j].text);
		return last_span;
	};

	for (std::size_t i = 0; i < lines.size(); i++) {
		auto const &l = lines[i];
		if (in_guard && l.indent <= guard_indent)
			in_guard = false;
		if (is_span(l))
			last_span = parse_span(l.text);
		bool ty = starts(l.text, "ty: ");
		if (ty)
			last_ty = l.text;

		// core::any and core::error, in a type or a called function.
		if (auto module = type_identity_module(l.text))
			found.add(ty ? span_after(i) : last_span, module,
				  std::string("use of ") + module +
					  ": its type identity ignores lifetimes, and closures are "
					  "'static while their results are not (rust-lang/rust#84366)");

		// A function item or closure turned into a fn pointer whose
		// signature carries lifetimes: the pointer forgets the implied
		// bounds the function's body relies on.
		if (starts(l.text, "cast: ReifyFnPointer") || starts(l.text, "cast: ClosureFnPointer")) {
			if (type_has_lifetime(last_ty))
				found.add(last_span, "fn pointer with lifetimes",
					  std::string(starts(l.text, "cast: Reify") ? "a function" : "a closure") +
						  " coerced to a fn pointer whose signature carries "
						  "lifetimes: the pointer loses the function's implied bounds "
						  "(rust-lang/rust#25860); call it directly, or take a "
						  "generic `impl Fn`");
		}

		if (l.text == "guard:") {
			in_guard = true;
			guard_indent = l.indent;
			continue;
		}
		if (!in_guard)
			continue;
		// Inside a match guard: nothing that writes.
		std::string what;
		Where at = last_span;
		if (starts(l.text, "Assign {") || starts(l.text, "AssignOp {"))
			what = "an assignment";
		else if (starts(l.text, "borrow_kind: Mut"))
			what = "a mutable borrow";
		else if (l.text == "mutability: Mut")
			what = "a mutable raw borrow";
		else if (has(l.text, "ByRef(Yes(Mut"))
			what = "a `ref mut` binding";
		else if (starts(l.text, "Closure {"))
			what = "a closure";
		else if (ty && type_is_mutable_ref(l.text)) {
			what = "a mutable reference";
			at = span_after(i);
		}
		if (!what.empty())
			found.add(at, "mutation in match guard",
				  what + " in a match guard: a guard that writes can change or "
					 "re-point the place being matched after its pattern was "
					 "tested (rust-lang/rust#160599, #161578); test in the arm "
					 "body instead");
	}
	return found.take();
}

Result<std::vector<Refusal>> check_subset(std::vector<std::string> const &argv,
					  std::string const &crate_dir, std::string const &work_dir)
{
	// The compile's own command line, every flag that decides what the
	// crate means kept; what it writes replaced by the dump.
	std::vector<std::string> base;
	for (std::size_t i = 0; i < argv.size(); i++) {
		auto const &a = argv[i];
		if (a == "--emit" || a == "--out-dir" || a == "-o") {
			i++;
			continue;
		}
		if (starts(a, "-Zllvm-plugins=") || starts(a, "--emit=") || starts(a, "--out-dir="))
			continue;
		base.push_back(a);
	}
	std::vector<Refusal> out;
	for (auto const *mode : {"hir-tree", "thir-tree"}) {
		auto file = (fs::path(work_dir) / (std::string("subset.") + mode)).string();
		auto run = base;
		run.insert(run.end(), {std::string("-Zunpretty=") + mode, "-o", file});
		auto r = run_process(run, {{"RUSTC_BOOTSTRAP", "1"}}, crate_dir, Env::scrub);
		if (!r)
			return std::move(r).error();
		if (r->status != 0)
			return Error(EIO, "subset",
				     std::string("rustc -Zunpretty=") + mode + " failed:\n" + r->output);
		std::ifstream in(file, std::ios::binary);
		if (!in)
			return Error(EIO, "subset", "rustc wrote no " + file);
		std::ostringstream ss;
		ss << in.rdbuf();
		auto found = std::string(mode) == "hir-tree" ? subset_check_hir(ss.str())
							     : subset_check_thir(ss.str());
		out.insert(out.end(), found.begin(), found.end());
	}
	std::sort(out.begin(), out.end(), [](Refusal const &a, Refusal const &b) {
		return std::tie(a.file, a.line, a.column, a.construct) <
		       std::tie(b.file, b.line, b.column, b.construct);
	});
	return out;
}

} // namespace rax
