// SPDX-License-Identifier: GPL-2.0
// mcload: the frame, the values, the parser, the sampler and the load.

#include "mcload.hpp"

#include <algorithm>
#include <barrier>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>

namespace rax::mcload {

std::string key_name(std::uint32_t k, unsigned long_every)
{
	char buf[16];
	std::snprintf(buf, sizeof(buf), "key:%08u", k);
	std::string key = buf;
	if (long_every && k % long_every == long_every - 1) {
		key.push_back(':');
		key.resize(long_key_len, 'L');
	}
	return key;
}

std::string frame(std::uint16_t id, std::string_view request)
{
	std::string d(frame_header_len, '\0');
	d[0] = static_cast<char>(id >> 8);
	d[1] = static_cast<char>(id);
	d[5] = 1; // one datagram
	d.append(request);
	return d;
}

std::string get_request(std::uint32_t k)
{
	return "get " + key_name(k) + "\r\n";
}

std::string get_request(std::vector<std::string> const &keys)
{
	std::string r = "get";
	for (auto const &k : keys)
		r += " " + k;
	return r + "\r\n";
}

std::string set_request(std::string const &key, std::string_view value)
{
	return "set " + key + " 0 0 " + std::to_string(value.size()) + "\r\n" + std::string(value) +
	       "\r\n";
}

std::string set_request(std::uint32_t k, std::string_view value)
{
	return set_request(key_name(k), value);
}

namespace {

// The filler of a value: a splitmix64 stream from the key and version.
char filler(std::uint64_t &state)
{
	state += 0x9e3779b97f4a7c15ULL;
	std::uint64_t z = state;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return static_cast<char>('a' + (z ^ (z >> 31)) % 26);
}

constexpr std::size_t value_prefix_len = 29; // "v=%08x k=%08u n=%04u "

} // namespace

std::string value_for(std::uint32_t k, std::uint32_t version, std::size_t size)
{
	char head[64];
	size = std::clamp<std::size_t>(size, value_prefix_len + 2, 9999);
	std::snprintf(head, sizeof(head), "v=%08x k=%08u n=%04zu ", version, k, size);
	std::string v(head, value_prefix_len);
	std::uint64_t state = (std::uint64_t(k) << 32) | version;
	while (v.size() < size)
		v.push_back(filler(state));
	return v;
}

std::optional<std::uint32_t> check_value(std::uint32_t k, std::string_view value)
{
	unsigned version, key, size;
	char head[value_prefix_len + 1];

	if (value.size() < value_prefix_len + 2)
		return std::nullopt;
	std::memcpy(head, value.data(), value_prefix_len);
	head[value_prefix_len] = '\0';
	if (std::sscanf(head, "v=%8x k=%8u n=%4u ", &version, &key, &size) != 3 || key != k ||
	    size != value.size())
		return std::nullopt;
	if (value_for(k, version, value.size()) != value)
		return std::nullopt;
	return version;
}

namespace {

// One VALUE block at the start of @d: its key and value, and its length;
// 0 if @d does not start with a whole block.
std::size_t value_block(std::string_view d, std::string &key, std::string &value)
{
	std::size_t eol = d.find("\r\n");
	if (!d.starts_with("VALUE ") || eol == std::string_view::npos)
		return 0;
	std::string line(d.substr(0, eol));
	char k[251];
	unsigned flags;
	std::size_t bytes;
	int n = 0;
	if (std::sscanf(line.c_str(), "VALUE %250s %u %zu%n", k, &flags, &bytes, &n) != 3 ||
	    std::size_t(n) != line.size() || d.size() < eol + 2 + bytes + 2 ||
	    d.substr(eol + 2 + bytes, 2) != "\r\n")
		return 0;
	key = k;
	value = std::string(d.substr(eol + 2, bytes));
	return eol + 2 + bytes + 2;
}

} // namespace

bool message_complete(std::string_view d)
{
	std::string key, value;
	if (!d.starts_with("VALUE "))
		return d.ends_with("\r\n");
	while (std::size_t n = value_block(d, key, value))
		d.remove_prefix(n);
	return d == "END\r\n";
}

Reply parse_message(std::uint16_t id, std::string_view d)
{
	Reply r;
	r.id = id;
	std::size_t eol = d.find("\r\n");
	if (eol == std::string_view::npos) {
		r.text = std::string(d.substr(0, 80));
		return r;
	}
	std::string_view line = d.substr(0, eol);
	r.text = std::string(line);
	if (line == "END" && d.size() == eol + 2) {
		r.kind = Reply::miss;
	} else if (line == "STORED" && d.size() == eol + 2) {
		r.kind = Reply::stored;
	} else if (line.starts_with("VALUE ")) {
		std::string key, value;
		while (std::size_t n = value_block(d, key, value)) {
			r.values.emplace_back(key, value);
			d.remove_prefix(n);
		}
		if (d == "END\r\n" && !r.values.empty()) {
			r.kind = Reply::hit;
			r.key = r.values.front().first;
			r.value = r.values.front().second;
		} else {
			r.values.clear();
		}
	} else if (line.starts_with("SERVER_ERROR") || line.starts_with("CLIENT_ERROR") ||
		   line == "ERROR" || line == "NOT_STORED") {
		r.kind = Reply::error;
	}
	return r;
}

Reply parse_reply(std::string_view d)
{
	Reply r;
	if (d.size() < frame_header_len)
		return r;
	r.id = static_cast<std::uint16_t>((std::uint8_t(d[0]) << 8) | std::uint8_t(d[1]));
	if (d[4] != 0 || d[5] != 1) { // one datagram, or none of ours
		r.text = "a reply of several datagrams";
		return r;
	}
	return parse_message(r.id, d.substr(frame_header_len));
}

Zipf::Zipf(std::uint32_t n, double s)
{
	double sum = 0;
	cdf_.reserve(n);
	for (std::uint32_t k = 0; k < n; k++) {
		sum += 1.0 / std::pow(double(k) + 1, s);
		cdf_.push_back(sum);
	}
	for (auto &c : cdf_)
		c /= sum;
}

std::uint32_t Zipf::operator()(std::mt19937_64 &rng) const
{
	double u = std::uniform_real_distribution<double>(0, 1)(rng);
	auto it = std::lower_bound(cdf_.begin(), cdf_.end(), u);
	return static_cast<std::uint32_t>(std::min<std::size_t>(it - cdf_.begin(), cdf_.size() - 1));
}

namespace {

// A datagram as one line of the log: printable ASCII as it is, every other
// byte (and the backslash) as \xNN.
std::string escape(std::string_view d)
{
	std::string out;
	char hex[8];
	for (unsigned char c : d) {
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out.push_back(char(c));
		} else {
			std::snprintf(hex, sizeof(hex), "\\x%02x", c);
			out += hex;
		}
	}
	return out;
}

// One client: a connected UDP socket, closed with the object.
class Client {
public:
	Client(sockaddr_storage const &to, socklen_t len, unsigned timeout_ms)
	{
		fd_ = socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd_ < 0)
			return;
		timeval tv{timeout_ms / 1000, long(timeout_ms % 1000) * 1000};
		if (setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
		    connect(fd_, reinterpret_cast<sockaddr const *>(&to), len)) {
			close(fd_);
			fd_ = -1;
		}
	}
	~Client()
	{
		if (fd_ >= 0)
			close(fd_);
	}
	Client(Client const &) = delete;
	Client &operator=(Client const &) = delete;
	bool ok() const { return fd_ >= 0; }

