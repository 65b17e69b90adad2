// SPDX-License-Identifier: GPL-2.0
// The man pages of rax (userspace/cli/man/*.8.rst, built with rst2man) stay
// true to the CLI: a page for every command `rax help` lists and none for
// another; every option and keyword of a command's --help in its page, and
// every option of the page's OPTIONS in the --help; every short option a
// command accepts in its --help; `cmake --install` puts the pages in
// share/man/man8, and they render without warnings.
#include "test_paths.hpp"
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "cli_run.hpp"

namespace fs = std::filesystem;

using namespace rax::test;

namespace {

// The directory of the built pages ($RAX_MAN), or "" when the build had no
// rst2man: the caller skips.
std::string man_dir()
{
	return env("RAX_MAN");
}

constexpr char no_rst2man[] =
	"skipped: the build found no rst2man, so it made no man pages (Debian: apt-get install "
	"python3-docutils, then configure the build again)";

fs::path source_dir()
{
	std::string top = env("RAX_TOP");
	if (top.empty())
		top = std::string(test_paths::data) + "/../../..";
	return fs::path(top) / "userspace" / "cli" / "man";
}

bool one_of(char c, char const *set)
{
	return std::string_view(set).find(c) != std::string_view::npos;
}

bool word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

// Whether @text has @token with no letter, digit, '_' or '-' either side.
bool has_token(std::string const &text, std::string const &token)
{
	for (std::size_t at = text.find(token); at != std::string::npos;
	     at = text.find(token, at + 1)) {
		bool const left = at == 0 || !word_char(text[at - 1]);
		std::size_t const end = at + token.size();
		bool const right = end == text.size() || !word_char(text[end]);
		if (left && right)
			return true;
	}
	return false;
}

// The tokens of @line that are options ("-o", "--output"): a '-' at the
// start or after white space or one of "[(|,", then a letter or digit.
std::set<std::string> option_tokens(std::string const &line)
{
	std::set<std::string> out;
	for (std::size_t i = 0; i < line.size(); i++) {
		if (line[i] != '-' || (i > 0 && !one_of(line[i - 1], " \t[(|,")))
			continue;
		std::size_t j = i + (i + 1 < line.size() && line[i + 1] == '-' ? 2 : 1);
		if (j >= line.size() || !word_char(line[j]) || line[j] == '-' || line[j] == '_')
			continue;
		std::size_t k = j;
		while (k < line.size() && word_char(line[k]) && line[k] != '_')
			k++;
		out.insert(line.substr(i, k - i));
		i = k;
	}
	return out;
}

// What a --help text names. Its synopsis blocks run from a "Usage:" line to
// the next line that starts in column 0 (prose or "Options:"), with the
// grammar lines ("PROG := ...") in between; the options block from a line
// ending in ':' that starts with "Options" to the next blank line.
struct Help {
	std::set<std::string> options;     // from the synopsis and the options
	std::set<std::string> keywords;    // lower-case words of the synopsis
	std::set<std::string> subcommands; // the keyword after "rax CMD"
	std::set<std::string> exit_codes;  // "0", "1", ... after "Exit status"
	std::set<std::string> errnos;      // EPERM, ... in the exit status
	std::string text;
};

Help parse_help(std::string const &cmd, std::string const &text)
{
	Help h;
	h.text = text;
	enum { other, synopsis, options } in = other;
	bool exit_status = false;

	for (std::string const &line : lines_of(text)) {
		if (line.rfind("Usage:", 0) == 0)
			in = synopsis;
		else if (line.rfind("Options", 0) == 0 && !line.empty() && line.back() == ':')
			in = options;
		else if (in == synopsis && !line.empty() && line[0] != ' ')
			in = other;
		else if (in == options && line.empty())
			in = other;
		if (line.rfind("Exit status", 0) == 0)
			exit_status = true;

		if (in == options)
			for (auto const &o : option_tokens(line))
				h.options.insert(o);
		if (exit_status) {
			std::istringstream words(line);
			for (std::string w; words >> w;) {
				while (!w.empty() && one_of(w.back(), ",.:;()"))
					w.pop_back();
				while (!w.empty() && w.front() == '(')
					w.erase(0, 1);
				if (w.size() > 2 && w[0] == 'E' &&
				    w.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") ==
					    std::string::npos)
					h.errnos.insert(w);
			}
			// "  0  success" or "Exit status: 0 built, 1 refused ...".
			for (std::size_t i = 0; i + 2 < line.size(); i++) {
				char const c = line[i];
				if (c >= '0' && c <= '9' && (i == 0 || one_of(line[i - 1], " ,:")) &&
				    line[i + 1] == ' ' && (line[i + 2] == ' ' ||
							   (line[i + 2] >= 'a' && line[i + 2] <= 'z')))
					h.exit_codes.insert(std::string(1, c));
			}
		}
		if (in != synopsis)
			continue;
		for (auto const &o : option_tokens(line))
			h.options.insert(o);
		// Words between white space and the grammar's brackets and bars.
		std::string words = line;
		for (char &c : words)
			if (one_of(c, "[](){}|"))
				c = ' ';
		std::istringstream in_words(words);
		std::string prev, prev2;
		for (std::string w; in_words >> w; prev2 = prev, prev = w) {
			bool const keyword = w[0] >= 'a' && w[0] <= 'z' &&
					     w.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") ==
						     std::string::npos;
			if (!keyword || w == "rax")
				continue;
			h.keywords.insert(w);
			if (prev2 == "rax" && prev == cmd)
				h.subcommands.insert(w);
		}
	}
	return h;
}

Help help_of(std::vector<std::string> const &args)
{
	std::vector<std::string> a = args;
	a.push_back("--help");
	Run r = rax_cli(a);
	INFO(r.err);
	REQUIRE(r.status == 0);
	return parse_help(args.empty() ? "" : args.front(), r.out);
}

// A built page's text with roff's escapes of what the options and keywords
// are written with undone: "\-" is '-', font changes and "\&" go away.
std::string page_text(fs::path const &page)
{
	std::string const roff = slurp(page.string());
	std::string out;
	for (std::size_t i = 0; i < roff.size(); i++) {
		if (roff[i] != '\\' || i + 1 == roff.size()) {
			out += roff[i];
			continue;
		}
		char const c = roff[++i];
		if (c == '-' || c == 'e' || c == '\\')
			out += c == '-' ? '-' : '\\';
		else if (c == 'f' && i + 1 < roff.size())
			i++; // \fB, \fI, \fP, \fR
		else if (c == '(' && i + 2 < roff.size()) {
			std::string const name = roff.substr(i + 1, 2);
			out += name == "aq" ? "'" : name == "dq" ? "\"" : name == "ga" ? "`" : " ";
			i += 2;
		} else if (c == ' ')
			out += ' ';
		// \& and others: nothing
	}
	return out;
}

// The options a page's OPTIONS section defines: the terms of its definition
// list ("**-o**, **--output** *FILE*").
std::set<std::string> rst_options(fs::path const &rst)
{
	std::vector<std::string> const lines = lines_of(slurp(rst.string()));
	std::set<std::string> out;
	bool in = false;
	for (std::size_t i = 0; i < lines.size(); i++) {
		bool const heading = i + 1 < lines.size() && !lines[i].empty() &&
				     lines[i + 1].size() >= lines[i].size() &&
				     lines[i + 1].find_first_not_of('=') == std::string::npos;
		if (heading) {
			in = lines[i] == "OPTIONS";
			continue;
		}
		if (!in || lines[i].rfind("**-", 0) != 0)
			continue;
		std::string term = lines[i];
		std::erase(term, '*');
		for (auto const &o : option_tokens(term))
			out.insert(o);
	}
	return out;
}

std::string page_name(std::string const &cmd)
{
	return cmd.empty() ? "rax.8" : "rax-" + cmd + ".8";
}

// Check the page of @cmd ("" for rax itself) against @h, the help of the
// command (and of each of its subcommands).
void check_page(std::string const &cmd, std::vector<Help> const &helps)
{
	fs::path const built = fs::path(man_dir()) / page_name(cmd);
	fs::path const rst = source_dir() / (page_name(cmd) + ".rst");
	INFO("page " << built.string());
	REQUIRE(fs::exists(rst));
	REQUIRE(fs::exists(built));
	std::string const text = page_text(built);
	std::set<std::string> const documented = rst_options(rst);
	bool const has_exit_status = text.find(".SH EXIT STATUS") != std::string::npos;

	for (Help const &h : helps) {
		// Every option --help prints is an option of the page's OPTIONS.
		for (auto const &o : h.options) {
			INFO("option " << o << " of " << (cmd.empty() ? "rax" : cmd) << " --help");
			CHECK(documented.contains(o));
			CHECK(has_token(text, o));
		}
		for (auto const &k : h.keywords) {
			INFO("keyword " << k << " of " << (cmd.empty() ? "rax" : cmd) << " --help");
			CHECK(has_token(text, k));
		}
		for (auto const &e : h.exit_codes) {
			INFO("exit status " << e);
			CHECK(has_exit_status);
			CHECK(has_token(text, ".B " + e));
		}
		for (auto const &e : h.errnos) {
			INFO("error number " << e << " in the exit status of --help");
			CHECK(has_token(text, e));
		}
	}
	// Every option the page's OPTIONS documents is one the CLI has.
	for (auto const &o : documented) {
		INFO("option " << o << " documented in " << rst.string());
		bool known = false;
		for (Help const &h : helps)
			known = known || has_token(h.text, o);
		CHECK(known);
	}
}

} // namespace

