// SPDX-License-Identifier: GPL-2.0
// The toolchain's source scan and manifest parser.

#include <catch2/catch.hpp>

#include <filesystem>

#include <rax/build.hpp>

namespace {

std::vector<rax::Refusal> scan(std::string const &text)
{
	auto dir = std::filesystem::temp_directory_path() / "rax-scan-crate";
	std::filesystem::create_directories(dir / "src");
	return rax::scan_source(dir.string(), (dir / "src" / "lib.rs").string(), text);
}

} // namespace

TEST_CASE("scan: extern blocks are refused with their line", "[scan]")
{
	auto r = scan("#![no_std]\n\nunsafe extern \"C\" {\n    safe fn f();\n}\n");
	REQUIRE(r.size() == 1);
	CHECK(r[0].construct == "extern block");
	CHECK(r[0].line == 3);
	CHECK(r[0].column == 8);
	CHECK(r[0].file == "src/lib.rs");
	CHECK(r[0].to_string().find("src/lib.rs:3:8: refused: extern block") == 0);

	CHECK(scan("extern {\n}\n").size() == 1);
	CHECK(scan("extern \"system\" {}").size() == 1);
}

TEST_CASE("scan: extern fn definitions and extern crate", "[scan]")
{
	// A function with an ABI is safe code; only blocks are refused.
	CHECK(scan("pub extern \"C\" fn f() -> u32 { 0 }\n").empty());
	auto r = scan("// x\nextern crate alloc;\n");
	REQUIRE(r.size() == 1);
	CHECK(r[0].construct == "extern crate");
	CHECK(r[0].line == 2);
	CHECK(r[0].message.find("alloc") != std::string::npos);
}

TEST_CASE("scan: comments, strings and raw strings never match", "[scan]")
{
	CHECK(scan("// extern { }\n/* extern crate x; /* nested */ global_asm!(\"\") */\n").empty());
	CHECK(scan("const S: &str = \"extern { } include_bytes!(\\\"/etc/passwd\\\")\";\n").empty());
	CHECK(scan("const S: &str = r#\"extern { \"# ;\nconst C: char = '{';\nfn f<'a>(x: &'a u8) {}\n")
		      .empty());
	// a variable named asm or naked is not assembly
	CHECK(scan("fn f(asm: u32, naked: u32) -> bool { asm != naked }\n").empty());
}

TEST_CASE("scan: inline assembly and naked functions", "[scan]")
{
	auto r = scan("core::arch::global_asm!(\"nop\");\n");
	REQUIRE(r.size() == 1);
	CHECK(r[0].construct == "global_asm!");
	r = scan("\n#[unsafe(naked)]\nextern \"C\" fn f() {}\n");
	REQUIRE(r.size() == 1);
	CHECK(r[0].construct == "naked function");
	CHECK(r[0].line == 2);
	CHECK(scan("#[naked]\nfn f() {}\n").size() == 1);
}

TEST_CASE("scan: inline assembly under another name, naked behind cfg_attr", "[scan]")
{
	auto r = scan("use core::arch::naked_asm as na;\n");
	REQUIRE(r.size() == 1);
	CHECK(r[0].construct == "naked_asm");
	CHECK(scan("use core::arch::asm;\n").size() == 1);
	CHECK(scan("use core::arch::{global_asm as g};\n").size() == 1);
	r = scan("#[cfg_attr(all(), unsafe(naked))]\nextern \"C\" fn f() {}\n");
	REQUIRE(r.size() == 1);
	CHECK(r[0].construct == "naked function");
	CHECK(r[0].line == 1);
	CHECK(scan("#![cfg_attr(all(), naked)]\n").size() == 1);
	// A variable or field called asm or naked is not assembly.
	CHECK(scan("fn f(asm: u32, naked: u32) -> u32 { let x = asm; x + naked }\n").empty());
	CHECK(scan("#[derive(Clone)]\nstruct S { naked: u32 }\n").empty());
}

TEST_CASE("scan: include_bytes! stays inside the crate", "[scan]")
{
	auto r = scan("static A: &[u8] = include_bytes!(\"/etc/hostname\");\n");
	REQUIRE(r.size() == 1);
	CHECK(r[0].construct == "include_bytes!");
	CHECK(r[0].message.find("/etc/hostname") != std::string::npos);
	CHECK(scan("static A: &str = include_str!(\"../../x\");\n").size() == 1);
	CHECK(scan("static A: &str = include_str!(\"data.txt\");\n").empty());
	CHECK(scan("static A: &str = include_str!(\"../Rax.toml\");\n").empty());
	// a path that is not a literal cannot be checked: refused
	r = scan("static A: &str = include_str!(concat!(\"/etc\", \"/passwd\"));\n");
	REQUIRE(r.size() == 1);
	CHECK(r[0].message.find("string literal") != std::string::npos);
	r = scan("#[path = \"/tmp/evil.rs\"]\nmod evil;\n");
	REQUIRE(r.size() == 1);
	CHECK(r[0].construct == "#[path]");
}

TEST_CASE("scan: environment macros and target features", "[scan]")
{
	auto r = scan("const H: &str = env!(\"HOME\");\n");
	REQUIRE(r.size() == 1);
	CHECK(r[0].construct == "env!");
	r = scan("const H: Option<&str> = core::option_env!(\"HOME\");\n");
	REQUIRE(r.size() == 1);
	CHECK(r[0].construct == "option_env!");
	r = scan("\n#[target_feature(enable = \"avx2\")]\nfn f() {}\n");
	REQUIRE(r.size() == 1);
	CHECK(r[0].construct == "#[target_feature]");
	CHECK(r[0].line == 2);
	CHECK(scan("#[cfg_attr(all(), target_feature(enable = \"sse4.2\"))]\nfn f() {}\n").size() == 1);
	// Reading the target's features is harmless.
	CHECK(scan("#[cfg(target_feature = \"sse2\")]\nfn f() {}\n").empty());
	CHECK(scan("fn f() -> bool { cfg!(target_feature = \"sse2\") }\n").empty());
	// Names that are not the macros.
	CHECK(scan("fn env() {}\nfn g() { env(); let option_env = 1; }\n").empty());
}

TEST_CASE("scan: several constructs are all reported", "[scan]")
{
	auto r = scan("extern crate a;\nextern crate b;\nextern \"C\" {}\n");
	REQUIRE(r.size() == 3);
	CHECK(r[0].line == 1);
	CHECK(r[1].line == 2);
	CHECK(r[2].line == 3);
}

TEST_CASE("manifest: name and version", "[manifest]")
{
	auto m = rax::parse_manifest("# comment\nname = \"xdp_counter\"\nversion = \"0.1.0\"\n");
	REQUIRE(m.ok());
	CHECK(m->name == "xdp_counter");
	CHECK(m->version == "0.1.0");

	auto bad = [](char const *t) {
		auto r = rax::parse_manifest(t);
		REQUIRE_FALSE(r.ok());
		CHECK(r.error().code() == EINVAL);
		return r.error().message();
	};
	CHECK(bad("version = \"1\"\n").find("no name") != std::string::npos);
	CHECK(bad("name = \"x\"\n").find("no version") != std::string::npos);
	CHECK(bad("name = \"Bad-Name\"\nversion = \"1\"\n").find("Rax.toml:1") != std::string::npos);
	CHECK(bad("name = \"rax\"\nversion = \"1\"\n").find("reserved") != std::string::npos);
	CHECK(bad("name = \"x\"\nversion = \"1\"\ndeps = \"y\"\n").find("unknown key") != std::string::npos);
	CHECK(bad("name = x\n").find("quoted") != std::string::npos);
}