	// Sends @request as @id and waits for the whole reply with that id:
	// the datagrams of a message in sequence order (a value longer than a
	// datagram), and messages until the END (Memcached answers a get of
	// several keys with a message per key). nullopt on a timeout.
	// Datagrams of other ids (earlier requests that timed out) are skipped.
	// With @log, the request and every datagram of the reply go to it.
	std::optional<Reply> call(std::uint16_t id, std::string const &request, std::string *log)
	{
		std::string d = frame(id, request);
		if (log)
			*log += "> " + escape(d) + "\n<";
		if (send(fd_, d.data(), d.size(), 0) != ssize_t(d.size())) {
			if (log)
				*log += " (send failed)\n";
			return Reply{Reply::error, id, {}, {}, {}, std::strerror(errno)};
		}
		std::string payload;
		std::map<unsigned, std::string> parts;
		char buf[2048];
		for (;;) {
			ssize_t n = recv(fd_, buf, sizeof(buf), 0);
			if (n < 0) {
				int err = errno;
				if (log)
					*log += " (no reply)\n";
				if (err == EAGAIN || err == EWOULDBLOCK)
					return std::nullopt;
				return Reply{Reply::error, id, {}, {}, {}, std::strerror(err)};
			}
			std::string_view dg(buf, std::size_t(n));
			if (dg.size() < frame_header_len ||
			    ((std::uint8_t(dg[0]) << 8) | std::uint8_t(dg[1])) != id)
				continue;
			if (log)
				*log += " " + escape(dg);
			unsigned seq = (std::uint8_t(dg[2]) << 8) | std::uint8_t(dg[3]);
			unsigned total = (std::uint8_t(dg[4]) << 8) | std::uint8_t(dg[5]);
			// Memcached 1.6 sends an empty "0 of 0" datagram for a key of a
			// multi-key get that it does not have, unless it is the last.
			if (seq == 0 && total == 0 && dg.size() == frame_header_len)
				continue;
			if (seq >= total) {
				if (log)
					*log += "\n";
				return Reply{Reply::malformed, id, {}, {}, {}, "a datagram numbered " +
					std::to_string(seq) + " of " + std::to_string(total)};
			}
			parts[seq] = std::string(dg.substr(frame_header_len));
			if (parts.size() < total)
				continue;
			for (auto const &[_, part] : parts)
				payload += part;
			parts.clear();
			if (message_complete(payload))
				break;
		}
		if (log)
			*log += "\n";
		return parse_message(id, payload);
	}

private:
	int fd_ = -1;
};

