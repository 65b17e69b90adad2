// SPDX-License-Identifier: GPL-2.0
// The kernel-facing side of librax (rax/kernel.hpp) and the commands on
// it: rax load, attach, prog list|show, map dump, test-run.
//
// Without a Rax kernel: the BPF_PROG_LOAD attribute layout, the attributes
// built for the xdp_counter sample (its maps and the load), the parsers
// (hex, CPU lists, fdinfo), and every command's help and usage errors.
// Where bpf(2) works (root on a kernel with BPF), against the real
// kernel: maps created from the sample and dumped, eBPF programs listed,
// shown and test-run, a perf_event attach pinned in a private bpffs, and a
// refused load that leaves nothing pinned. Those parts are skipped with a
// warning when bpf(2) is not usable.
#include "test_paths.hpp"
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/rax.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <rax/btf.hpp>
#include <rax/build.hpp>
#include <rax/kernel.hpp>
#include <rax/object.hpp>

#include "cli_run.hpp"
#include "elf_builder.hpp"

namespace k = rax::kernel;
using rax::Bytes;
using rax::test::has;
using rax::test::Run;
using rax::test::rax_cli;
using rax::test::store;
using rax::test::TempDir;

namespace {

// The xdp_counter sample, built with the pinned toolchain into a directory
// of this process (ctest runs test cases in parallel processes).
struct Sample {
	TempDir dir;
	std::string obj = dir / "xdp_counter.rax.o";
	std::string sig = obj + ".sig";

	Sample()
	{
		rax::BuildOptions o;
		o.crate_dir = std::string(rax::paths::source_dir) + "/userspace/samples/xdp_counter";
		o.source_dir = rax::paths::source_dir;
		char const *cache = std::getenv("RAX_SYSROOT_CACHE");
		o.cache_dir = cache && *cache ? cache : std::string(test_paths::binary_dir) + "/rax-cache";
		o.output = obj;
		auto r = rax::build(o);
		INFO((r.ok() ? "" : r.error().to_string()));
		REQUIRE(r.ok());
		// Not a signature the kernel accepts; the load tests need one
		// that the kernel refuses.
		store(sig, Bytes(256, 0x30));
	}
};

Sample &sample()
{
	static Sample s;
	return s;
}

// An object with two entries and one map, from the test ELF builder.
Bytes two_entry_object()
{
	rax::test::ObjectSpec spec;
	spec.entries = {{rax::test::prog_kprobe, "rax_entry_probe_one"},
			{rax::test::prog_xdp, "rax_entry_rx"}};
	spec.maps = {rax::test::map_def(1, "counts")};
	spec.helpers = {"rax_map_lookup_elem"};
	return rax::test::make_object(spec);
}

// Why bpf(2) cannot be used here ("" when it can).
std::string bpf_unusable()
{
	auto r = k::bpf_available();
	return r ? std::string() : r.error().to_string();
}

#define REQUIRE_BPF()                                                               \
	do {                                                                        \
		std::string const why_ = bpf_unusable();                            \
		if (!why_.empty()) {                                                \
			WARN("skipped: bpf(2) is not usable here: " << why_);       \
			return;                                                     \
		}                                                                   \
	} while (0)

// A bpf file system of this test only, unmounted at the end.
struct Bpffs {
	TempDir dir;
	std::string why;

	Bpffs()
	{
		if (::mount("bpf", dir.path.c_str(), "bpf", 0, nullptr) != 0)
			why = std::string("mount -t bpf: ") + std::strerror(errno);
		else
			mounted = true;
	}
	~Bpffs()
	{
		if (mounted)
			::umount2(dir.path.c_str(), MNT_DETACH);
	}
	Bpffs(Bpffs const &) = delete;
	Bpffs &operator=(Bpffs const &) = delete;
	std::string operator/(std::string const &name) const { return dir / name; }

	bool mounted = false;
};

// A two-instruction eBPF program (r0 = @ret; exit) of @type.
k::Fd load_ebpf(std::uint32_t type, std::int32_t ret, char const *name)
{
	struct bpf_insn insns[2] {};
	insns[0].code = BPF_ALU64 | BPF_MOV | BPF_K;
	insns[0].imm = ret;
	insns[1].code = BPF_JMP | BPF_EXIT;
	static char const license[] = "GPL";
	union bpf_attr a {};
	a.prog_type = type;
	a.insns = reinterpret_cast<std::uintptr_t>(insns);
	a.insn_cnt = 2;
	a.license = reinterpret_cast<std::uintptr_t>(license);
	std::strncpy(a.prog_name, name, sizeof(a.prog_name) - 1);
	auto r = k::sys_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	INFO((r ? "" : r.error().to_string()));
	REQUIRE(r);
	return k::Fd(*r);
}

std::uint32_t id_of_prog(k::Fd const &fd)
{
	auto info = k::prog_info(fd.get());
	REQUIRE(info);
	return info->id;
}

Bytes le32(std::uint32_t v)
{
	return {std::uint8_t(v), std::uint8_t(v >> 8), std::uint8_t(v >> 16), std::uint8_t(v >> 24)};
}

Bytes le64(std::uint64_t v)
{
	Bytes b(8);
	for (std::size_t i = 0; i < 8; i++)
		b[i] = std::uint8_t(v >> (8 * i));
	return b;
}

std::size_t count(std::string const &s, std::string const &what)
{
	std::size_t n = 0;
	for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1))
		n++;
	return n;
}

} // namespace

TEST_CASE("kernel: the BPF_PROG_LOAD attributes have the Rax kernel's layout", "[kernel]")
{
	CHECK(offsetof(k::ProgLoadAttr, prog_type) == 0);
	CHECK(offsetof(k::ProgLoadAttr, license) == 16);
	CHECK(offsetof(k::ProgLoadAttr, prog_flags) == 44);
	CHECK(offsetof(k::ProgLoadAttr, prog_name) == 48);
	CHECK(offsetof(k::ProgLoadAttr, attach_btf_id) == 108);
	CHECK(offsetof(k::ProgLoadAttr, attach_prog_fd) == 112);
	CHECK(offsetof(k::ProgLoadAttr, attach_btf_obj_fd) == 112);
	CHECK(offsetof(k::ProgLoadAttr, fd_array) == 120);
	CHECK(offsetof(k::ProgLoadAttr, prog_token_fd) == 144);
	CHECK(offsetof(k::ProgLoadAttr, fd_array_cnt) == 148);
	CHECK(offsetof(k::ProgLoadAttr, signature) == 152);
	CHECK(offsetof(k::ProgLoadAttr, signature_size) == 160);
	CHECK(offsetof(k::ProgLoadAttr, keyring_id) == 164);
	CHECK(offsetof(k::ProgLoadAttr, rax_image) == 168);
	CHECK(offsetof(k::ProgLoadAttr, rax_image_size) == 176);
	CHECK(offsetof(k::ProgLoadAttr, rax_entry) == 180);
	CHECK(offsetof(k::ProgLoadAttr, rax_budget_us) == 184);
	CHECK(sizeof(k::ProgLoadAttr) == 192);
	CHECK(BPF_F_RAX == (1U << 8));
	CHECK(k::attach_tcx_ingress == 46);
	CHECK(k::attach_tcx_egress == 47);
	CHECK(k::attach_xdp == BPF_XDP);
	CHECK(k::attach_perf_event == BPF_PERF_EVENT);
}

