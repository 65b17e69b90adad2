// SPDX-License-Identifier: GPL-2.0
// The C API of librax (rax/rax.h) over its C++ API. No exception crosses
// it: they become -ENOMEM (allocation) or -EIO.

#include <rax/rax.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include <linux/rax.h>

#include <rax/build.hpp>
#include <rax/describe.hpp>
#include <rax/json.hpp>
#include <rax/object.hpp>
#include <rax/sign.hpp>
#include <rax/verify.hpp>

namespace {

#ifndef RAX_VERSION
#define RAX_VERSION "0.1.0"
#endif

void set_err(char *err, std::size_t size, std::string const &msg)
{
	if (!err || !size)
		return;
	std::size_t n = msg.size() < size - 1 ? msg.size() : size - 1;
	std::memcpy(err, msg.data(), n);
	err[n] = '\0';
}

int report(rax::Error const &e, char *err, std::size_t size)
{
	set_err(err, size, e.to_string());
	return -(e.code() > 0 ? e.code() : EIO);
}

// Run @fn, which returns a Result<void>, turning everything into -errno.
template <typename F>
int guard(char *err, std::size_t size, F &&fn)
{
	try {
		rax::Result<void> r = fn();
		if (!r)
			return report(r.error(), err, size);
		set_err(err, size, "");
		return 0;
	} catch (std::bad_alloc const &) {
		return report(rax::Error(ENOMEM, "rax"), err, size);
	} catch (std::exception const &e) {
		return report(rax::Error(EIO, "rax", e.what()), err, size);
	} catch (...) {
		return report(rax::Error(EIO, "rax", "unexpected exception"), err, size);
	}
}

char *copy_string(std::string const &s)
{
	auto *p = static_cast<char *>(std::malloc(s.size() + 1));
	if (!p)
		throw std::bad_alloc();
	std::memcpy(p, s.c_str(), s.size() + 1);
	return p;
}

// The options of @opts that this librax knows, as libbpf takes its
// *_opts: sz is the caller's sizeof, a smaller one from an older header
// leaves the newer fields at their defaults, a larger one from a newer
// header is refused unless the fields this librax does not know are 0.
rax::Result<void> opts_valid(void const *opts, std::size_t sz, std::size_t known,
			     std::string const &op)
{
	if (!opts)
		return {};
	if (sz < sizeof(std::size_t))
		return rax::Error(EINVAL, op,
				  "opts: sz " + std::to_string(sz) + " is too small to be a size");
	auto const *b = static_cast<unsigned char const *>(opts);
	for (std::size_t i = known; i < sz; i++)
		if (b[i])
			return rax::Error(EINVAL, op,
					  "opts: a field past the " + std::to_string(known) +
						  " bytes this librax knows is set (byte " +
						  std::to_string(i) + ")");
	return {};
}

// Whether @opts (valid) reaches the end of its @field.
#define RAX_OPTS_HAS(opts, field)                                                       \
	((opts) && (opts)->sz >= offsetof(std::remove_pointer_t<decltype(opts)>, field) + \
				  sizeof((opts)->field))
#define RAX_OPTS_GET(opts, field, fallback) (RAX_OPTS_HAS(opts, field) ? (opts)->field : (fallback))

int build_crate(const char *crate_dir, const struct rax_build_opts *opts, char **out_path,
		char *err, size_t err_size)
{
	if (out_path)
		*out_path = nullptr;
	return guard(err, err_size, [&]() -> rax::Result<void> {
		RAX_CHECK(opts_valid(opts, opts ? opts->sz : 0, sizeof(*opts), "build"));
		if (!crate_dir)
			return rax::Error(EINVAL, "build", "the crate directory is required");
		char const *output = RAX_OPTS_GET(opts, output, nullptr);
		unsigned long const stack_limit = RAX_OPTS_GET(opts, stack_limit, 0UL);
		char const *cache_dir = RAX_OPTS_GET(opts, cache_dir, nullptr);
		char const *key_path = RAX_OPTS_GET(opts, key_path, nullptr);
		char const *cert_path = RAX_OPTS_GET(opts, cert_path, nullptr);
		rax::BuildOptions opt;
		opt.crate_dir = crate_dir;
		if (output)
			opt.output = output;
		if (stack_limit)
			opt.stack_limit = stack_limit;
		if (cache_dir)
			opt.cache_dir = cache_dir;
		rax::BuildResult const r = RAX_TRY(
			rax::build_and_sign(opt, key_path ? key_path : "", cert_path ? cert_path : ""));
		if (out_path)
			*out_path = copy_string(r.output);
		return {};
	});
}

} // namespace

