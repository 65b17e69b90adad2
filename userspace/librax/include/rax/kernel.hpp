// SPDX-License-Identifier: GPL-2.0
// The kernel side of librax (namespace rax::kernel): owning file
// descriptors, the bpf(2) and perf_event_open(2) calls the rax CLI makes,
// what the kernel tells about programs, maps and links, and the load of a
// Rax object (maps from its .rax.maps, BPF_PROG_LOAD with BPF_F_RAX, pins).
//
// Every call returns rax::Result; an Error carries the errno and names the
// bpf command ("BPF_MAP_CREATE: Operation not permitted").
#pragma once

#include <linux/bpf.h>
#include <linux/perf_event.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <rax/object.hpp>
#include <rax/result.hpp>

// The host's <linux/bpf.h> may predate Rax.
#ifndef BPF_F_RAX
#define BPF_F_RAX (1U << 8)
#endif

namespace rax::kernel {

// enum bpf_attach_type values of 6.12 that the host's header may lack.
inline constexpr std::uint32_t attach_xdp = 37;         // BPF_XDP
inline constexpr std::uint32_t attach_perf_event = 41;  // BPF_PERF_EVENT
inline constexpr std::uint32_t attach_tcx_ingress = 46; // BPF_TCX_INGRESS
inline constexpr std::uint32_t attach_tcx_egress = 47;  // BPF_TCX_EGRESS

// enum bpf_prog_type values of the Rax program types.
inline constexpr std::uint32_t prog_kprobe = 2;
inline constexpr std::uint32_t prog_sched_cls = 3;
inline constexpr std::uint32_t prog_tracepoint = 5;
inline constexpr std::uint32_t prog_xdp = 6;
inline constexpr std::uint32_t prog_perf_event = 7;

// The prefix of an entry's symbol (`rax_entry_NAME`, see the rax crate).
inline constexpr std::string_view entry_prefix = "rax_entry_";

// An owned file descriptor, closed by the destructor. Move-only.
class Fd {
public:
	Fd() = default;
	explicit Fd(int fd) : fd_(fd) {}
	~Fd() { reset(); }
	Fd(Fd &&o) noexcept : fd_(o.release()) {}
	Fd &operator=(Fd &&o) noexcept
	{
		if (this != &o)
			reset(o.release());
		return *this;
	}
	Fd(Fd const &) = delete;
	Fd &operator=(Fd const &) = delete;