TEST_CASE("kernel: prog_name is the entry's function name, as the kernel takes names", "[kernel]")
{
	CHECK(k::entry_function("rax_entry_xdp_counter") == "xdp_counter");
	CHECK(k::prog_name_for("rax_entry_xdp_counter") == "xdp_counter");
	// 16 characters: the kernel keeps 15 and a NUL.
	CHECK(k::prog_name_for("rax_entry_hello_tracepoint") == "hello_tracepoin");
	CHECK(k::prog_name_for("rax_entry_a-b c/d.e") == "a_b_c_d.e");
	CHECK(k::prog_name_for("plain_symbol") == "plain_symbol");
	CHECK(k::prog_name_for("rax_entry_") == "rax_entry_");
	CHECK(k::object_name("0123456789abcdefXYZ") == "0123456789abcde");
	CHECK(k::object_name("") == "");
}

TEST_CASE("kernel: the entry is chosen by function name or symbol", "[kernel]")
{
	auto one = rax::parse_object(rax::test::valid_object());
	REQUIRE(one);
	auto e = k::select_entry(*one, "");
	REQUIRE(e);
	CHECK(*e == 0);

	auto two = rax::parse_object(two_entry_object());
	INFO((two ? "" : two.error().to_string()));
	REQUIRE(two);
	auto none = k::select_entry(*two, "");
	REQUIRE(!none);
	CHECK(none.error().code() == EINVAL);
	CHECK(has(none.error().message(), "2 entries"));
	CHECK(has(none.error().message(), "probe_one (kprobe)"));
	CHECK(has(none.error().message(), "rx (xdp)"));
	auto rx = k::select_entry(*two, "rx");
	REQUIRE(rx);
	CHECK(*rx == 1);
	auto sym = k::select_entry(*two, "rax_entry_probe_one");
	REQUIRE(sym);
	CHECK(*sym == 0);
	auto bad = k::select_entry(*two, "nope");
	REQUIRE(!bad);
	CHECK(has(bad.error().message(), "no entry 'nope'"));
}

TEST_CASE("kernel: BPF_MAP_CREATE attributes from the xdp_counter sample's maps", "[kernel]")
{
	auto image = rax::read_file(sample().obj);
	REQUIRE(image);
	auto obj = rax::parse_object(*image);
	REQUIRE(obj);
	REQUIRE(obj->maps.size() == 2);

	union bpf_attr a = k::map_create_attr(obj->maps[0]);
	CHECK(a.map_type == BPF_MAP_TYPE_ARRAY);
	CHECK(a.key_size == 4);
	CHECK(a.value_size == 8);
	CHECK(a.max_entries == 256);
	CHECK(a.map_flags == 0);
	CHECK(std::string(a.map_name) == "PROTO_COUNT");
	CHECK(a.inner_map_fd == 0);
	CHECK(a.numa_node == 0);
	CHECK(a.btf_fd == 0);
	CHECK(a.map_extra == 0);

	a = k::map_create_attr(obj->maps[1]);
	CHECK(a.map_type == BPF_MAP_TYPE_PERCPU_ARRAY);
	CHECK(a.key_size == 4);
	CHECK(a.value_size == 8);
	CHECK(a.max_entries == 5);
	CHECK(std::string(a.map_name) == "ETH_COUNT");

	rax::MapDef long_name;
	long_name.type = BPF_MAP_TYPE_HASH;
	long_name.name = "a-very-long-map-name";
	long_name.map_flags = BPF_F_NO_PREALLOC;
	a = k::map_create_attr(long_name);
	CHECK(std::string(a.map_name, ::strnlen(a.map_name, sizeof(a.map_name))) == "a_very_long_map");
	CHECK(a.map_name[15] == 0);
	CHECK(a.map_flags == BPF_F_NO_PREALLOC);
}

TEST_CASE("kernel: the BPF_PROG_LOAD attributes of the xdp_counter sample", "[kernel]")
{
	k::LoadOptions opt;
	opt.object = sample().obj;
	auto plan = k::plan_load(opt);
	INFO((plan ? "" : plan.error().to_string()));
	REQUIRE(plan);
	CHECK(plan->signature_path == sample().sig);
	CHECK(plan->signature.size() == 256);
	CHECK(plan->entry == 0);
	CHECK(plan->prog_name == "xdp_counter");

	int fds[2] = {7, 9};
	std::vector<char> log(1U << 20);
	k::ProgLoadAttr a = k::prog_load_attr(*plan, fds, log);
	CHECK(a.prog_type == BPF_PROG_TYPE_XDP);
	CHECK(a.expected_attach_type == plan->object.entries[0].expected_attach_type);
	CHECK(a.prog_flags == BPF_F_RAX);
	CHECK(a.insns == 0);
	CHECK(a.insn_cnt == 0);
	REQUIRE(a.license != 0);
	CHECK(std::string(reinterpret_cast<char const *>(a.license)) == "GPL");
	CHECK(std::string(a.prog_name) == "xdp_counter");
	CHECK(a.log_level == 1);
	CHECK(a.log_size == 1U << 20);
	CHECK(a.log_buf == reinterpret_cast<std::uintptr_t>(log.data()));
	CHECK(a.fd_array == reinterpret_cast<std::uintptr_t>(fds));
	CHECK(a.fd_array_cnt == 2);
	CHECK(a.signature == reinterpret_cast<std::uintptr_t>(plan->signature.data()));
	CHECK(a.signature_size == 256);
	CHECK(a.keyring_id == 0);
	CHECK(a.rax_image == reinterpret_cast<std::uintptr_t>(plan->image.data()));
	CHECK(a.rax_image_size == std::filesystem::file_size(sample().obj));
	CHECK(a.rax_entry == 0);
	CHECK(a.rax_budget_us == 0);

	// Everything else is zero.
	k::ProgLoadAttr rest = a;
	rest.prog_type = rest.expected_attach_type = rest.prog_flags = 0;
	rest.license = rest.log_buf = rest.fd_array = rest.signature = rest.rax_image = 0;
	rest.log_level = rest.log_size = rest.fd_array_cnt = rest.signature_size = 0;
	rest.rax_image_size = 0;
	std::memset(rest.prog_name, 0, sizeof(rest.prog_name));
	k::ProgLoadAttr const zero{};
	CHECK(std::memcmp(&rest, &zero, sizeof(zero)) == 0);

	// The second entry of another object, no maps, no log.
	TempDir d;
	std::string two = d / "two.rax.o";
	store(two, two_entry_object());
	store(two + ".sig", Bytes(10, 1));
	opt.object = two;
	opt.entry = "rx";
	opt.budget_us = 250;
	auto p2 = k::plan_load(opt);
	REQUIRE(p2);
	a = k::prog_load_attr(*p2, {}, {});
	CHECK(a.rax_entry == 1);
	CHECK(a.rax_budget_us == 250);
	CHECK(a.prog_type == BPF_PROG_TYPE_XDP);
	CHECK(std::string(a.prog_name) == "rx");
	CHECK(a.fd_array == 0);
	CHECK(a.fd_array_cnt == 0);
	CHECK(a.log_level == 0);
	CHECK(a.log_buf == 0);

	// Planning errors: a map --map names that the object lacks, a
	// missing signature.
	opt.reuse_maps["nope"] = "/sys/fs/bpf/x";
	auto p3 = k::plan_load(opt);
	REQUIRE(!p3);
	CHECK(has(p3.error().message(), "no map 'nope'"));
	CHECK(has(p3.error().message(), "counts"));
	opt.reuse_maps.clear();
	opt.signature = d / "none.sig";
	auto p4 = k::plan_load(opt);
	REQUIRE(!p4);
	CHECK(p4.error().code() == ENOENT);
	CHECK(has(p4.error().message(), "none.sig"));
}

