// SPDX-License-Identifier: GPL-2.0
// Keys and detached PKCS#7 signatures of Rax objects, with OpenSSL 3.
//
// The signature is what `openssl cms -sign -binary -noattr -nocerts
// -outform DER -md sha256` makes and what the kernel's module signing
// makes: a SignedData (version 1) with id-data content left out, one
// SignerInfo identified by issuer and serial, SHA-256, RSA PKCS#1 v1.5
// over the digest of the data (no signed attributes) and no certificates.
// verify() mirrors verify_pkcs7_signature(..., VERIFYING_UNSPECIFIED_
// SIGNATURE) of the 6.12 kernel: signers are looked up among trusted
// certificates by their identifier, a signer with no trusted certificate
// is skipped, a trusted signer whose signature does not verify fails the
// whole check, and at least one trusted signer must verify.

#include <rax/sign.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/rax.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace rax {
namespace {

// ---- RAII for OpenSSL objects.

template <auto Free>
struct Deleter {
	template <typename T>
	void operator()(T *p) const
	{
		Free(p);
	}
};

using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using MdPtr = std::unique_ptr<EVP_MD, Deleter<EVP_MD_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using Asn1StringPtr = std::unique_ptr<ASN1_STRING, Deleter<ASN1_STRING_free>>;
void ossl_free_char(char *p)
{
	OPENSSL_free(p);
}
using CharPtr = std::unique_ptr<char, Deleter<ossl_free_char>>;

struct X509StackFree {
	void operator()(STACK_OF(X509) *s) const { sk_X509_pop_free(s, X509_free); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackFree>;

// ---- Errors.

// Drain OpenSSL's error queue into one line ("" when it is empty).
std::string ossl_errors()
{
	std::string s;
	char const *file = nullptr, *func = nullptr, *data = nullptr;
	int line = 0, flags = 0;
	unsigned long e;

	while ((e = ERR_get_error_all(&file, &line, &func, &data, &flags)) != 0) {
		char buf[256];

		ERR_error_string_n(e, buf, sizeof(buf));
		if (!s.empty())
			s += "; ";
		s += buf;
		if (data && (flags & ERR_TXT_STRING) && *data) {
			s += " (";
			s += data;
			s += ")";
		}
	}
	return s;
}

// An Error whose message is @what followed by OpenSSL's queued errors.
Error ossl_error(int code, std::string op, std::string what)
{
	std::string q = ossl_errors();

	if (!q.empty())
		what += ": " + q;
	return Error(code, std::move(op), std::move(what));
}

// ---- Files.

Result<Bytes> slurp(std::string const &path, std::string const &op)
{
	auto close_file = [](std::FILE *fp) { std::fclose(fp); };
	std::unique_ptr<std::FILE, decltype(close_file)> f(std::fopen(path.c_str(), "rb"), close_file);
	Bytes out;

	if (!f)
		return Error(errno, op, path + ": " + std::strerror(errno));
	for (;;) {
		std::uint8_t buf[16384];
		std::size_t n = std::fread(buf, 1, sizeof(buf), f.get());

		out.insert(out.end(), buf, buf + n);
		if (n < sizeof(buf))
			break;
	}
	if (std::ferror(f.get()))
		return Error(EIO, op, path + ": read error");
	return out;
}

// Write @data to @path through a temporary file in the same directory,
// created with @mode, and rename it into place.
Result<void> spit(std::string const &path, std::string_view data, mode_t mode, std::string const &op)
{
	std::string tmp = path + ".tmpXXXXXX";
	int fd = mkstemp(tmp.data());

	if (fd < 0)
		return Error(errno, op, path + ": " + std::strerror(errno));
	if (fchmod(fd, mode) < 0) {
		int e = errno;
		close(fd);
		unlink(tmp.c_str());
		return Error(e, op, path + ": " + std::strerror(e));
	}
	std::size_t done = 0;
	while (done < data.size()) {
		ssize_t n = write(fd, data.data() + done, data.size() - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			close(fd);
			unlink(tmp.c_str());
			return Error(e, op, path + ": " + std::strerror(e));
		}
		done += static_cast<std::size_t>(n);
	}
	if (close(fd) < 0 || rename(tmp.c_str(), path.c_str()) < 0) {
		int e = errno;
		unlink(tmp.c_str());
		return Error(e, op, path + ": " + std::strerror(e));
	}
	return {};
}

std::string_view bio_view(BIO *b)
{
	char *p = nullptr;
	long n = BIO_get_mem_data(b, &p);

	return n > 0 ? std::string_view(p, static_cast<std::size_t>(n)) : std::string_view();
}

BioPtr mem_bio(std::span<std::uint8_t const> data)
{
	// BIO_new_mem_buf() refuses a null pointer, which an empty span has.
	static std::uint8_t const none = 0;

	return BioPtr(BIO_new_mem_buf(data.empty() ? &none : data.data(),
				      static_cast<int>(data.size())));
}

// ---- The versions the kernel's PKCS#7 parser insists on.

// One DER element: tag (low-tag-number form only) and contents.
struct Tlv {
	std::uint8_t tag = 0;
	std::span<std::uint8_t const> body;
};

// Read the next element of @in and advance @in past it. False for
// anything but definite-length DER (BER is left to OpenSSL's parser).
bool next_tlv(std::span<std::uint8_t const> &in, Tlv &out)
{
	if (in.size() < 2 || (in[0] & 0x1f) == 0x1f)
		return false;
	std::size_t len = in[1], hdr = 2;
	if (len & 0x80) {
		std::size_t nb = len & 0x7f;

		if (nb == 0 || nb > 4 || in.size() < 2 + nb)
			return false;
		len = 0;
		for (std::size_t i = 0; i < nb; i++)
			len = len << 8 | in[2 + i];
		hdr += nb;
	}
	if (len > in.size() - hdr)
		return false;
	out.tag = in[0];
	out.body = in.subspan(hdr, len);
	in = in.subspan(hdr + len);
	return true;
}

// A small non-negative INTEGER's value, or -1.
long small_int(Tlv const &t)
{
	if (t.tag != 0x02 || t.body.empty() || t.body.size() > 2 || (t.body[0] & 0x80))
		return -1;
	long v = 0;
	for (std::uint8_t b : t.body)
		v = v << 8 | b;
	return v;
}

// pkcs7_note_signeddata_version() and pkcs7_note_signerinfo_version():
// SignedData version 1 or 3; a SignerInfo of version 1 (issuer and serial)
// only in a version 1 SignedData, of version 3 (key id) only in a version
// 3 one. OpenSSL's parser does not check these.
Result<void> check_versions(std::span<std::uint8_t const> der, std::string const &op)
{
	Tlv ci, oid, expl, sd, ver;
	std::span<std::uint8_t const> in = der;

	if (!next_tlv(in, ci) || ci.tag != 0x30)
		return {}; // BER: OpenSSL's checks only
	in = ci.body;
	if (!next_tlv(in, oid) || !next_tlv(in, expl) || expl.tag != 0xa0)
		return {};
	in = expl.body;
	if (!next_tlv(in, sd) || sd.tag != 0x30)
		return {};
	in = sd.body;
	if (!next_tlv(in, ver))
		return {};
	long sd_version = small_int(ver);
	if (sd_version != 1 && sd_version != 3)
		return Error(EBADMSG, op, "unsupported PKCS#7 SignedData version " + std::to_string(sd_version));
	Tlv last;
	while (!in.empty()) {
		if (!next_tlv(in, last))
			return {};
	}
	if (last.tag != 0x31)
		return {};
	std::span<std::uint8_t const> sis = last.body;
	while (!sis.empty()) {
		Tlv si, siv, sid;

		if (!next_tlv(sis, si) || si.tag != 0x30)
			return {};
		std::span<std::uint8_t const> b = si.body;
		if (!next_tlv(b, siv) || !next_tlv(b, sid))
			return {};
		long v = small_int(siv);
		bool by_keyid = sid.tag == 0x80;
		if ((v == 1 && sd_version == 1 && !by_keyid) || (v == 3 && sd_version == 3 && by_keyid))
			continue;
		if (v != 1 && v != 3)
			return Error(EBADMSG, op, "unsupported PKCS#7 SignerInfo version " + std::to_string(v));
		return Error(EBADMSG, op,
			     "PKCS#7 SignerInfo version " + std::to_string(v) +
				     " does not match its SignedData version " + std::to_string(sd_version) +
				     " or its signer identifier");
	}
	return {};
}

// ---- Keys and certificates.

bool looks_pem(Bytes const &b)
{
	static constexpr std::string_view tag = "-----BEGIN ";

	return std::search(b.begin(), b.end(), tag.begin(), tag.end()) != b.end();
}

// Every certificate in @path: PEM (one or more) or DER (one).
Result<std::vector<X509Ptr>> load_certs(std::string const &path, std::string const &op)
{
	Bytes b = RAX_TRY(slurp(path, op));
	std::vector<X509Ptr> certs;

	ERR_clear_error();
	if (b.size() > INT32_MAX)
		return Error(EFBIG, op, path + ": file too large");
	if (looks_pem(b)) {
		BioPtr bio = mem_bio(b);

		if (!bio)
			return ossl_error(ENOMEM, op, path);
		while (X509 *x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
			certs.emplace_back(x);
		// The end of the file leaves a "no start line" error queued.
		ERR_clear_error();
	} else {
		std::uint8_t const *p = b.data();
		X509 *x = d2i_X509(nullptr, &p, static_cast<long>(b.size()));

		if (x)
			certs.emplace_back(x);
	}
	if (certs.empty())
		return ossl_error(EBADMSG, op, path + ": no X.509 certificate (PEM or DER)");
	return certs;
}

Result<PkeyPtr> load_key(std::string const &path, std::string const &op)
{
	Bytes b = RAX_TRY(slurp(path, op));

	ERR_clear_error();
	if (b.size() > INT32_MAX)
		return Error(EFBIG, op, path + ": file too large");
	BioPtr bio = mem_bio(b);
	if (!bio)
		return ossl_error(ENOMEM, op, path);
	// An empty passphrase callback: an encrypted key fails instead of
	// prompting on the terminal.
	auto no_pass = [](char *, int, int, void *) -> int { return 0; };
	PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_pass, nullptr));
	if (!key) {
		std::uint8_t const *p = b.data();

		ERR_clear_error();
		key.reset(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(b.size())));
	}
	if (!key)
		return ossl_error(EBADMSG, op, path + ": no private key (unencrypted PEM or DER)");
	return key;
}

std::string name_line(X509_NAME const *name)
{
	BioPtr b(BIO_new(BIO_s_mem()));

	if (!name || !b)
		return {};
	// One line, RFC 2253 order reversed as OpenSSL prints it, UTF-8.
	X509_NAME_print_ex(b.get(), name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
	return std::string(bio_view(b.get()));
}

std::string serial_hex(ASN1_INTEGER const *sn)
{
	BnPtr bn(sn ? ASN1_INTEGER_to_BN(sn, nullptr) : nullptr);

	if (!bn)
		return {};
	CharPtr s(BN_bn2hex(bn.get()));
	if (!s)
		return {};
	std::string out(s.get());
	std::transform(out.begin(), out.end(), out.begin(), [](char c) {
		return static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
	});
	return out;
}

std::string bytes_hex(unsigned char const *p, std::size_t n)
{
	static char const digits[] = "0123456789abcdef";
	std::string s;

	s.reserve(n * 2);
	for (std::size_t i = 0; i < n; i++) {
		s += digits[p[i] >> 4];
		s += digits[p[i] & 15];
	}
	return s;
}

std::string octets_hex(ASN1_OCTET_STRING const *o)
{
	if (!o)
		return {};
	return bytes_hex(ASN1_STRING_get0_data(o), static_cast<std::size_t>(ASN1_STRING_length(o)));
}

std::string skid_hex(X509 *x)
{
	return octets_hex(X509_get0_subject_key_id(x));
}

std::string fingerprint(X509 *x, EVP_MD const *md)
{
	unsigned char buf[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (!X509_digest(x, md, buf, &n))
		return {};
	return bytes_hex(buf, n);
}

std::string time_string(ASN1_TIME const *t)
{
	BioPtr b(BIO_new(BIO_s_mem()));

	if (!t || !b)
		return {};
	ASN1_TIME_print(b.get(), t);
	return std::string(bio_view(b.get()));
}

Result<void> add_ext(X509 *x, X509V3_CTX *ctx, int nid, char const *value)
{
	X509ExtPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));

	if (!ext || !X509_add_ext(x, ext.get(), -1))
		return ossl_error(EINVAL, "keygen", std::string("extension ") + OBJ_nid2sn(nid) + "=" + value);
	return {};
}

Result<X509Ptr> make_cert(EVP_PKEY *key, KeygenOptions const &opt)
{
	X509Ptr x(X509_new());
	if (!x)
		return ossl_error(ENOMEM, "keygen", "X509_new");
	if (!X509_set_version(x.get(), X509_VERSION_3))
		return ossl_error(EINVAL, "keygen", "certificate version");

	// A random positive 159-bit serial, as `openssl req -x509` makes.
	BnPtr bn(BN_new());
	if (!bn || !BN_rand(bn.get(), 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY))
		return ossl_error(EIO, "keygen", "random serial");
	if (!BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(x.get())))
		return ossl_error(EINVAL, "keygen", "serial");

