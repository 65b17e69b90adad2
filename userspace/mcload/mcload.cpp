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
#include <mutex>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>

namespace rax::mcload {

std::string key_name(std::uint32_t k)
{
	char buf[16];
	std::snprintf(buf, sizeof(buf), "key:%08u", k);
	return buf;
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

std::string set_request(std::uint32_t k, std::string_view value)
{
	return "set " + key_name(k) + " 0 0 " + std::to_string(value.size()) + "\r\n" +
	       std::string(value) + "\r\n";
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
	d.remove_prefix(frame_header_len);
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
		char key[251];
		unsigned flags;
		std::size_t bytes;
		std::string l(line);
		int n = 0;
		if (std::sscanf(l.c_str(), "VALUE %250s %u %zu%n", key, &flags, &bytes, &n) == 3 &&
		    std::size_t(n) == l.size() && d.size() == eol + 2 + bytes + 7 &&
		    d.substr(eol + 2 + bytes) == "\r\nEND\r\n") {
			r.kind = Reply::hit;
			r.key = key;
			r.value = std::string(d.substr(eol + 2, bytes));
		}
	} else if (line.starts_with("SERVER_ERROR") || line.starts_with("CLIENT_ERROR") ||
		   line == "ERROR" || line == "NOT_STORED") {
		r.kind = Reply::error;
	}
	return r;
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

	// Sends @request as @id and waits for the reply with that id; nullopt
	// on a timeout. Replies to earlier requests that timed out are skipped.
	std::optional<Reply> call(std::uint16_t id, std::string const &request)
	{
		std::string d = frame(id, request);
		if (send(fd_, d.data(), d.size(), 0) != ssize_t(d.size()))
			return Reply{Reply::error, id, {}, {}, std::strerror(errno)};
		char buf[2048];
		for (;;) {
			ssize_t n = recv(fd_, buf, sizeof(buf), 0);
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return std::nullopt;
			if (n < 0)
				return Reply{Reply::error, id, {}, {}, std::strerror(errno)};
			Reply r = parse_reply(std::string_view(buf, std::size_t(n)));
			if (r.id == id)
				return r;
		}
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

	void note_bad(std::string what)
	{
		if (s.first_bad.empty())
			s.first_bad = std::move(what);
	}

	void set(Client &c, std::uint16_t id, std::uint32_t k)
	{
		std::uint32_t v = ++sent[k];
		auto r = c.call(id, set_request(k, value_for(k, v, o.value_size)));
		s.sets++;
		if (!r)
			s.timeouts++;
		else if (r->kind == Reply::stored)
			s.stored++, acked[k] = v;
		else
			s.errors++, note_bad("set " + key_name(k) + ": " + r->text);
	}

	void get(Client &c, std::uint16_t id, std::uint32_t k)
	{
		auto r = c.call(id, get_request(k));
		s.gets++;
		if (!r) {
			s.timeouts++;
			return;
		}
		if (r->kind == Reply::miss) {
			s.misses++;
			return;
		}
		if (r->kind != Reply::hit) {
			s.errors++;
			note_bad("get " + key_name(k) + ": " + r->text);
			return;
		}
		s.hits++;
		auto v = r->key == key_name(k) ? check_value(k, r->value) : std::nullopt;
		if (!v) {
			s.bad_values++;
			note_bad("get " + key_name(k) + ": VALUE " + r->key + " \"" +
				 r->value.substr(0, 64) + "\"");
		} else if (own(k) && *v < acked[k]) {
			s.stale_values++;
			note_bad("get " + key_name(k) + ": version " + std::to_string(*v) +
				 " after version " + std::to_string(acked[k]) + " was stored");
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
		for (auto now = start; now < stop;) {
			std::uint32_t k = zipf(rng);
			bool g = is_get(rng) || !own(k);
			if (g)
				get(c, ++id, k);
			else
				set(c, ++id, k);
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
		      "\"zipf\": %.3f, \"get_ratio\": %.3f, \"seconds\": %.3f, \"requests\": %llu, "
		      "\"gets\": %llu, \"sets\": %llu, \"hits\": %llu, \"misses\": %llu, "
		      "\"hit_rate\": %.4f, \"stored\": %llu, \"timeouts\": %llu, \"errors\": %llu, "
		      "\"bad_values\": %llu, \"stale_values\": %llu, \"throughput_rps\": %.1f, "
		      "\"latency_us\": {\"p50\": %.1f, \"p99\": %.1f}}",
		      o.host.c_str(), unsigned(o.port), o.threads, o.keys, o.value_size, o.zipf,
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
