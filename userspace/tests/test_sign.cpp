// SPDX-License-Identifier: GPL-2.0
// Keys and signatures (rax/sign.hpp): the library's round trip, the errors
// the kernel's verify_pkcs7_signature() gives for the same faults, and
// interoperability with the openssl command the test scripts sign with.
#include "test_paths.hpp"
#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <linux/rax.h>
#include <sys/stat.h>

#include <rax/sign.hpp>

namespace fs = std::filesystem;

namespace {

// A temporary directory, removed with everything in it.
struct TempDir {
	fs::path path;

	TempDir()
	{
		std::string t = (fs::temp_directory_path() / "rax-sign-XXXXXX").string();
		REQUIRE(mkdtemp(t.data()) != nullptr);
		path = t;
	}
	~TempDir()
	{
		std::error_code ec;
		fs::remove_all(path, ec);
	}
	TempDir(TempDir const &) = delete;
	TempDir &operator=(TempDir const &) = delete;
	std::string operator/(std::string const &name) const { return (path / name).string(); }
};

rax::Bytes load(std::string const &path)
{
	std::ifstream f(path, std::ios::binary);
	REQUIRE(f);
	return rax::Bytes(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

void store(std::string const &path, rax::Bytes const &b)
{
	std::ofstream f(path, std::ios::binary | std::ios::trunc);
	REQUIRE(f);
	f.write(reinterpret_cast<char const *>(b.data()), static_cast<std::streamsize>(b.size()));
	REQUIRE(f);
}

rax::Bytes sample_data()
{
	rax::Bytes d(10000);
	for (std::size_t i = 0; i < d.size(); i++)
		d[i] = static_cast<std::uint8_t>(i * 7 + (i >> 8));
	// Bytes a text-mode signer would change: CR, LF, NUL.
	d[10] = '\r';
	d[11] = '\n';
	d[12] = 0;
	return d;
}

// Two keys, made once: 2048-bit for speed (the default is 4096).
struct Keys {
	TempDir dir;
	std::string cert = dir / "cert.pem";
	std::string key = dir / "key.pem";
	std::string other_cert = dir / "other.pem";
	std::string other_key = dir / "other.key";

	Keys()
	{
		rax::KeygenOptions o;
		o.rsa_bits = 2048;
		o.common_name = "Rax sign test";
		auto r = rax::keygen(cert, key, o);
		INFO((r ? std::string() : r.error().to_string()));
		REQUIRE(r);
		o.common_name = "Rax sign test (other)";
		auto r2 = rax::keygen(other_cert, other_key, o);
		REQUIRE(r2);
	}
};

Keys &keys()
{
	static Keys k;
	return k;
}

bool have_openssl()
{
	return std::system("openssl version >/dev/null 2>&1") == 0;
}

// The first word after @key in openssl's -print output.
std::string after(std::string const &s, std::string const &key)
{
	auto at = s.find(key);
	if (at == std::string::npos)
		return {};
	at = s.find_first_not_of(" \n", at + key.size());
	auto end = s.find_first_of(" \n", at);
	return at == std::string::npos ? std::string() : s.substr(at, end - at);
}

int run(std::string const &cmd)
{
	int st = std::system((cmd + " >/dev/null 2>&1").c_str());
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

} // namespace

TEST_CASE("sign: keygen writes a key (0600) and a certificate with a subject key id", "[sign]")
{
	Keys &k = keys();
	struct stat st {};
	REQUIRE(stat(k.key.c_str(), &st) == 0);
	CHECK((st.st_mode & 0777) == 0600);

	auto ci = rax::cert_info(k.cert);
	REQUIRE(ci);
	CHECK(ci->subject == "CN = Rax sign test");
	CHECK(ci->issuer == ci->subject);
	CHECK(ci->key_id.size() == 40);
	CHECK(ci->sha1.size() == 40);
	CHECK(ci->sha256.size() == 64);
	CHECK(ci->key_bits == 2048);
	CHECK(ci->key_type == "rsaEncryption");
	CHECK(!ci->serial.empty());

	auto ci2 = rax::cert_info(k.other_cert);
	REQUIRE(ci2);
	CHECK(ci2->serial != ci->serial);
	CHECK(ci2->key_id != ci->key_id);
}

TEST_CASE("sign: keygen certificate has the extensions of x509.genkey", "[sign]")
{
	if (!have_openssl()) {
		WARN("openssl command not found");
		return;
	}
	Keys &k = keys();
	TempDir d;
	std::string txt = d / "cert.txt";
	REQUIRE(run("openssl x509 -in " + k.cert + " -noout -text -out " + txt) == 0);
	auto b = load(txt);
	std::string s(b.begin(), b.end());
	CHECK(s.find("X509v3 Basic Constraints: critical") != std::string::npos);
	CHECK(s.find("CA:FALSE") != std::string::npos);
	CHECK(s.find("Digital Signature") != std::string::npos);
	CHECK(s.find("X509v3 Subject Key Identifier") != std::string::npos);
	CHECK(s.find("X509v3 Authority Key Identifier") != std::string::npos);
	CHECK(s.find("sha256WithRSAEncryption") != std::string::npos);
	CHECK(s.find("Version: 3") != std::string::npos);
}

TEST_CASE("sign: keygen rejects bad options", "[sign]")
{
	TempDir d;
	rax::KeygenOptions o;
	o.rsa_bits = 1024;
	auto r = rax::keygen(d / "c.pem", d / "k.pem", o);
	REQUIRE(!r);
	CHECK(r.error().code() == EINVAL);
	o = {};
	o.common_name = "";
	r = rax::keygen(d / "c.pem", d / "k.pem", o);
	REQUIRE(!r);
	CHECK(r.error().code() == EINVAL);
	CHECK(!fs::exists(d / "k.pem"));
}

// The kernel's build key has an exponent of 3 (CONFIG_RAX_SIG_KEY_EXP):
// keygen makes one on request, and it signs and verifies like any other,
// with OpenSSL's own check of the signature.
TEST_CASE("sign: keygen makes keys of exponent 3 or 65537, and no other", "[sign]")
{
	Keys &k = keys();
	auto ci = rax::cert_info(k.cert);
	REQUIRE(ci);
	CHECK(ci->key_exponent == 65537);

	TempDir d;
	rax::KeygenOptions o;
	o.rsa_bits = 2048;
	o.rsa_exponent = 3;
	auto r = rax::keygen(d / "e3.pem", d / "e3.pem", o);
	INFO((r ? std::string() : r.error().to_string()));
	REQUIRE(r);
	auto c3 = rax::cert_info(d / "e3.pem");
	REQUIRE(c3);
	CHECK(c3->key_exponent == 3);
	CHECK(c3->key_bits == 2048);
	auto data = sample_data();
	auto sig = rax::sign(data, d / "e3.pem", d / "e3.pem");
	REQUIRE(sig);
	std::vector<std::string> certs{d / "e3.pem"};
	CHECK(rax::verify(data, *sig, certs));
	data[100] ^= 1;
	auto bad = rax::verify(data, *sig, certs);
	REQUIRE(!bad);
	CHECK(bad.error().code() == EKEYREJECTED);

	for (unsigned long e : {0UL, 1UL, 5UL, 17UL, 65535UL, 65539UL}) {
		o.rsa_exponent = e;
		auto re = rax::keygen(d / "c.pem", d / "k.pem", o);
		REQUIRE(!re);
		CHECK(re.error().code() == EINVAL);
		CHECK(!fs::exists(d / "k.pem"));
	}
}

TEST_CASE("sign then verify round trip", "[sign]")
{
	Keys &k = keys();
	auto data = sample_data();
	auto sig = rax::sign(data, k.key, k.cert);
	INFO((sig ? std::string() : sig.error().to_string()));
	REQUIRE(sig);
	CHECK(sig->size() < 4096);

	std::vector<std::string> certs{k.other_cert, k.cert};
	auto v = rax::verify(data, *sig, certs);
	INFO((v ? std::string() : v.error().to_string()));
	REQUIRE(v);
	auto ci = rax::cert_info(k.cert);
	REQUIRE(ci);
	CHECK(v->subject == ci->subject);
	CHECK(v->serial == ci->serial);
	CHECK(v->key_id == ci->key_id);
	CHECK(v->digest == "sha256");
	CHECK(v->cert == k.cert);

	// Signing is deterministic for RSA PKCS#1 v1.5 without attributes.
	auto sig2 = rax::sign(data, k.key, k.cert);
	REQUIRE(sig2);
	CHECK(*sig2 == *sig);

	// An empty object signs and verifies too.
	rax::Bytes empty;
	auto se = rax::sign(empty, k.key, k.cert);
	REQUIRE(se);
	CHECK(rax::verify(empty, *se, certs));
}

TEST_CASE("sign with key and certificate in one file", "[sign]")
{
	Keys &k = keys();
	TempDir d;
	std::string both = d / "both.pem";
	rax::KeygenOptions o;
	o.rsa_bits = 2048;
	REQUIRE(rax::keygen(both, both, o));
	auto data = sample_data();
	auto sig = rax::sign(data, both, "");
	REQUIRE(sig);
	std::vector<std::string> certs{both};
	CHECK(rax::verify(data, *sig, certs));

	// A certificate that is not the key's is refused when signing.
	auto bad = rax::sign(data, k.key, k.other_cert);
	REQUIRE(!bad);
	CHECK(bad.error().code() == EINVAL);
}

TEST_CASE("sign: a changed byte of the data is EKEYREJECTED", "[sign]")
{
	Keys &k = keys();
	auto data = sample_data();
	auto sig = rax::sign(data, k.key, k.cert);
	REQUIRE(sig);
	std::vector<std::string> certs{k.cert};
	for (std::size_t at : {std::size_t(0), data.size() / 2, data.size() - 1}) {
		auto d = data;
		d[at] ^= 0x01;
		auto v = rax::verify(d, *sig, certs);
		REQUIRE(!v);
		CHECK(v.error().code() == EKEYREJECTED);
		CHECK(v.error().op() == "verify");
	}
	auto shorter = data;
	shorter.pop_back();
	auto v = rax::verify(shorter, *sig, certs);
	REQUIRE(!v);
	CHECK(v.error().code() == EKEYREJECTED);
}

TEST_CASE("sign: a changed byte inside the signature is an error", "[sign]")
{
	Keys &k = keys();
	auto data = sample_data();
	auto sig = rax::sign(data, k.key, k.cert);
	REQUIRE(sig);
	std::vector<std::string> certs{k.cert};

	// The RSA signature value is the last 256 bytes of the DER.
	auto s = *sig;
	s[s.size() - 10] ^= 0x80;
	auto v = rax::verify(data, s, certs);
	REQUIRE(!v);
	CHECK(v.error().code() == EKEYREJECTED);

	// Every single-byte change is refused, whatever the error, except in
	// SignedData's digestAlgorithms set, which neither the kernel's parser
	// (pkcs7_note_OID() only) nor the check use: the SignerInfo's own
	// digestAlgorithm is what counts; and the tag of the NULL parameters
	// of rsaEncryption, which the kernel's parser ignores (ANY OPTIONAL).
	static std::uint8_t const sha256_oid[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
						  0x65, 0x03, 0x04, 0x02, 0x01};
	auto at = std::search(sig->begin(), sig->end(), std::begin(sha256_oid), std::end(sha256_oid));
	REQUIRE(at != sig->end());
	std::size_t set_begin = static_cast<std::size_t>(at - sig->begin()) - 4;
	std::size_t set_end = set_begin + 4 + sizeof(sha256_oid);
	REQUIRE(set_begin == 26);
	static std::uint8_t const rsa_null[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,
						0x01, 0x01, 0x01, 0x05, 0x00};
	auto rn = std::search(sig->begin(), sig->end(), std::begin(rsa_null), std::end(rsa_null));
	REQUIRE(rn != sig->end());
	std::size_t null_tag = static_cast<std::size_t>(rn - sig->begin()) + 9;
	for (std::size_t i = 0; i < sig->size(); i++) {
		if ((i >= set_begin && i < set_end) || i == null_tag)
			continue;
		auto t = *sig;
		t[i] ^= 0x01;
		auto r = rax::verify(data, t, certs);
		INFO("byte " << i);
		REQUIRE(!r);
		CHECK((r.error().code() == EKEYREJECTED || r.error().code() == EBADMSG ||
		       r.error().code() == ENOKEY || r.error().code() == ENOPKG ||
		       r.error().code() == EINVAL));
	}
}

TEST_CASE("sign: a certificate that is not the signer's is ENOKEY", "[sign]")
{
	Keys &k = keys();
	auto data = sample_data();
	auto sig = rax::sign(data, k.key, k.cert);
	REQUIRE(sig);
	std::vector<std::string> certs{k.other_cert};
	auto v = rax::verify(data, *sig, certs);
	REQUIRE(!v);
	CHECK(v.error().code() == ENOKEY);
	CHECK(v.error().message().find("Rax sign test") != std::string::npos);

	std::vector<std::string> none;
	auto n = rax::verify(data, *sig, none);
	REQUIRE(!n);
	CHECK(n.error().code() == ENOKEY);

	std::vector<std::string> missing{k.dir / "no-such-cert.pem"};
	auto m = rax::verify(data, *sig, missing);
	REQUIRE(!m);
	CHECK(m.error().code() == ENOENT);
}

TEST_CASE("sign: garbage or truncated signatures are EBADMSG", "[sign]")
{
	Keys &k = keys();
	auto data = sample_data();
	std::vector<std::string> certs{k.cert};

	rax::Bytes garbage(512);
	for (std::size_t i = 0; i < garbage.size(); i++)
		garbage[i] = static_cast<std::uint8_t>(i * 31 + 5);
	auto v = rax::verify(data, garbage, certs);
	REQUIRE(!v);
	CHECK(v.error().code() == EBADMSG);

	rax::Bytes empty;
	v = rax::verify(data, empty, certs);
	REQUIRE(!v);
	CHECK(v.error().code() == EBADMSG);

	auto sig = rax::sign(data, k.key, k.cert);
	REQUIRE(sig);
	rax::Bytes trunc(sig->begin(), sig->end() - 1);
	v = rax::verify(data, trunc, certs);
	REQUIRE(!v);
	CHECK(v.error().code() == EBADMSG);
	rax::Bytes longer = *sig;
	longer.push_back(0);
	v = rax::verify(data, longer, certs);
	REQUIRE(!v);
	CHECK(v.error().code() == EBADMSG);

	// A certificate is DER too, but not PKCS#7.
	auto s = rax::signer_of(garbage);
	REQUIRE(!s);
	CHECK(s.error().code() == EBADMSG);
}

TEST_CASE("sign: signer_of names the certificate's issuer and serial", "[sign]")
{
	Keys &k = keys();
	auto data = sample_data();
	auto sig = rax::sign(data, k.key, k.cert);
	REQUIRE(sig);
	auto s = rax::signer_of(*sig);
	REQUIRE(s);
	auto ci = rax::cert_info(k.cert);
	REQUIRE(ci);
	CHECK(s->issuer == ci->subject);
	CHECK(s->serial == ci->serial);
	CHECK(s->digest == "sha256");
	// No certificate travels with the signature, so no subject.
	CHECK(s->subject.empty());
}

TEST_CASE("sign: library signature verifies with openssl cms", "[sign]")
{
	if (!have_openssl()) {
		WARN("openssl command not found");
		return;
	}
	Keys &k = keys();
	TempDir d;
	auto data = sample_data();
	auto sig = rax::sign(data, k.key, k.cert);
	REQUIRE(sig);
	store(d / "data", data);
	store(d / "data.sig", *sig);
	CHECK(run("openssl cms -verify -binary -inform DER -in " + (d / "data.sig") + " -content " +
		  (d / "data") + " -certfile " + k.cert + " -noverify -out /dev/null") == 0);
	CHECK(run("openssl cms -verify -binary -inform DER -in " + (d / "data.sig") + " -content " +
		  (d / "data") + " -certfile " + k.cert + " -CAfile " + k.cert +
		  " -purpose any -out /dev/null") == 0);
	// The structure the kernel parses: signedData, sha256, rsa, no
	// certificates, no signed attributes.
	std::string txt = d / "sig.txt";
	REQUIRE(run("openssl cms -cmsout -print -inform DER -in " + (d / "data.sig") + " -out " + txt) == 0);
	auto b = load(txt);
	std::string s(b.begin(), b.end());
	CHECK(s.find("contentType: pkcs7-signedData") != std::string::npos);
	CHECK(s.find("eContentType: pkcs7-data") != std::string::npos);
	CHECK(s.find("algorithm: sha256") != std::string::npos);
	CHECK(s.find("algorithm: rsaEncryption") != std::string::npos);
	CHECK(s.find("issuerAndSerialNumber") != std::string::npos);
	CHECK(after(s, "certificates:") == "<ABSENT>");
	CHECK(after(s, "signedAttrs:") == "<ABSENT>");
	CHECK(after(s, "d.signedData: \n    version:") == "1");

	data[5] ^= 1;
	store(d / "data", data);
	CHECK(run("openssl cms -verify -binary -inform DER -in " + (d / "data.sig") + " -content " +
		  (d / "data") + " -certfile " + k.cert + " -noverify -out /dev/null") != 0);
}

TEST_CASE("sign: openssl cms signature verifies with the library", "[sign]")
{
	if (!have_openssl()) {
		WARN("openssl command not found");
		return;
	}
	Keys &k = keys();
	TempDir d;
	auto data = sample_data();
	store(d / "data", data);
	REQUIRE(run("openssl cms -sign -binary -noattr -nocerts -outform DER -md sha256 -signer " +
		    k.cert + " -inkey " + k.key + " -in " + (d / "data") + " -out " + (d / "data.sig")) ==
		0);
	auto sig = load(d / "data.sig");
	std::vector<std::string> certs{k.cert};
	auto v = rax::verify(data, sig, certs);
	INFO((v ? std::string() : v.error().to_string()));
	REQUIRE(v);
	// The same bytes as the library's signature.
	auto mine = rax::sign(data, k.key, k.cert);
	REQUIRE(mine);
	CHECK(*mine == sig);

	// With signed attributes and the certificate (openssl's default), as
	// the kernel also accepts.
	REQUIRE(run("openssl cms -sign -binary -outform DER -md sha256 -signer " + k.cert + " -inkey " +
		    k.key + " -in " + (d / "data") + " -out " + (d / "attr.sig")) == 0);
	auto asig = load(d / "attr.sig");
	v = rax::verify(data, asig, certs);
	INFO((v ? std::string() : v.error().to_string()));
	REQUIRE(v);
	auto s = rax::signer_of(asig);
	REQUIRE(s);
	CHECK(s->subject == "CN = Rax sign test");
	data[0] ^= 1;
	v = rax::verify(data, asig, certs);
	REQUIRE(!v);
	CHECK(v.error().code() == EKEYREJECTED);

	// A certificate in DER works as one in PEM.
	REQUIRE(run("openssl x509 -in " + k.cert + " -outform DER -out " + (d / "cert.der")) == 0);
	data[0] ^= 1;
	std::vector<std::string> der{d / "cert.der"};
	CHECK(rax::verify(data, sig, der));

	// Embedded (non-detached) content is refused, as the kernel does.
	REQUIRE(run("openssl cms -sign -binary -noattr -nocerts -nodetach -outform DER -md sha256 "
		    "-signer " +
		    k.cert + " -inkey " + k.key + " -in " + (d / "data") + " -out " + (d / "att.sig")) ==
		0);
	auto att = load(d / "att.sig");
	v = rax::verify(data, att, certs);
	REQUIRE(!v);
	CHECK(v.error().code() == EINVAL);
}

TEST_CASE("sign: the kernel's key format (openssl req with x509.genkey) signs and verifies", "[sign]")
{
	if (!have_openssl()) {
		WARN("openssl command not found");
		return;
	}
	char const *top = std::getenv("RAX_TOP");
	std::string genkey = std::string(top ? top : rax::paths::source_dir) + "/kernel/rax/x509.genkey";
	if (!fs::exists(genkey)) {
		WARN("no " << genkey);
		return;
	}
	TempDir d;
	std::string pem = d / "signing_key.pem";
	// As kernel/rax/Makefile, but 2048 bits for speed.
	REQUIRE(run("openssl req -new -nodes -utf8 -sha256 -days 36500 -batch -x509 -newkey rsa:2048 "
		    "-config " +
		    genkey + " -outform PEM -out " + pem + " -keyout " + pem) == 0);
	auto data = sample_data();
	auto sig = rax::sign(data, pem, "");
	INFO((sig ? std::string() : sig.error().to_string()));
	REQUIRE(sig);
	std::vector<std::string> certs{pem};
	auto v = rax::verify(data, *sig, certs);
	REQUIRE(v);
	CHECK(v->subject == "CN = Rax build-time signing key");
	CHECK(!v->key_id.empty());
}

TEST_CASE("sign: an object signature covers RAX_SIGNED_PREFIX, then the object's SHA-256",
	  "[sign]")
{
	Keys &k = keys();
	TempDir d;
	auto obj = sample_data();
	auto msg = rax::signed_message(obj);
	std::string const prefix = "Rax object signature v2\n";

	REQUIRE(msg.size() == prefix.size() + 32);
	CHECK(std::string(msg.begin(), msg.begin() + static_cast<long>(prefix.size())) == prefix);
	// The digest, against coreutils' sha256sum (not OpenSSL's).
	store(d / "obj", obj);
	REQUIRE(run("(sha256sum " + (d / "obj") + " | cut -c1-64 > " + (d / "sum") + ")") == 0);
	std::string hex;
	for (auto i = prefix.size(); i < msg.size(); i++) {
		char b[3];
		std::snprintf(b, sizeof(b), "%02x", msg[i]);
		hex += b;
	}
	auto sum = load(d / "sum");
	REQUIRE(sum.size() >= 64);
	CHECK(std::string(sum.begin(), sum.begin() + 64) == hex);

	auto sig = rax::sign_object(obj, k.key, k.cert);
	REQUIRE(sig);
	std::vector<std::string> certs{k.cert};
	auto good = rax::verify_object(obj, *sig, certs);
	INFO((good ? std::string() : good.error().to_string()));
	CHECK(good);
	// It is a signature over the message, and over nothing else.
	CHECK(rax::verify(msg, *sig, certs));
	auto bare = rax::verify(obj, *sig, certs);
	REQUIRE_FALSE(bare);
	CHECK(bare.error().code() == EKEYREJECTED);
}

TEST_CASE("sign: signatures by a trusted key that are not Rax signatures are refused", "[sign]")
{
	Keys &k = keys();
	TempDir d;
	auto obj = sample_data();
	std::vector<std::string> certs{k.cert};

	SECTION("over the object alone (another purpose)") {
		auto sig = rax::sign(obj, k.key, k.cert);
		REQUIRE(sig);
		auto r = rax::verify_object(obj, *sig, certs);
		REQUIRE_FALSE(r);
		CHECK(r.error().code() == EKEYREJECTED);
		CHECK(r.error().message().find("over the object alone") != std::string::npos);
	}
	SECTION("over the whole object, as signature v1 was (an older toolchain)") {
		std::string const v1 = "Rax object signature v1\n";
		rax::Bytes m(v1.begin(), v1.end());
		m.insert(m.end(), obj.begin(), obj.end());
		auto sig = rax::sign(m, k.key, k.cert);
		REQUIRE(sig);
		auto r = rax::verify_object(obj, *sig, certs);
		REQUIRE_FALSE(r);
		CHECK(r.error().code() == EKEYREJECTED);
		CHECK(r.error().message().find("as signature v1 was") != std::string::npos);
	}
	SECTION("over another version of the prefix") {
		for (std::string const p : {"Rax object signature v0\n", "Rax object signature v3\n"}) {
			auto m = rax::signed_message(obj);
			std::copy(p.begin(), p.end(), m.begin());
			for (auto const &msg : {m, [&] {
						rax::Bytes w(p.begin(), p.end());
						w.insert(w.end(), obj.begin(), obj.end());
						return w;
					}()}) {
				auto sig = rax::sign(msg, k.key, k.cert);
				REQUIRE(sig);
				auto r = rax::verify_object(obj, *sig, certs);
				REQUIRE_FALSE(r);
				CHECK(r.error().code() == EKEYREJECTED);
				CHECK(r.error().message().find("over the object alone") ==
				      std::string::npos);
				CHECK(r.error().message().find("signature v1") == std::string::npos);
			}
		}
	}
	SECTION("the signed message sent as the object, or the prefix in front of it") {
		auto sig = rax::sign_object(obj, k.key, k.cert);
		REQUIRE(sig);
		auto r = rax::verify_object(rax::signed_message(obj), *sig, certs);
		REQUIRE_FALSE(r);
		CHECK(r.error().code() == EKEYREJECTED);
		std::string const p = RAX_SIGNED_PREFIX;
		rax::Bytes front(p.begin(), p.end());
		front.insert(front.end(), obj.begin(), obj.end());
		r = rax::verify_object(front, *sig, certs);
		REQUIRE_FALSE(r);
		CHECK(r.error().code() == EKEYREJECTED);
	}
	SECTION("with a SHA-1 digest") {
		if (!have_openssl()) {
			WARN("openssl command not found");
			return;
		}
		store(d / "msg", rax::signed_message(obj));
		REQUIRE(run("openssl cms -sign -binary -noattr -nocerts -md sha1 -outform DER -in " +
			    (d / "msg") + " -signer " + k.cert + " -inkey " + k.key + " -out " +
			    (d / "msg.sig")) == 0);
		auto sig = load(d / "msg.sig");
		CHECK(rax::verify(rax::signed_message(obj), sig, certs));
		auto r = rax::verify_object(obj, sig, certs);
		REQUIRE_FALSE(r);
		CHECK(r.error().code() == EKEYREJECTED);
		CHECK(r.error().message().find("digest is sha1") != std::string::npos);
	}
	SECTION("with signed attributes (openssl cms without -noattr)") {
		if (!have_openssl()) {
			WARN("openssl command not found");
			return;
		}
		store(d / "msg", rax::signed_message(obj));
		REQUIRE(run("openssl cms -sign -binary -nosmimecap -nocerts -md sha256 -outform DER -in " +
			    (d / "msg") + " -signer " + k.cert + " -inkey " + k.key + " -out " +
			    (d / "msg.sig")) == 0);
		auto sig = load(d / "msg.sig");
		// A good signature of the message, but not of a Rax object.
		CHECK(rax::verify(rax::signed_message(obj), sig, certs));
		auto r = rax::verify_object(obj, sig, certs);
		REQUIRE_FALSE(r);
		CHECK(r.error().code() == EKEYREJECTED);
		CHECK(r.error().message().find("signed attributes") != std::string::npos);
	}
}

TEST_CASE("sign: an object signature verifies with openssl cms over the prefixed digest", "[sign]")
{
	if (!have_openssl()) {
		WARN("openssl command not found");
		return;
	}
	Keys &k = keys();
	TempDir d;
	auto obj = sample_data();
	auto sig = rax::sign_object(obj, k.key, k.cert);
	REQUIRE(sig);
	store(d / "obj.sig", *sig);
	store(d / "msg", rax::signed_message(obj));
	store(d / "obj", obj);
	auto check = [&](std::string const &content) {
		return run("openssl cms -verify -binary -inform DER -in " + (d / "obj.sig") +
			   " -content " + content + " -certfile " + k.cert +
			   " -noverify -out /dev/null");
	};
	CHECK(check(d / "msg") == 0);
	CHECK(check(d / "obj") != 0);
	// And what the test scripts make with printf and openssl verifies here.
	REQUIRE(run("{ printf 'Rax object signature v2\\n'; openssl dgst -sha256 -binary " +
		    (d / "obj") + "; } | openssl cms -sign -binary -noattr -nocerts -md sha256 -outform DER"
		    " -signer " + k.cert + " -inkey " + k.key + " -out " + (d / "sh.sig")) == 0);
	std::vector<std::string> certs{k.cert};
	CHECK(rax::verify_object(obj, load(d / "sh.sig"), certs));
}
