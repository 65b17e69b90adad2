// SPDX-License-Identifier: GPL-2.0
// Loading a Rax object: choose the entry, create (or reuse) its maps,
// BPF_PROG_LOAD with BPF_F_RAX, the image, its signature and the map fds,
// then pin the program and the maps it created in bpffs.
#include <rax/kernel.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <rax/describe.hpp>

namespace rax::kernel {

namespace {

// The license string the kernel reads from BPF_PROG_LOAD.
constexpr char license[] = "GPL";

std::uint64_t ptr(void const *p)
{
	return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p));
}

std::string entry_list(Object const &obj)
{
	std::string s;

	for (auto const &e : obj.entries) {
		if (!s.empty())
			s += ", ";
		s += entry_function(e.symbol) + " (" + prog_type_name(e.prog_type) + ")";
	}
	return s;
}

std::string map_list(Object const &obj)
{
	std::string s;

	for (auto const &m : obj.maps) {
		if (!s.empty())
			s += ", ";
		s += m.name;
	}
	return s.empty() ? "none" : s;
}

// bpffs refuses a name with a '.' with EPERM: say so.
std::string dot_hint(int err, std::string const &path)
{
	std::size_t const slash = path.rfind('/');
	std::string const base = slash == std::string::npos ? path : path.substr(slash + 1);

	if (err == EPERM && base.find('.') != std::string::npos)
		return " (bpffs refuses names with a '.')";
	return "";
}

// What load_program pinned or created so far; undone unless committed, so
// a failed load leaves nothing behind.
class Pins {
public:
	Pins() = default;
	~Pins()
	{
		if (committed_)
			return;
		for (auto it = paths_.rbegin(); it != paths_.rend(); ++it)
			::unlink(it->c_str());
		for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it)
			::rmdir(it->c_str());
	}
	Pins(Pins const &) = delete;
	Pins &operator=(Pins const &) = delete;

	// mkdir -p @dir, remembering what it made.
	Result<void> mkdirs(std::string const &dir)
	{
		std::string cur;
		std::size_t pos = 0;

		while (pos <= dir.size()) {
			std::size_t const slash = dir.find('/', pos);
			std::size_t const end = slash == std::string::npos ? dir.size() : slash;
			cur = dir.substr(0, end);
			pos = end + 1;
			if (cur.empty())
				continue;
			if (::mkdir(cur.c_str(), 0700) == 0) {
				dirs_.push_back(cur);
			} else if (errno != EEXIST) {
				int const err = errno;
				return Error(err, "pin", cur + ": " + std::strerror(err) + dot_hint(err, cur));
			}
		}
		struct stat st {};
		if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
			return Error(ENOTDIR, "pin", dir + ": not a directory");
		return {};
	}

	Result<void> pin(int fd, std::string const &path)
	{
		if (auto r = obj_pin(fd, path); !r)
			return Error(r.error().code(), r.error().op(),
				     r.error().message() + dot_hint(r.error().code(), path));
		paths_.push_back(path);
		return {};
	}

	void commit() { committed_ = true; }

private:
	std::vector<std::string> paths_;
	std::vector<std::string> dirs_;
	bool committed_ = false;
};

// Check @dir before anything is loaded: on bpffs, no program pinned there.
Result<void> check_pin_dir(Pins &pins, std::string const &dir)
{
	RAX_CHECK(pins.mkdirs(dir));
	if (!on_bpffs(dir))
		return Error(EINVAL, "pin",
			     dir + " is not on a bpf file system (mount -t bpf bpf /sys/fs/bpf)");
	std::string const prog = dir + "/prog";
	struct stat st {};
	if (::lstat(prog.c_str(), &st) == 0)
		return Error(EEXIST, "pin", prog + " exists: unpin (rm) it or choose another directory");
	return {};
}

// A file name for a pin: bpffs refuses names with a '.' (EPERM).
std::string pin_name(std::string const &name)
{
	std::string s = object_name(name);

	for (char &c : s)
		if (c == '.')
			c = '_';
	return s;
}

// The kernel checks the rest: that the BTF places exactly one
// bpf_spin_lock at the def's spin_lock_off, and no other special field.
// A devmap's flags hold BPF_F_RDONLY_PROG, which the kernel adds to every
// devmap it creates.
bool same_map(MapInfo const &have, MapDef const &want)
{
	std::uint32_t const flags = have.type == BPF_MAP_TYPE_DEVMAP
					    ? have.map_flags & ~std::uint32_t(BPF_F_RDONLY_PROG)
					    : have.map_flags;

	return have.type == want.type && have.key_size == want.key_size &&
	       have.value_size == want.value_size && have.max_entries == want.max_entries &&
	       flags == want.map_flags && (!want.has_spin_lock() || have.btf_value_type_id);
}

