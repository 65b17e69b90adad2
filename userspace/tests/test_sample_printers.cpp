// SPDX-License-Identifier: GPL-2.0
// The samples' userspace printers on maps as rax map dump -j writes them:
// userspace/samples/syscount/print.py (syscount -L's table) and
// userspace/samples/trace_event/print.py (profile's stacks and folded
// lines), on dumps made here with known contents.
#include "cli_run.hpp"

#include <rax/paths.hpp>

#include <cstdint>
#include <sstream>

using namespace rax::test;

namespace {

std::string json_bytes(std::vector<std::uint8_t> const &b)
{
	std::ostringstream o;
	o << '[';
	for (std::size_t i = 0; i < b.size(); i++) {
		char s[8];
		std::snprintf(s, sizeof(s), "\"0x%02x\"", b[i]);
		o << (i ? "," : "") << s;
	}
	return o.str() + "]";
}

void put(std::vector<std::uint8_t> &b, std::uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

Run script(std::string const &sample, std::string const &args, std::string const &stdin_file = "")
{
	TempDir d;
	std::string const path = (fs::path(rax::paths::source_dir) / "userspace/samples" / sample / "print.py").string();
	std::string cmd = "python3 -B " + quote(path) + " " + args + " >" + quote(d / "out") + " 2>" + quote(d / "err") +
			  " <" + (stdin_file.empty() ? std::string("/dev/null") : quote(stdin_file));
	int st = std::system(cmd.c_str());
	return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, slurp(d / "out"), slurp(d / "err")};
}

} // namespace

TEST_CASE("samples: trace_event's print.py names kernel frames and folds stacks", "[samples]")
{
	TempDir d;
	// Two stacks: id 3 in the kernel (two frames), id 7 in user space.
	std::vector<std::uint8_t> k3, u7;
	put(k3, 0xffffffff81000123, 8); // do_work+0x23, the innermost
	put(k3, 0xffffffff81000210, 8); // main_loop+0x10
	put(k3, 0, 8 * 62);
	put(u7, 0x401000, 8);
	put(u7, 0x401800, 8);
	put(u7, 0, 8 * 62);
	std::ofstream(d / "stacks") << "[{\"key\":" << json_bytes({3, 0, 0, 0}) << ",\"value\":" << json_bytes(k3)
				   << "},{\"key\":" << json_bytes({7, 0, 0, 0}) << ",\"value\":" << json_bytes(u7) << "}]";
	auto key = [](std::uint32_t tgid, std::int32_t kid, std::int32_t uid) {
		std::vector<std::uint8_t> k;
		put(k, tgid, 4);
		put(k, static_cast<std::uint32_t>(kid), 4);
		put(k, static_cast<std::uint32_t>(uid), 4);
		put(k, 0, 4);
		return k;
	};
	auto val = [](std::uint64_t n) {
		std::vector<std::uint8_t> v;
		put(v, n, 8);
		return v;
	};
	// 5 samples in the kernel under the user stack, 9 in user mode (no
	// kernel stack: -EFAULT).
	std::ofstream(d / "counts") << "[{\"key\":" << json_bytes(key(42, 3, 7)) << ",\"value\":" << json_bytes(val(5))
				   << "},{\"key\":" << json_bytes(key(42, -14, 7)) << ",\"value\":" << json_bytes(val(9))
				   << "}]";
	std::ofstream(d / "kallsyms") << "ffffffff81000100 T do_work\n"
					 "ffffffff81000200 t main_loop\n"
					 "ffffffff81000300 T other\n";
	std::string const args = "--counts " + quote(d / "counts") + " --stacks " + quote(d / "stacks") +
				 " --kallsyms " + quote(d / "kallsyms");

	Run r = script("trace_event", args + " -f");
	INFO(r.err);
	REQUIRE(r.status == 0);
	CHECK(r.out == "tgid 42;0x401800;0x401000;[no kernel stack] 9\n"
		       "tgid 42;0x401800;0x401000;main_loop+0x10;do_work+0x23 5\n");

	r = script("trace_event", args + " -n 1");
	REQUIRE(r.status == 0);
	CHECK(r.out == "    [no kernel stack]\n    --\n    0x401000\n    0x401800\n"
		       "    -                tgid 42\n        9\n\n");

	// Another map's dump is refused with the reason.
	std::ofstream(d / "other") << "[{\"key\":" << json_bytes({1, 0, 0, 0}) << ",\"value\":" << json_bytes(val(1))
				  << "}]";
	r = script("trace_event", "--counts " + quote(d / "other") + " --stacks " + quote(d / "stacks"));
	CHECK(r.status != 0);
	CHECK(has(r.err, "not the trace_event sample's COUNTS map"));
}

TEST_CASE("samples: syscount's print.py prints syscount -L's table, most called first", "[samples]")
{
	TempDir d;
	auto stats = [](std::uint64_t count, std::uint64_t errors, std::uint64_t ns) {
		std::vector<std::uint8_t> v;
		put(v, count, 8);
		put(v, errors, 8);
		put(v, ns, 8);
		return v;
	};
	// read (0): 3 calls; openat (257): 10 calls, 2 errors, 12.5 us.
	std::ofstream(d / "stats") << "[{\"key\":" << json_bytes({0, 0, 0, 0}) << ",\"key_u32\":0,\"value\":"
				  << json_bytes(stats(3, 0, 1000)) << "},{\"key\":" << json_bytes({1, 1, 0, 0})
				  << ",\"key_u32\":257,\"value\":" << json_bytes(stats(10, 2, 12500)) << "}]";
	Run r = script("syscount", "-n 5", d / "stats");
	INFO(r.err);
	REQUIRE(r.status == 0);
	std::istringstream lines(r.out);
	std::string header, first, second;
	std::getline(lines, header);
	std::getline(lines, first);
	std::getline(lines, second);
	CHECK(has(header, "SYSCALL"));
	CHECK(has(header, "COUNT"));
	CHECK(first.substr(0, 6) == "openat");
	CHECK(has(first, " 10 "));
	CHECK(has(first, "12.5"));
	CHECK(second.substr(0, 4) == "read");
}
