// SPDX-License-Identifier: GPL-2.0
// The bpf(2) and perf_event_open(2) calls of librax: maps, programs,
// links, object pins, fdinfo, test runs and perf events. The bpf(2) calls
// go through libbpf; sys_bpf() remains for the Rax BPF_PROG_LOAD (load.cpp),
// whose attributes libbpf cannot pass.
#include <rax/kernel.hpp>

#include <bpf/bpf.h>
#include <fcntl.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <rax/btf.hpp>

namespace rax::kernel {

namespace {

Error sys_error(int err, std::string const &op, std::string const &what)
{
	return Error(err, op, what + ": " + std::strerror(err));
}

std::uint64_t ptr(void const *p)
{
	return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p));
}

// A small text file (sysfs, procfs, tracefs), whole.
Result<std::string> read_text(std::string const &path)
{
	auto b = read_file(path);
	if (!b)
		return std::move(b).error();
	return std::string(b->begin(), b->end());
}

std::string trim(std::string_view s)
{
	auto const ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
	while (!s.empty() && ws(s.front()))
		s.remove_prefix(1);
	while (!s.empty() && ws(s.back()))
		s.remove_suffix(1);
	return std::string(s);
}

// The result of libbpf's call of bpf command @cmd, or an Error as sys_bpf()
// gives ("BPF_MAP_CREATE: Operation not permitted"). libbpf 1.x returns
// -errno itself; EAGAIN and EINTR are retried as sys_bpf() retries them.
template <typename Call>
Result<int> libbpf_call(int cmd, Call &&call)
{
	for (int tries = 0;; tries++) {
		int const r = call();
		if (r >= 0)
			return r;
		if ((r == -EAGAIN || r == -EINTR) && tries < 5)
			continue;
		return sys_error(-r, "bpf", bpf_cmd_name(cmd));
	}
}