	if (!X509_gmtime_adj(X509_getm_notBefore(x.get()), 0) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x.get()), opt.days, 0, nullptr))
		return ossl_error(EINVAL, "keygen", "validity");

	X509_NAME *name = X509_get_subject_name(x.get());
	if (!X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
					reinterpret_cast<unsigned char const *>(opt.common_name.c_str()),
					-1, -1, 0))
		return ossl_error(EINVAL, "keygen", "common name '" + opt.common_name + "'");
	if (!X509_set_issuer_name(x.get(), name))
		return ossl_error(EINVAL, "keygen", "issuer");
	if (!X509_set_pubkey(x.get(), key))
		return ossl_error(EINVAL, "keygen", "public key");

	// The extensions of kernel/rax/x509.genkey (and certs/default_x509.genkey).
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, x.get(), x.get(), nullptr, nullptr, 0);
	RAX_CHECK(add_ext(x.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE"));
	RAX_CHECK(add_ext(x.get(), &ctx, NID_key_usage, "digitalSignature"));
	RAX_CHECK(add_ext(x.get(), &ctx, NID_subject_key_identifier, "hash"));
	RAX_CHECK(add_ext(x.get(), &ctx, NID_authority_key_identifier, "keyid:always"));
	if (opt.code_signing)
		RAX_CHECK(add_ext(x.get(), &ctx, NID_ext_key_usage, "codeSigning"));

	if (!X509_sign(x.get(), key, EVP_sha256()))
		return ossl_error(EINVAL, "keygen", "self-signing the certificate");
	return x;
}

Result<PkeyPtr> make_key(int bits, unsigned long exponent)
{
	PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
	BnPtr e(BN_new());
	EVP_PKEY *raw = nullptr;

	if (!ctx || !e || !BN_set_word(e.get(), exponent))
		return ossl_error(ENOMEM, "keygen", "RSA context");
	if (EVP_PKEY_keygen_init(ctx.get()) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) <= 0 ||
	    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx.get(), e.get()) <= 0)
		return ossl_error(EINVAL, "keygen",
				  "RSA parameters (" + std::to_string(bits) + " bits, exponent " +
					  std::to_string(exponent) + ")");
	if (EVP_PKEY_generate(ctx.get(), &raw) <= 0)
		return ossl_error(EIO, "keygen", "RSA key generation");
	return PkeyPtr(raw);
}

