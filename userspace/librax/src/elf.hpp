// SPDX-License-Identifier: GPL-2.0
// Internal: a checked view of an ELF64 x86-64 relocatable object, shared by
// the parser of final Rax objects, the analysis of compiler objects and the
// writer. The checks of the container are those of kernel/rax/elf.c.
#pragma once

#include <elf.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <rax/object.hpp>

#ifndef SHT_LLVM_ADDRSIG
#define SHT_LLVM_ADDRSIG 0x6fff4c03
#endif
#ifndef SHF_GNU_RETAIN
#define SHF_GNU_RETAIN (1U << 21)
#endif

namespace rax::elf {

inline constexpr std::uint32_t max_sections = 4096;
inline constexpr std::uint32_t max_symbols = 65536;

// What a section is, by name, type and flags.
enum class Kind {
	null,
	text,
	rodata,
	data,
	bss,
	entries,
	maps,
	provenance,
	rela,
	symtab,
	strtab,
	shstrtab,
	addrsig,
	// Compiler objects only: what the toolchain uses and drops.
	stack_sizes,
	dropped,
};

// Which rules apply: a final Rax object, or the object rustc emitted.
enum class Mode { final_object, compiler_object };

struct View {
	std::span<std::uint8_t const> image;
	Elf64_Ehdr eh{};
	std::vector<Elf64_Shdr> sh;
	std::vector<std::string_view> names; // section names, in the image
	std::vector<Kind> kinds;
	std::uint32_t shstrndx = 0;
	std::uint32_t symtab = 0; // 0: none
	std::vector<Elf64_Sym> syms;
	std::vector<std::string_view> symnames;

	[[nodiscard]] std::span<std::uint8_t const> data(std::uint32_t idx) const
	{
		if (sh[idx].sh_type == SHT_NOBITS)
			return {};
		return image.subspan(sh[idx].sh_offset, sh[idx].sh_size);
	}
	// "section 3 (.text.foo)"
	[[nodiscard]] std::string section_desc(std::uint32_t idx) const;
	// "symbol 7 (foo)"
	[[nodiscard]] std::string symbol_desc(std::uint32_t idx) const;
	// The relocations of SHT_RELA section @idx (already bounds-checked).
	[[nodiscard]] std::vector<Elf64_Rela> relas(std::uint32_t idx) const;
};

bool is_code(Kind k);
bool is_alloc(Kind k); // the sections a program maps: code, data, entries, maps
unsigned reloc_width(std::uint32_t type);

// Check the container and classify every section under @mode. Errors are
// EBADMSG (malformed) or EINVAL (a section the format refuses); @op is the
// error's operation.
Result<View> parse_container(std::span<std::uint8_t const> image, Mode mode, char const *op);

// The relocations of the kept sections: types, offsets and symbols
// (undefined symbols must be helpers).
Result<void> check_relocations(View const &v, char const *op);

// The defined and undefined symbols: types, bindings, sections and, for
// undefined ones, that they are known helpers. Fills @imports, sorted and
// unique.
Result<void> check_symbols(View const &v, Mode mode, char const *op,
			   std::vector<std::string> &imports);

// .rax.entries and .rax.maps, with the helper rules for every entry.
Result<std::vector<Entry>> parse_entries(View const &v, char const *op);
Result<std::vector<MapDef>> parse_maps(View const &v, char const *op);
Result<void> check_imports(std::vector<Entry> const &entries,
			   std::vector<std::string> const &imports, char const *op);

// The RAX_HT_* bit of a program type (kernel/rax/helpers.h), 0 when Rax
// does not support the type.
std::uint32_t prog_type_mask(std::uint32_t prog_type);

// Section index by name, 0 when there is none.
std::uint32_t find_section(View const &v, std::string_view name);

} // namespace rax::elf