TEST_CASE("kernel: hex, CPU lists, fdinfo, return values, per-CPU sizes", "[kernel]")
{
	auto h = k::parse_hex("0x00ff10Ab");
	REQUIRE(h);
	CHECK(*h == Bytes{0x00, 0xff, 0x10, 0xab});
	h = k::parse_hex("de:ad be\tef");
	REQUIRE(h);
	CHECK(*h == Bytes{0xde, 0xad, 0xbe, 0xef});
	h = k::parse_hex("");
	REQUIRE(h);
	CHECK(h->empty());
	for (char const *bad : {"0g", "abc", "a b", "0x0x", "12 3"}) {
		INFO(bad);
		auto r = k::parse_hex(bad);
		REQUIRE(!r);
		CHECK(r.error().code() == EINVAL);
	}
	CHECK(has(k::parse_hex("00zz").error().message(), "'z' at position 2"));

	auto c = k::parse_cpu_list("0-3,5,7-8\n");
	REQUIRE(c);
	CHECK(*c == std::vector<unsigned>{0, 1, 2, 3, 5, 7, 8});
	c = k::parse_cpu_list("0");
	REQUIRE(c);
	CHECK(*c == std::vector<unsigned>{0});
	for (char const *bad : {"", "3-1", "a", "1,,2", "0-"})
		CHECK(!k::parse_cpu_list(bad));
	auto possible = k::possible_cpus();
	REQUIRE(possible);
	CHECK(!possible->empty());

	std::string const text = "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1057\n"
				 "prog_type:\t6\nprog_jited:\t1\nprog_tag:\t0123456789abcdef\n"
				 "memlock:\t4096\nprog_id:\t42\nrun_time_ns:\t0\nrun_cnt:\t0\n"
				 "recursion_misses:\t0\nverified_insns:\t0\nrax:\t1\n"
				 "rax_entry:\trax_entry_xdp_counter\nrax_signer:\tab12cd34\n"
				 "rax_panics:\t3\nrax_budget_ns:\t2000000\n"
				 "rax_timeouts:\t5\nrax_overrun_max_ns:\t12345\n"
				 "rax_panic_limit:\t3\nrax_disabled:\t1\nrax_skipped:\t7\n"
				 "rax_bare:\t1\n";
	k::FdInfo info = k::parse_fdinfo(text);
	CHECK(k::fdinfo_get(info, "prog_id") == "42");
	CHECK(k::obj_kind(info) == k::ObjKind::prog);
	auto rp = k::rax_prog_info(info);
	REQUIRE(rp);
	CHECK(rp->entry == "rax_entry_xdp_counter");
	CHECK(rp->signer == "ab12cd34");
	CHECK(rp->panics == 3);
	CHECK(rp->budget_ns == 2000000);
	CHECK(rp->timeouts == 5);
	CHECK(rp->overrun_max_ns == 12345);
	CHECK(rp->panic_limit == 3);
	CHECK(rp->disabled);
	CHECK(rp->skipped == 7);
	CHECK(rp->bare);
	// A kernel without the line: not bare.
	auto older = k::rax_prog_info(k::parse_fdinfo("rax:\t1\nrax_entry:\tx\n"));
	REQUIRE(older);
	CHECK(!older->bare);
	// An eBPF program: no rax lines, or rax: 0.
	CHECK(!k::rax_prog_info(k::parse_fdinfo("prog_type:\t6\nprog_id:\t1\n")));
	CHECK(!k::rax_prog_info(k::parse_fdinfo("prog_type:\t6\nrax:\t0\n")));
	CHECK(k::obj_kind(k::parse_fdinfo("map_type:\t2\nkey_size:\t4\n")) == k::ObjKind::map);
	CHECK(k::obj_kind(k::parse_fdinfo("link_type:\tperf\n")) == k::ObjKind::link);
	CHECK(k::obj_kind(k::parse_fdinfo("pos:\t0\n")) == k::ObjKind::other);

	CHECK(k::retval_name(k::prog_xdp, 0) == "XDP_ABORTED");
	CHECK(k::retval_name(k::prog_xdp, 2) == "XDP_PASS");
	CHECK(k::retval_name(k::prog_xdp, 4) == "XDP_REDIRECT");
	CHECK(k::retval_name(k::prog_xdp, 5) == "");
	CHECK(k::retval_name(k::prog_sched_cls, 0) == "TC_ACT_OK");
	CHECK(k::retval_name(k::prog_sched_cls, 2) == "TC_ACT_SHOT");
	CHECK(k::retval_name(k::prog_sched_cls, 7) == "TC_ACT_REDIRECT");
	CHECK(k::retval_name(k::prog_sched_cls, UINT32_MAX) == "TC_ACT_UNSPEC");
	CHECK(k::retval_name(k::prog_kprobe, 0) == "");

	CHECK(k::le_value(le32(0x01020304)) == 0x01020304U);
	CHECK(k::le_value(le64(0x1122334455667788ULL)) == 0x1122334455667788ULL);
	CHECK(!k::le_value(Bytes(3)));

	k::MapInfo mi;
	mi.type = BPF_MAP_TYPE_PERCPU_ARRAY;
	mi.value_size = 12;
	CHECK(k::lookup_size(mi, 3) == 48);
	mi.type = BPF_MAP_TYPE_ARRAY;
	CHECK(k::lookup_size(mi, 3) == 12);
	CHECK(k::map_is_percpu(BPF_MAP_TYPE_PERCPU_HASH));
	CHECK(k::map_is_percpu(BPF_MAP_TYPE_LRU_PERCPU_HASH));
	CHECK(!k::map_is_percpu(BPF_MAP_TYPE_HASH));
}

TEST_CASE("kernel: Fd closes what it owns, once", "[kernel]")
{
	int raw = ::dup(0);
	REQUIRE(raw >= 0);
	{
		k::Fd a(raw);
		k::Fd b(std::move(a));
		CHECK(!a.valid());
		CHECK(b.get() == raw);
		k::Fd c;
		c = std::move(b);
		CHECK(c.get() == raw);
		CHECK(::fcntl(raw, F_GETFD) >= 0);
	}
	CHECK(::fcntl(raw, F_GETFD) == -1);
	CHECK(errno == EBADF);
}