Signer signer_from_cert(X509 *x)
{
	Signer s;

	s.subject = name_line(X509_get_subject_name(x));
	s.issuer = name_line(X509_get_issuer_name(x));
	s.serial = serial_hex(X509_get0_serialNumber(x));
	s.key_id = skid_hex(x);
	return s;
}

std::string digest_name(X509_ALGOR const *alg)
{
	ASN1_OBJECT const *obj = nullptr;

	if (!alg)
		return {};
	X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
	int nid = OBJ_obj2nid(obj);
	if (nid != NID_undef)
		return OBJ_nid2ln(nid); // "sha256", "rsaEncryption"
	char buf[80];
	OBJ_obj2txt(buf, sizeof(buf), obj, 1);
	return buf;
}

Result<CmsPtr> parse_cms(std::span<std::uint8_t const> sig, std::string const &op)
{
	ERR_clear_error();
	if (sig.empty())
		return Error(EBADMSG, op, "empty signature");
	if (sig.size() > INT32_MAX)
		return Error(EBADMSG, op, "signature too large");
	std::uint8_t const *p = sig.data();
	CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(sig.size())));
	if (!cms)
		return ossl_error(EBADMSG, op, "not a DER PKCS#7/CMS message");
	if (p != sig.data() + sig.size())
		return Error(EBADMSG, op, "trailing bytes after the PKCS#7 message");
	if (OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed)
		return Error(EBADMSG, op, "PKCS#7 message is not signedData");
	RAX_CHECK(check_versions(sig, op));
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms.get());
	if (!sis || sk_CMS_SignerInfo_num(sis) <= 0)
		return Error(EBADMSG, op, "PKCS#7 signedData has no signer");
	return cms;
}