TEST_CASE("man: a page for rax and for every command, and none for another", "[man]")
{
	std::vector<std::string> const cmds = help_commands();
	std::set<std::string> want = {"rax.8.rst"};
	for (auto const &c : cmds)
		want.insert(page_name(c) + ".rst");
	std::set<std::string> have;
	for (auto const &e : fs::directory_iterator(source_dir())) {
		std::string const name = e.path().filename().string();
		if (name.size() > 6 && name.ends_with(".8.rst"))
			have.insert(name);
	}
	CHECK(have == want);

	if (man_dir().empty()) {
		WARN(no_rst2man);
		return;
	}
	for (auto const &w : want) {
		INFO(w);
		CHECK(fs::exists(fs::path(man_dir()) / w.substr(0, w.size() - 4)));
	}
	// rax.8 names every command and its page.
	std::string const text = page_text(fs::path(man_dir()) / "rax.8");
	for (auto const &c : cmds) {
		INFO(c);
		CHECK(has_token(text, c));
		CHECK(has_token(text, "rax-" + c));
	}
}

TEST_CASE("man: every option, subcommand and exit status of --help is in the page", "[man]")
{
	if (man_dir().empty()) {
		WARN(no_rst2man);
		return;
	}
	// The parse of the help finds what is there: rax's four exit codes and
	// their error numbers, each command's name and --help.
	Help const rax = help_of({});
	CHECK(rax.exit_codes == std::set<std::string>{"0", "1", "2", "3"});
	CHECK(rax.errnos.contains("EKEYREJECTED"));
	CHECK(rax.options.contains("--version"));
	check_page("", {rax});
	for (auto const &c : help_commands()) {
		INFO("rax " << c);
		std::vector<Help> helps = {help_of({c})};
		CHECK(helps[0].keywords.contains(c));
		CHECK(helps[0].options.contains("--help"));
		CHECK(!helps[0].exit_codes.empty());
		for (auto const &sub : std::set<std::string>(helps[0].subcommands))
			helps.push_back(help_of({c, sub}));
		check_page(c, helps);
	}
}

