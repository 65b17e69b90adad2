// SPDX-License-Identifier: GPL-2.0
// mcload, the BMC benchmark's load generator: its frames, values, parser
// and sampler, and the tool against a real Memcached and against servers
// that lie (a wrong value, a stale one), which it must catch.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <netinet/in.h>
#include <regex>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "cli_run.hpp"
#include "mcload.hpp"

using namespace rax::mcload;

TEST_CASE("mcload values check themselves", "[mcload]")
{
	std::string v = value_for(42, 7, 64);
	CHECK(v.size() == 64);
	CHECK(v.starts_with("v=00000007 k=00000042 n=0064 "));
	CHECK(check_value(42, v) == 7u);
	CHECK_FALSE(check_value(43, v));
	std::string bad = v;
	bad[40] = bad[40] == 'a' ? 'b' : 'a';
	CHECK_FALSE(check_value(42, bad));
	CHECK_FALSE(check_value(42, v.substr(0, 63)));
	CHECK_FALSE(check_value(42, "v=00000007 k=00000042 n=0064"));
	CHECK_FALSE(check_value(42, v + "x"));
	CHECK(value_for(42, 8, 64) != v);
}

TEST_CASE("mcload parses Memcached's UDP replies", "[mcload]")
{
	std::string v = value_for(1, 1, 40);
	Reply r = parse_reply(frame(5, "VALUE key:00000001 0 40\r\n" + v + "\r\nEND\r\n"));
	CHECK(r.kind == Reply::hit);
	CHECK(r.id == 5);
	CHECK(r.key == "key:00000001");
	CHECK(r.value == v);
	CHECK(parse_reply(frame(6, "END\r\n")).kind == Reply::miss);
	CHECK(parse_reply(frame(7, "STORED\r\n")).kind == Reply::stored);
	CHECK(parse_reply(frame(8, "SERVER_ERROR out of memory\r\n")).kind == Reply::error);
	// A value whose length is not what VALUE says, a missing END, junk.
	CHECK(parse_reply(frame(9, "VALUE key:00000001 0 41\r\n" + v + "\r\nEND\r\n")).kind ==
	      Reply::malformed);
	CHECK(parse_reply(frame(9, "VALUE key:00000001 0 40\r\n" + v + "\r\n")).kind ==
	      Reply::malformed);
	CHECK(parse_reply(frame(9, "END\r\nEND\r\n")).kind == Reply::malformed);
	CHECK(parse_reply("short").kind == Reply::malformed);
	std::string two = frame(9, "END\r\n");
	two[5] = 2; // the first of two datagrams
	CHECK(parse_reply(two).kind == Reply::malformed);
	CHECK(frame(0x1234, "x").substr(0, 8) == std::string("\x12\x34\0\0\0\x01\0\0", 8));
	CHECK(set_request(3, "abc") == "set key:00000003 0 0 3\r\nabc\r\n");
}

TEST_CASE("mcload reads a get of several keys, a datagram per key", "[mcload]")
{
	// Memcached 1.6 over UDP: one message per key found, the END in the last.
	std::string a = "VALUE a 0 3\r\nabc\r\n", b = "VALUE bb 7 1\r\nx\r\n";
	CHECK_FALSE(message_complete(a));
	CHECK_FALSE(message_complete(a + "VALUE bb 7 1\r\n"));
	CHECK_FALSE(message_complete("VALUE a 0 3\r\nab"));
	CHECK(message_complete(a + b + "END\r\n"));
	CHECK(message_complete("END\r\n"));
	CHECK(message_complete("STORED\r\n"));
	Reply r = parse_message(3, a + b + "END\r\n");
	REQUIRE(r.kind == Reply::hit);
	REQUIRE(r.values.size() == 2);
	CHECK(r.values[1] == std::pair<std::string, std::string>("bb", "x"));
	CHECK(r.key == "a");
	CHECK(parse_message(3, a + b).kind == Reply::malformed);
	CHECK(parse_message(3, a + "END\r\nEND\r\n").kind == Reply::malformed);
	CHECK(get_request(std::vector<std::string>{"a", "bb"}) == "get a bb\r\n");
}

TEST_CASE("mcload's long keys and value sizes", "[mcload]")
{
	CHECK(key_name(5, 7) == "key:00000005");
	std::string k = key_name(6, 7);
	CHECK(k.size() == long_key_len);
	CHECK(k.starts_with("key:00000006:LLL"));
	CHECK(key_name(6) == "key:00000006");
	Options o;
	o.value_size = 40;
	CHECK(value_size_of(o, 1, 1) == 40);
	o.value_max = 1000;
	std::size_t lo = 1000, hi = 0;
	for (std::uint32_t v = 1; v < 2000; v++) {
		std::size_t n = value_size_of(o, 9, v);
		CHECK(n == value_size_of(o, 9, v));
		lo = std::min(lo, n), hi = std::max(hi, n);
	}
	CHECK(lo >= 40);
	CHECK(lo < 100);
	CHECK(hi <= 1000);
	CHECK(hi > 900);
}