bool parse_u64(std::string_view s, std::uint64_t &out)
{
	if (s.empty() || s.size() > 20)
		return false;
	std::uint64_t v = 0;
	for (char c : s) {
		if (c < '0' || c > '9')
			return false;
		std::uint64_t const d = static_cast<std::uint64_t>(c - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	out = v;
	return true;
}

// Every id from libbpf's @next (bpf_prog_get_next_id, bpf_map_get_next_id).
Result<std::vector<std::uint32_t>> ids(int cmd, int (*next)(__u32, __u32 *))
{
	std::vector<std::uint32_t> out;
	__u32 id = 0;

	for (;;) {
		__u32 next_id = 0;
		auto r = libbpf_call(cmd, [&] { return next(id, &next_id); });
		if (!r) {
			if (r.error().code() == ENOENT)
				return out;
			return std::move(r).error();
		}
		out.push_back(next_id);
		id = next_id;
	}
}

// An fd from libbpf's @get (bpf_prog_get_fd_by_id, bpf_map_get_fd_by_id).
Result<Fd> fd_by_id(int cmd, int (*get)(__u32), std::uint32_t id)
{
	auto r = libbpf_call(cmd, [&] { return get(id); });
	if (!r)
		return Error(r.error().code(), r.error().op(),
			     r.error().message() + " (id " + std::to_string(id) + ")");
	return Fd(*r);
}

template <typename Info>
Result<void> obj_info(int fd, Info &info)
{
	__u32 len = sizeof(info);
	auto r = libbpf_call(BPF_OBJ_GET_INFO_BY_FD,
			     [&] { return bpf_obj_get_info_by_fd(fd, &info, &len); });
	if (!r)
		return std::move(r).error();
	return {};
}

std::string name_of(char const *s, std::size_t n)
{
	return std::string(s, ::strnlen(s, n));
}

} // namespace

void Fd::reset(int fd)
{
	if (fd_ >= 0 && fd_ != fd)
		::close(fd_);
	fd_ = fd;
}

std::string bpf_cmd_name(int cmd)
{
	switch (cmd) {
#define RAX_CMD(c) \
	case c:    \
		return #c;
		RAX_CMD(BPF_MAP_CREATE)
		RAX_CMD(BPF_MAP_LOOKUP_ELEM)
		RAX_CMD(BPF_MAP_UPDATE_ELEM)
		RAX_CMD(BPF_MAP_DELETE_ELEM)
		RAX_CMD(BPF_MAP_GET_NEXT_KEY)
		RAX_CMD(BPF_MAP_LOOKUP_AND_DELETE_ELEM)
		RAX_CMD(BPF_PROG_LOAD)
		RAX_CMD(BPF_OBJ_PIN)
		RAX_CMD(BPF_OBJ_GET)
		RAX_CMD(BPF_PROG_TEST_RUN)
		RAX_CMD(BPF_PROG_GET_NEXT_ID)
		RAX_CMD(BPF_MAP_GET_NEXT_ID)
		RAX_CMD(BPF_PROG_GET_FD_BY_ID)
		RAX_CMD(BPF_MAP_GET_FD_BY_ID)
		RAX_CMD(BPF_OBJ_GET_INFO_BY_FD)
		RAX_CMD(BPF_BTF_LOAD)
		RAX_CMD(BPF_LINK_CREATE)
#undef RAX_CMD
	default:
		return "bpf command " + std::to_string(cmd);
	}
}

Result<int> sys_bpf(int cmd, void *attr, std::size_t size)
{
	for (int tries = 0;; tries++) {
		long r = ::syscall(__NR_bpf, cmd, attr, static_cast<unsigned>(size));
		if (r >= 0)
			return static_cast<int>(r);
		int const err = errno;
		// The verifier and the map code return EAGAIN when a resource
		// is momentarily short; libbpf retries too.
		if ((err == EAGAIN || err == EINTR) && tries < 5)
			continue;
		return sys_error(err, "bpf", bpf_cmd_name(cmd));
	}
}

Result<void> bpf_available()
{
	MapDef def;
	def.type = BPF_MAP_TYPE_ARRAY;
	def.key_size = 4;
	def.value_size = 4;
	def.max_entries = 1;
	def.name = "rax_probe";
	auto fd = map_create(def);
	if (!fd)
		return std::move(fd).error();
	return {};
}

std::string object_name(std::string_view name)
{
	std::string s(name.substr(0, BPF_OBJ_NAME_LEN - 1));

	for (char &c : s) {
		bool const ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				(c >= '0' && c <= '9') || c == '_' || c == '.';
		if (!ok)
			c = '_';
	}
	return s;
}

union bpf_attr map_create_attr(MapDef const &def)
{
	union bpf_attr attr {};
	std::string const name = object_name(def.name);

	attr.map_type = def.type;
	attr.key_size = def.key_size;
	attr.value_size = def.value_size;
	attr.max_entries = def.max_entries;
	attr.map_flags = def.map_flags;
	std::memcpy(attr.map_name, name.data(), name.size());
	return attr;
}

Result<Fd> btf_load(std::span<std::uint8_t const> blob)
{
	// The log of a few types is short; the kernel fills it as it checks
	// them, and on failure it says why.
	std::vector<char> log(64 * 1024);
	bpf_btf_load_opts opts {};

	opts.sz = sizeof(opts);
	opts.log_buf = log.data();
	opts.log_size = static_cast<__u32>(log.size());
	opts.log_level = 1;
	auto r = libbpf_call(BPF_BTF_LOAD,
			     [&] { return bpf_btf_load(blob.data(), blob.size(), &opts); });
	if (!r) {
		std::string l(log.data(), ::strnlen(log.data(), log.size()));
		while (!l.empty() && l.back() == '\n')
			l.pop_back();
		std::string msg = r.error().message();
		if (!l.empty())
			msg += "; the kernel's log:\n" + l;
		return Error(r.error().code(), r.error().op(), std::move(msg));
	}
	return Fd(*r);
}

Result<Fd> map_create(MapDef const &def)
{
	union bpf_attr const attr = map_create_attr(def);
	bpf_map_create_opts opts {};
	// The BTF that places the value's bpf_spin_lock; the map holds its
	// own reference, this fd is closed on return.
	Fd btf;

	opts.sz = sizeof(opts);
	opts.map_flags = attr.map_flags;

	if (def.has_spin_lock()) {
		BtfIds ids;
		auto blob = map_value_btf(def, ids);
		if (!blob)
			return Error(blob.error().code(), "map", blob.error().message());
		auto fd = btf_load(*blob);
		if (!fd)
			return Error(fd.error().code(), fd.error().op(),
				     "map " + def.name + ": the BTF of its value (spin lock at " +
					     std::to_string(def.spin_lock_off) +
					     "): " + fd.error().message());
		btf = std::move(*fd);
		opts.btf_fd = static_cast<__u32>(btf.get());
		opts.btf_key_type_id = ids.key_type_id;
		opts.btf_value_type_id = ids.value_type_id;
	}
	auto r = libbpf_call(BPF_MAP_CREATE, [&] {
		return bpf_map_create(static_cast<bpf_map_type>(attr.map_type), attr.map_name,
				      attr.key_size, attr.value_size, attr.max_entries, &opts);
	});
	if (!r)
		return Error(r.error().code(), r.error().op(),
			     "map " + def.name + ": " + r.error().message());
	return Fd(*r);
}

Result<Fd> obj_get(std::string const &path)
{
	auto r = libbpf_call(BPF_OBJ_GET, [&] { return bpf_obj_get(path.c_str()); });
	if (!r)
		return Error(r.error().code(), r.error().op(), path + ": " + r.error().message());
	return Fd(*r);
}

Result<void> obj_pin(int fd, std::string const &path)
{
	auto r = libbpf_call(BPF_OBJ_PIN, [&] { return bpf_obj_pin(fd, path.c_str()); });
	if (!r)
		return Error(r.error().code(), r.error().op(), path + ": " + r.error().message());
	return {};
}

Result<std::vector<std::uint32_t>> prog_ids()
{
	return ids(BPF_PROG_GET_NEXT_ID, bpf_prog_get_next_id);
}

Result<std::vector<std::uint32_t>> map_ids()
{
	return ids(BPF_MAP_GET_NEXT_ID, bpf_map_get_next_id);
}

Result<Fd> prog_fd_by_id(std::uint32_t id)
{
	return fd_by_id(BPF_PROG_GET_FD_BY_ID, bpf_prog_get_fd_by_id, id);
}

Result<Fd> map_fd_by_id(std::uint32_t id)
{
	return fd_by_id(BPF_MAP_GET_FD_BY_ID, bpf_map_get_fd_by_id, id);
}

Result<ProgInfo> prog_info(int fd)
{
	struct bpf_prog_info info {};
	RAX_CHECK(obj_info(fd, info));

	ProgInfo out;
	out.id = info.id;
	out.type = info.type;
	out.name = name_of(info.name, sizeof(info.name));
	out.tag = hex(std::span<std::uint8_t const>(info.tag, sizeof(info.tag)));
	out.run_cnt = info.run_cnt;
	out.run_time_ns = info.run_time_ns;
	out.load_time = info.load_time;
	out.created_by_uid = info.created_by_uid;
	out.jited_prog_len = info.jited_prog_len;
	out.xlated_prog_len = info.xlated_prog_len;

	// A second call for the map ids, now that their number is known.
	if (std::uint32_t n = info.nr_map_ids; n) {
		std::vector<std::uint32_t> ids(n);
		struct bpf_prog_info again {};
		again.nr_map_ids = n;
		again.map_ids = ptr(ids.data());
		RAX_CHECK(obj_info(fd, again));
		ids.resize(std::min(n, again.nr_map_ids));
		out.map_ids = std::move(ids);
	}
	return out;
}

Result<MapInfo> map_info(int fd)
{
	struct bpf_map_info info {};
	RAX_CHECK(obj_info(fd, info));

	MapInfo out;
	out.id = info.id;
	out.type = info.type;
	out.key_size = info.key_size;
	out.value_size = info.value_size;
	out.max_entries = info.max_entries;
	out.map_flags = info.map_flags;
	out.name = name_of(info.name, sizeof(info.name));
	out.btf_id = info.btf_id;
	out.btf_key_type_id = info.btf_key_type_id;
	out.btf_value_type_id = info.btf_value_type_id;
	return out;
}

Result<LinkInfo> link_info(int fd)
{
	struct bpf_link_info info {};
	RAX_CHECK(obj_info(fd, info));
	return LinkInfo{info.id, info.type, info.prog_id};
}

FdInfo parse_fdinfo(std::string_view text)
{
	FdInfo out;

	while (!text.empty()) {
		std::size_t const nl = text.find('\n');
		std::string_view line = text.substr(0, nl);
		text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
		std::size_t const colon = line.find(':');
		if (colon == std::string_view::npos || colon == 0)
			continue;
		out.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
	}
	return out;
}

Result<FdInfo> fdinfo(int fd)
{
	auto t = read_text("/proc/self/fdinfo/" + std::to_string(fd));
	if (!t)
		return std::move(t).error();
	return parse_fdinfo(*t);
}

std::optional<std::string> fdinfo_get(FdInfo const &info, std::string_view key)
{
	for (auto const &[k, v] : info)
		if (k == key)
			return v;
	return std::nullopt;
}

ObjKind obj_kind(FdInfo const &info)
{
	if (fdinfo_get(info, "prog_type"))
		return ObjKind::prog;
	if (fdinfo_get(info, "map_type"))
		return ObjKind::map;
	if (fdinfo_get(info, "link_type"))
		return ObjKind::link;
	return ObjKind::other;
}

char const *obj_kind_name(ObjKind k)
{
	switch (k) {
	case ObjKind::prog:
		return "program";
	case ObjKind::map:
		return "map";
	case ObjKind::link:
		return "link";
	default:
		return "not a BPF object";
	}
}

std::optional<RaxProgInfo> rax_prog_info(FdInfo const &info)
{
	auto rax = fdinfo_get(info, "rax");
	if (!rax || *rax != "1")
		return std::nullopt;
	RaxProgInfo out;
	out.entry = fdinfo_get(info, "rax_entry").value_or("");
	out.signer = fdinfo_get(info, "rax_signer").value_or("");
	auto number = [&](char const *key, std::uint64_t &to) {
		std::uint64_t n = 0;
		if (parse_u64(fdinfo_get(info, key).value_or(""), n))
			to = n;
	};
	number("rax_panics", out.panics);
	number("rax_budget_ns", out.budget_ns);
	number("rax_timeouts", out.timeouts);
	number("rax_overrun_max_ns", out.overrun_max_ns);
	number("rax_panic_limit", out.panic_limit);
	number("rax_skipped", out.skipped);
	out.disabled = fdinfo_get(info, "rax_disabled").value_or("0") == "1";
	out.bare = fdinfo_get(info, "rax_bare").value_or("0") == "1";
	return out;
}

bool map_is_percpu(std::uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		return true;
	default:
		return false;
	}
}

