// SPDX-License-Identifier: GPL-2.0
// rax keygen: a signing key and its self-signed certificate, of the kind
// the kernel's build makes from kernel/rax/x509.genkey.

#include <iostream>

#include <rax/sign.hpp>

#include "commands.hpp"
#include "util.hpp"

using namespace rax::cli;

namespace {

constexpr int OPT_DAYS = 256;
constexpr int OPT_CODE_SIGNING = 257;
constexpr int OPT_BITS = 258;
constexpr int OPT_EXPONENT = 259;

constexpr char help[] =
	"Usage: rax keygen [--cn NAME] [--bits N] [--days N] [--code-signing]\n"
	"                  -o CERT.pem -k KEY.pem\n"
	"\n"
	"Make an RSA key and a self-signed X.509 certificate for it, with the\n"
	"extensions of kernel/rax/x509.genkey (CA:FALSE, digitalSignature, subject\n"
	"and authority key identifiers), SHA-256. The kernel trusts the keys of its\n"
	"\".rax\" keyring (CONFIG_RAX_SIG_KEY); sign objects with 'rax sign'.\n"
	"\n"
	"Options:\n"
	"  -o, --output CERT.pem write the certificate here (PEM); also --cert\n"
	"  -k, --key KEY.pem     write the private key here (PEM, unencrypted,\n"
	"                        mode 0600); may be the same file as -o, which then\n"
	"                        holds both, like CONFIG_RAX_SIG_KEY\n"
	"  -n, --cn NAME         the subject's common name (default \"Rax development key\")\n"
	"      --bits N          RSA key size, 2048 to 16384 (default 4096)\n"
	"      --exponent E      RSA public exponent, 3 or 65537 (default 65537);\n"
	"                        3 makes every load's signature check faster\n"
	"      --days N          validity in days (default 36500)\n"
	"      --code-signing    add extendedKeyUsage=codeSigning\n"
	"  -h, --help            show this help\n"
	"\n"
	"Prints the certificate's subject, serial, key id (SKID) and SHA-1 and\n"
	"SHA-256 fingerprints.\n"
	"\n";

} // namespace

int cmd_keygen(int argc, char **argv)
{
	Options o("keygen", std::string(help) + exit_codes_help,
		  {
			  {"output", required_argument, 'o'},
			  {"cert", required_argument, 'o'},
			  {"key", required_argument, 'k'},
			  {"cn", required_argument, 'n'},
			  {"bits", required_argument, OPT_BITS},
			  {"exponent", required_argument, OPT_EXPONENT},
			  {"days", required_argument, OPT_DAYS},
			  {"code-signing", no_argument, OPT_CODE_SIGNING},
		  });
	if (int r = o.parse(argc, argv); r >= 0)
		return r;
	if (!o.args().empty())
		return o.usage("unexpected argument '" + o.args().front() + "'");
	if (!o.has('o') || !o.has('k'))
		return o.usage("both -o CERT.pem and -k KEY.pem are required");

	rax::KeygenOptions ko;
	long v = 0;
	if (o.has('n'))
		ko.common_name = o.get('n');
	if (o.has(OPT_BITS)) {
		if (!parse_int(o.get(OPT_BITS), 2048, 16384, v))
			return o.usage("--bits: '" + o.get(OPT_BITS) +
				       "' is not a number from 2048 to 16384");
		ko.rsa_bits = static_cast<int>(v);
	}
	if (o.has(OPT_EXPONENT)) {
		std::string const &e = o.get(OPT_EXPONENT);
		if (e != "3" && e != "65537")
			return o.usage("--exponent: '" + e + "' is neither 3 nor 65537");
		ko.rsa_exponent = std::stoul(e);
	}
	if (o.has(OPT_DAYS)) {
		if (!parse_int(o.get(OPT_DAYS), 1, 36500 * 4, v))
			return o.usage("--days: '" + o.get(OPT_DAYS) + "' is not a number of days");
		ko.days = static_cast<int>(v);
	}
	ko.code_signing = o.has(OPT_CODE_SIGNING);

	std::string cert = o.get('o'), key = o.get('k');
	if (auto r = rax::keygen(cert, key, ko); !r)
		return fail(r.error());
	auto ci = rax::cert_info(cert);
	if (!ci)
		return fail(ci.error());

	std::cout << "certificate: " << cert << '\n'
		  << "key:         " << key << '\n'
		  << "subject:     " << ci->subject << '\n'
		  << "serial:      " << ci->serial << '\n'
		  << "key id:      " << ci->key_id << '\n'
		  << "public key:  " << ci->key_type << ' ' << ci->key_bits << " bits, exponent "
		  << ci->key_exponent << '\n'
		  << "not after:   " << ci->not_after << '\n'
		  << "SHA-1 fingerprint:   " << colon_hex(ci->sha1) << '\n'
		  << "SHA-256 fingerprint: " << colon_hex(ci->sha256) << '\n';
	return EXIT_OK;
}