TEST_CASE("cli: the kernel commands are listed and their --help names every option", "[cli][kernel]")
{
	Run r = rax_cli({"--help"});
	CHECK(r.status == 0);
	for (char const *c : {"load", "attach", "prog", "map", "test-run"})
		CHECK(has(r.out, std::string("  ") + c + " "));

	struct {
		std::vector<std::string> cmd;
		std::vector<char const *> words;
	} const cases[] = {
		{{"load"},
		 {"Usage: rax load OBJ", "--pin DIR", "required", "DIR/prog", "DIR/maps/NAME", "-s, --sig",
		  "--signature", "OBJ.sig", "-e, --entry NAME", "-m, --map NAME=PATH", "--budget-us US", "-j, --json",
		  "-p, --pretty", "-h, --help", "Exit status"}},
		{{"attach"},
		 {"Usage: rax attach PROG TARGET --pin-link PATH", "pinned PATH", "xdp DEV",
		  "tc DEV ingress|egress", "kprobe FUNC", "kretprobe FUNC", "tracepoint CATEGORY:NAME",
		  "perf_event software cpu-clock|task-clock", "--pin-link PATH", "required", "--freq HZ",
		  "--period N", "--cpu N", "PATH_1", "-j, --json", "-p, --pretty", "-h, --help",
		  "Exit status"}},
		{{"prog"}, {"rax prog list", "rax prog show PROG", "pinned PATH", "-j, --json", "-p, --pretty"}},
		{{"prog", "list"}, {"rax prog list", "rax prog show PROG", "-j, --json", "Exit status"}},
		{{"prog", "show"}, {"rax prog show PROG", "id ID", "rax_signer", "rax_panic_limit", "rax_skipped", "-j, --json"}},
		{{"map"}, {"rax map dump MAP", "pinned PATH", "-j, --json", "-p, --pretty",
			   "rax map peek MAP", "rax map pop MAP"}},
		{{"map", "peek"}, {"rax map peek MAP", "BPF_MAP_LOOKUP_AND_DELETE_ELEM", "Exit status"}},
		{{"map", "dump"}, {"rax map dump MAP", "\"values\"", "key_u32", "value_u64", "Exit status"}},
		{{"test-run"},
		 {"Usage: rax test-run PROG", "--data HEX", "--data-file PATH", "--repeat N", "XDP_PASS",
		  "TC_ACT_SHOT", "-j, --json", "-p, --pretty", "-h, --help", "Exit status"}},
	};
	for (auto const &c : cases) {
		std::vector<std::string> args = c.cmd;
		args.push_back("--help");
		Run h = rax_cli(args);
		INFO(args[0] << (args.size() > 2 ? " " + args[1] : "") << ": " << h.err);
		CHECK(h.status == 0);
		CHECK(h.err.empty());
		for (auto w : c.words) {
			INFO(w);
			CHECK(has(h.out, w));
		}
		args.back() = "-h";
		Run s = rax_cli(args);
		CHECK(s.status == 0);
		CHECK(s.out == h.out);
	}
}

TEST_CASE("cli: usage errors of the kernel commands exit 2 and name the problem", "[cli][kernel]")
{
	struct {
		std::vector<std::string> args;
		char const *message;
	} const cases[] = {
		{{"load", "x.o"}, "rax: load: --pin DIR is required"},
		{{"load", "--pin", "/sys/fs/bpf/x"}, "no object given"},
		{{"load", "a.o", "b.o", "--pin", "/sys/fs/bpf/x"}, "more than one object"},
		{{"load", "x.o", "--pin"}, "'--pin' needs an argument"},
		{{"load", "x.o", "--pin", "/sys/fs/bpf/x", "--map", "NOEQUALS"}, "expected NAME=PATH"},
		{{"load", "x.o", "--pin", "/sys/fs/bpf/x", "--map", "A=/p", "--map", "A=/q"}, "given twice"},
		{{"load", "x.o", "--pin", "d", "--frob"}, "unknown option '--frob'"},
		{{"load", "x.o", "--pin", "d", "--budget-us", "0"}, "--budget-us '0': not a number"},
		{{"load", "x.o", "--pin", "d", "--budget-us", "4294967296"},
		 "--budget-us '4294967296': not a number"},
		{{"attach", "1", "xdp", "lo"}, "--pin-link PATH is required"},
		{{"attach", "1", "uprobe", "x", "--pin-link", "/p"}, "unknown target 'uprobe'"},
		{{"attach", "1", "--pin-link", "/p"}, "no target given"},
		{{"attach", "--pin-link", "/p"}, "no program given"},
		{{"attach", "x1", "xdp", "lo", "--pin-link", "/p"}, "bad program 'x1'"},
		{{"attach", "pinned", "--pin-link", "/p"}, "'pinned' needs a path"},
		{{"attach", "1", "xdp", "--pin-link", "/p"}, "target xdp needs xdp DEV"},
		{{"attach", "1", "xdp", "lo", "eth0", "--pin-link", "/p"}, "unexpected argument 'eth0'"},
		{{"attach", "1", "tc", "lo", "sideways", "--pin-link", "/p"}, "ingress or egress"},
		{{"attach", "1", "tracepoint", "sched_switch", "--pin-link", "/p"}, "expected CATEGORY:NAME"},
		{{"attach", "1", "perf_event", "hardware", "cycles", "--freq", "9", "--pin-link", "/p"},
		 "only software events"},
		{{"attach", "1", "perf_event", "software", "page-faults", "--freq", "9", "--pin-link", "/p"},
		 "cpu-clock or task-clock"},
		{{"attach", "1", "perf_event", "software", "cpu-clock", "--pin-link", "/p"},
		 "one of --freq HZ and --period N"},
		{{"attach", "1", "perf_event", "software", "cpu-clock", "--freq", "9", "--period", "9",
		  "--pin-link", "/p"},
		 "one of --freq HZ and --period N"},
		{{"attach", "1", "perf_event", "software", "cpu-clock", "--freq", "0", "--pin-link", "/p"},
		 "--freq '0'"},
		{{"attach", "1", "perf_event", "software", "cpu-clock", "--period", "9", "--cpu", "x",
		  "--pin-link", "/p"},
		 "--cpu 'x'"},
		{{"attach", "1", "xdp", "lo", "--pin-link", "/sys/fs/bpf/a.b"}, "refuses names with a '.'"},
		{{"attach", "1", "xdp", "lo", "--freq", "9", "--pin-link", "/p"},
		 "--freq applies only to perf_event"},
		{{"prog"}, "no subcommand given"},
		{{"prog", "frob"}, "unknown subcommand 'frob'"},
		{{"prog", "show", "0"}, "bad program '0'"},
		{{"prog", "show", "id"}, "'id' needs an id"},
		{{"prog", "show", "id", "x"}, "bad program id 'x'"},
		{{"prog", "show", "1", "2"}, "unexpected argument '2'"},
		{{"prog", "list", "extra"}, "unexpected argument 'extra'"},
		{{"map"}, "no subcommand given"},
		{{"map", "list"}, "unknown subcommand 'list'"},
		{{"map", "dump"}, "no map given"},
		{{"map", "dump", "4294967296"}, "bad map '4294967296'"},
		{{"map", "update"}, "no map given"},
		{{"map", "update", "1", "key", "00"}, "no value given"},
		{{"map", "update", "1", "value", "00", "frob"}, "unexpected argument 'frob'"},
		{{"test-run", "1"}, "one of --data HEX and --data-file PATH"},
		{{"test-run", "1", "--data", "00", "--data-file", "/p"}, "one of --data HEX and --data-file"},
		{{"test-run", "1", "--data", "0g"}, "--data: 'g' at position 1 is not a hex digit"},
		{{"test-run", "1", "--data", "abc"}, "--data: odd number of hex digits"},
		{{"test-run", "1", "--data", ""}, "the packet is empty"},
		{{"test-run", "1", "--data", "00", "--repeat", "0"}, "--repeat '0'"},
		{{"test-run", "--data", "00"}, "no program given"},
	};
	for (auto const &c : cases) {
		Run r = rax_cli(c.args);
		std::string line;
		for (auto const &a : c.args)
			line += a + " ";
		INFO(line << "-> " << r.err);
		CHECK(r.status == 2);
		CHECK(has(r.err, c.message));
		CHECK(has(r.err, "--help"));
		CHECK(r.out.empty());
	}
}

