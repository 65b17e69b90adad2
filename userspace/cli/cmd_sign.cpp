// SPDX-License-Identifier: GPL-2.0
// rax sign: a detached PKCS#7 signature over an object, of the kind the
// kernel's verify_pkcs7_signature() checks against the .rax keyring.

#include <iostream>

#include <rax/sign.hpp>

#include "commands.hpp"
#include "util.hpp"

using namespace rax::cli;

namespace {

constexpr char help[] =
	"Usage: rax sign OBJ -k KEY.pem [-c CERT.pem] [-o OBJ.sig]\n"
	"\n"
	"Sign OBJ, byte for byte, with a detached PKCS#7 signature (CMS\n"
	"signedData, SHA-256, RSA, signer by issuer and serial, no signed\n"
	"attributes, no certificates, DER): what BPF_PROG_LOAD with BPF_F_RAX\n"
	"takes in 'signature'. The signature covers the line\n"
	"'Rax object signature v2' (RAX_SIGNED_PREFIX), then the SHA-256 digest\n"
	"of OBJ, so that it is good for loading a Rax object and for nothing\n"
	"else. The same as\n"
	"  { printf 'Rax object signature v2\\n'; openssl dgst -sha256 -binary OBJ; } |\n"
	"  openssl cms -sign -binary -noattr -nocerts -md sha256 -outform DER\n"
	"OBJ is not parsed; 'rax verify' checks that it is a Rax object.\n"
	"\n"
	"Options:\n"
	"  -k, --key KEY.pem     the private key (PEM or DER, unencrypted)\n"
	"  -c, --cert CERT.pem   its certificate (PEM or DER); may be left out when\n"
	"                        KEY.pem holds the certificate too\n"
	"  -o, --output OBJ.sig  where to write the signature (default OBJ.sig)\n"
	"  -h, --help            show this help\n"
	"\n";

} // namespace

int cmd_sign(int argc, char **argv)
{
	Options o("sign", std::string(help) + exit_codes_help,
		  {
			  {"key", required_argument, 'k'},
			  {"cert", required_argument, 'c'},
			  {"output", required_argument, 'o'},
		  });
	if (int r = o.parse(argc, argv); r >= 0)
		return r;
	if (o.args().size() != 1)
		return o.usage(o.args().empty() ? "no object given" : "more than one object given");
	if (!o.has('k'))
		return o.usage("-k KEY.pem is required");

	std::string const &obj = o.args().front();
	std::string out = o.has('o') ? o.get('o') : obj + ".sig";
	auto data = rax::read_file(obj);
	if (!data)
		return fail(data.error());
	auto sig = rax::sign_object(*data, o.get('k'), o.get('c'));
	if (!sig)
		return fail(sig.error());
	if (auto w = rax::write_file(out, *sig); !w)
		return fail(w.error());
	std::cout << obj << ": signed, " << sig->size() << " bytes of signature in " << out << '\n';
	return EXIT_OK;
}
