// SPDX-License-Identifier: GPL-2.0
// mcload: a Memcached UDP load generator that checks every value it reads.
//
// The pieces a test can use on their own: the UDP frame and the requests,
// the parser of replies, the self-checking values, the Zipf key sampler,
// and run(), the load itself.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace rax::mcload {

// Memcached's UDP frame header: request id, sequence number, datagrams in
// the message, reserved; all big-endian (protocol.txt, "UDP protocol").
constexpr std::size_t frame_header_len = 8;

// The key of key number k: "key:" and 8 digits; with @long_every N > 0,
// every Nth key (k % N == N - 1) is that, a colon and 'L's, 200 bytes in
// all (a key too long for a small cache).
std::string key_name(std::uint32_t k, unsigned long_every = 0);
constexpr std::size_t long_key_len = 200;

// A datagram: the frame header for @id, then the request.
std::string frame(std::uint16_t id, std::string_view request);
std::string get_request(std::uint32_t k);
// A get of several keys: "get K1 K2 ...\r\n".
std::string get_request(std::vector<std::string> const &keys);
std::string set_request(std::uint32_t k, std::string_view value);
std::string set_request(std::string const &key, std::string_view value);

// The value written as version @version of key @k: "v=VVVVVVVV k=KKKKKKKK
// n=NNNN " (N its size) and then bytes derived from the key and version,
// @size bytes in all (31 to 9999): a value cut short, grown, or of another
// key or version does not check.
std::string value_for(std::uint32_t k, std::uint32_t version, std::size_t size);
// The version @value holds if it is a value_for() of key @k, of its own
// length; nullopt if it is anything else.
std::optional<std::uint32_t> check_value(std::uint32_t k, std::string_view value);

// A reply, parsed: a hit has one or more values (key and value, in the
// order of the request's keys), the first also in key and value.
struct Reply {
	enum Kind { hit, miss, stored, error, malformed } kind = malformed;
	std::uint16_t id = 0;
	std::string key;
	std::string value;
	std::vector<std::pair<std::string, std::string>> values;
	std::string text; // the reply line, for an error or a malformed reply
};
// A reply of one datagram (frame header included).
Reply parse_reply(std::string_view datagram);
// A reply's payloads, joined (Memcached answers a get of several keys with
// a datagram per key, the END in the last).
Reply parse_message(std::uint16_t id, std::string_view payload);
// Whether @payload is a whole reply: a line, or VALUE blocks up to END.
bool message_complete(std::string_view payload);

// Keys 0..n-1 drawn with probability proportional to 1 / (k + 1)^s.
class Zipf {
public:
	Zipf(std::uint32_t n, double s);
	std::uint32_t operator()(std::mt19937_64 &rng) const;

private:
	std::vector<double> cdf_;
};

struct Options {
	std::string host = "127.0.0.1";
	std::uint16_t port = 11211;
	unsigned threads = 2;
	std::uint32_t keys = 1000;
	std::size_t value_size = 64;
	double zipf = 0.99;
	double get_ratio = 0.9;
	double duration = 2.0; // seconds
	unsigned timeout_ms = 200;
	std::uint64_t seed = 1;
	bool populate = false; // set every key once before the timed run
	std::uint64_t requests = 0;  // per thread, instead of the duration
	unsigned multiget = 1;       // keys per get: 1 to this many
	unsigned long_every = 0;     // see key_name()
	std::size_t value_max = 0;   // values of value_size to this many bytes
	std::string log;             // every request and reply, to this file
};

// The size of version @version of key @k under @o: value_size, or between
// value_size and value_max.
std::size_t value_size_of(Options const &o, std::uint32_t k, std::uint32_t version);

struct Stats {
	std::uint64_t gets = 0, sets = 0, hits = 0, misses = 0, stored = 0;
	std::uint64_t timeouts = 0, errors = 0, bad_values = 0, stale_values = 0;
	double seconds = 0;
	std::vector<std::uint32_t> latency_ns;
	std::string first_bad; // the first reply that failed a check
	std::string log;       // the requests and replies, if asked for
};

// The load: @o.threads closed-loop clients for @o.duration seconds (or
// @o.requests requests each, after the populating sets). Each
// thread sets only the keys k with k % threads == its number, so it knows
// the last version acknowledged for each: a value older than that is
// stale. Every value read must be a value_for() of its key.
Stats run(Options const &o, std::string &error);
std::string to_json(Options const &o, Stats const &s);

} // namespace rax::mcload