TEST_CASE("cli: rax load refuses before touching the kernel", "[cli][kernel]")
{
	TempDir d;
	std::string two = d / "two.rax.o";
	store(two, two_entry_object());
	store(two + ".sig", Bytes(10, 1));

	// Two entries and no --entry: the entries are listed.
	Run r = rax_cli({"load", two, "--pin", d / "pins"});
	CHECK(r.status == 1);
	CHECK(has(r.err, "rax: entry: "));
	CHECK(has(r.err, "probe_one (kprobe), rx (xdp)"));
	CHECK(has(r.err, "--entry NAME"));
	r = rax_cli({"load", two, "--pin", d / "pins", "--entry", "tx"});
	CHECK(r.status == 1);
	CHECK(has(r.err, "no entry 'tx'"));
	r = rax_cli({"load", two, "--pin", d / "pins", "-e", "rx", "--map", "other=/p"});
	CHECK(r.status == 1);
	CHECK(has(r.err, "no map 'other'"));

	// No signature: a system error naming the file.
	r = rax_cli({"load", two, "--pin", d / "pins", "-e", "rx", "-s", d / "none.sig"});
	CHECK(r.status == 3);
	CHECK(has(r.err, "none.sig"));
	// Not a Rax object.
	store(d / "junk.o", Bytes(64, 0));
	store(d / "junk.o.sig", Bytes(8, 0));
	r = rax_cli({"load", d / "junk.o", "--pin", d / "pins"});
	CHECK(r.status == 1);
	CHECK(has(r.err, "rax: parse: "));

	// A pin directory that is not on bpffs: refused, and not left behind.
	r = rax_cli({"load", two, "--pin", d / "pins/deeper", "-e", "rx"});
	CHECK(r.status == 1);
	CHECK(has(r.err, "is not on a bpf file system"));
	CHECK(!std::filesystem::exists(d / "pins"));
	CHECK(r.out.empty());
}

TEST_CASE("kernel: maps of the sample, created and dumped through rax map dump", "[kernel][bpf]")
{
	REQUIRE_BPF();
	k::LoadOptions opt;
	opt.object = sample().obj;
	auto plan = k::plan_load(opt);
	REQUIRE(plan);
	auto maps = k::create_maps(*plan);
	INFO((maps ? "" : maps.error().to_string()));
	REQUIRE(maps);
	REQUIRE(maps->size() == 2);
	k::LoadedMap const &proto = (*maps)[0];
	k::LoadedMap const &eth = (*maps)[1];
	CHECK(proto.name == "PROTO_COUNT");
	CHECK(eth.name == "ETH_COUNT");

	auto pi = k::map_info(proto.fd.get());
	REQUIRE(pi);
	CHECK(pi->id == proto.id);
	CHECK(pi->type == BPF_MAP_TYPE_ARRAY);
	CHECK(pi->max_entries == 256);
	CHECK(pi->name == "PROTO_COUNT");
	auto ei = k::map_info(eth.fd.get());
	REQUIRE(ei);
	CHECK(ei->type == BPF_MAP_TYPE_PERCPU_ARRAY);
	CHECK(ei->name == "ETH_COUNT");

	REQUIRE(k::map_update(proto.fd.get(), le32(17), le64(42)));
	auto cpus = k::possible_cpus();
	REQUIRE(cpus);
	Bytes per_cpu;
	for (std::size_t i = 0; i < cpus->size(); i++) {
		Bytes v = le64(100 + i);
		per_cpu.insert(per_cpu.end(), v.begin(), v.end());
	}
	REQUIRE(k::map_update(eth.fd.get(), le32(1), per_cpu));

	std::string const pid = std::to_string(proto.id);
	Run r = rax_cli({"map", "dump", pid, "-j"});
	INFO(r.err);
	REQUIRE(r.status == 0);
	CHECK(r.out.front() == '[');
	CHECK(count(r.out, "\"key\":") == 256);
	CHECK(has(r.out, "{\"key\":[\"0x11\",\"0x00\",\"0x00\",\"0x00\"],\"key_u32\":17,"
			 "\"value\":[\"0x2a\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\"],"
			 "\"value_u64\":42}"));
	CHECK(has(r.out, "\"key_u32\":16,\"value\":[\"0x00\""));

	r = rax_cli({"map", "dump", "id", pid});
	REQUIRE(r.status == 0);
	CHECK(has(r.out, "key: 11 00 00 00  value: 2a 00 00 00 00 00 00 00\n"));
	CHECK(has(r.out, "Found 256 elements\n"));

	// rax map update prints nothing, and null in JSON mode, as bpftool;
	// the kernel's error is a JSON object.
	r = rax_cli({"map", "update", pid, "key", "12000000", "value", "2b00000000000000"});
	INFO(r.err);
	REQUIRE(r.status == 0);
	CHECK(r.out.empty());
	r = rax_cli({"-j", "map", "update", pid, "key", "13000000", "value", "2c00000000000000"});
	REQUIRE(r.status == 0);
	CHECK(r.out == "null\n");
	r = rax_cli({"map", "update", pid, "key", "13000000", "value", "2d00000000000000", "-p"});
	REQUIRE(r.status == 0);
	CHECK(r.out == "null\n");
	r = rax_cli({"map", "update", pid, "key", "13000000", "value", "2e00000000000000",
		     "noexist", "-j"});
	CHECK(r.status == 3); // EEXIST
	CHECK(r.out.rfind("{\"error\":\"bpf: BPF_MAP_UPDATE_ELEM: File exists", 0) == 0);
	r = rax_cli({"map", "dump", pid});
	REQUIRE(r.status == 0);
	CHECK(has(r.out, "key: 12 00 00 00  value: 2b 00 00 00 00 00 00 00\n"));
	CHECK(has(r.out, "key: 13 00 00 00  value: 2d 00 00 00 00 00 00 00\n"));

	r = rax_cli({"map", "dump", std::to_string(eth.id), "-j"});
	INFO(r.err);
	REQUIRE(r.status == 0);
	CHECK(count(r.out, "\"key\":") == 5);
	CHECK(count(r.out, "{\"cpu\":") == 5 * cpus->size());
	std::string want = "{\"key\":[\"0x01\",\"0x00\",\"0x00\",\"0x00\"],\"key_u32\":1,\"values\":[";
	for (std::size_t i = 0; i < cpus->size(); i++) {
		want += i ? "," : "";
		want += "{\"cpu\":" + std::to_string((*cpus)[i]) + ",\"value\":[\"0x" +
			rax::hex(Bytes{std::uint8_t(100 + i)}) +
			"\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\"],\"value_u64\":" +
			std::to_string(100 + i) + "}";
	}
	CHECK(has(r.out, want + "]}"));
	r = rax_cli({"map", "dump", std::to_string(eth.id)});
	REQUIRE(r.status == 0);
	CHECK(has(r.out, "key: 01 00 00 00\n\tvalue (CPU " + std::to_string((*cpus)[0]) + "): 64 00"));

	// A map id that does not exist.
	r = rax_cli({"map", "dump", "4000000000"});
	CHECK(r.status == 3);
	CHECK(has(r.err, "BPF_MAP_GET_FD_BY_ID"));
}