std::string describe_map(std::uint32_t type, std::uint32_t key, std::uint32_t value,
			 std::uint32_t max, std::uint32_t flags)
{
	char f[16];
	std::snprintf(f, sizeof(f), "%#x", flags);
	return map_type_name(type) + " map, key " + std::to_string(key) + "B, value " +
	       std::to_string(value) + "B, max_entries " + std::to_string(max) + ", flags " + f;
}

} // namespace

std::string entry_function(std::string_view symbol)
{
	if (symbol.substr(0, entry_prefix.size()) == entry_prefix && symbol.size() > entry_prefix.size())
		symbol.remove_prefix(entry_prefix.size());
	return std::string(symbol);
}

std::string prog_name_for(std::string_view symbol)
{
	return object_name(entry_function(symbol));
}

Result<std::uint32_t> select_entry(Object const &obj, std::string const &name)
{
	if (obj.entries.empty())
		return Error(EINVAL, "entry", "the object has no entry point");
	if (name.empty()) {
		if (obj.entries.size() == 1)
			return 0U;
		return Error(EINVAL, "entry",
			     "the object has " + std::to_string(obj.entries.size()) +
				     " entries, name one: " + entry_list(obj));
	}
	for (std::size_t i = 0; i < obj.entries.size(); i++) {
		auto const &sym = obj.entries[i].symbol;
		if (entry_function(sym) == name || sym == name)
			return static_cast<std::uint32_t>(i);
	}
	return Error(EINVAL, "entry", "no entry '" + name + "'; the object's entries: " + entry_list(obj));
}

Result<LoadPlan> plan_load(LoadOptions const &opt)
{
	LoadPlan plan;

	plan.object_path = opt.object;
	plan.signature_path = opt.signature.empty() ? opt.object + ".sig" : opt.signature;
	plan.image = RAX_TRY(read_file(plan.object_path));
	auto obj = parse_object(plan.image);
	if (!obj)
		return Error(obj.error().code(), "parse",
			     plan.object_path + ": " +
				     (obj.error().op() == "parse" && !obj.error().message().empty()
					      ? obj.error().message()
								  : obj.error().to_string()));
	plan.object = std::move(*obj);
	plan.signature = RAX_TRY(read_file(plan.signature_path));
	if (plan.signature.empty())
		return Error(EINVAL, "signature", plan.signature_path + ": empty file");
	plan.entry = RAX_TRY(select_entry(plan.object, opt.entry));
	plan.prog_name = prog_name_for(plan.object.entries[plan.entry].symbol);
	for (auto const &[name, path] : opt.reuse_maps) {
		bool found = false;
		for (auto const &m : plan.object.maps)
			found = found || m.name == name;
		if (!found)
			return Error(EINVAL, "map",
				     "no map '" + name + "' in " + plan.object_path +
					     " (its maps: " + map_list(plan.object) + ")");
		if (path.empty())
			return Error(EINVAL, "map", "map '" + name + "': no pinned path given");
	}
	plan.reuse_maps = opt.reuse_maps;
	plan.budget_us = opt.budget_us;
	return plan;
}

ProgLoadAttr prog_load_attr(LoadPlan const &plan, std::span<int const> fds, std::span<char> log)
{
	ProgLoadAttr attr{};
	Entry const &e = plan.object.entries.at(plan.entry);

	attr.prog_type = e.prog_type;
	attr.expected_attach_type = e.expected_attach_type;
	attr.prog_flags = BPF_F_RAX;
	attr.license = ptr(license);
	std::string const name = object_name(plan.prog_name);
	std::memcpy(attr.prog_name, name.data(), name.size());
	if (!log.empty()) {
		attr.log_level = 1;
		attr.log_buf = ptr(log.data());
		attr.log_size = static_cast<std::uint32_t>(log.size());
	}
	if (!fds.empty()) {
		attr.fd_array = ptr(fds.data());
		attr.fd_array_cnt = static_cast<std::uint32_t>(fds.size());
	}
	attr.signature = ptr(plan.signature.data());
	attr.signature_size = static_cast<std::uint32_t>(plan.signature.size());
	attr.keyring_id = 0;
	attr.rax_image = ptr(plan.image.data());
	attr.rax_image_size = static_cast<std::uint32_t>(plan.image.size());
	attr.rax_entry = plan.entry;
	attr.rax_budget_us = plan.budget_us;
	return attr;
}