// The digest and signature algorithms of the 6.12 kernel's PKCS#7 parser
// that OpenSSL also has: the hash names OpenSSL fetches by, and the
// public key algorithm each signature OID implies.
Result<void> check_algorithms(CMS_SignerInfo *si)
{
	static constexpr int digests[] = {
		NID_md5,      NID_sha1,     NID_sha224,   NID_sha256,   NID_sha384,
		NID_sha512,   NID_sm3,      NID_sha3_256, NID_sha3_384, NID_sha3_512,
	};
	static constexpr struct {
		int nid;
		int key;
	} sigs[] = {
		{NID_rsaEncryption, EVP_PKEY_RSA},
		{NID_sha1WithRSAEncryption, EVP_PKEY_RSA},
		{NID_sha224WithRSAEncryption, EVP_PKEY_RSA},
		{NID_sha256WithRSAEncryption, EVP_PKEY_RSA},
		{NID_sha384WithRSAEncryption, EVP_PKEY_RSA},
		{NID_sha512WithRSAEncryption, EVP_PKEY_RSA},
		{NID_RSA_SHA3_256, EVP_PKEY_RSA},
		{NID_RSA_SHA3_384, EVP_PKEY_RSA},
		{NID_RSA_SHA3_512, EVP_PKEY_RSA},
		{NID_ecdsa_with_SHA1, EVP_PKEY_EC},
		{NID_ecdsa_with_SHA224, EVP_PKEY_EC},
		{NID_ecdsa_with_SHA256, EVP_PKEY_EC},
		{NID_ecdsa_with_SHA384, EVP_PKEY_EC},
		{NID_ecdsa_with_SHA512, EVP_PKEY_EC},
		{NID_X9_62_id_ecPublicKey, EVP_PKEY_EC},
	};
	X509_ALGOR *dig = nullptr, *sigalg = nullptr;
	ASN1_OBJECT const *obj = nullptr;

	CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, &sigalg);
	if (!dig || !sigalg)
		return Error(EBADMSG, "verify", "SignerInfo without algorithms");
	X509_ALGOR_get0(&obj, nullptr, nullptr, dig);
	int dnid = OBJ_obj2nid(obj);
	if (std::find(std::begin(digests), std::end(digests), dnid) == std::end(digests))
		return Error(ENOPKG, "verify", "digest algorithm " + digest_name(dig) + " not supported");
	X509_ALGOR_get0(&obj, nullptr, nullptr, sigalg);
	int snid = OBJ_obj2nid(obj);
	for (auto const &s : sigs) {
		if (s.nid == snid)
			return {};
	}
	return Error(ENOPKG, "verify", "signature algorithm " + digest_name(sigalg) + " not supported");
}

