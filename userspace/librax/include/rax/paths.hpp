// SPDX-License-Identifier: GPL-2.0
// Paths fixed when librax is built, defined in one generated source
// (userspace/librax/CMakeLists.txt) rather than on every compile line, so a
// clone elsewhere recompiles only that file through ccache.
#pragma once

namespace rax::paths {

// The Rax source tree librax was built from.
extern char const source_dir[];
// The termination pass plugin built with it.
extern char const plugin[];

} // namespace rax::paths
