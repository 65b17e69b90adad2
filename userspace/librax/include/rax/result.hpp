// SPDX-License-Identifier: GPL-2.0
// rax::Error and rax::Result<T>: the one error convention of librax.
// Every fallible function returns Result<T>; an Error carries an errno
// value, the operation that failed and a human-readable message.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace rax {

class Error {
public:
	Error(int code, std::string op, std::string message = {})
		: code_(code), op_(std::move(op)), message_(std::move(message))
	{
	}

	// errno value (positive), e.g. EINVAL, EBADMSG, ENOENT.
	[[nodiscard]] int code() const { return code_; }
	// The operation that failed, e.g. "parse", "open", "sign".
	[[nodiscard]] std::string const &op() const { return op_; }
	[[nodiscard]] std::string const &message() const { return message_; }

	// "op: message" or "op: strerror(code)" when there is no message.
	[[nodiscard]] std::string to_string() const
	{
		std::string s = op_;
		if (!s.empty())
			s += ": ";
		s += message_.empty() ? std::string(std::strerror(code_)) : message_;
		return s;
	}

private:
	int code_;
	std::string op_;
	std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
public:
	Result(T value) : v_(std::move(value)) {}
	Result(Error error) : v_(std::move(error)) {}

	[[nodiscard]] bool ok() const { return v_.index() == 0; }
	explicit operator bool() const { return ok(); }

	T &value() & { return std::get<0>(v_); }
	T const &value() const & { return std::get<0>(v_); }
	T &&value() && { return std::get<0>(std::move(v_)); }
	T *operator->() { return &std::get<0>(v_); }
	T const *operator->() const { return &std::get<0>(v_); }
	T &operator*() & { return std::get<0>(v_); }

	Error const &error() const & { return std::get<1>(v_); }
	Error &&error() && { return std::get<1>(std::move(v_)); }

private:
	std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
	Result() = default;
	Result(Error error) : err_(std::move(error)), ok_(false) {}

	[[nodiscard]] bool ok() const { return ok_; }
	explicit operator bool() const { return ok_; }
	Error const &error() const & { return err_; }
	Error &&error() && { return std::move(err_); }

private:
	Error err_{0, {}};
	bool ok_ = true;
};

// RAX_TRY(expr): evaluate a Result, return its Error from the enclosing
// function on failure, else yield the value. (GNU statement expression.)
#define RAX_TRY(expr)                                   \
	({                                              \
		auto _rax_r = (expr);                   \
		if (!_rax_r)                            \
			return std::move(_rax_r).error(); \
		std::move(_rax_r).value();              \
	})

// RAX_CHECK(expr): like RAX_TRY for Result<void>.
#define RAX_CHECK(expr)                                 \
	do {                                            \
		auto _rax_r = (expr);                   \
		if (!_rax_r)                            \
			return std::move(_rax_r).error(); \
	} while (0)

} // namespace rax