Result<std::vector<unsigned>> parse_cpu_list(std::string_view s)
{
	std::vector<unsigned> cpus;
	std::string const t = trim(s);
	std::string_view rest = t;
	auto bad = [&] { return Error(EINVAL, "cpus", "bad CPU list '" + t + "'"); };

	if (rest.empty())
		return bad();
	while (!rest.empty()) {
		std::size_t const comma = rest.find(',');
		std::string_view part = rest.substr(0, comma);
		rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
		std::size_t const dash = part.find('-');
		std::uint64_t lo = 0, hi = 0;
		if (!parse_u64(part.substr(0, dash), lo))
			return bad();
		hi = lo;
		if (dash != std::string_view::npos && !parse_u64(part.substr(dash + 1), hi))
			return bad();
		if (hi < lo || hi >= 65536)
			return bad();
		for (std::uint64_t c = lo; c <= hi; c++)
			cpus.push_back(static_cast<unsigned>(c));
	}
	std::sort(cpus.begin(), cpus.end());
	cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
	return cpus;
}

Result<std::vector<unsigned>> possible_cpus()
{
	auto t = read_text("/sys/devices/system/cpu/possible");
	if (!t)
		return std::move(t).error();
	return parse_cpu_list(*t);
}

Result<std::vector<unsigned>> online_cpus()
{
	auto t = read_text("/sys/devices/system/cpu/online");
	if (!t)
		return std::move(t).error();
	return parse_cpu_list(*t);
}