TEST_CASE("kernel: spin-lock maps are created with their BTF", "[kernel][bpf][btf]")
{
	REQUIRE_BPF();
	rax::MapDef def;
	def.type = BPF_MAP_TYPE_HASH;
	def.name = "rax_t_lock";
	def.key_size = 12;
	def.value_size = 16;
	def.max_entries = 4;
	def.flags = RAX_MAP_SPIN_LOCK;
	def.spin_lock_off = 8;
	auto fd = k::map_create(def);
	INFO((fd ? "" : fd.error().to_string()));
	REQUIRE(fd);
	auto info = k::map_info(fd->get());
	REQUIRE(info);
	CHECK(info->btf_id != 0);
	CHECK(info->btf_key_type_id == 4);
	CHECK(info->btf_value_type_id == 5);
	// BPF_F_LOCK updates work only on a map whose BTF places a lock.
	Bytes const key(12, 7);
	Bytes value = le64(42);
	Bytes const tail = le64(0);
	value.insert(value.end(), tail.begin(), tail.end());
	CHECK(k::map_update(fd->get(), key, value, BPF_F_LOCK));
	auto got = k::map_lookup(fd->get(), key, 16);
	REQUIRE(got);
	REQUIRE(got->has_value());
	CHECK(k::le_value(std::span(**got).first(8)) == 42U);

	// An array: its key is u32, the lock at 0.
	def.type = BPF_MAP_TYPE_ARRAY;
	def.key_size = 4;
	def.spin_lock_off = 0;
	fd = k::map_create(def);
	INFO((fd ? "" : fd.error().to_string()));
	REQUIRE(fd);
	info = k::map_info(fd->get());
	REQUIRE(info);
	CHECK(info->btf_key_type_id == 2);
	CHECK(info->btf_value_type_id == 4);
	CHECK(k::map_update(fd->get(), le32(1), value, BPF_F_LOCK));

	// Without the lock: no BTF, and BPF_F_LOCK is refused.
	def.flags = 0;
	fd = k::map_create(def);
	REQUIRE(fd);
	info = k::map_info(fd->get());
	REQUIRE(info);
	CHECK(info->btf_id == 0);
	CHECK_FALSE(k::map_update(fd->get(), le32(1), value, BPF_F_LOCK));

	// BTF the kernel refuses: its log is in the error.
	rax::BtfIds ids;
	def.flags = RAX_MAP_SPIN_LOCK;
	auto blob = rax::map_value_btf(def, ids);
	REQUIRE(blob);
	Bytes bad = *blob;
	bad[24 + 4] = 1; // type 1's info: a vlen, which an INT has not
	auto btf = k::btf_load(bad);
	REQUIRE_FALSE(btf);
	CHECK(has(btf.error().message(), "BPF_BTF_LOAD: "));
	CHECK(has(btf.error().message(), "; the kernel's log:\n"));
	CHECK(has(btf.error().message(), "[1] INT u8"));
}

TEST_CASE("kernel: a ring buffer is created but not dumped", "[kernel][bpf]")
{
	REQUIRE_BPF();
	rax::MapDef def;
	def.type = BPF_MAP_TYPE_RINGBUF;
	def.name = "rax_t_ring";
	def.max_entries = 4096;
	auto fd = k::map_create(def);
	INFO((fd ? "" : fd.error().to_string()));
	REQUIRE(fd);
	auto info = k::map_info(fd->get());
	REQUIRE(info);
	CHECK(info->type == BPF_MAP_TYPE_RINGBUF);
	CHECK(info->key_size == 0);
	CHECK(info->value_size == 0);
	CHECK(info->max_entries == 4096);
	CHECK(k::map_is_ringbuf(info->type));

	auto d = k::map_dump(fd->get(), *info, 1);
	REQUIRE_FALSE(d);
	CHECK(d.error().code() == EINVAL);
	CHECK(d.error().message() ==
	      "map rax_t_ring is a ring buffer: its records are read with mmap, not dumped");

	Run r = rax_cli({"map", "dump", std::to_string(info->id), "-j"});
	CHECK(r.status == 1);
	CHECK(has(r.err, "map rax_t_ring is a ring buffer: its records are read with mmap, not dumped"));
	// -j: the error as JSON on stdout, as bpftool does.
	CHECK(r.out.rfind("{\"error\":\"", 0) == 0);
	CHECK(has(r.out, "is a ring buffer"));
}

TEST_CASE("kernel: queues and stacks through dump, peek and pop, a perf event array's dump",
	  "[kernel][bpf]")
{
	REQUIRE_BPF();
	for (std::uint32_t type : {BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK}) {
		bool const queue = type == BPF_MAP_TYPE_QUEUE;
		rax::MapDef def;
		def.type = type;
		def.name = queue ? "rax_t_queue" : "rax_t_stack";
		def.value_size = 8;
		def.max_entries = 4;
		auto fd = k::map_create(def);
		INFO((fd ? "" : fd.error().to_string()));
		REQUIRE(fd);
		auto info = k::map_info(fd->get());
		REQUIRE(info);
		CHECK(k::map_is_keyless(info->type));
		std::string const id = std::to_string(info->id);

		// Empty: a dump with nothing in it; peek and pop say so.
		Run r = rax_cli({"map", "dump", id});
		CHECK(r.status == 0);
		CHECK(r.out == "Empty\n");
		r = rax_cli({"map", "dump", id, "-j"});
		CHECK(r.status == 0);
		CHECK(r.out == "[]\n");
		r = rax_cli({"map", "peek", id});
		CHECK(r.status == 3); // ENOENT
		CHECK(has(r.err, "map " + def.name + " is empty"));

		// Pushed with rax map update: 1, 2, 3.
		for (int v = 1; v <= 3; v++) {
			r = rax_cli({"map", "update", id, "value", rax::hex(le64(v))});
			INFO(r.err);
			REQUIRE(r.status == 0);
		}
		std::string const next = queue ? "01" : "03";
		r = rax_cli({"map", "dump", id});
		INFO(r.err);
		REQUIRE(r.status == 0);
		CHECK(r.out == "value: " + next + " 00 00 00 00 00 00 00\n"
			       "Next of its elements shown (a queue or a stack lists no others)\n");
		r = rax_cli({"map", "dump", id, "-j"});
		REQUIRE(r.status == 0);
		CHECK(r.out == "[{\"value\":[\"0x" + next +
				       "\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\","
				       "\"0x00\"],\"value_u64\":" + next.substr(1) + "}]\n");
		// A dump and a peek take nothing; pops take them in order.
		r = rax_cli({"map", "peek", id, "-j"});
		REQUIRE(r.status == 0);
		CHECK(has(r.out, "{\"value\":[\"0x" + next + "\","));
		std::string order;
		for (int i = 0; i < 3; i++) {
			r = rax_cli({"map", "pop", id});
			INFO(r.err);
			REQUIRE(r.status == 0);
			order += r.out.substr(7, 2);
		}
		CHECK(order == (queue ? "010203" : "030201"));
		r = rax_cli({"map", "pop", id});
		CHECK(r.status == 3);
		CHECK(has(r.err, "is empty"));
	}

	// peek on a map with keys is refused with the reason.
	rax::MapDef def;
	def.type = BPF_MAP_TYPE_ARRAY;
	def.name = "rax_t_arr";
	def.key_size = 4;
	def.value_size = 8;
	def.max_entries = 2;
	auto afd = k::map_create(def);
	REQUIRE(afd);
	auto ai = k::map_info(afd->get());
	REQUIRE(ai);
	Run r = rax_cli({"map", "pop", std::to_string(ai->id)});
	CHECK(r.status == 1);
	CHECK(has(r.err, "map rax_t_arr is not a queue or a stack: pop needs one (rax map dump)"));

	// A perf event array: keys without readable values, each with its
	// error, as bpftool shows them.
	def.type = BPF_MAP_TYPE_PERF_EVENT_ARRAY;
	def.name = "rax_t_perf";
	def.value_size = 4;
	def.max_entries = 3;
	auto pfd = k::map_create(def);
	INFO((pfd ? "" : pfd.error().to_string()));
	REQUIRE(pfd);
	auto pi = k::map_info(pfd->get());
	REQUIRE(pi);
	r = rax_cli({"map", "dump", std::to_string(pi->id)});
	INFO(r.err);
	REQUIRE(r.status == 0);
	CHECK(has(r.out, "key: 02 00 00 00  value: <Operation not supported (ENOTSUPP)>\n"));
	CHECK(has(r.out, "Found 3 elements\n"));
	r = rax_cli({"map", "dump", std::to_string(pi->id), "-j"});
	REQUIRE(r.status == 0);
	CHECK(count(r.out, "\"value\":{\"error\":\"Operation not supported (ENOTSUPP)\"}") == 3);
}

