// SPDX-License-Identifier: GPL-2.0
// rax build: the trusted toolchain. Compiles an extension crate with the
// pinned rustc against a cached sysroot (core, compiler_builtins, the rax
// kernel crate), refuses every escape hatch of safe Rust, computes the
// stack bound of each entry point and writes a Rax object with its
// provenance note.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <rax/object.hpp>
#include <rax/result.hpp>

namespace rax {

// The extension's manifest, Rax.toml: `name = "..."` and `version = "..."`.
struct Manifest {
	std::string name;
	std::string version;
};
Result<Manifest> parse_manifest(std::string const &text);

// One refused construct, with where it is.
struct Refusal {
	std::string file; // relative to the crate
	unsigned line = 0;
	unsigned column = 0;
	std::string construct; // e.g. "extern block", "unsafe block"
	std::string message;

	[[nodiscard]] std::string to_string() const;
};

// The toolchain's own scan of one source file, before rustc sees it: extern
// blocks and `extern crate`, global_asm!/naked functions, and
// include_bytes!/include_str!/include!/#[path] that reach outside
// @crate_dir. @path is the file, @text its contents.
std::vector<Refusal> scan_source(std::string const &crate_dir, std::string const &path,
				 std::string const &text);

// The same rules on rustc's macro-expanded crate (-Zunpretty=expanded of
// the crate rooted at @crate_dir/src/lib.rs), so that no spelling through
// macro_rules gets past them; the prelude rustc injects is the one
// `extern crate` tolerated. Refusals name src/lib.rs and the expanded line.
std::vector<Refusal> scan_expanded(std::string const &crate_dir, std::string const &text);

// The crate as the build sees it (snapshot.cpp). A crate is a tree of
// regular files and directories with portable names (portable_name),
// bounded in number, depth and size; dot entries and the top-level target/
// are left out. snapshot_crate() copies it into @dest, a directory of this
// build only, never following a link: rustc compiles the copy, the scan and
// the source hash read the same bytes (@files, sorted by path). Whatever
// the crate holds that is not so is added to @refusals, and nothing is
// copied.
struct SourceFile {
	std::string path; // relative to the crate, '/'-separated
	std::string data;
};
struct Snapshot {
	std::string dir;
	std::vector<SourceFile> files;

	[[nodiscard]] SourceFile const *find(std::string_view path) const;
};
bool portable_name(std::string_view name);
Result<Snapshot> snapshot_crate(std::string const &crate_dir, std::string const &dest,
				std::vector<Refusal> *refusals);

// rustc's dep-info, read strictly against @snap: the rules of @targets and
// the empty rule of each input, nothing else. Every input must name one of
// the snapshot's files (added to @read, normalised and sorted); an input
// that does not, an `# env-dep:` line (env!/option_env! under any
// spelling) or a line of any other shape is a refusal.
std::vector<Refusal> check_dep_info(std::string const &text, std::vector<std::string> const &targets,
				    Snapshot const &snap, std::vector<std::string> *read);

// The safe subset (subset.cpp, Documentation/rax/safe-subset.rst): rules
// that close the families of known rustc soundness bugs safe code can reach,
// checked on rustc's own view of the crate. @argv is the extension's compile
// command, run again in @crate_dir with -Zunpretty=hir-tree and thir-tree
// (dumps written to @work_dir); each finding is a refusal. The checks of
// the two dumps are separate for the tests.
Result<std::vector<Refusal>> check_subset(std::vector<std::string> const &argv,
					  std::string const &crate_dir, std::string const &work_dir);
std::vector<Refusal> subset_check_hir(std::string const &hir_tree);
std::vector<Refusal> subset_check_thir(std::string const &thir_tree);

struct Toolchain {
	std::string rustc = "/usr/bin/rustc"; // the pinned compiler
	std::string rustc_version;            // rustc -vV
	Sha256 rustc_sha256{};                // rustc and librustc_driver
	std::string target_spec;              // path of x86_64-rax.json
	Sha256 target_sha256{};
	std::string crate_dir;                // the rax crate's sources
	Sha256 crate_sha256{};
	Sha256 btf_sha256{};                  // context layouts of src/btf.rs
	std::string builtins_src;             // compiler_builtins/lib.rs
	std::string plugin;                   // the termination pass (LLVM plugin)
	Sha256 plugin_sha256{};
};

// Find and fingerprint the pinned toolchain and the rax crate. @source_dir
// is the Rax source tree (userspace/rax lives in it).
Result<Toolchain> find_toolchain(std::string const &source_dir);

using Progress = std::function<void(std::string const &)>;

struct Sysroot {
	std::string dir;
	Sha256 sha256{};
};

// The sysroot for @tc, built once into @cache_dir/<key> (key: the hashes of
// the toolchain, target and crate) and reused; concurrent callers wait on
// a lock.
Result<Sysroot> ensure_sysroot(Toolchain const &tc, std::string const &cache_dir,
			       Progress const &progress);

struct BuildOptions {
	std::string crate_dir;
	std::string output;          // default: <crate>/target/<name>.rax.o
	std::string cache_dir;       // default: $XDG_CACHE_HOME/rax or ~/.cache/rax
	std::string source_dir;      // the Rax source tree (default: $RAX_SOURCE_DIR,
	                             // else the tree librax was built from)
	std::uint64_t stack_limit = 32768;
	Progress progress;
};

struct BuildResult {
	Manifest manifest;
	std::string output;
	Analysis analysis;
	Provenance provenance;
	std::uint64_t size = 0;
	std::vector<Refusal> refusals; // set when the build was refused
	std::string compiler_log;      // rustc's diagnostics
	std::string signature;         // build_and_sign(): OUTPUT.sig, or empty
};

// Build the crate. A refusal is an error (EPERM for escape hatches, ELOOP
// recursion, E2BIG stack, EINVAL anything else the object may not hold)
// and @out->refusals lists each refused construct.
Result<BuildResult> build(BuildOptions const &opt, std::vector<Refusal> *refusals = nullptr);

} // namespace rax