// The public key algorithm a SignerInfo's signature algorithm implies.
int sig_key_type(CMS_SignerInfo *si)
{
	X509_ALGOR *sigalg = nullptr;
	ASN1_OBJECT const *obj = nullptr;
	int pknid = NID_undef;

	CMS_SignerInfo_get0_algs(si, nullptr, nullptr, nullptr, &sigalg);
	X509_ALGOR_get0(&obj, nullptr, nullptr, sigalg);
	int nid = OBJ_obj2nid(obj);
	if (nid == NID_rsaEncryption)
		return EVP_PKEY_RSA;
	if (nid == NID_X9_62_id_ecPublicKey)
		return EVP_PKEY_EC;
	if (OBJ_find_sigid_algs(nid, nullptr, &pknid))
		return pknid;
	return NID_undef;
}

// Verify one signer against @cert, as the kernel's public_key_verify_
// signature() does: over the data, or over the signed attributes whose
// messageDigest must then match the data.
Result<void> verify_signer(CMS_SignerInfo *si, X509 *cert, std::span<std::uint8_t const> data)
{
	X509_ALGOR *dig = nullptr, *sigalg = nullptr;
	CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, &sigalg);
	std::string dname = digest_name(dig);

	ERR_clear_error();
	MdPtr md(EVP_MD_fetch(nullptr, dname.c_str(), nullptr));
	if (!md)
		return ossl_error(ENOPKG, "verify", "digest algorithm '" + dname + "' not supported");
	EVP_PKEY *pub = X509_get0_pubkey(cert);
	if (!pub)
		return ossl_error(EBADMSG, "verify", "certificate has no usable public key");
	if (EVP_PKEY_get_base_id(pub) != sig_key_type(si))
		return Error(EKEYREJECTED, "verify",
			     "the signature algorithm does not fit the certificate's key");

	if (CMS_signed_get_attr_count(si) >= 0) {
		// Signed attributes: the signature covers them, and their
		// messageDigest covers the data.
		unsigned char md_buf[EVP_MAX_MD_SIZE];
		unsigned int md_len = 0;

		CMS_SignerInfo_set1_signer_cert(si, cert);
		int ok = CMS_SignerInfo_verify(si);
		CMS_SignerInfo_set1_signer_cert(si, nullptr);
		if (ok != 1)
			return ossl_error(EKEYREJECTED, "verify",
					  "signature does not match (signed attributes)");
		ASN1_OCTET_STRING *want = static_cast<ASN1_OCTET_STRING *>(CMS_signed_get0_data_by_OBJ(
			si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING));
		if (!want)
			return Error(EBADMSG, "verify", "signed attributes without messageDigest");
		if (!EVP_Digest(data.data(), data.size(), md_buf, &md_len, md.get(), nullptr))
			return ossl_error(EIO, "verify", "digest");
		if (static_cast<unsigned>(ASN1_STRING_length(want)) != md_len ||
		    std::memcmp(ASN1_STRING_get0_data(want), md_buf, md_len) != 0)
			return Error(EKEYREJECTED, "verify",
				     "signature does not match the data (messageDigest differs)");
		return {};
	}

	ASN1_OCTET_STRING *sigval = CMS_SignerInfo_get0_signature(si);
	MdCtxPtr mctx(EVP_MD_CTX_new());
	if (!sigval || !mctx)
		return ossl_error(ENOMEM, "verify", "signature context");
	if (EVP_DigestVerifyInit_ex(mctx.get(), nullptr, dname.c_str(), nullptr, nullptr, pub,
				    nullptr) != 1)
		return ossl_error(EKEYREJECTED, "verify", "certificate key cannot verify this signature");
	int ok = EVP_DigestVerify(mctx.get(), ASN1_STRING_get0_data(sigval),
				  static_cast<std::size_t>(ASN1_STRING_length(sigval)), data.data(),
				  data.size());
	if (ok != 1)
		return ossl_error(EKEYREJECTED, "verify", "signature does not match the data");
	return {};
}

} // namespace

