// SPDX-License-Identifier: GPL-2.0
// Documentation/rax/samples.rst: its table of samples and their eBPF twins
// is current (lines of code of each side) and lists every twin.
#include "test_paths.hpp"
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

std::string trim(std::string const &s)
{
	auto b = s.find_first_not_of(" \t");
	auto e = s.find_last_not_of(" \t\r");
	return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Lines that are neither blank nor a comment (//, //!, ///, /* ... */).
unsigned code_lines(fs::path const &file)
{
	std::ifstream in(file);
	std::string line;
	unsigned n = 0;
	bool block = false;

	REQUIRE(in);
	while (std::getline(in, line)) {
		std::string t = trim(line);
		if (block) {
			block = t.find("*/") == std::string::npos;
			continue;
		}
		if (t.empty() || t.rfind("//", 0) == 0)
			continue;
		if (t.rfind("/*", 0) == 0) {
			block = t.find("*/") == std::string::npos;
			continue;
		}
		n++;
	}
	return n;
}

unsigned rust_lines(fs::path const &crate)
{
	unsigned n = 0;
	for (auto const &e : fs::recursive_directory_iterator(crate / "src"))
		if (e.path().extension() == ".rs")
			n += code_lines(e.path());
	return n;
}

struct Row {
	std::string sample;
	unsigned rax = 0, ebpf = 0;
};

// The rows of the list-table: "* - sample", then "- N", "- N", ...
std::vector<Row> table(fs::path const &rst)
{
	std::ifstream in(rst);
	std::string line;
	std::vector<Row> rows;
	int field = -1;

	REQUIRE(in);
	while (std::getline(in, line)) {
		std::string t = trim(line);
		if (t.rfind("* - ", 0) == 0) {
			rows.push_back({t.substr(4)});
			field = 1;
		} else if (t.rfind("- ", 0) == 0 && field >= 1 && !rows.empty()) {
			if (field == 1)
				rows.back().rax = static_cast<unsigned>(std::stoul("0" + t.substr(2)));
			else if (field == 2)
				rows.back().ebpf = static_cast<unsigned>(std::stoul("0" + t.substr(2)));
			field++;
		}
	}
	if (!rows.empty() && rows.front().sample == "sample")
		rows.erase(rows.begin());
	return rows;
}

} // namespace

TEST_CASE("samples doc: the table of samples and twins is current", "[docs]")
{
	fs::path const top = rax::paths::source_dir;
	fs::path const twins = top / "tools/testing/selftests/rax/twins";
	auto rows = table(top / "Documentation/rax/samples.rst");
	std::map<std::string, bool> listed;

	REQUIRE_FALSE(rows.empty());
	for (auto const &r : rows) {
		INFO("sample " << r.sample);
		// "a, b": a sample of several crates (one object per program
		// type), its twin named after the first.
		std::vector<std::string> crates;
		for (std::size_t at = 0; at != std::string::npos;) {
			std::size_t comma = r.sample.find(", ", at);
			crates.push_back(r.sample.substr(at, comma == std::string::npos ? comma : comma - at));
			at = comma == std::string::npos ? comma : comma + 2;
		}
		unsigned rax_lines = 0;
		for (auto const &c : crates) {
			fs::path crate = top / "userspace/samples" / c;
			REQUIRE(fs::exists(crate / "Rax.toml"));
			rax_lines += rust_lines(crate);
		}
		fs::path twin = twins / (crates.front() + ".bpf.c");
		REQUIRE(fs::exists(twin));
		CHECK(rax_lines == r.rax);
		CHECK(code_lines(twin) == r.ebpf);
		listed[crates.front()] = true;
	}
	for (auto const &e : fs::directory_iterator(twins)) {
		std::string name = e.path().filename().string();
		auto dot = name.find(".bpf.c");
		if (dot == std::string::npos)
			continue;
		INFO("twin " << name);
		CHECK(listed.count(name.substr(0, dot)) == 1);
	}
}