int LoadedProgram::map_fd(std::string_view name) const
{
	for (auto const &m : maps)
		if (m.name == name)
			return m.fd.get();
	return -1;
}

Result<std::vector<LoadedMap>> create_maps(LoadPlan const &plan)
{
	std::vector<LoadedMap> maps;

	for (auto const &def : plan.object.maps) {
		LoadedMap m;
		m.name = def.name;
		if (auto it = plan.reuse_maps.find(def.name); it != plan.reuse_maps.end()) {
			m.reused_from = it->second;
			m.fd = RAX_TRY(obj_get(it->second));
			auto const info = RAX_TRY(fdinfo(m.fd.get()));
			if (ObjKind k = obj_kind(info); k != ObjKind::map)
				return Error(EINVAL, "map",
					     "map " + def.name + ": " + it->second + " is a " +
						     obj_kind_name(k) + ", not a map");
			auto const have = RAX_TRY(map_info(m.fd.get()));
			if (!same_map(have, def))
				return Error(EINVAL, "map",
					     "map " + def.name + ": " + it->second + " is a " +
						     describe_map(have.type, have.key_size,
								  have.value_size, have.max_entries,
								  have.map_flags) +
						     (def.has_spin_lock() && !have.btf_value_type_id
							      ? ", without BTF for a spin lock"
							      : "") +
						     "; the object defines a " +
						     describe_map(def.type, def.key_size, def.value_size,
								  def.max_entries, def.map_flags) +
						     (def.has_spin_lock()
							      ? ", a spin lock at " +
									std::to_string(def.spin_lock_off)
							      : ""));
			m.id = have.id;
		} else {
			m.fd = RAX_TRY(map_create(def));
			m.id = RAX_TRY(map_info(m.fd.get())).id;
		}
		maps.push_back(std::move(m));
	}
	return maps;
}

Result<LoadedProgram> load_program(LoadOptions const &opt)
{
	LoadPlan plan = RAX_TRY(plan_load(opt));
	Pins pins;

	if (!opt.pin_dir.empty())
		RAX_CHECK(check_pin_dir(pins, opt.pin_dir));

	LoadedProgram out;
	out.entry = plan.entry;
	out.entry_def = plan.object.entries[plan.entry];
	out.prog_name = plan.prog_name;
	out.maps = RAX_TRY(create_maps(plan));

	std::vector<int> fds;
	for (auto const &m : out.maps)
		fds.push_back(m.fd.get());
	std::vector<char> log(opt.log_size ? opt.log_size : 1);
	ProgLoadAttr attr = prog_load_attr(plan, fds, opt.log_size ? std::span<char>(log)
								    : std::span<char>());
	auto r = sys_bpf(BPF_PROG_LOAD, &attr, sizeof(attr));
	out.log.assign(log.data(), ::strnlen(log.data(), log.size()));
	if (!r) {
		int const err = r.error().code();
		std::string msg = plan.object_path + ": " + r.error().message();
		if (err == E2BIG && out.log.empty())
			msg += " (not a Rax kernel? One without Rax refuses the Rax attributes "
			       "of BPF_PROG_LOAD with E2BIG)";
		if (!out.log.empty()) {
			std::string l = out.log;
			while (!l.empty() && l.back() == '\n')
				l.pop_back();
			msg += "; the kernel's log:\n" + l;
		}
		return Error(err, "load", msg);
	}
	out.prog = Fd(*r);
	out.id = RAX_TRY(prog_info(out.prog.get())).id;

	if (!opt.pin_dir.empty()) {
		bool made = false;
		for (auto &m : out.maps) {
			if (!m.reused_from.empty())
				continue;
			if (!made)
				RAX_CHECK(pins.mkdirs(opt.pin_dir + "/maps"));
			made = true;
			m.pinned = opt.pin_dir + "/maps/" + pin_name(m.name);
			RAX_CHECK(pins.pin(m.fd.get(), m.pinned));
		}
		out.pinned = opt.pin_dir + "/prog";
		RAX_CHECK(pins.pin(out.prog.get(), out.pinned));
		pins.commit();
	}
	return out;
}

} // namespace rax::kernel