TEST_CASE("mcload draws keys from a Zipf distribution", "[mcload]")
{
	std::mt19937_64 rng(1);
	Zipf z(1000, 0.99);
	std::vector<unsigned> n(1000);
	for (int i = 0; i < 200000; i++)
		n[z(rng)]++;
	// P(0) = 1 / H(1000, 0.99), about 0.1336; P(9) about a tenth of it.
	CHECK(n[0] > 200000 * 0.125);
	CHECK(n[0] < 200000 * 0.142);
	CHECK(n[9] * 7 < n[0]);
	CHECK(n[9] * 13 > n[0]);
	Zipf u(10, 0);
	std::vector<unsigned> m(10);
	for (int i = 0; i < 100000; i++)
		m[u(rng)]++;
	for (unsigned c : m)
		CHECK((c > 9000 && c < 11000));
}

namespace {

// A UDP socket on 127.0.0.1 with a port of its own.
int udp_socket(std::uint16_t &port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	sockaddr_in a{};
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof(a);
	if (fd < 0 || bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof(a)) ||
	    getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len))
		return -1;
	port = ntohs(a.sin_port);
	timeval tv{0, 100000};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

using rax::test::Run;

// mcload with @args (separated by spaces): its exit status and output.
Run mcload(std::string const &args)
{
	char const *env = std::getenv("MCLOAD");
	std::string bin = env ? env : std::string(test_paths::binary_dir) + "/../mcload/mcload";
	REQUIRE(access(bin.c_str(), X_OK) == 0);
	std::vector<std::string> argv;
	std::istringstream words(args);
	for (std::string w; words >> w;)
		argv.push_back(w);
	return rax::test::run_program(bin, argv);
}

// A count in mcload's JSON; -1 if it is not there.
long field(Run const &r, std::string const &name)
{
	std::smatch m;
	if (!std::regex_search(r.out, m, std::regex("\"" + name + "\": ([0-9]+)")))
		return -1;
	return std::stol(m[1]);
}

// A server that answers sets with STORED and gets with what @answer gives.
class FakeServer {
public:
	template <typename F> explicit FakeServer(F answer)
	{
		fd_ = udp_socket(port);
		REQUIRE(fd_ >= 0);
		thread_ = std::thread([this, answer] {
			char buf[2048];
			while (!stop_) {
				sockaddr_in from{};
				socklen_t len = sizeof(from);
				ssize_t n = recvfrom(fd_, buf, sizeof(buf), 0,
						     reinterpret_cast<sockaddr *>(&from), &len);
				if (n < 8)
					continue;
				std::string req(buf + 8, std::size_t(n) - 8);
				unsigned k = 0;
				std::string body = req.starts_with("set ") ? "STORED\r\n" :
						   std::sscanf(req.c_str(), "get key:%8u", &k) == 1 ?
										answer(k) :
										"ERROR\r\n";
				std::string d = std::string(buf, 8) + body;
				sendto(fd_, d.data(), d.size(), 0, reinterpret_cast<sockaddr *>(&from),
				       len);
			}
		});
	}
	~FakeServer()
	{
		stop_ = true;
		thread_.join();
		close(fd_);
	}
	std::uint16_t port = 0;

private:
	int fd_ = -1;
	std::atomic<bool> stop_{false};
	std::thread thread_;
};

std::string hit(unsigned k, std::string const &v)
{
	return "VALUE " + key_name(k) + " 0 " + std::to_string(v.size()) + "\r\n" + v + "\r\nEND\r\n";
}

// A child process, stopped and reaped with the object.
struct Child {
	pid_t pid = -1;
	Child() = default;
	Child(Child const &) = delete;
	Child &operator=(Child const &) = delete;
	~Child()
	{
		if (pid > 0) {
			kill(pid, SIGTERM);
			waitpid(pid, nullptr, 0);
		}
	}
};

} // namespace

TEST_CASE("mcload catches a wrong value and a stale one", "[mcload]")
{
	SECTION("a byte of the value changed")
	{
		FakeServer s([](unsigned k) {
			std::string v = value_for(k, 1, 64);
			v[30] ^= 1;
			return hit(k, v);
		});
		Run r = mcload("-s 127.0.0.1:" + std::to_string(s.port) + " -d 0.3 -j");
		CHECK(r.status == 1);
		CHECK(field(r, "bad_values") > 0);
		CHECK(r.err.find("first failure: get key:") != std::string::npos);
	}
	SECTION("another key's value")
	{
		FakeServer s([](unsigned k) { return hit(k, value_for(k + 1, 1, 64)); });
		Run r = mcload("-s 127.0.0.1:" + std::to_string(s.port) + " -d 0.3 -j");
		CHECK(r.status == 1);
		CHECK(field(r, "bad_values") > 0);
	}
	SECTION("the first version after a later one was stored")
	{
		FakeServer s([](unsigned k) { return hit(k, value_for(k, 1, 64)); });
		Run r = mcload("-s 127.0.0.1:" + std::to_string(s.port) +
			       " -P -k 50 -g 0.5 -d 0.3 -j");
		CHECK(r.status == 1);
		CHECK(field(r, "bad_values") == 0);
		CHECK(field(r, "stale_values") > 0);
		CHECK(r.err.find("was stored") != std::string::npos);
	}
	SECTION("the right value")
	{
		FakeServer s([](unsigned k) { return hit(k, value_for(k, 1, 64)); });
		Run r = mcload("-s 127.0.0.1:" + std::to_string(s.port) + " -g 1 -d 0.3 -j");
		CHECK(r.status == 0);
		CHECK(field(r, "hits") > 0);
		CHECK(field(r, "bad_values") == 0);
	}
}

