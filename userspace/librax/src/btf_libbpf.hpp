// SPDX-License-Identifier: GPL-2.0
// libbpf's BTF objects (<bpf/btf.h>) as librax holds them: owned by a
// unique_ptr, their creation errors as errno values.
#pragma once

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <memory>

namespace rax {

struct BtfFree {
	void operator()(struct btf *b) const { btf__free(b); }
};
using BtfPtr = std::unique_ptr<struct btf, BtfFree>;

// The error of a libbpf constructor that returned @p (btf__new and the
// like), 0 when @p is an object. libbpf 1.x returns NULL and sets errno;
// older libbpf, or its legacy mode, an error pointer: libbpf_get_error()
// reads both. libbpf's own codes (LIBBPF_ERRNO__*, from 4000) pass as is.
inline int libbpf_ptr_error(void const *p)
{
	long const e = -libbpf_get_error(p);
	if (e > 0)
		return static_cast<int>(e);
	return p ? 0 : ENOMEM; // NULL with errno 0: libbpf's allocations
}

} // namespace rax