struct Worker {
	Options const &o;
	unsigned t;
	Zipf const &zipf;
	sockaddr_storage const &to;
	socklen_t len;
	std::barrier<> &populated; // every thread's keys set before any load
	Stats s;
	std::vector<std::uint32_t> acked; // the last version acknowledged, own keys
	std::vector<std::uint32_t> sent;  // the last version sent, own keys

	bool own(std::uint32_t k) const { return k % o.threads == t; }
	std::string name(std::uint32_t k) const { return key_name(k, o.long_every); }
	std::string *log() { return o.log.empty() ? nullptr : &s.log; }

	void note_bad(std::string what)
	{
		if (s.first_bad.empty())
			s.first_bad = std::move(what);
	}

	void set(Client &c, std::uint16_t id, std::uint32_t k)
	{
		std::uint32_t v = ++sent[k];
		auto r = c.call(id, set_request(name(k), value_for(k, v, value_size_of(o, k, v))), log());
		s.sets++;
		if (!r)
			s.timeouts++;
		else if (r->kind == Reply::stored)
			s.stored++, acked[k] = v;
		else
			s.errors++, note_bad("set " + name(k) + ": " + r->text);
	}

	void check(std::uint32_t k, std::string const &value)
	{
		auto v = check_value(k, value);
		if (!v) {
			s.bad_values++;
			note_bad("get " + name(k) + ": \"" + value.substr(0, 64) + "\"");
		} else if (own(k) && *v < acked[k]) {
			s.stale_values++;
			note_bad("get " + name(k) + ": version " + std::to_string(*v) +
				 " after version " + std::to_string(acked[k]) + " was stored");
		}
	}

	void get(Client &c, std::uint16_t id, std::vector<std::uint32_t> const &keys)
	{
		std::vector<std::string> names;
		for (auto k : keys)
			names.push_back(name(k));
		auto r = c.call(id, get_request(names), log());
		s.gets++;
		if (!r) {
			s.timeouts++;
			return;
		}
		if (r->kind == Reply::miss) {
			s.misses += keys.size();
			return;
		}
		if (r->kind != Reply::hit) {
			s.errors++;
			note_bad("get " + names.front() + ": " + r->text);
			return;
		}
		// The values come in the order of the keys; a key not found has none.
		std::size_t next = 0;
		for (std::size_t i = 0; i < keys.size(); i++) {
			if (next < r->values.size() && r->values[next].first == names[i]) {
				s.hits++;
				check(keys[i], r->values[next++].second);
			} else {
				s.misses++;
			}
		}
		if (next != r->values.size()) {
			s.bad_values++;
			note_bad("get " + names.front() + ": a value of key " + r->values[next].first +
				 ", not asked for here");
		}
	}

	void operator()()
	{
		Client c(to, len, o.timeout_ms);
		std::mt19937_64 rng(o.seed * 1000003 + t);
		std::uint16_t id = static_cast<std::uint16_t>(t << 12);
		acked.assign(o.keys, 0);
		sent.assign(o.keys, 0);
		if (!c.ok()) {
			s.errors++;
			note_bad(std::string("socket: ") + std::strerror(errno));
			populated.arrive_and_drop();
			return;
		}
		if (o.populate)
			for (std::uint32_t k = t; k < o.keys; k += o.threads)
				set(c, ++id, k);
		populated.arrive_and_wait();
		auto start = std::chrono::steady_clock::now();
		auto stop = start + std::chrono::duration<double>(o.duration);
		std::bernoulli_distribution is_get(o.get_ratio);
		std::uniform_int_distribution<unsigned> nkeys(1, std::max(1u, o.multiget));
		auto now = start;
		for (std::uint64_t i = 0; o.requests ? i < o.requests : now < stop; i++) {
			std::uint32_t k = zipf(rng);
			bool g = is_get(rng) || !own(k);
			if (g) {
				std::vector<std::uint32_t> keys{k};
				for (unsigned n = o.multiget > 1 ? nkeys(rng) : 1; keys.size() < n;)
					keys.push_back(zipf(rng));
				get(c, ++id, keys);
			} else {
				set(c, ++id, k);
			}
			auto after = std::chrono::steady_clock::now();
			s.latency_ns.push_back(static_cast<std::uint32_t>(std::min<long long>(
				std::chrono::duration_cast<std::chrono::nanoseconds>(after - now).count(),
				UINT32_MAX)));
			now = after;
		}
		s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	}
};

} // namespace