Result<void> keygen(std::string const &cert_path, std::string const &key_path,
		    KeygenOptions const &opt)
{
	ERR_clear_error();
	if (opt.rsa_bits < 2048 || opt.rsa_bits > 16384)
		return Error(EINVAL, "keygen",
			     "RSA key size " + std::to_string(opt.rsa_bits) +
				     " bits is out of range (2048..16384)");
	if (opt.rsa_exponent != 3 && opt.rsa_exponent != 65537)
		return Error(EINVAL, "keygen",
			     "RSA public exponent " + std::to_string(opt.rsa_exponent) +
				     " is neither 3 nor 65537");
	if (opt.days <= 0)
		return Error(EINVAL, "keygen", "validity must be at least one day");
	if (opt.common_name.empty() || opt.common_name.size() > 64)
		return Error(EINVAL, "keygen", "common name must have 1 to 64 characters");
	if (cert_path.empty() || key_path.empty())
		return Error(EINVAL, "keygen", "certificate and key paths are required");

	PkeyPtr key = RAX_TRY(make_key(opt.rsa_bits, opt.rsa_exponent));
	X509Ptr cert = RAX_TRY(make_cert(key.get(), opt));

	BioPtr kb(BIO_new(BIO_s_mem())), cb(BIO_new(BIO_s_mem()));
	if (!kb || !cb)
		return ossl_error(ENOMEM, "keygen", "memory BIO");
	if (!PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr))
		return ossl_error(EIO, "keygen", "PEM private key");
	if (!PEM_write_bio_X509(cb.get(), cert.get()))
		return ossl_error(EIO, "keygen", "PEM certificate");

	std::string key_pem(bio_view(kb.get()));
	std::string cert_pem(bio_view(cb.get()));
	if (key_path == cert_path) {
		// One file, key and certificate, as kernel/rax/rax_signing_key.pem.
		RAX_CHECK(spit(key_path, key_pem + cert_pem, 0600, "keygen"));
	} else {
		RAX_CHECK(spit(key_path, key_pem, 0600, "keygen"));
		RAX_CHECK(spit(cert_path, cert_pem, 0644, "keygen"));
	}
	OPENSSL_cleanse(key_pem.data(), key_pem.size());
	return {};
}

Result<Bytes> sign(std::span<std::uint8_t const> data, std::string const &key_path,
		   std::string const &cert_path)
{
	PkeyPtr key = RAX_TRY(load_key(key_path, "sign"));
	std::string const &cpath = cert_path.empty() ? key_path : cert_path;
	std::vector<X509Ptr> certs = RAX_TRY(load_certs(cpath, "sign"));

	// The certificate of the key: the first one with the same public key.
	X509 *cert = nullptr;
	for (auto &c : certs) {
		if (X509_check_private_key(c.get(), key.get()) == 1) {
			cert = c.get();
			break;
		}
	}
	ERR_clear_error();
	if (!cert)
		return Error(EINVAL, "sign",
			     "no certificate in " + cpath + " matches the private key in " + key_path);
	if (data.size() > INT32_MAX)
		return Error(E2BIG, "sign", "data too large");

	unsigned const flags = CMS_DETACHED | CMS_BINARY | CMS_NOATTR | CMS_NOCERTS |
			       CMS_NOSMIMECAP | CMS_PARTIAL;
	CmsPtr cms(CMS_sign(nullptr, nullptr, nullptr, nullptr, flags));
	if (!cms)
		return ossl_error(ENOMEM, "sign", "CMS_sign");
	if (!CMS_add1_signer(cms.get(), cert, key.get(), EVP_sha256(), flags))
		return ossl_error(EINVAL, "sign", "adding the signer");
	BioPtr in = mem_bio(data);
	if (!in)
		return ossl_error(ENOMEM, "sign", "memory BIO");
	if (!CMS_final(cms.get(), in.get(), nullptr, flags & ~CMS_PARTIAL))
		return ossl_error(EIO, "sign", "signing");

	int n = i2d_CMS_ContentInfo(cms.get(), nullptr);
	if (n <= 0)
		return ossl_error(EIO, "sign", "DER encoding");
	Bytes out(static_cast<std::size_t>(n));
	unsigned char *p = out.data();
	if (i2d_CMS_ContentInfo(cms.get(), &p) != n)
		return ossl_error(EIO, "sign", "DER encoding");
	return out;
}

