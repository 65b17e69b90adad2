// SPDX-License-Identifier: GPL-2.0
// verify_file() and build_and_sign(): see rax/verify.hpp.

#include <rax/verify.hpp>

#include <cerrno>
#include <cstring>

#include <linux/rax.h>

namespace rax {

Error with_file(Error const &e, std::string const &op, std::string const &file)
{
	std::string msg = e.message().empty() ? std::string(std::strerror(e.code())) : e.message();

	if (!e.op().empty() && e.op() != op)
		msg = e.op() + ": " + msg;
	return Error(e.code(), op, file + ": " + msg);
}

Result<VerifiedObject> verify_file(std::string const &obj_path, std::string const &sig_path,
				   std::span<std::string const> cert_paths,
				   std::function<void(Signer const &)> const &signature_ok)
{
	VerifiedObject v;
	v.image = RAX_TRY(read_file(obj_path));
	Bytes const sig = RAX_TRY(read_file(sig_path));

	// 1. Sizes (rax_load_copy()).
	if (v.image.size() > RAX_IMAGE_SIZE_MAX)
		return Error(E2BIG, "size",
			     obj_path + ": image of " + std::to_string(v.image.size()) +
				     " bytes is over the limit of " + std::to_string(RAX_IMAGE_SIZE_MAX));
	if (v.image.empty())
		return Error(EINVAL, "size", obj_path + ": empty image");
	if (sig.empty())
		return Error(EKEYREJECTED, "signature", sig_path + ": empty signature");
	if (sig.size() > RAX_SIGNATURE_SIZE_MAX)
		return Error(E2BIG, "size",
			     sig_path + ": signature of " + std::to_string(sig.size()) +
				     " bytes is over the limit of " +
				     std::to_string(RAX_SIGNATURE_SIZE_MAX));

	// 2. The signature (rax_load_verify()).
	auto signer = verify_object(v.image, sig, cert_paths);
	if (!signer)
		return with_file(Error(signer.error().code(), "signature", signer.error().message()),
				 "signature", obj_path);
	v.signer = std::move(*signer);
	if (signature_ok)
		signature_ok(v.signer);

	// 3. The object (rax_elf_parse()).
	auto parsed = parse_object(v.image);
	if (!parsed)
		return with_file(parsed.error(), "parse", obj_path);
	v.object = std::move(*parsed);
	return v;
}

Result<BuildResult> build_and_sign(BuildOptions const &opt, std::string const &key_path,
				   std::string const &cert_path, std::vector<Refusal> *refusals)
{
	if (key_path.empty() && !cert_path.empty())
		return Error(EINVAL, "build", "a certificate without a key");
	BuildResult r = RAX_TRY(build(opt, refusals));
	if (key_path.empty())
		return r;
	Bytes const data = RAX_TRY(read_file(r.output));
	Bytes const sig = RAX_TRY(sign_object(data, key_path, cert_path));
	RAX_CHECK(write_file(r.output + ".sig", sig));
	r.signature = r.output + ".sig";
	return r;
}

} // namespace rax
