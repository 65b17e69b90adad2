// SPDX-License-Identifier: GPL-2.0
//! The panic handler: stops the program through `rax_throw`.

use core::panic::PanicInfo;

/// Any panic (failed bounds check, `unwrap` on `None`, explicit `panic!`,
/// overflow check when enabled) ends here; the kernel stops the program
/// and reports the source location. The message is not formatted.
#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    match info.location() {
        Some(loc) => crate::helpers::throw(loc.file(), loc.line(), loc.column()),
        None => crate::helpers::throw("", 0, 0),
    }
}