TEST_CASE("kernel: eBPF programs in rax prog list/show and rax test-run", "[kernel][bpf]")
{
	REQUIRE_BPF();
	k::Fd xdp = load_ebpf(BPF_PROG_TYPE_XDP, 2, "rax_t_xdp");
	k::Fd tc = load_ebpf(BPF_PROG_TYPE_SCHED_CLS, 2, "rax_t_tc");
	std::string const xid = std::to_string(id_of_prog(xdp));
	std::string const tid = std::to_string(id_of_prog(tc));

	Run r = rax_cli({"prog", "list", "-j"});
	INFO(r.err);
	REQUIRE(r.status == 0);
	CHECK(r.out.front() == '[');
	CHECK(has(r.out, "{\"id\":" + xid + ",\"type\":\"xdp\",\"name\":\"rax_t_xdp\",\"tag\":\""));
	CHECK(has(r.out, "{\"id\":" + tid + ",\"type\":\"sched_cls\",\"name\":\"rax_t_tc\""));

	// Without a program, show lists them all, as bpftool does; and so
	// does a prefix of list.
	for (auto const &args : {std::vector<std::string>{"prog", "show", "-j"},
				 std::vector<std::string>{"-j", "p", "l"}}) {
		Run s = rax_cli(args);
		REQUIRE(s.status == 0);
		CHECK(s.out.front() == '[');
		CHECK(has(s.out, "\"name\":\"rax_t_xdp\""));
	}

	r = rax_cli({"prog", "show", xid, "-j"});
	REQUIRE(r.status == 0);
	CHECK(r.out.front() == '{');
	CHECK(has(r.out, "\"rax\":false"));
	CHECK(!has(r.out, "rax_entry"));
	auto info = k::prog_info(xdp.get());
	REQUIRE(info);
	CHECK(info->tag.size() == 16);
	CHECK(has(r.out, "\"tag\":\"" + info->tag + "\""));
	r = rax_cli({"prog", "show", "id", xid});
	REQUIRE(r.status == 0);
	CHECK(has(r.out, xid + ": xdp  name rax_t_xdp  tag " + info->tag + "\n"));
	CHECK(!has(r.out, " rax\n"));

	std::string const pkt = "ffffffffffff00112233445508004500001c0001000040117ccd7f0000017f000001";
	r = rax_cli({"test-run", xid, "--data", pkt, "-j"});
	INFO(r.err);
	REQUIRE(r.status == 0);
	CHECK(has(r.out, "\"retval\":2,\"retval_name\":\"XDP_PASS\""));
	CHECK(has(r.out, "\"data_out_hex\":\"" + pkt + "\""));
	CHECK(has(r.out, "\"data_size_out\":" + std::to_string(pkt.size() / 2)));
	r = rax_cli({"test-run", "id", xid, "--data", pkt, "--repeat", "5"});
	REQUIRE(r.status == 0);
	CHECK(has(r.out, "retval 2 (XDP_PASS)"));
	CHECK(has(r.out, "repeat 5"));
	CHECK(has(r.out, "\t0000  ff ff ff ff ff ff 00 11 22 33 44 55 08 00 45 00\n"));

	TempDir d;
	store(d / "pkt.bin", k::parse_hex(pkt).value());
	r = rax_cli({"test-run", tid, "--data-file", d / "pkt.bin"});
	INFO(r.err);
	REQUIRE(r.status == 0);
	CHECK(has(r.out, "retval 2 (TC_ACT_SHOT)"));

	// The wrong kind of program, object or target.
	k::Fd kp = load_ebpf(BPF_PROG_TYPE_KPROBE, 0, "rax_t_kp");
	std::string const kid = std::to_string(id_of_prog(kp));
	r = rax_cli({"test-run", kid, "--data", pkt});
	CHECK(r.status == 1);
	CHECK(has(r.err, "is a kprobe program"));
	r = rax_cli({"attach", xid, "kprobe", "do_sys_open", "--pin-link", d / "l"});
	CHECK(r.status == 1);
	CHECK(has(r.err, "is a xdp program; target kprobe needs a kprobe program"));
	r = rax_cli({"attach", xid, "xdp", "rax-no-such-dev", "--pin-link", d / "l"});
	CHECK(r.status == 3);
	CHECK(has(r.err, "network device 'rax-no-such-dev'"));
	CHECK(!std::filesystem::exists(d / "l"));
	r = rax_cli({"prog", "show", "4000000000"});
	CHECK(r.status == 3);
	CHECK(has(r.err, "BPF_PROG_GET_FD_BY_ID"));
}