extern "C" {

const char *rax_version(void)
{
	return RAX_VERSION;
}

int rax_keygen(const char *cert_path, const char *key_path, const char *common_name,
	       int rsa_bits, char *err, size_t err_size)
{
	return guard(err, err_size, [&]() -> rax::Result<void> {
		if (!cert_path || !key_path)
			return rax::Error(EINVAL, "keygen", "certificate and key paths are required");
		rax::KeygenOptions o;
		if (common_name)
			o.common_name = common_name;
		if (rsa_bits)
			o.rsa_bits = rsa_bits;
		return rax::keygen(cert_path, key_path, o);
	});
}

int rax_build(const char *crate_dir, const struct rax_build_opts *opts, char **out_path,
	      char *err, size_t err_size)
{
	return build_crate(crate_dir, opts, out_path, err, err_size);
}

int rax_build_crate(const char *crate_dir, const char *output, unsigned long stack_limit,
		    const char *cache_dir, const char *key_path, const char *cert_path,
		    char **out_path, char *err, size_t err_size)
{
	struct rax_build_opts const opts = {
		.sz = sizeof(opts),
		.output = output,
		.stack_limit = stack_limit,
		.cache_dir = cache_dir,
		.key_path = key_path,
		.cert_path = cert_path,
	};

	return build_crate(crate_dir, &opts, out_path, err, err_size);
}

int rax_sign_file(const char *obj_path, const char *key_path, const char *cert_path,
		  const char *sig_path, char *err, size_t err_size)
{
	return guard(err, err_size, [&]() -> rax::Result<void> {
		if (!obj_path || !key_path)
			return rax::Error(EINVAL, "sign", "object and key paths are required");
		std::string out = sig_path ? std::string(sig_path) : std::string(obj_path) + ".sig";
		rax::Bytes data = RAX_TRY(rax::read_file(obj_path));
		rax::Bytes sig = RAX_TRY(rax::sign_object(data, key_path, cert_path ? cert_path : ""));
		return rax::write_file(out, sig);
	});
}

int rax_verify_file(const char *obj_path, const char *sig_path, const char *const *cert_paths,
		    size_t n_certs, char *err, size_t err_size)
{
	return guard(err, err_size, [&]() -> rax::Result<void> {
		if (!obj_path || (n_certs && !cert_paths))
			return rax::Error(EINVAL, "verify", "object and certificate paths are required");
		std::string obj = obj_path;
		std::string sp = sig_path ? std::string(sig_path) : obj + ".sig";
		std::vector<std::string> certs;
		for (std::size_t i = 0; i < n_certs; i++) {
			if (!cert_paths[i])
				return rax::Error(EINVAL, "verify", "null certificate path");
			certs.emplace_back(cert_paths[i]);
		}
		RAX_CHECK(rax::verify_file(obj, sp, certs));
		return {};
	});
}

int rax_inspect_json(const char *obj_path, const char *sig_path, int pretty, char **json,
		     char *err, size_t err_size)
{
	if (json)
		*json = nullptr;
	return guard(err, err_size, [&]() -> rax::Result<void> {
		if (!obj_path || !json)
			return rax::Error(EINVAL, "inspect", "object path and json are required");
		rax::Bytes image = RAX_TRY(rax::read_file(obj_path));
		auto obj = rax::parse_object(image);
		if (!obj)
			return rax::with_file(obj.error(), "parse", obj_path);
		std::optional<rax::Signer> signer;
		if (sig_path) {
			rax::Bytes sig = RAX_TRY(rax::read_file(sig_path));
			auto s = rax::signer_of(sig);
			if (!s)
				return rax::with_file(s.error(), "signature", sig_path);
			signer = std::move(*s);
		}
		std::ostringstream out;
		{
			rax::JsonWriter w(out, pretty != 0);
			rax::describe_json(w, obj_path, image.size(), *obj, signer);
		}
		*json = copy_string(out.str());
		return {};
	});
}

void rax_free(void *p)
{
	std::free(p);
}

} // extern "C"
