// SPDX-License-Identifier: GPL-2.0
// The toolchain's own scan of extension sources. rustc with -F unsafe_code
// refuses unsafe blocks, functions, impls, traits and unsafe attributes;
// this scan closes what the lint does not: extern blocks (whose `safe fn`
// items are callable without `unsafe`), `extern crate`, global_asm! and
// naked functions, and file inclusion from outside the crate.
//
// It works on tokens, so comments and string contents never match, and
// reports every construct it refuses with its line and column.

#include <rax/build.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string_view>

namespace rax {

namespace {

enum class Tok { ident, literal, punct, lifetime };

struct Token {
	Tok kind;
	std::string text; // identifier name, punctuation, or the literal's value
	bool str = false; // a (byte) string literal
	bool raw = false; // r"..." literal
	unsigned line;
	unsigned col;
};

class Lexer {
public:
	explicit Lexer(std::string_view s) : s_(s) {}

	std::vector<Token> run()
	{
		std::vector<Token> out;
		while (skip_space_and_comments(), i_ < s_.size()) {
			unsigned line = line_, col = col_;
			char c = s_[i_];
			if (is_ident_start(c)) {
				std::size_t start = i_;
				// raw identifiers r#name, and literal prefixes
				if ((c == 'r' || c == 'b' || c == 'c') && string_prefix()) {
					out.push_back(string_literal(line, col));
					continue;
				}
				if (c == 'r' && peek(1) == '#' && is_ident_start(peek(2)))
					advance(2), start = i_;
				while (i_ < s_.size() && is_ident_char(s_[i_]))
					advance(1);
				out.push_back({Tok::ident, std::string(s_.substr(start, i_ - start)), false, false,
					       line, col});
			} else if (c == '"') {
				out.push_back(string_literal(line, col));
			} else if (c == '\'') {
				out.push_back(char_or_lifetime(line, col));
			} else if (std::isdigit(static_cast<unsigned char>(c))) {
				std::size_t start = i_;
				while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) ||
							  s_[i_] == '_' || s_[i_] == '.')) {
					if (s_[i_] == '.' && peek(1) == '.')
						break;
					advance(1);
				}
				out.push_back({Tok::literal, std::string(s_.substr(start, i_ - start)), false,
					       false, line, col});
			} else {
				advance(1);
				out.push_back({Tok::punct, std::string(1, c), false, false, line, col});
			}
		}
		return out;
	}

