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

rax::Error with_file(rax::Error const &e, std::string const &op, std::string const &file)
{
	std::string msg = e.message().empty() ? std::string(std::strerror(e.code())) : e.message();

	if (!e.op().empty() && e.op() != op)
		msg = e.op() + ": " + msg;
	return rax::Error(e.code(), op, file + ": " + msg);
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

int rax_build_crate(const char *crate_dir, const char *output, unsigned long stack_limit,
		    const char *cache_dir, const char *key_path, const char *cert_path,
		    char **out_path, char *err, size_t err_size)
{
	if (out_path)
		*out_path = nullptr;
	return guard(err, err_size, [&]() -> rax::Result<void> {
		if (!crate_dir)
			return rax::Error(EINVAL, "build", "the crate directory is required");
		if (cert_path && !key_path)
			return rax::Error(EINVAL, "build", "a certificate without a key");
		rax::BuildOptions opt;
		opt.crate_dir = crate_dir;
		if (output)
			opt.output = output;
		if (stack_limit)
			opt.stack_limit = stack_limit;
		if (cache_dir)
			opt.cache_dir = cache_dir;
		rax::BuildResult const r = RAX_TRY(rax::build(opt));
		if (key_path) {
			rax::Bytes const data = RAX_TRY(rax::read_file(r.output));
			rax::Bytes const sig =
				RAX_TRY(rax::sign_object(data, key_path, cert_path ? cert_path : ""));
			RAX_CHECK(rax::write_file(r.output + ".sig", sig));
		}
		if (out_path) {
			auto *p = static_cast<char *>(std::malloc(r.output.size() + 1));
			if (!p)
				throw std::bad_alloc();
			std::memcpy(p, r.output.c_str(), r.output.size() + 1);
			*out_path = p;
		}
		return {};
	});
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
		rax::Bytes image = RAX_TRY(rax::read_file(obj));
		rax::Bytes sig = RAX_TRY(rax::read_file(sp));
		if (image.size() > RAX_IMAGE_SIZE_MAX)
			return rax::Error(E2BIG, "size", obj + ": image over the limit of " +
							 std::to_string(RAX_IMAGE_SIZE_MAX) + " bytes");
		if (image.empty())
			return rax::Error(EINVAL, "size", obj + ": empty image");
		if (sig.empty())
			return rax::Error(EKEYREJECTED, "signature", sp + ": empty signature");
		if (sig.size() > RAX_SIGNATURE_SIZE_MAX)
			return rax::Error(E2BIG, "size", sp + ": signature over the limit of " +
							 std::to_string(RAX_SIGNATURE_SIZE_MAX) + " bytes");
		auto signer = rax::verify_object(image, sig, certs);
		if (!signer)
			return with_file(rax::Error(signer.error().code(), "signature",
						    signer.error().message()),
					 "signature", obj);
		auto parsed = rax::parse_object(image);
		if (!parsed)
			return with_file(parsed.error(), "parse", obj);
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
			return with_file(obj.error(), "parse", obj_path);
		std::optional<rax::Signer> signer;
		if (sig_path) {
			rax::Bytes sig = RAX_TRY(rax::read_file(sig_path));
			auto s = rax::signer_of(sig);
			if (!s)
				return with_file(s.error(), "signature", sig_path);
			signer = std::move(*s);
		}
		std::ostringstream out;
		{
			rax::JsonWriter w(out, pretty != 0);
			rax::describe_json(w, obj_path, image.size(), *obj, signer);
		}
		std::string s = out.str();
		char *p = static_cast<char *>(std::malloc(s.size() + 1));
		if (!p)
			return rax::Error(ENOMEM, "inspect");
		std::memcpy(p, s.c_str(), s.size() + 1);
		*json = p;
		return {};
	});
}

void rax_free(void *p)
{
	std::free(p);
}

} // extern "C"