std::size_t lookup_size(MapInfo const &info, std::size_t ncpus)
{
	if (!map_is_percpu(info.type))
		return info.value_size;
	std::size_t const each = (static_cast<std::size_t>(info.value_size) + 7) & ~std::size_t(7);
	return each * ncpus;
}

Result<std::optional<Bytes>> map_next_key(int fd, std::optional<Bytes> const &key,
					  std::size_t key_size)
{
	Bytes next(key_size);
	auto r = libbpf_call(BPF_MAP_GET_NEXT_KEY, [&] {
		return bpf_map_get_next_key(fd, key ? key->data() : nullptr, next.data());
	});
	if (!r) {
		if (r.error().code() == ENOENT)
			return std::optional<Bytes>();
		return std::move(r).error();
	}
	return std::optional<Bytes>(std::move(next));
}

Result<std::optional<Bytes>> map_lookup(int fd, Bytes const &key, std::size_t value_size)
{
	Bytes value(value_size);
	auto r = libbpf_call(BPF_MAP_LOOKUP_ELEM,
			     [&] { return bpf_map_lookup_elem(fd, key.data(), value.data()); });
	if (!r) {
		if (r.error().code() == ENOENT)
			return std::optional<Bytes>();
		return std::move(r).error();
	}
	return std::optional<Bytes>(std::move(value));
}

