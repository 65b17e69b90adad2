// SPDX-License-Identifier: GPL-2.0
// mcload: load a Memcached server over UDP and check every value read.

#include <cstdio>
#include <cstdlib>
#include <getopt.h>
#include <iostream>
#include <string>

#include "mcload.hpp"

namespace {

char const help[] =
	"Usage: mcload [OPTIONS]\n"
	"Loads a Memcached server over UDP (a datagram per request) with gets\n"
	"and sets of keys drawn from a Zipf distribution, for a fixed time or\n"
	"number of requests, and checks every value it reads: it must be a value\n"
	"this tool wrote for that key, and, for a key its thread sets, not older\n"
	"than the last set the server acknowledged.\n"
	"\n"
	"  -s, --server HOST:PORT  the server (127.0.0.1:11211)\n"
	"  -t, --threads N         clients, one request in flight each (2)\n"
	"  -k, --keys N            keys key:00000000 .. (1000)\n"
	"  -v, --value-size N      bytes per value, 32 to 1024 (64)\n"
	"  -z, --zipf S            the skew; 0 is uniform (0.99)\n"
	"  -g, --get-ratio R       the share of gets, 0 to 1 (0.9)\n"
	"  -d, --duration SEC      how long to load (2)\n"
	"      --timeout MS        a reply later than this is lost (200)\n"
	"      --seed N            the random streams' seed (1)\n"
	"  -P, --populate          set every key once first\n"
	"  -n, --requests N        N requests per client instead of a duration\n"
	"  -m, --multiget N        gets of 1 to N keys, 1 to 32 (1)\n"
	"      --long-every N      every Nth key 200 bytes long (0: none)\n"
	"      --value-max N       values of --value-size to N bytes (N up to 4096;\n"
	"                          Memcached splits a reply over 1400 bytes)\n"
	"      --log FILE          every request and reply datagram to FILE, a line\n"
	"                          each (\"> \" request, \"< \" replies), bytes other\n"
	"                          than printable ASCII as \\xNN; with one client and\n"
	"                          --requests, the same server state gives the same log\n"
	"  -j, --json              print the result as JSON\n"
	"  -h, --help              this help\n"
	"\n"
	"Exit status: 0 if every value read was right and nothing failed, 1 if\n"
	"a value was wrong or stale or a request got an error, 2 on a usage\n"
	"error or if the server cannot be reached.\n";

bool number(char const *s, double lo, double hi, double &out)
{
	char *end;
	out = std::strtod(s, &end);
	return *s && !*end && out >= lo && out <= hi;
}

} // namespace

int main(int argc, char **argv)
{
	using namespace rax::mcload;
	static option const longs[] = {
		{"server", required_argument, nullptr, 's'},
		{"threads", required_argument, nullptr, 't'},
		{"keys", required_argument, nullptr, 'k'},
		{"value-size", required_argument, nullptr, 'v'},
		{"zipf", required_argument, nullptr, 'z'},
		{"get-ratio", required_argument, nullptr, 'g'},
		{"duration", required_argument, nullptr, 'd'},
		{"timeout", required_argument, nullptr, 'T'},
		{"seed", required_argument, nullptr, 'S'},
		{"populate", no_argument, nullptr, 'P'},
		{"requests", required_argument, nullptr, 'n'},
		{"multiget", required_argument, nullptr, 'm'},
		{"long-every", required_argument, nullptr, 'L'},
		{"value-max", required_argument, nullptr, 'V'},
		{"log", required_argument, nullptr, 'l'},
		{"json", no_argument, nullptr, 'j'},
		{"help", no_argument, nullptr, 'h'},
		{},
	};
	Options o;
	bool json = false;
	double x;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:t:k:v:z:g:d:Pn:m:jh", longs, nullptr)) != -1) {
		std::string arg = optarg ? optarg : "";
		bool ok = true;
		switch (c) {
		case 's': {
			auto colon = arg.rfind(':');
			ok = colon != std::string::npos && colon > 0 &&
			     arg.find_first_of("\"\\") == std::string::npos &&
			     number(arg.c_str() + colon + 1, 1, 65535, x);
			if (ok)
				o.host = arg.substr(0, colon), o.port = static_cast<std::uint16_t>(x);
			break;
		}
		case 't':
			ok = number(optarg, 1, 256, x), o.threads = unsigned(x);
			break;
		case 'k':
			ok = number(optarg, 1, 10000000, x), o.keys = std::uint32_t(x);
			break;
		case 'v':
			ok = number(optarg, 32, 1024, x), o.value_size = std::size_t(x);
			break;
		case 'z':
			ok = number(optarg, 0, 10, o.zipf);
			break;
		case 'g':
			ok = number(optarg, 0, 1, o.get_ratio);
			break;
		case 'd':
			ok = number(optarg, 0, 86400, o.duration);
			break;
		case 'T':
			ok = number(optarg, 1, 60000, x), o.timeout_ms = unsigned(x);
			break;
		case 'S':
			ok = number(optarg, 0, 1e15, x), o.seed = std::uint64_t(x);
			break;
		case 'P':
			o.populate = true;
			break;
		case 'n':
			ok = number(optarg, 1, 1e12, x), o.requests = std::uint64_t(x);
			break;
		case 'm':
			ok = number(optarg, 1, 32, x), o.multiget = unsigned(x);
			break;
		case 'L':
			ok = number(optarg, 0, 1e9, x), o.long_every = unsigned(x);
			break;
		case 'V':
			ok = number(optarg, 32, 4096, x), o.value_max = std::size_t(x);
			break;
		case 'l':
			ok = !arg.empty(), o.log = arg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			std::cout << help;
			return 0;
		case ':':
			std::cerr << "mcload: " << argv[optind - 1] << " needs a value\n";
			return 2;
		default:
			std::cerr << "mcload: unknown option " << argv[optind - 1] << "\n";
			return 2;
		}
		if (!ok) {
			std::cerr << "mcload: bad value '" << arg << "' for " << argv[optind - 1]
				  << " (mcload --help)\n";
			return 2;
		}
	}
	if (o.value_max && o.value_max < o.value_size) {
		std::cerr << "mcload: --value-max " << o.value_max << " is below --value-size "
			  << o.value_size << "\n";
		return 2;
	}
	if (optind < argc) {
		std::cerr << "mcload: unexpected argument '" << argv[optind] << "'\n";
		return 2;
	}

	std::string error;
	Stats s = run(o, error);
	if (!error.empty()) {
		std::cerr << "mcload: " << error << "\n";
		return 2;
	}
	if (json) {
		std::cout << to_json(o, s) << "\n";
	} else {
		std::printf("%llu requests in %.2f s: %llu gets (%llu hits, %llu misses), %llu sets; "
			    "%llu timeouts, %llu errors, %llu wrong values, %llu stale values\n",
			    (unsigned long long)(s.gets + s.sets), s.seconds, (unsigned long long)s.gets,
			    (unsigned long long)s.hits, (unsigned long long)s.misses,
			    (unsigned long long)s.sets, (unsigned long long)s.timeouts,
			    (unsigned long long)s.errors, (unsigned long long)s.bad_values,
			    (unsigned long long)s.stale_values);
	}
	if (!s.first_bad.empty())
		std::cerr << "mcload: first failure: " << s.first_bad << "\n";
	if (s.gets + s.sets > 0 && s.timeouts == s.gets + s.sets) {
		std::cerr << "mcload: no reply from " << o.host << ":" << o.port << "\n";
		return 2;
	}
	return s.errors || s.bad_values || s.stale_values ? 1 : 0;
}