	[[nodiscard]] int get() const { return fd_; }
	[[nodiscard]] bool valid() const { return fd_ >= 0; }
	explicit operator bool() const { return valid(); }
	// Give up ownership: the caller closes the result.
	[[nodiscard]] int release()
	{
		int fd = fd_;
		fd_ = -1;
		return fd;
	}
	// Close the descriptor held (if any) and hold @fd.
	void reset(int fd = -1);

private:
	int fd_ = -1;
};

// The BPF_PROG_LOAD member of union bpf_attr as a Rax kernel (6.12 with
// the Rax series) defines it. The host's header lacks the Rax fields, so
// the load uses this struct, zero-initialised, with sizeof(ProgLoadAttr).
struct ProgLoadAttr {
	std::uint32_t prog_type;
	std::uint32_t insn_cnt;
	alignas(8) std::uint64_t insns;
	alignas(8) std::uint64_t license;
	std::uint32_t log_level;
	std::uint32_t log_size;
	alignas(8) std::uint64_t log_buf;
	std::uint32_t kern_version;
	std::uint32_t prog_flags;
	char prog_name[16];
	std::uint32_t prog_ifindex;
	std::uint32_t expected_attach_type;
	std::uint32_t prog_btf_fd;
	std::uint32_t func_info_rec_size;
	alignas(8) std::uint64_t func_info;
	std::uint32_t func_info_cnt;
	std::uint32_t line_info_rec_size;
	alignas(8) std::uint64_t line_info;
	std::uint32_t line_info_cnt;
	std::uint32_t attach_btf_id;
	union {
		std::uint32_t attach_prog_fd;
		std::uint32_t attach_btf_obj_fd;
	};
	std::uint32_t core_relo_cnt;
	alignas(8) std::uint64_t fd_array;
	alignas(8) std::uint64_t core_relos;
	std::uint32_t core_relo_rec_size;
	std::uint32_t log_true_size;
	std::int32_t prog_token_fd;
	// Rax additions.
	std::uint32_t fd_array_cnt;
	alignas(8) std::uint64_t signature;
	std::uint32_t signature_size;
	std::int32_t keyring_id;
	alignas(8) std::uint64_t rax_image;
	std::uint32_t rax_image_size;
	std::uint32_t rax_entry; // index into the object's .rax.entries
	std::uint32_t rax_budget_us; // time budget of a run; 0 = kernel.rax.budget_max_us
};

static_assert(offsetof(ProgLoadAttr, insns) == 8);
static_assert(offsetof(ProgLoadAttr, log_buf) == 32);
static_assert(offsetof(ProgLoadAttr, prog_name) == 48);
static_assert(offsetof(ProgLoadAttr, expected_attach_type) == 68);
static_assert(offsetof(ProgLoadAttr, attach_btf_id) == 108);
static_assert(offsetof(ProgLoadAttr, attach_prog_fd) == 112);
static_assert(offsetof(ProgLoadAttr, fd_array) == 120);
static_assert(offsetof(ProgLoadAttr, core_relo_rec_size) == 136);
static_assert(offsetof(ProgLoadAttr, log_true_size) == 140);
static_assert(offsetof(ProgLoadAttr, prog_token_fd) == 144);
static_assert(offsetof(ProgLoadAttr, fd_array_cnt) == 148);
static_assert(offsetof(ProgLoadAttr, signature) == 152);
static_assert(offsetof(ProgLoadAttr, signature_size) == 160);
static_assert(offsetof(ProgLoadAttr, keyring_id) == 164);
static_assert(offsetof(ProgLoadAttr, rax_image) == 168);
static_assert(offsetof(ProgLoadAttr, rax_image_size) == 176);
static_assert(offsetof(ProgLoadAttr, rax_entry) == 180);
static_assert(offsetof(ProgLoadAttr, rax_budget_us) == 184);
static_assert(sizeof(ProgLoadAttr) == 192);
// The fields the host's header has sit where it puts them.
static_assert(offsetof(ProgLoadAttr, license) == offsetof(union bpf_attr, license));
static_assert(offsetof(ProgLoadAttr, prog_name) == offsetof(union bpf_attr, prog_name));
static_assert(offsetof(ProgLoadAttr, expected_attach_type) ==
	      offsetof(union bpf_attr, expected_attach_type));
static_assert(offsetof(ProgLoadAttr, attach_btf_id) == offsetof(union bpf_attr, attach_btf_id));
static_assert(offsetof(ProgLoadAttr, attach_prog_fd) == offsetof(union bpf_attr, attach_prog_fd));
static_assert(offsetof(ProgLoadAttr, core_relo_cnt) == offsetof(union bpf_attr, core_relo_cnt));
static_assert(offsetof(ProgLoadAttr, fd_array) == offsetof(union bpf_attr, fd_array));
static_assert(offsetof(ProgLoadAttr, core_relo_rec_size) ==
	      offsetof(union bpf_attr, core_relo_rec_size));

// ---- bpf(2)

// The name of a bpf command ("BPF_MAP_CREATE"), or its number.
std::string bpf_cmd_name(int cmd);

// bpf(@cmd, @attr, @size). Error: errno, op "bpf", "<CMD>: strerror".
Result<int> sys_bpf(int cmd, void *attr, std::size_t size);

// Is bpf(2) usable here (a BPF_MAP_CREATE of a one-entry array works)?
// On failure, why not ("BPF_MAP_CREATE: Operation not permitted").
Result<void> bpf_available();

// A name the kernel accepts as prog_name or map_name: at most 15 bytes of
// [A-Za-z0-9_.], every other byte replaced by '_'.
std::string object_name(std::string_view name);

// The attributes BPF_MAP_CREATE gets for @def: type, sizes, flags and its
// name (object_name()).
union bpf_attr map_create_attr(MapDef const &def);
// BPF_MAP_CREATE of @def. A map whose value holds a spin lock
// (RAX_MAP_SPIN_LOCK) gets the BTF of map_value_btf() (rax/btf.hpp),
// loaded with btf_load() and closed once the map exists.
Result<Fd> map_create(MapDef const &def);
// BPF_BTF_LOAD of @blob with a log buffer; on failure the Error's message
// ends with the kernel's log ("; the kernel's log:\n...").
Result<Fd> btf_load(std::span<std::uint8_t const> blob);

Result<Fd> obj_get(std::string const &path);
Result<void> obj_pin(int fd, std::string const &path);

// Every program id (BPF_PROG_GET_NEXT_ID), or every map id.
Result<std::vector<std::uint32_t>> prog_ids();
Result<std::vector<std::uint32_t>> map_ids();
Result<Fd> prog_fd_by_id(std::uint32_t id);
Result<Fd> map_fd_by_id(std::uint32_t id);

// BPF_OBJ_GET_INFO_BY_FD of a program.
struct ProgInfo {
	std::uint32_t id = 0;
	std::uint32_t type = 0;
	std::string name;
	std::string tag; // 16 hex digits
	std::uint64_t run_cnt = 0;
	std::uint64_t run_time_ns = 0;
	std::uint64_t load_time = 0; // ns since boot
	std::uint32_t created_by_uid = 0;
	std::uint32_t jited_prog_len = 0;
	std::uint32_t xlated_prog_len = 0;
	std::vector<std::uint32_t> map_ids;
};
Result<ProgInfo> prog_info(int fd);

struct MapInfo {
	std::uint32_t id = 0;
	std::uint32_t type = 0;
	std::uint32_t key_size = 0;
	std::uint32_t value_size = 0;
	std::uint32_t max_entries = 0;
	std::uint32_t map_flags = 0;
	std::string name;
	// The map's BTF (0: none), as for a map with a spin lock in its value.
	std::uint32_t btf_id = 0;
	std::uint32_t btf_key_type_id = 0;
	std::uint32_t btf_value_type_id = 0;
};
Result<MapInfo> map_info(int fd);

struct LinkInfo {
	std::uint32_t id = 0;
	std::uint32_t type = 0;
	std::uint32_t prog_id = 0;
};
Result<LinkInfo> link_info(int fd);

// ---- /proc/self/fdinfo

// The "key:\tvalue" lines of an fdinfo file, in order.
using FdInfo = std::vector<std::pair<std::string, std::string>>;
FdInfo parse_fdinfo(std::string_view text);
Result<FdInfo> fdinfo(int fd);
// The value of @key, if the fdinfo has it.
std::optional<std::string> fdinfo_get(FdInfo const &info, std::string_view key);

// What a BPF file descriptor refers to, from its fdinfo.
enum class ObjKind { prog, map, link, other };
ObjKind obj_kind(FdInfo const &info);
char const *obj_kind_name(ObjKind k);

// The Rax lines of a program's fdinfo ("rax:\t1", "rax_entry:",
// "rax_signer:", "rax_panics:", "rax_budget_ns:", "rax_timeouts:",
// "rax_overrun_max_ns:", "rax_panic_limit:", "rax_disabled:",
// "rax_skipped:", "rax_bare:"); nullopt for an eBPF program.
struct RaxProgInfo {
	std::string entry;
	std::string signer;
	std::uint64_t panics = 0;
	std::uint64_t budget_ns = 0;
	std::uint64_t timeouts = 0;
	std::uint64_t overrun_max_ns = 0;
	std::uint64_t panic_limit = 0; // 0: never disabled
	bool disabled = false;         // the panic limit was reached
	std::uint64_t skipped = 0;     // runs not made since
	bool bare = false;             // runs without the run-time's frame, stack and budget
};
std::optional<RaxProgInfo> rax_prog_info(FdInfo const &info);

// ---- Maps

// Per-CPU map types: a lookup returns one value per possible CPU, each
// rounded up to 8 bytes.
bool map_is_percpu(std::uint32_t type);
// Ring buffers (BPF_MAP_TYPE_RINGBUF, USER_RINGBUF): no keys or values,
// their records are read with mmap.
bool map_is_ringbuf(std::uint32_t type);
// Queues and stacks (BPF_MAP_TYPE_QUEUE, STACK): no keys; a lookup without
// a key peeks at the element a pop would take.
bool map_is_keyless(std::uint32_t type);
// A CPU list as in /sys/devices/system/cpu/possible ("0-3,5").
Result<std::vector<unsigned>> parse_cpu_list(std::string_view s);
Result<std::vector<unsigned>> possible_cpus();
Result<std::vector<unsigned>> online_cpus();
// The buffer a lookup in a map of @info needs with @ncpus possible CPUs.
std::size_t lookup_size(MapInfo const &info, std::size_t ncpus);

// The key after @key (the first key when @key is nullopt), nullopt at the
// end of the map.
Result<std::optional<Bytes>> map_next_key(int fd, std::optional<Bytes> const &key,
					  std::size_t key_size);
// The value of @key (lookup_size() bytes), nullopt when there is none.
Result<std::optional<Bytes>> map_lookup(int fd, Bytes const &key, std::size_t value_size);
Result<void> map_update(int fd, Bytes const &key, Bytes const &value, std::uint64_t flags = 0);
// A queue's or a stack's next element (BPF_MAP_LOOKUP_ELEM without a key),
// nullopt when it is empty. With @pop, the element is also taken
// (BPF_MAP_LOOKUP_AND_DELETE_ELEM).
Result<std::optional<Bytes>> map_peek(int fd, std::size_t value_size, bool pop = false);

struct MapEntry {
	Bytes key;   // empty for a queue's or a stack's element
	Bytes value; // per-CPU maps: ncpus values, each rounded up to 8 bytes
	int error = 0; // the lookup's errno when the value cannot be read
};
// Every entry of the map, in the kernel's key order. An entry deleted
// while the dump runs is left out; one whose value the kernel does not
// give to userspace (a perf event array's perf events) has its errno in
// MapEntry::error, as bpftool reports it. A queue or a stack gives its
// next element only (peeking does not take it; nothing can list the rest
// without taking them). A ring buffer, or any other map without keys or
// values, is an error (EINVAL) that says so.
Result<std::vector<MapEntry>> map_dump(int fd, MapInfo const &info, std::size_t ncpus);

// Little-endian u32/u64 of @b when it is 4 or 8 bytes long.
std::optional<std::uint64_t> le_value(std::span<std::uint8_t const> b);

// Bytes from hex: pairs of hex digits, optionally separated by white space
// or ':'; an optional "0x" prefix. Error (EINVAL) names the bad character.
Result<Bytes> parse_hex(std::string_view s);

// ---- BPF_PROG_TEST_RUN

struct TestRun {
	std::uint32_t retval = 0;
	std::uint32_t duration_ns = 0; // average per run
	Bytes data_out;
};
Result<TestRun> test_run(int prog_fd, std::span<std::uint8_t const> data, std::uint32_t repeat);
// XDP_PASS, TC_ACT_SHOT, ... for @prog_type, or "" when it has no name.
std::string retval_name(std::uint32_t prog_type, std::uint32_t retval);

// ---- Links and perf events

// BPF_LINK_CREATE: @target is an ifindex (xdp, tcx) or an fd (perf event).
Result<Fd> link_create(int prog_fd, std::uint32_t target, std::uint32_t attach_type);
Result<Fd> perf_event_open(perf_event_attr &attr, int pid, int cpu);
// The kprobe PMU's type (/sys/bus/event_source/devices/kprobe/type) and
// the config bit of a return probe (its format/retprobe).
Result<std::uint32_t> kprobe_pmu_type();
Result<unsigned> kprobe_retprobe_bit();
// The id of tracepoint @category:@name (tracefs events/CAT/NAME/id under
// /sys/kernel/tracing or /sys/kernel/debug/tracing).
Result<std::uint64_t> tracepoint_id(std::string const &category, std::string const &name);

// ---- Loading a Rax object

struct LoadOptions {
	std::string object;    // the Rax object
	std::string signature; // its detached signature; "" = object + ".sig"
	std::string entry;     // entry function name (or symbol); "" = the only one
	// Maps to reuse instead of creating: name -> bpffs path.
	std::map<std::string, std::string> reuse_maps;
	// Pin the program at pin_dir/prog, created maps at pin_dir/maps/NAME
	// ("" = no pins: the program lives as long as the returned fd).
	std::string pin_dir;
	std::uint32_t log_size = 1U << 20;
	// Time budget of one run in microseconds; 0 = kernel.rax.budget_max_us.
	std::uint32_t budget_us = 0;
};

// What the load will do, before any bpf(2) call: the image and signature
// read, the object parsed, the entry chosen.
struct LoadPlan {
	std::string object_path;
	std::string signature_path;
	Bytes image;
	Bytes signature;
	Object object;
	std::uint32_t entry = 0;
	std::string prog_name;
	std::map<std::string, std::string> reuse_maps;
	std::uint32_t budget_us = 0;
};

// The function name of an entry symbol ("rax_entry_xdp_counter" ->
// "xdp_counter"), and the prog_name the kernel gets for it.
std::string entry_function(std::string_view symbol);
std::string prog_name_for(std::string_view symbol);
// The index of the entry named @name (function name or symbol); with @name
// "" the only entry. Errors (EINVAL) list the entries.
Result<std::uint32_t> select_entry(Object const &obj, std::string const &name);

Result<LoadPlan> plan_load(LoadOptions const &opt);

// The BPF_PROG_LOAD attributes of @plan with map fds @fds (definition
// order) and log buffer @log. The pointers point into @plan, @fds, @log.
ProgLoadAttr prog_load_attr(LoadPlan const &plan, std::span<int const> fds, std::span<char> log);

struct LoadedMap {
	std::string name;
	Fd fd;
	std::uint32_t id = 0;
	std::string reused_from; // the pinned path, for a reused map
	std::string pinned;      // where load_program pinned it
};

struct LoadedProgram {
	Fd prog;
	std::uint32_t id = 0;
	std::uint32_t entry = 0;
	Entry entry_def;
	std::string prog_name;
	std::string pinned;
	std::vector<LoadedMap> maps; // definition order
	std::string log;             // the kernel's log (may be empty)

	// The fd of map @name, or -1.
	[[nodiscard]] int map_fd(std::string_view name) const;
};

// Create or reuse the maps of @plan (definition order).
Result<std::vector<LoadedMap>> create_maps(LoadPlan const &plan);

// Load @opt.object: plan, maps, BPF_PROG_LOAD with BPF_F_RAX, then the
// pins. On failure nothing stays pinned; a rejection's Error message
// holds the kernel's log, and its op() is "load" (the CLI's exit code
// tells the kernel's refusals by it).
Result<LoadedProgram> load_program(LoadOptions const &opt);

// Is @path on a bpf file system?
bool on_bpffs(std::string const &path);

} // namespace rax::kernel