Result<Signer> verify(std::span<std::uint8_t const> data, std::span<std::uint8_t const> sig,
		      std::span<std::string const> cert_paths)
{
	CmsPtr cms = RAX_TRY(parse_cms(sig, "verify"));

	// The kernel's pkcs7_verify(): an unspecified signature is over id-data.
	if (OBJ_obj2nid(CMS_get0_eContentType(cms.get())) != NID_pkcs7_data)
		return Error(EKEYREJECTED, "verify", "signed content type is not id-data");
	// pkcs7_supply_detached_data(): the data must not be in the message.
	ASN1_OCTET_STRING **content = CMS_get0_content(cms.get());
	if (content && *content)
		return Error(EINVAL, "verify", "signature is not detached (it carries data)");

	// The kernel's parser refuses algorithms it does not know before it
	// looks for keys (pkcs7_sig_note_digest_algo/_pkey_algo(): ENOPKG).
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms.get());
	for (int i = 0; i < sk_CMS_SignerInfo_num(sis); i++)
		RAX_CHECK(check_algorithms(sk_CMS_SignerInfo_value(sis, i)));

	std::vector<std::pair<X509Ptr, std::string>> trusted;
	for (auto const &path : cert_paths) {
		auto certs = RAX_TRY(load_certs(path, "verify"));

		for (auto &c : certs)
			trusted.emplace_back(std::move(c), path);
	}
	if (trusted.empty())
		return Error(ENOKEY, "verify", "no trusted certificate given");

	std::optional<Signer> good;
	std::string unknown;
	for (int i = 0; i < sk_CMS_SignerInfo_num(sis); i++) {
		CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, i);
		std::pair<X509Ptr, std::string> *match = nullptr;

		for (auto &t : trusted) {
			if (CMS_SignerInfo_cert_cmp(si, t.first.get()) == 0) {
				match = &t;
				break;
			}
		}
		if (!match) {
			if (unknown.empty()) {
				auto s = signer_of(sig);
				if (s)
					unknown = s->issuer.empty()
							  ? "key id " + s->key_id
							  : s->issuer + ", serial " + s->serial;
			}
			continue;
		}
		RAX_CHECK(verify_signer(si, match->first.get(), data));
		if (!good) {
			X509_ALGOR *dig = nullptr;

			CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, nullptr);
			good = signer_from_cert(match->first.get());
			good->digest = digest_name(dig);
			good->cert = match->second;
		}
	}
	ERR_clear_error();
	if (!good)
		return Error(ENOKEY, "verify",
			     "no trusted certificate matches the signer" +
				     (unknown.empty() ? std::string() : " (" + unknown + ")"));
	return std::move(*good);
}

namespace {

// @prefix (its bytes, no NUL), then @tail.
Bytes concat(std::string_view prefix, std::span<std::uint8_t const> tail)
{
	Bytes msg(prefix.size() + tail.size());

	std::memcpy(msg.data(), prefix.data(), prefix.size());
	if (!tail.empty())
		std::memcpy(msg.data() + prefix.size(), tail.data(), tail.size());
	return msg;
}

// What signature v1 covered: its prefix, then the whole object. Only to
// explain the refusal of an object an older toolchain signed.
constexpr std::string_view signed_prefix_v1 = "Rax object signature v1\n";

} // namespace