Result<void> map_update(int fd, Bytes const &key, Bytes const &value, std::uint64_t flags)
{
	auto r = libbpf_call(BPF_MAP_UPDATE_ELEM, [&] {
		return bpf_map_update_elem(fd, key.data(), value.data(), flags);
	});
	if (!r)
		return std::move(r).error();
	return {};
}

bool map_is_ringbuf(std::uint32_t type)
{
	return type == BPF_MAP_TYPE_RINGBUF || type == BPF_MAP_TYPE_USER_RINGBUF;
}

bool map_is_keyless(std::uint32_t type)
{
	return type == BPF_MAP_TYPE_QUEUE || type == BPF_MAP_TYPE_STACK;
}

Result<std::optional<Bytes>> map_peek(int fd, std::size_t value_size, bool pop)
{
	Bytes value(value_size);
	auto r = pop ? libbpf_call(BPF_MAP_LOOKUP_AND_DELETE_ELEM,
				   [&] {
					   return bpf_map_lookup_and_delete_elem(fd, nullptr,
										 value.data());
				   })
		     : libbpf_call(BPF_MAP_LOOKUP_ELEM,
				   [&] { return bpf_map_lookup_elem(fd, nullptr, value.data()); });
	if (!r) {
		if (r.error().code() == ENOENT)
			return std::optional<Bytes>();
		return std::move(r).error();
	}
	return std::optional<Bytes>(std::move(value));
}

Result<std::vector<MapEntry>> map_dump(int fd, MapInfo const &info, std::size_t ncpus)
{
	std::vector<MapEntry> out;
	std::optional<Bytes> key;
	std::size_t const vsize = lookup_size(info, ncpus);
	std::string const name = info.name.empty() ? "id " + std::to_string(info.id) : info.name;

	if (map_is_ringbuf(info.type))
		return Error(EINVAL, "map",
			     "map " + name + " is a ring buffer: its records are read with mmap, not dumped");
	if (map_is_keyless(info.type) && info.value_size) {
		auto head = RAX_TRY(map_peek(fd, vsize));
		if (head)
			out.push_back({{}, std::move(*head)});
		return out;
	}
	if (!info.key_size || !info.value_size)
		return Error(EINVAL, "map",
			     "map " + name + " has no keys or values to dump (key " +
				     std::to_string(info.key_size) + "B, value " +
				     std::to_string(info.value_size) + "B)");

	// A hash map whose entries are deleted meanwhile may start over from
	// its first key: never return more entries than the map holds.
	while (out.size() < info.max_entries) {
		auto next = RAX_TRY(map_next_key(fd, key, info.key_size));
		if (!next)
			break;
		key = std::move(next);
		auto value = map_lookup(fd, *key, vsize);
		if (!value) {
			// ENOTSUPP (524, the kernel's own) or EOPNOTSUPP: a
			// value userspace cannot read, as a perf event
			// array's. Anything else ends the dump.
			int const e = value.error().code();
			if (e != 524 && e != EOPNOTSUPP)
				return std::move(value).error();
			out.push_back({*key, {}, e});
		} else if (*value) {
			out.push_back({*key, std::move(**value)});
		}
	}
	return out;
}