private:
	static bool is_ident_start(char c)
	{
		return std::isalpha(static_cast<unsigned char>(c)) || c == '_' ||
		       static_cast<unsigned char>(c) >= 0x80;
	}
	static bool is_ident_char(char c)
	{
		return is_ident_start(c) || std::isdigit(static_cast<unsigned char>(c));
	}
	char peek(std::size_t n) const { return i_ + n < s_.size() ? s_[i_ + n] : '\0'; }
	void advance(std::size_t n)
	{
		for (; n && i_ < s_.size(); n--, i_++) {
			if (s_[i_] == '\n') {
				line_++;
				col_ = 1;
			} else {
				col_++;
			}
		}
	}

	void skip_space_and_comments()
	{
		for (;;) {
			while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_])))
				advance(1);
			if (peek(0) == '/' && peek(1) == '/') {
				while (i_ < s_.size() && s_[i_] != '\n')
					advance(1);
			} else if (peek(0) == '/' && peek(1) == '*') {
				int depth = 0;
				do {
					if (peek(0) == '/' && peek(1) == '*') {
						depth++;
						advance(2);
					} else if (peek(0) == '*' && peek(1) == '/') {
						depth--;
						advance(2);
					} else {
						advance(1);
					}
				} while (depth > 0 && i_ < s_.size());
			} else {
				return;
			}
		}
	}

	// At 'r', 'b', 'c': does a string literal start here (r", r#", b", br", c", cr")?
	bool string_prefix() const
	{
		std::size_t j = 0;
		if (peek(j) == 'b' || peek(j) == 'c')
			j++;
		if (peek(j) == 'r') {
			j++;
			while (peek(j) == '#')
				j++;
		}
		return j > 0 && peek(j) == '"';
	}

	Token string_literal(unsigned line, unsigned col)
	{
		Token t{Tok::literal, {}, true, false, line, col};
		if (peek(0) == 'b' || peek(0) == 'c')
			advance(1);
		std::size_t hashes = 0;
		if (peek(0) == 'r') {
			t.raw = true;
			advance(1);
			while (peek(0) == '#')
				hashes++, advance(1);
		}
		advance(1); // opening quote
		while (i_ < s_.size()) {
			char c = s_[i_];
			if (c == '"') {
				std::size_t k = 0;
				while (k < hashes && peek(1 + k) == '#')
					k++;
				if (k == hashes) {
					advance(1 + hashes);
					return t;
				}
			}
			if (c == '\\' && !t.raw) {
				char e = peek(1);
				advance(2);
				switch (e) {
				case 'n': t.text += '\n'; break;
				case 't': t.text += '\t'; break;
				case 'r': t.text += '\r'; break;
				case '0': t.text += '\0'; break;
				case '\\': t.text += '\\'; break;
				case '"': t.text += '"'; break;
				case '\'': t.text += '\''; break;
				case '\n':
					while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_])))
						advance(1);
					break;
				default:
					// \x.., \u{..}: not valid in a path we would accept
					t.text += '\x01';
					break;
				}
				continue;
			}
			t.text += c;
			advance(1);
		}
		return t; // unterminated: rustc will refuse it
	}

	Token char_or_lifetime(unsigned line, unsigned col)
	{
		// 'a' or '\n' is a char literal; 'a without a closing quote a lifetime.
		if (peek(1) == '\\') {
			advance(2);
			while (i_ < s_.size() && s_[i_] != '\'')
				advance(1);
			advance(1);
			return {Tok::literal, "'c'", false, false, line, col};
		}
		std::size_t j = 1;
		// one (possibly multi-byte UTF-8) character then a quote
		if (static_cast<unsigned char>(peek(j)) >= 0x80) {
			j++;
			while ((static_cast<unsigned char>(peek(j)) & 0xc0) == 0x80)
				j++;
		} else {
			j++;
		}
		if (peek(j) == '\'') {
			advance(j + 1);
			return {Tok::literal, "'c'", false, false, line, col};
		}
		advance(1);
		std::size_t start = i_;
		while (i_ < s_.size() && is_ident_char(s_[i_]))
			advance(1);
		return {Tok::lifetime, std::string(s_.substr(start, i_ - start)), false, false, line, col};
	}

	std::string_view s_;
	std::size_t i_ = 0;
	unsigned line_ = 1;
	unsigned col_ = 1;
};

bool is(std::vector<Token> const &t, std::size_t i, Tok k, std::string_view text)
{
	return i < t.size() && t[i].kind == k && t[i].text == text;
}

// ident ! followed by a delimiter: a macro invocation
bool macro_call(std::vector<Token> const &t, std::size_t i)
{
	return is(t, i + 1, Tok::punct, "!") &&
	       (is(t, i + 2, Tok::punct, "(") || is(t, i + 2, Tok::punct, "[") ||
		is(t, i + 2, Tok::punct, "{"));
}

bool inside(std::filesystem::path const &root, std::filesystem::path const &p)
{
	auto r = root.lexically_normal();
	auto q = p.lexically_normal();
	auto [a, b] = std::mismatch(r.begin(), r.end(), q.begin(), q.end());
	(void)b;
	return a == r.end() || (a->empty() && std::next(a) == r.end());
}

} // namespace

std::string Refusal::to_string() const
{
	std::string s = file;
	if (line)
		s += ":" + std::to_string(line) + ":" + std::to_string(column);
	s += ": refused: " + construct;
	if (!message.empty())
		s += ": " + message;
	return s;
}