Bytes signed_message(std::span<std::uint8_t const> object)
{
	std::uint8_t digest[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	// SHA-256 cannot fail on memory: EVP_Digest() fails only when OpenSSL
	// has no SHA-256 at all, which no supported OpenSSL is built without.
	if (!EVP_Digest(object.data(), object.size(), digest, &n, EVP_sha256(), nullptr) ||
	    n != 32)
		throw std::runtime_error("OpenSSL cannot compute SHA-256");
	return concat(RAX_SIGNED_PREFIX, std::span<std::uint8_t const>(digest, n));
}

Result<Bytes> sign_object(std::span<std::uint8_t const> object, std::string const &key_path,
			  std::string const &cert_path)
{
	return sign(signed_message(object), key_path, cert_path);
}

Result<Signer> verify_object(std::span<std::uint8_t const> object,
			     std::span<std::uint8_t const> sig,
			     std::span<std::string const> cert_paths)
{
	CmsPtr cms = RAX_TRY(parse_cms(sig, "verify"));

	// pkcs7_verify(VERIFYING_RAX_SIGNATURE): no authenticated attributes,
	// a SHA-256, SHA-384 or SHA-512 digest.
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms.get());
	for (int i = 0; i < sk_CMS_SignerInfo_num(sis); i++) {
		CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, i);
		X509_ALGOR *dig = nullptr;

		if (CMS_signed_get_attr_count(si) > 0)
			return Error(EKEYREJECTED, "verify",
				     "the signature has signed attributes: a Rax signature has none");
		CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, nullptr);
		int nid = dig ? OBJ_obj2nid(dig->algorithm) : NID_undef;
		if (nid != NID_sha256 && nid != NID_sha384 && nid != NID_sha512)
			return Error(EKEYREJECTED, "verify",
				     "the signature's digest is " +
					     (dig ? digest_name(dig) : std::string("missing")) +
					     ": a Rax signature uses SHA-256, SHA-384 or SHA-512");
	}

	auto good = verify(signed_message(object), sig, cert_paths);
	if (good || good.error().code() != EKEYREJECTED)
		return good;
	// Only to explain the failure: the same signature over the object
	// alone, or over it in the form of signature v1.
	if (verify(object, sig, cert_paths))
		return Error(EKEYREJECTED, "verify",
			     "the signature was made over the object alone, not for loading a "
			     "Rax object (without RAX_SIGNED_PREFIX: another purpose)");
	if (verify(concat(signed_prefix_v1, object), sig, cert_paths))
		return Error(EKEYREJECTED, "verify",
			     "the signature was made over the whole object, as signature v1 "
			     "was: sign the object again");
	return good;
}

Result<Signer> signer_of(std::span<std::uint8_t const> sig)
{
	CmsPtr cms = RAX_TRY(parse_cms(sig, "signer"));
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms.get());
	CMS_SignerInfo *si = sk_CMS_SignerInfo_value(sis, 0);
	ASN1_OCTET_STRING *keyid = nullptr;
	X509_NAME *issuer = nullptr;
	ASN1_INTEGER *sno = nullptr;
	X509_ALGOR *dig = nullptr;
	Signer s;

	if (CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &sno) != 1)
		return ossl_error(EBADMSG, "signer", "no signer identifier");
	CMS_SignerInfo_get0_algs(si, nullptr, nullptr, &dig, nullptr);
	s.digest = digest_name(dig);
	if (issuer)
		s.issuer = name_line(issuer);
	if (sno)
		s.serial = serial_hex(sno);
	if (keyid)
		s.key_id = octets_hex(keyid);

	// A certificate carried in the message names the subject.
	X509StackPtr certs(CMS_get1_certs(cms.get()));
	for (int i = 0; certs && i < sk_X509_num(certs.get()); i++) {
		X509 *x = sk_X509_value(certs.get(), i);

		if (CMS_SignerInfo_cert_cmp(si, x) == 0) {
			s.subject = name_line(X509_get_subject_name(x));
			if (s.key_id.empty())
				s.key_id = skid_hex(x);
			break;
		}
	}
	ERR_clear_error();
	return s;
}

Result<CertInfo> cert_info(std::string const &cert_path)
{
	auto certs = RAX_TRY(load_certs(cert_path, "cert"));
	X509 *x = certs.front().get();
	CertInfo ci;

	ci.subject = name_line(X509_get_subject_name(x));
	ci.issuer = name_line(X509_get_issuer_name(x));
	ci.serial = serial_hex(X509_get0_serialNumber(x));
	ci.key_id = skid_hex(x);
	ci.sha1 = fingerprint(x, EVP_sha1());
	ci.sha256 = fingerprint(x, EVP_sha256());
	ci.not_before = time_string(X509_get0_notBefore(x));
	ci.not_after = time_string(X509_get0_notAfter(x));
	if (EVP_PKEY *pub = X509_get0_pubkey(x)) {
		ci.key_type = OBJ_nid2sn(EVP_PKEY_get_base_id(pub));
		ci.key_bits = EVP_PKEY_get_bits(pub);
		BIGNUM *e = nullptr;
		if (EVP_PKEY_get_bn_param(pub, "e", &e) == 1) {
			BnPtr owned(e);
			ci.key_exponent = BN_get_word(e);
		}
	}
	ERR_clear_error();
	return ci;
}

} // namespace rax