TEST_CASE("mcload refuses bad options and an absent server", "[mcload]")
{
	CHECK(mcload("--zipf x").status == 2);
	CHECK(mcload("-v 2000").status == 2);
	CHECK(mcload("-s nohost").status == 2);
	CHECK(mcload("--bogus").status == 2);
	Run h = mcload("--help");
	CHECK(h.status == 0);
	CHECK(h.out.find("Usage: mcload") != std::string::npos);
	std::uint16_t port;
	int fd = udp_socket(port); // bound, never answering
	REQUIRE(fd >= 0);
	Run r = mcload("-s 127.0.0.1:" + std::to_string(port) + " -d 0.3 --timeout 50");
	close(fd);
	CHECK(r.status == 2);
	CHECK(r.err.find("no reply") != std::string::npos);
}

namespace {

// Starts Debian's memcached on a free UDP port of 127.0.0.1 as @memcached
// and waits until it answers a get: mcload's -s option for it.
std::string start_memcached(Child &memcached)
{
	std::uint16_t port;
	int probe = udp_socket(port);
	REQUIRE(probe >= 0);
	close(probe);
	pid_t pid = memcached.pid = fork();
	if (pid == 0) {
		std::string p = std::to_string(port);
		// Nothing of the test's but stdio: a memcached left behind must
		// not hold scripts/test.sh's lock file open.
		close_range(3, ~0U, 0);
		execl("/usr/bin/memcached", "memcached", "-U", p.c_str(), "-p", "0", "-l", "127.0.0.1",
		      "-m", "16", "-t", "2", "-u", "root", static_cast<char *>(nullptr));
		_exit(127);
	}
	REQUIRE(pid > 0);
	std::string server = "-s 127.0.0.1:" + std::to_string(port);
	Run r;
	for (int i = 0; i < 50; i++) {
		r = mcload(server + " -t 1 -k 1 -g 1 -n 1 --timeout 50 -j");
		if (r.status == 0)
			break;
		usleep(100000);
	}
	REQUIRE(r.status == 0);
	return server;
}

} // namespace

TEST_CASE("mcload against Memcached over UDP", "[mcload]")
{
	if (access("/usr/bin/memcached", X_OK)) {
		WARN("skipped: /usr/bin/memcached is not installed (scripts/setup-deps.sh installs it)");
		return;
	}
	Child memcached;
	std::string server = start_memcached(memcached);
	Run r = mcload(server + " -P -t 2 -k 300 -g 0.8 -d 1 -j");
	INFO(r.out << r.err);
	CHECK(r.status == 0);
	CHECK(field(r, "errors") == 0);
	CHECK(field(r, "bad_values") == 0);
	CHECK(field(r, "stale_values") == 0);
	CHECK(field(r, "hits") > 100);
	CHECK(field(r, "misses") == 0);
	CHECK(field(r, "stored") > 300);
}

TEST_CASE("mcload's log is the same for the same requests to the same server state", "[mcload]")
{
	if (access("/usr/bin/memcached", X_OK)) {
		WARN("skipped: /usr/bin/memcached is not installed (scripts/setup-deps.sh installs it)");
		return;
	}
	std::string logs[2];
	for (auto &log : logs) {
		Child memcached;
		std::string server = start_memcached(memcached);
		Run r;
		char path[] = "/tmp/mcload-log-XXXXXX";
		int fd = mkstemp(path);
		REQUIRE(fd >= 0);
		close(fd);
		// Gets of up to 4 keys, long keys, values of 32 to 1600 bytes (some
		// replies of two datagrams), misses first: nothing populated.
		r = mcload(server + " -t 1 -k 100 -n 800 -g 0.7 -m 4 --long-every 5 -v 32 " +
			   "--value-max 1600 --seed 7 --log " + path);
		INFO(r.out << r.err);
		CHECK(r.status == 0);
		std::ifstream in(path);
		log.assign(std::istreambuf_iterator<char>(in), {});
		unlink(path);
	}
	CHECK(std::count(logs[0].begin(), logs[0].end(), '\n') == 1600);
	CHECK(logs[0].find("\\x00\\x00\\x00\\x01\\x00\\x00get key:") != std::string::npos);
	// A reply of two datagrams (sequence 1 of 2), a missed key's empty
	// datagram ("0 of 0"), a long key.
	CHECK(logs[0].find("\\x00\\x01\\x00\\x02\\x00\\x00") != std::string::npos);
	CHECK(logs[0].find("\\x00\\x00\\x00\\x00\\x00\\x00 ") != std::string::npos);
	CHECK(logs[0].find(std::string(20, 'L')) != std::string::npos);
	CHECK(logs[0] == logs[1]);
}