TEST_CASE("man: every short option a command accepts is in its --help", "[man][cli]")
{
	// Run each command (each subcommand of one that has them) with each
	// letter as an option: one the parser does not call unknown must be
	// in the help, which the man page follows. In an empty directory, so
	// that a build of "." finds no crate.
	TempDir empty;
	for (auto const &c : help_commands()) {
		Help const top = help_of({c});
		std::vector<std::vector<std::string>> runs;
		if (top.subcommands.empty())
			runs.push_back({c});
		for (auto const &s : top.subcommands)
			runs.push_back({c, s});
		for (auto const &run : runs) {
			Help const h = help_of(run);
			for (char l = 'A'; l <= 'z'; l++) {
				if (l > 'Z' && l < 'a')
					continue;
				std::string const opt = std::string("-") + l;
				std::vector<std::string> args = run;
				args.push_back(opt);
				Run r = rax_cli(args, {"env", "-C", empty.path.string()});
				if (has(r.err, "unknown option '" + opt + "'"))
					continue;
				INFO("rax " << run.front() << (run.size() > 1 ? " " + run[1] : "") << " " << opt
					    << ": " << r.err);
				CHECK(h.options.contains(opt));
			}
		}
	}
}

TEST_CASE("man: cmake --install puts the pages in share/man/man8, and they render", "[man]")
{
	if (man_dir().empty()) {
		WARN(no_rst2man);
		return;
	}
	std::string const build = env("RAX_BUILD"), cmake = env("RAX_CMAKE");
	if (build.empty() || cmake.empty()) {
		WARN("skipped: RAX_BUILD and RAX_CMAKE are not set (run through ctest)");
		return;
	}
	TempDir prefix;
	Run r = run_program(cmake, {"--install", build, "--prefix", prefix.path.string()});
	INFO(r.out << r.err);
	REQUIRE(r.status == 0);

	fs::path const man8 = prefix.path / "share" / "man" / "man8";
	std::vector<std::string> pages = {"rax.8"};
	for (auto const &c : help_commands())
		pages.push_back(page_name(c));
	std::set<std::string> installed;
	for (auto const &e : fs::directory_iterator(man8))
		installed.insert(e.path().filename().string());
	CHECK(installed == std::set<std::string>(pages.begin(), pages.end()));

	bool const have_groff = run_program("sh", {"-c", "command -v groff"}).status == 0;
	bool const have_man = run_program("sh", {"-c", "command -v man"}).status == 0;
	for (auto const &p : pages) {
		std::string const page = (man8 / p).string();
		INFO(page);
		REQUIRE(fs::exists(page));
		CHECK(slurp(page) == slurp((fs::path(man_dir()) / p).string()));
		std::string upper = p.substr(0, p.size() - 2);
		for (char &ch : upper)
			ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
		// A .TH line with the page's name, before the first section.
		std::string const roff = slurp(page);
		std::size_t const th = roff.find("\n.TH \"" + upper + "\" 8");
		CHECK(th != std::string::npos);
		CHECK(th < roff.find("\n.SH "));
		if (have_groff) {
			// Every warning on (-ww), nothing written (-z).
			Run g = run_program("groff", {"-man", "-Tutf8", "-ww", "-z", page});
			INFO("groff: " << g.err);
			CHECK(g.status == 0);
			CHECK(g.err.empty());
		}
		if (have_man) {
			Run m = run_program("env", {"LC_ALL=C.UTF-8", "MANWIDTH=80", "man", "--warnings", "-l", page});
			INFO("man -l: " << m.err);
			CHECK(m.status == 0);
			CHECK(m.err.empty());
			CHECK(has(m.out, "NAME"));
			CHECK(has(m.out, "SYNOPSIS"));
		}
	}
	if (!have_groff && !have_man)
		WARN("neither groff nor man is installed: only the .TH lines were checked");
}