std::vector<Refusal> scan_source(std::string const &crate_dir, std::string const &path,
				 std::string const &text)
{
	namespace fs = std::filesystem;
	std::vector<Refusal> out;
	std::vector<Token> t = Lexer(text).run();
	std::error_code ec;
	fs::path root = fs::weakly_canonical(fs::absolute(crate_dir), ec);
	fs::path file = fs::absolute(path);
	std::string rel = fs::relative(file, root, ec).string();
	if (ec || rel.empty())
		rel = path;
	auto refuse = [&](Token const &at, std::string construct, std::string msg) {
		out.push_back({rel, at.line, at.col, std::move(construct), std::move(msg)});
	};
	// Resolve a path literal the way rustc does (relative to the file's
	// directory) and check it stays inside the crate, symlinks followed.
	auto check_path = [&](Token const &at, Token const &lit, std::string const &what) {
		if (lit.text.find('\x01') != std::string::npos || lit.text.find('\0') != std::string::npos) {
			refuse(at, what, "the path uses an escape the toolchain does not accept");
			return;
		}
		fs::path p = lit.text;
		if (p.is_relative())
			p = file.parent_path() / p;
		std::error_code e2;
		fs::path canon = fs::weakly_canonical(p, e2);
		if (e2 || !inside(root, canon))
			refuse(at, what, "\"" + lit.text + "\" is outside the crate");
	};

	// Bracket depth inside #[...] / #![...] attributes (0: outside one).
	int attr_depth = 0;
	for (std::size_t i = 0; i < t.size(); i++) {
		Token const &k = t[i];
		if (k.kind == Tok::punct && attr_depth > 0) {
			if (k.text == "[")
				attr_depth++;
			else if (k.text == "]")
				attr_depth--;
		} else if (k.kind == Tok::punct && k.text == "#") {
			std::size_t j = is(t, i + 1, Tok::punct, "!") ? i + 2 : i + 1;
			if (is(t, j, Tok::punct, "[")) {
				attr_depth = 1;
				i = j;
			}
			continue;
		}
		if (k.kind != Tok::ident)
			continue;
		// Inline assembly under any name: the macros themselves, and any
		// path or import that reaches them (use core::arch::naked_asm as x).
		bool after_path = i >= 2 && is(t, i - 1, Tok::punct, ":") && is(t, i - 2, Tok::punct, ":");
		if (!macro_call(t, i) && (k.text == "naked_asm" || k.text == "global_asm" ||
					  (k.text == "asm" && after_path))) {
			refuse(k, k.text, "inline assembly is not available to extensions");
			continue;
		}
		// naked anywhere in an attribute, also behind cfg_attr or unsafe().
		if (k.text == "naked" && attr_depth > 0 &&
		    !(i >= 2 && is(t, i - 1, Tok::punct, "[") && is(t, i - 2, Tok::punct, "#")) &&
		    !(i >= 3 && is(t, i - 1, Tok::punct, "(") && is(t, i - 2, Tok::ident, "unsafe") &&
		      is(t, i - 3, Tok::punct, "["))) {
			refuse(k, "naked function", "`naked` attributes are not available to extensions");
			continue;
		}
		if (k.text == "extern") {
			if (is(t, i + 1, Tok::ident, "crate")) {
				std::string name = i + 2 < t.size() ? t[i + 2].text : "";
				refuse(k, "extern crate",
				       "`extern crate " + name + "`: only core and rax are available");
				continue;
			}
			std::size_t j = i + 1;
			if (j < t.size() && t[j].kind == Tok::literal && t[j].str)
				j++;
			if (is(t, j, Tok::punct, "{"))
				refuse(k, "extern block",
				       "foreign functions are declared only by the rax crate");
		} else if ((k.text == "global_asm" || k.text == "naked_asm" || k.text == "asm") &&
			   macro_call(t, i)) {
			refuse(k, k.text + "!", "inline assembly is not available to extensions");
		} else if (k.text == "naked" && i >= 2 &&
			   ((is(t, i - 1, Tok::punct, "[") && is(t, i - 2, Tok::punct, "#")) ||
			    (i >= 3 && is(t, i - 1, Tok::punct, "(") && is(t, i - 2, Tok::ident, "unsafe") &&
			     is(t, i - 3, Tok::punct, "[")))) {
			refuse(k, "naked function", "`#[naked]` functions are not available to extensions");
		} else if ((k.text == "include_bytes" || k.text == "include_str" || k.text == "include") &&
			   macro_call(t, i)) {
			std::string what = k.text + "!";
			if (i + 3 < t.size() && t[i + 3].kind == Tok::literal && t[i + 3].str &&
			    (is(t, i + 4, Tok::punct, ")") || is(t, i + 4, Tok::punct, "]") ||
			     is(t, i + 4, Tok::punct, "}")))
				check_path(k, t[i + 3], what);
			else
				refuse(k, what, "the path must be a plain string literal");
		} else if ((k.text == "env" || k.text == "option_env") && macro_call(t, i)) {
			refuse(k, k.text + "!",
			       "the build machine's environment is not available to extensions");
		} else if (k.text == "target_feature" && is(t, i + 1, Tok::punct, "(")) {
			// cfg(target_feature = "...") only reads the target; enabling
			// features would use registers the kernel does not save.
			refuse(k, "#[target_feature]",
			       "extensions run with the kernel's baseline features; vector and FPU "
			       "registers are not saved for them");
		} else if (k.text == "path" && i >= 1 && is(t, i - 1, Tok::punct, "[") &&
			   is(t, i + 1, Tok::punct, "=") && i + 2 < t.size() && t[i + 2].str) {
			check_path(k, t[i + 2], "#[path]");
		}
	}
	return out;
}