std::optional<std::uint64_t> le_value(std::span<std::uint8_t const> b)
{
	if (b.size() != 4 && b.size() != 8)
		return std::nullopt;
	std::uint64_t v = 0;
	for (std::size_t i = b.size(); i-- > 0;)
		v = (v << 8) | b[i];
	return v;
}

Result<Bytes> parse_hex(std::string_view s)
{
	Bytes out;
	int high = -1;
	std::size_t pos = 0;
	auto digit = [](char c) -> int {
		if (c >= '0' && c <= '9')
			return c - '0';
		if (c >= 'a' && c <= 'f')
			return c - 'a' + 10;
		if (c >= 'A' && c <= 'F')
			return c - 'A' + 10;
		return -1;
	};

	if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		pos = 2;
	for (; pos < s.size(); pos++) {
		char const c = s[pos];
		if (c == ' ' || c == '\t' || c == '\n' || c == ':') {
			if (high >= 0)
				return Error(EINVAL, "hex",
					     "a lone hex digit before position " + std::to_string(pos));
			continue;
		}
		int const d = digit(c);
		if (d < 0) {
			auto const uc = static_cast<unsigned char>(c);
			char shown[8];
			if (uc >= 0x20 && uc < 0x7f)
				std::snprintf(shown, sizeof(shown), "%c", c);
			else
				std::snprintf(shown, sizeof(shown), "\\x%02x", uc);
			return Error(EINVAL, "hex",
				     std::string("'") + shown + "' at position " + std::to_string(pos) +
					     " is not a hex digit");
		}
		if (high < 0) {
			high = d;
		} else {
			out.push_back(static_cast<std::uint8_t>(high << 4 | d));
			high = -1;
		}
	}
	if (high >= 0)
		return Error(EINVAL, "hex", "odd number of hex digits");
	return out;
}

Result<TestRun> test_run(int prog_fd, std::span<std::uint8_t const> data, std::uint32_t repeat)
{
	// Room for a program that grows the packet (bpf_xdp_adjust_tail).
	Bytes out(data.size() + 65536);
	bpf_test_run_opts opts {};

	opts.sz = sizeof(opts);
	opts.data_in = data.data();
	opts.data_size_in = static_cast<__u32>(data.size());
	opts.data_out = out.data();
	opts.data_size_out = static_cast<__u32>(out.size());
	opts.repeat = static_cast<int>(repeat);
	auto r = libbpf_call(BPF_PROG_TEST_RUN,
			     [&] { return bpf_prog_test_run_opts(prog_fd, &opts); });
	if (!r)
		return std::move(r).error();
	TestRun t;
	t.retval = opts.retval;
	t.duration_ns = opts.duration;
	out.resize(std::min<std::size_t>(out.size(), opts.data_size_out));
	t.data_out = std::move(out);
	return t;
}

