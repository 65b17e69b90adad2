// SPDX-License-Identifier: GPL-2.0
// Small utilities shared by the toolchain: SHA-256 (OpenSSL EVP), hex and
// whole-file I/O.
#include <rax/object.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <stdexcept>

#include <openssl/evp.h>

namespace rax {

namespace {

struct MdCtxFree {
	void operator()(EVP_MD_CTX *c) const { EVP_MD_CTX_free(c); }
};

class Fd {
public:
	explicit Fd(int fd) : fd_(fd) {}
	~Fd()
	{
		if (fd_ >= 0)
			::close(fd_);
	}
	Fd(Fd const &) = delete;
	Fd &operator=(Fd const &) = delete;
	[[nodiscard]] int get() const { return fd_; }
	int release()
	{
		int fd = fd_;
		fd_ = -1;
		return fd;
	}

private:
	int fd_;
};

} // namespace

Sha256 sha256(std::span<std::uint8_t const> data)
{
	Sha256 out{};
	std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
	unsigned int len = 0;

	if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1 ||
	    EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
	    EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != out.size())
		throw std::runtime_error("sha256: OpenSSL digest failed");
	return out;
}

std::string hex(std::span<std::uint8_t const> data)
{
	static char const digits[] = "0123456789abcdef";
	std::string s;

	s.reserve(data.size() * 2);
	for (std::uint8_t b : data) {
		s += digits[b >> 4];
		s += digits[b & 0xf];
	}
	return s;
}

Result<Bytes> read_file(std::string const &path)
{
	Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
	Bytes out;
	struct stat st {};

	if (fd.get() < 0)
		return Error(errno, "open", path + ": " + std::strerror(errno));
	if (::fstat(fd.get(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		out.reserve(static_cast<std::size_t>(st.st_size));
	for (;;) {
		std::uint8_t buf[65536];
		ssize_t n = ::read(fd.get(), buf, sizeof(buf));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return Error(errno, "read", path + ": " + std::strerror(errno));
		}
		if (n == 0)
			break;
		out.insert(out.end(), buf, buf + n);
	}
	return out;
}

Result<void> write_file(std::string const &path, std::span<std::uint8_t const> data)
{
	Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	std::size_t off = 0;

	if (fd.get() < 0)
		return Error(errno, "open", path + ": " + std::strerror(errno));
	while (off < data.size()) {
		ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return Error(errno, "write", path + ": " + std::strerror(errno));
		}
		off += static_cast<std::size_t>(n);
	}
	if (::close(fd.release()) != 0)
		return Error(errno, "write", path + ": " + std::strerror(errno));
	return {};
}

} // namespace rax