std::vector<Refusal> scan_expanded(std::string const &crate_dir, std::string const &text)
{
	// The prelude rustc injects into a no_std crate of edition 2024, in
	// front of every item of the crate's own. Blanked out (lines kept)
	// only there: the same words anywhere else are the crate's.
	static constexpr std::string_view injected =
		"extern crate core;\n#[prelude_import]\nuse core::prelude::rust_2024::*;\n";
	std::string t = text;
	auto p = t.find(injected);
	if (p != std::string::npos && (p == 0 || t[p - 1] == '\n')) {
		bool before = false;
		for (auto const &k : Lexer(std::string_view(t).substr(0, p)).run())
			before |= k.kind == Tok::ident && (k.text == "extern" || k.text == "use");
		if (!before)
			for (std::size_t i = p; i < p + injected.size(); i++)
				if (t[i] != '\n')
					t[i] = ' ';
	}
	std::string const root = (std::filesystem::path(crate_dir) / "src" / "lib.rs").string();
	std::vector<Refusal> out;
	for (auto &r : scan_source(crate_dir, root, t)) {
		// #[path] was checked on the crate's own files (their directories
		// are not the expanded file's), and confined by the snapshot.
		if (r.construct == "#[path]")
			continue;
		std::size_t b = 0;
		for (unsigned l = 1; l < r.line && b != std::string::npos; l++)
			b = t.find('\n', b) == std::string::npos ? std::string::npos : t.find('\n', b) + 1;
		std::string line = b == std::string::npos ? "" : t.substr(b, t.find('\n', b) - b);
		line.erase(0, line.find_first_not_of(" \t"));
		if (line.size() > 100)
			line = line.substr(0, 100) + "...";
		r.message = "after macro expansion, `" + line + "`: " + r.message;
		r.file = "src/lib.rs";
		r.line = r.column = 0;
		out.push_back(std::move(r));
	}
	return out;
}

} // namespace rax
