// SPDX-License-Identifier: GPL-2.0
// Keys and signatures of Rax objects, with OpenSSL's library: the same
// kind of key and detached PKCS#7 signature the kernel's module signing
// uses, so that verify_pkcs7_signature() in the 6.12 kernel accepts it.
#pragma once

#include <span>
#include <string>

#include <rax/object.hpp>
#include <rax/result.hpp>

namespace rax {

struct KeygenOptions {
	std::string common_name = "Rax development key";
	int rsa_bits = 4096;
	// The public exponent: 65537, or 3, which makes each check of a
	// signature about eight times cheaper (the kernel's check reads every
	// byte of the padded digest, so a small exponent admits no forgery;
	// FIPS 186-5 asks for more than 65536). EINVAL for any other.
	unsigned long rsa_exponent = 65537;
	int days = 36500;
	// Also add extendedKeyUsage=codeSigning. Off by default, as in
	// x509.genkey; the 6.12 kernel ignores it, but `openssl cms -verify`
	// without -purpose any then refuses the certificate.
	bool code_signing = false;
};

// Make an RSA key and a self-signed X.509 v3 certificate for it (PEM, with
// the extensions of kernel/rax/x509.genkey: basicConstraints critical
// CA:FALSE, keyUsage digitalSignature, subjectKeyIdentifier, which the
// kernel's x509 parser needs, and authorityKeyIdentifier; SHA-256, random
// serial), and write them to @cert_path and @key_path (the key unencrypted
// PKCS#8 PEM, mode 0600). When both paths are the same, one file holds
// the key then the certificate, like kernel/rax/rax_signing_key.pem.
// Files are replaced atomically. EINVAL for out-of-range options.
Result<void> keygen(std::string const &cert_path, std::string const &key_path,
		    KeygenOptions const &opt = {});

// Detached PKCS#7 (CMS, SHA-256, no signed attributes, no certificates,
// signer identified by issuer and serial) over @data, in DER: what
// `openssl cms -sign -binary -noattr -nocerts -md sha256 -outform DER`
// makes. @key_path holds the private key (PEM or DER, unencrypted) and
// may also hold the certificate; @cert_path (PEM or DER) gives it
// otherwise, or is empty. EINVAL when no certificate matches the key.
Result<Bytes> sign(std::span<std::uint8_t const> data, std::string const &key_path,
		   std::string const &cert_path);

struct Signer {
	std::string subject;    // the certificate's subject, one line
	std::string issuer;
	std::string serial;     // hex
	std::string key_id;     // subject key identifier, hex
	std::string digest;     // "sha256"
	std::string cert;       // verify(): the file of the matching certificate
};

// The kernel's check in userspace: @sig is a detached PKCS#7 over @data
// made by the key of one of the certificates in @cert_paths (PEM or DER).
// Mirrors verify_pkcs7_signature(VERIFYING_UNSPECIFIED_SIGNATURE): signers
// are matched to certificates by issuer and serial (or key id); a signer
// without a certificate is skipped, but every matched signer must verify.
// EKEYREJECTED when the signature does not match the data (or the content
// type is not id-data), ENOKEY when no certificate matches any signer,
// EBADMSG when @sig is not a DER PKCS#7 signedData with a signer, EINVAL
// when it is not detached, ENOPKG for an unknown digest, ENOENT etc. for
// a certificate file that cannot be read. The Signer is the first verified
// one, described from its certificate.
Result<Signer> verify(std::span<std::uint8_t const> data, std::span<std::uint8_t const> sig,
		      std::span<std::string const> cert_paths);

// What a signature of a Rax object covers: RAX_SIGNED_PREFIX (its bytes,
// no NUL), then the object's SHA-256 digest (32 bytes), as the kernel
// builds it after hashing the image once. The prefix binds the signature
// to loading a Rax object: no signature made with the same key for
// another purpose (a module, firmware, a root hash) verifies as one, nor
// the reverse.
Bytes signed_message(std::span<std::uint8_t const> object);

// sign() over signed_message(@object): what BPF_PROG_LOAD takes in
// `signature` for the object.
Result<Bytes> sign_object(std::span<std::uint8_t const> object, std::string const &key_path,
			  std::string const &cert_path);

// The kernel's check of a Rax signature in userspace, as
// verify_pkcs7_signature(VERIFYING_RAX_SIGNATURE): verify() over
// signed_message(@object), and EKEYREJECTED, with the reason, for signed
// attributes, for a signature made over the object alone (without the
// prefix: another purpose), or over the whole object as signature v1 was
// (an older toolchain).
Result<Signer> verify_object(std::span<std::uint8_t const> object,
			     std::span<std::uint8_t const> sig,
			     std::span<std::string const> cert_paths);

// The first signer of @sig without verifying it (for rax inspect): issuer
// and serial (or key id) from the SignerInfo, the subject only when the
// message carries the signer's certificate. EBADMSG as verify().
Result<Signer> signer_of(std::span<std::uint8_t const> sig);

// A certificate file (PEM or DER; the first certificate of a PEM file).
struct CertInfo {
	std::string subject;
	std::string issuer;
	std::string serial;     // hex
	std::string key_id;     // subject key identifier, hex ("" if none)
	std::string sha1;       // SHA-1 fingerprint of the DER certificate, hex
	std::string sha256;     // SHA-256 fingerprint, hex
	std::string not_before; // "Jan  1 00:00:00 2025 GMT"
	std::string not_after;
	std::string key_type;   // "rsaEncryption"
	int key_bits = 0;
	unsigned long key_exponent = 0; // an RSA key's public exponent, else 0
};

Result<CertInfo> cert_info(std::string const &cert_path);

} // namespace rax