TEST_CASE("kernel: pinned objects, a perf_event attach and a refused load in a bpffs", "[kernel][bpf]")
{
	REQUIRE_BPF();
	Bpffs fs;
	if (!fs.mounted) {
		WARN("skipped: no private bpf file system: " << fs.why);
		return;
	}

	// The pinned forms of PROG and MAP, and the kind checks.
	k::Fd xdp = load_ebpf(BPF_PROG_TYPE_XDP, 1, "rax_t_drop");
	REQUIRE(k::obj_pin(xdp.get(), fs / "xdp"));
	k::LoadOptions opt;
	opt.object = sample().obj;
	auto plan = k::plan_load(opt);
	REQUIRE(plan);
	auto maps = k::create_maps(*plan);
	REQUIRE(maps);
	REQUIRE(k::obj_pin((*maps)[0].fd.get(), fs / "proto"));
	REQUIRE(k::obj_pin((*maps)[1].fd.get(), fs / "eth"));

	Run r = rax_cli({"prog", "show", "pinned", fs / "xdp", "-j"});
	INFO(r.err);
	REQUIRE(r.status == 0);
	CHECK(has(r.out, "\"name\":\"rax_t_drop\""));
	r = rax_cli({"test-run", "pinned", fs / "xdp", "--data", "00112233445566778899aabbccdd"});
	REQUIRE(r.status == 0);
	CHECK(has(r.out, "retval 1 (XDP_DROP)"));
	r = rax_cli({"map", "dump", "pinned", fs / "proto"});
	REQUIRE(r.status == 0);
	CHECK(has(r.out, "Found 256 elements"));
	r = rax_cli({"prog", "show", "pinned", fs / "proto"});
	CHECK(r.status == 1);
	CHECK(has(r.err, "is a map, not a program"));
	r = rax_cli({"map", "dump", "pinned", fs / "xdp"});
	CHECK(r.status == 1);
	CHECK(has(r.err, "is a program, not a map"));

	// A load the kernel refuses (this signature is no one's) leaves
	// nothing pinned; a kernel without Rax refuses its attributes.
	r = rax_cli({"load", sample().obj, "--pin", fs / "xc"});
	CHECK(r.status != 0);
	CHECK(r.status != 2);
	CHECK(has(r.err, "rax: load: "));
	CHECK(has(r.err, "BPF_PROG_LOAD: "));
	CHECK(!std::filesystem::exists(fs / "xc"));
	// The same with a map reused from its pin ...
	r = rax_cli({"load", sample().obj, "--pin", fs / "xc", "--map", "PROTO_COUNT=" + fs / "proto"});
	CHECK(has(r.err, "BPF_PROG_LOAD: "));
	CHECK(!std::filesystem::exists(fs / "xc"));
	// ... which must be the map the object defines.
	r = rax_cli({"load", sample().obj, "--pin", fs / "xc", "--map", "PROTO_COUNT=" + fs / "eth"});
	CHECK(r.status == 1);
	CHECK(has(r.err, "map PROTO_COUNT: " + fs / "eth" +
				 " is a percpu_array map, key 4B, value 8B, max_entries 5, flags 0; the "
				 "object defines a array map, key 4B, value 8B, max_entries 256, flags 0"));
	r = rax_cli({"load", sample().obj, "--pin", fs / "xc", "--map", "PROTO_COUNT=" + fs / "xdp"});
	CHECK(r.status == 1);
	CHECK(has(r.err, "is a program, not a map"));
	CHECK(!std::filesystem::exists(fs / "xc"));
	// A program is already pinned there.
	std::filesystem::create_directory(fs / "taken");
	REQUIRE(k::obj_pin(xdp.get(), fs / "taken/prog"));
	r = rax_cli({"load", sample().obj, "--pin", fs / "taken"});
	CHECK(r.status == 3);
	CHECK(has(r.err, "exists"));

	// A software perf event on every online CPU, one pinned link each.
	k::Fd pe = load_ebpf(BPF_PROG_TYPE_PERF_EVENT, 0, "rax_t_pe");
	REQUIRE(k::obj_pin(pe.get(), fs / "pe"));
	auto online = k::online_cpus();
	REQUIRE(online);
	std::string const link = fs / "pe_link";
	r = rax_cli({"attach", "pinned", fs / "pe", "perf_event", "software", "cpu-clock", "--period",
		     "1000000000", "--pin-link", link, "-j"});
	INFO(r.err);
	if (r.status == 3 && has(r.err, "perf_event_open")) {
		WARN("skipped the perf_event attach: " << r.err);
	} else {
		REQUIRE(r.status == 0);
		CHECK(count(r.out, "\"pinned\":") == online->size());
		CHECK(has(r.out, "\"kind\":\"perf_event\",\"target\":\"perf_event software cpu-clock\""));
		for (std::size_t i = 0; i < online->size(); i++) {
			std::string const p = i ? link + "_" + std::to_string(i) : link;
			INFO(p);
			CHECK(has(r.out, "\"pinned\":\"" + p + "\",\"cpu\":" + std::to_string((*online)[i])));
			auto lfd = k::obj_get(p);
			REQUIRE(lfd);
			auto fi = k::fdinfo(lfd->get());
			REQUIRE(fi);
			CHECK(k::obj_kind(*fi) == k::ObjKind::link);
			auto li = k::link_info(lfd->get());
			REQUIRE(li);
			CHECK(li->prog_id == id_of_prog(pe));
		}
		// One CPU, text output; a link pinned at an existing path is
		// refused and nothing is left of the attempt.
		r = rax_cli({"attach", "pinned", fs / "pe", "perf_event", "software", "task-clock",
			     "--freq", "1", "--cpu", std::to_string(online->front()), "--pin-link",
			     fs / "one"});
		INFO(r.err);
		CHECK(r.status == 0);
		CHECK(has(r.out, "attached to perf_event software task-clock on CPU " +
					 std::to_string(online->front()) + ": link "));
		CHECK(std::filesystem::exists(fs / "one"));
		CHECK(!std::filesystem::exists(fs / "one_1"));
		r = rax_cli({"attach", "pinned", fs / "pe", "perf_event", "software", "cpu-clock",
			     "--period", "1000000000", "--pin-link", link});
		CHECK(r.status == 3);
		CHECK(has(r.err, "File exists"));
		r = rax_cli({"attach", "pinned", fs / "pe", "perf_event", "software", "cpu-clock",
			     "--period", "1000000000", "--cpu", "65535", "--pin-link", fs / "x"});
		CHECK(r.status == 1);
		CHECK(has(r.err, "CPU 65535 is not online"));
		CHECK(!std::filesystem::exists(fs / "x"));
	}

	// A tracepoint program on a kprobe target: refused by type first.
	r = rax_cli({"attach", "pinned", fs / "pe", "tracepoint", "sched:sched_switch", "--pin-link",
		     fs / "tp"});
	CHECK(r.status == 1);
	CHECK(has(r.err, "target tracepoint needs a tracepoint program"));
}

TEST_CASE("kernel: xdp and tc attach on lo of a private network namespace", "[kernel][bpf]")
{
	REQUIRE_BPF();
	Bpffs fs;
	if (!fs.mounted) {
		WARN("skipped: no private bpf file system: " << fs.why);
		return;
	}
	// The attachments go to the loopback device of a network namespace
	// of this test only, which goes away (and detaches them) with it.
	std::vector<std::string> const netns = {"unshare", "--net", "--"};
	if (std::system("unshare --net -- true >/dev/null 2>&1") != 0) {
		WARN("skipped: cannot make a network namespace (unshare --net)");
		return;
	}
	k::Fd xdp = load_ebpf(BPF_PROG_TYPE_XDP, 2, "rax_t_lo_xdp");
	k::Fd tc = load_ebpf(BPF_PROG_TYPE_SCHED_CLS, 0, "rax_t_lo_tc");
	REQUIRE(k::obj_pin(xdp.get(), fs / "xdp"));
	REQUIRE(k::obj_pin(tc.get(), fs / "tc"));

	Run r = rax_cli({"attach", "pinned", fs / "xdp", "xdp", "lo", "--pin-link", fs / "xdp_link", "-j"},
			netns);
	INFO(r.err);
	REQUIRE(r.status == 0);
	CHECK(has(r.out, "{\"prog_id\":" + std::to_string(id_of_prog(xdp)) +
				 ",\"kind\":\"xdp\",\"target\":\"xdp lo\",\"links\":[{\"id\":"));
	r = rax_cli({"attach", "pinned", fs / "tc", "tc", "lo", "ingress", "--pin-link", fs / "in"}, netns);
	INFO(r.err);
	REQUIRE(r.status == 0);
	CHECK(has(r.out, "(sched_cls) attached to tc lo ingress: link "));
	r = rax_cli({"attach", "id", std::to_string(id_of_prog(tc)), "tc", "lo", "egress", "--pin-link",
		     fs / "out"},
		    netns);
	INFO(r.err);
	REQUIRE(r.status == 0);

	struct {
		char const *pin;
		k::Fd const &prog;
		std::uint32_t link_type;
	} const pins[] = {
		{"xdp_link", xdp, BPF_LINK_TYPE_XDP},
		{"in", tc, 11}, // BPF_LINK_TYPE_TCX, newer than the host's header
		{"out", tc, 11},
	};
	for (auto const &p : pins) {
		INFO(p.pin);
		auto lfd = k::obj_get(fs / p.pin);
		REQUIRE(lfd);
		auto li = k::link_info(lfd->get());
		REQUIRE(li);
		CHECK(li->type == p.link_type);
		CHECK(li->prog_id == id_of_prog(p.prog));
	}
}