std::size_t value_size_of(Options const &o, std::uint32_t k, std::uint32_t version)
{
	if (o.value_max <= o.value_size)
		return o.value_size;
	std::uint64_t state = ((std::uint64_t(k) << 32) | version) ^ 0x5eed5eed5eedULL;
	std::uint64_t pick = 0;
	for (int i = 0; i < 8; i++)
		pick = pick * 26 + std::uint64_t(filler(state) - 'a');
	return o.value_size + pick % (o.value_max - o.value_size + 1);
}

Stats run(Options const &o, std::string &error)
{
	Stats total;
	addrinfo hints{}, *ai = nullptr;
	hints.ai_socktype = SOCK_DGRAM;
	std::string port = std::to_string(o.port);
	if (int rc = getaddrinfo(o.host.c_str(), port.c_str(), &hints, &ai)) {
		error = o.host + ": " + gai_strerror(rc);
		return total;
	}
	sockaddr_storage to{};
	socklen_t len = ai->ai_addrlen;
	std::memcpy(&to, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);

	Zipf zipf(o.keys, o.zipf);
	std::barrier<> populated(o.threads);
	std::vector<Worker> workers;
	workers.reserve(o.threads);
	for (unsigned t = 0; t < o.threads; t++)
		workers.push_back(Worker{o, t, zipf, to, len, populated, {}, {}, {}});
	{
		std::vector<std::jthread> threads;
		for (auto &w : workers)
			threads.emplace_back(std::ref(w));
	}
	for (auto &w : workers) {
		Stats const &s = w.s;
		total.gets += s.gets, total.sets += s.sets, total.hits += s.hits;
		total.misses += s.misses, total.stored += s.stored, total.timeouts += s.timeouts;
		total.errors += s.errors, total.bad_values += s.bad_values;
		total.stale_values += s.stale_values;
		total.seconds = std::max(total.seconds, s.seconds);
		total.latency_ns.insert(total.latency_ns.end(), s.latency_ns.begin(), s.latency_ns.end());
		if (total.first_bad.empty())
			total.first_bad = s.first_bad;
		total.log += s.log;
	}
	if (!o.log.empty()) {
		std::FILE *f = std::fopen(o.log.c_str(), "w");
		if (!f || std::fwrite(total.log.data(), 1, total.log.size(), f) != total.log.size() ||
		    std::fclose(f) != 0)
			error = o.log + ": " + std::strerror(errno);
	}
	return total;
}

namespace {

double percentile(std::vector<std::uint32_t> v, double p)
{
	if (v.empty())
		return 0;
	auto at = v.begin() + std::ptrdiff_t(std::min<double>(double(v.size() - 1), p * double(v.size())));
	std::nth_element(v.begin(), at, v.end());
	return *at / 1000.0;
}

} // namespace

std::string to_json(Options const &o, Stats const &s)
{
	char buf[1024];
	std::uint64_t requests = s.gets + s.sets;
	double hit_rate = s.hits + s.misses ? double(s.hits) / double(s.hits + s.misses) : 0;
	std::snprintf(buf, sizeof(buf),
		      "{\"server\": \"%s:%u\", \"threads\": %u, \"keys\": %u, \"value_size\": %zu, "
		      "\"value_max\": %zu, \"multiget\": %u, \"long_every\": %u, "
		      "\"zipf\": %.3f, \"get_ratio\": %.3f, \"seconds\": %.3f, \"requests\": %llu, "
		      "\"gets\": %llu, \"sets\": %llu, \"hits\": %llu, \"misses\": %llu, "
		      "\"hit_rate\": %.4f, \"stored\": %llu, \"timeouts\": %llu, \"errors\": %llu, "
		      "\"bad_values\": %llu, \"stale_values\": %llu, \"throughput_rps\": %.1f, "
		      "\"latency_us\": {\"p50\": %.1f, \"p99\": %.1f}}",
		      o.host.c_str(), unsigned(o.port), o.threads, o.keys, o.value_size,
		      std::max(o.value_max, o.value_size), o.multiget, o.long_every, o.zipf,
		      o.get_ratio, s.seconds, (unsigned long long)requests,
		      (unsigned long long)s.gets, (unsigned long long)s.sets,
		      (unsigned long long)s.hits, (unsigned long long)s.misses, hit_rate,
		      (unsigned long long)s.stored, (unsigned long long)s.timeouts,
		      (unsigned long long)s.errors, (unsigned long long)s.bad_values,
		      (unsigned long long)s.stale_values, s.seconds > 0 ? double(requests) / s.seconds : 0,
		      percentile(s.latency_ns, 0.5), percentile(s.latency_ns, 0.99));
	return buf;
}

} // namespace rax::mcload
