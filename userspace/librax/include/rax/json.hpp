// SPDX-License-Identifier: GPL-2.0
// A small streaming JSON writer in the manner of bpftool's json_writer:
// begin/end objects and arrays, keys, scalar values; commas and
// indentation are handled here, strings are escaped.
#pragma once

#include <cstdint>
#include <cstdio>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace rax {

class JsonWriter {
public:
	explicit JsonWriter(std::ostream &out, bool pretty = false) : out_(out), pretty_(pretty) {}
	~JsonWriter()
	{
		if (!stack_.empty() || wrote_)
			out_ << '\n';
	}
	JsonWriter(JsonWriter const &) = delete;
	JsonWriter &operator=(JsonWriter const &) = delete;

	JsonWriter &begin_object() { return open('{'); }
	JsonWriter &end_object() { return close('}'); }
	JsonWriter &begin_array() { return open('['); }
	JsonWriter &end_array() { return close(']'); }

	JsonWriter &key(std::string_view k)
	{
		separate();
		write_string(k);
		out_ << (pretty_ ? ": " : ":");
		after_key_ = true;
		return *this;
	}

	JsonWriter &value(std::string_view s)
	{
		separate();
		write_string(s);
		return *this;
	}
	JsonWriter &value(char const *s) { return value(std::string_view(s)); }
	JsonWriter &value(std::string const &s) { return value(std::string_view(s)); }
	JsonWriter &value(bool b)
	{
		separate();
		out_ << (b ? "true" : "false");
		return *this;
	}
	JsonWriter &value(std::int64_t v)
	{
		separate();
		out_ << v;
		return *this;
	}
	JsonWriter &value(std::uint64_t v)
	{
		separate();
		out_ << v;
		return *this;
	}
	JsonWriter &value(int v) { return value(static_cast<std::int64_t>(v)); }
	JsonWriter &value(unsigned v) { return value(static_cast<std::uint64_t>(v)); }
	JsonWriter &null()
	{
		separate();
		out_ << "null";
		return *this;
	}

	template <typename T>
	JsonWriter &field(std::string_view k, T const &v)
	{
		key(k);
		return value(v);
	}

private:
	JsonWriter &open(char c)
	{
		separate();
		out_ << c;
		stack_.push_back(false);
		return *this;
	}
	JsonWriter &close(char c)
	{
		bool had = !stack_.empty() && stack_.back();
		if (!stack_.empty())
			stack_.pop_back();
		if (pretty_ && had)
			newline();
		out_ << c;
		wrote_ = true;
		return *this;
	}
	void separate()
	{
		if (after_key_) {
			after_key_ = false;
			return;
		}
		if (!stack_.empty()) {
			if (stack_.back())
				out_ << ',';
			stack_.back() = true;
			if (pretty_)
				newline();
		}
		wrote_ = true;
	}
	void newline()
	{
		out_ << '\n';
		for (std::size_t i = 0; i < stack_.size(); i++)
			out_ << "    ";
	}
	// The length of the UTF-8 sequence at @s[@i], or 0 when it is not a
	// well-formed one (RFC 3629: no overlong forms, no surrogates, nothing
	// past U+10FFFF).
	static std::size_t utf8_len(std::string_view s, std::size_t i)
	{
		auto at = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
		unsigned char c = at(i);
		std::size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
		unsigned char lo = 0x80, hi = 0xbf;

		if (c < 0xc2 || c > 0xf4 || i + n > s.size())
			return 0;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
		else if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
		if (at(i + 1) < lo || at(i + 1) > hi)
			return 0;
		for (std::size_t k = 2; k < n; k++)
			if (at(i + k) < 0x80 || at(i + k) > 0xbf)
				return 0;
		return n;
	}

	// A JSON string: always valid UTF-8, a byte that is not part of a
	// well-formed sequence written as U+FFFD.
	void write_string(std::string_view s)
	{
		out_ << '"';
		for (std::size_t i = 0; i < s.size(); i++) {
			unsigned char c = static_cast<unsigned char>(s[i]);

			if (c >= 0x80) {
				std::size_t n = utf8_len(s, i);

				if (n) {
					out_ << s.substr(i, n);
					i += n - 1;
				} else {
					out_ << "\\ufffd";
				}
				continue;
			}
			switch (c) {
			case '"': out_ << "\\\""; break;
			case '\\': out_ << "\\\\"; break;
			case '\n': out_ << "\\n"; break;
			case '\r': out_ << "\\r"; break;
			case '\t': out_ << "\\t"; break;
			default:
				if (c < 0x20 || c == 0x7f) {
					char buf[8];
					std::snprintf(buf, sizeof(buf), "\\u%04x", c);
					out_ << buf;
				} else {
					out_ << c;
				}
			}
		}
		out_ << '"';
	}

	std::ostream &out_;
	bool pretty_;
	bool after_key_ = false;
	bool wrote_ = false;
	std::vector<bool> stack_; // per level: has a member been written
};

} // namespace rax