std::string retval_name(std::uint32_t prog_type, std::uint32_t retval)
{
	static constexpr char const *xdp[] = {"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX",
					      "XDP_REDIRECT"};
	static constexpr char const *tc[] = {"TC_ACT_OK",     "TC_ACT_RECLASSIFY", "TC_ACT_SHOT",
					     "TC_ACT_PIPE",   "TC_ACT_STOLEN",	   "TC_ACT_QUEUED",
					     "TC_ACT_REPEAT", "TC_ACT_REDIRECT",   "TC_ACT_TRAP"};

	if (prog_type == prog_xdp && retval < std::size(xdp))
		return xdp[retval];
	if (prog_type == prog_sched_cls) {
		if (retval == UINT32_MAX)
			return "TC_ACT_UNSPEC";
		if (retval < std::size(tc))
			return tc[retval];
	}
	return "";
}

Result<Fd> link_create(int prog_fd, std::uint32_t target, std::uint32_t attach_type)
{
	bpf_link_create_opts opts {};

	opts.sz = sizeof(opts);
	// target_ifindex shares target_fd; libbpf passes attach types it does
	// not know (tcx, newer than Debian 12's libbpf 1.1) as they are.
	auto r = libbpf_call(BPF_LINK_CREATE, [&] {
		return bpf_link_create(prog_fd, static_cast<int>(target),
				       static_cast<bpf_attach_type>(attach_type), &opts);
	});
	if (!r)
		return std::move(r).error();
	return Fd(*r);
}

Result<Fd> perf_event_open(perf_event_attr &attr, int pid, int cpu)
{
	attr.size = sizeof(attr);
	long r = ::syscall(__NR_perf_event_open, &attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (r < 0) {
		int const err = errno;
		return sys_error(err, "perf_event_open", "CPU " + std::to_string(cpu));
	}
	return Fd(static_cast<int>(r));
}

Result<std::uint32_t> kprobe_pmu_type()
{
	std::string const path = "/sys/bus/event_source/devices/kprobe/type";
	auto t = read_text(path);
	std::uint64_t v = 0;
	if (!t)
		return Error(t.error().code(), "kprobe",
			     "no kprobe PMU (" + path + ": " + std::strerror(t.error().code()) +
				     "; the kernel needs CONFIG_KPROBE_EVENTS)");
	if (!parse_u64(trim(*t), v) || v > UINT32_MAX)
		return Error(EINVAL, "kprobe", path + ": not a number");
	return static_cast<std::uint32_t>(v);
}

Result<unsigned> kprobe_retprobe_bit()
{
	std::string const path = "/sys/bus/event_source/devices/kprobe/format/retprobe";
	auto t = read_text(path);
	if (!t)
		return Error(t.error().code(), "kprobe", path + ": " + std::strerror(t.error().code()));
	std::string const s = trim(*t);
	std::uint64_t v = 0;
	if (s.rfind("config:", 0) != 0 || !parse_u64(s.substr(7), v) || v > 63)
		return Error(EINVAL, "kprobe", path + ": unexpected '" + s + "'");
	return static_cast<unsigned>(v);
}

Result<std::uint64_t> tracepoint_id(std::string const &category, std::string const &name)
{
	auto const plain = [](std::string const &s) {
		return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos;
	};
	if (!plain(category) || !plain(name))
		return Error(EINVAL, "tracepoint", "bad tracepoint '" + category + ":" + name + "'");

	int err = ENOENT;
	for (char const *root : {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"}) {
		std::string const path = std::string(root) + "/events/" + category + "/" + name + "/id";
		auto t = read_text(path);
		if (!t) {
			if (t.error().code() != ENOENT)
				err = t.error().code();
			continue;
		}
		std::uint64_t v = 0;
		if (!parse_u64(trim(*t), v))
			return Error(EINVAL, "tracepoint", path + ": not a number");
		return v;
	}
	return Error(err, "tracepoint",
		     "no tracepoint " + category + ":" + name +
			     " (tracefs events/" + category + "/" + name +
			     "/id under /sys/kernel/tracing or /sys/kernel/debug/tracing: " +
			     std::strerror(err) + ")");
}

bool on_bpffs(std::string const &path)
{
	struct statfs st {};
	constexpr unsigned long bpf_fs_magic = 0xcafe4a11;

	return ::statfs(path.c_str(), &st) == 0 &&
	       static_cast<unsigned long>(st.f_type) == bpf_fs_magic;
}

} // namespace rax::kernel
