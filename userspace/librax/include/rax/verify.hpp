// SPDX-License-Identifier: GPL-2.0
// The sequences the rax command and the C API share, on files: the
// kernel's checks of a load, and a build signed in the same step.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <vector>

#include <rax/build.hpp>
#include <rax/object.hpp>
#include <rax/result.hpp>
#include <rax/sign.hpp>

namespace rax {

// An object that passed the kernel's checks of a load.
struct VerifiedObject {
	Bytes image;
	Signer signer;
	Object object;
};

// The kernel's checks of a Rax load, in its order, on files: the sizes of
// @obj_path and @sig_path (rax_load_copy(): E2BIG over RAX_IMAGE_SIZE_MAX
// or RAX_SIGNATURE_SIZE_MAX, EINVAL for an empty image, EKEYREJECTED for an
// empty signature), the signature against @cert_paths (rax_load_verify(),
// as verify_object()), then the strict parse (rax_elf_parse(), as
// parse_object()). @signature_ok, if set, is called between the last two,
// so that a caller can say the signature passed before the parse fails.
// Errors name their step ("size", "signature", "parse") and the file.
Result<VerifiedObject> verify_file(std::string const &obj_path, std::string const &sig_path,
				   std::span<std::string const> cert_paths,
				   std::function<void(Signer const &)> const &signature_ok = {});

// build(), then, with @key_path, the object signed (sign_object(), @cert_path
// empty when the key file holds the certificate) into its output path
// ".sig", which the result's signature names (empty when unsigned).
Result<BuildResult> build_and_sign(BuildOptions const &opt, std::string const &key_path,
				   std::string const &cert_path,
				   std::vector<Refusal> *refusals = nullptr);

// @e, its message prefixed by @file, as @op: "op: file: message".
Error with_file(Error const &e, std::string const &op, std::string const &file);

} // namespace rax
