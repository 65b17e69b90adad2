// SPDX-License-Identifier: GPL-2.0
//! Entry points: `struct rax_entry_def` and the macros that declare them.
//!
//! ```ignore
//! fn my_prog(ctx: &mut rax::XdpContext) -> rax::XdpAction {
//!     rax::XdpAction::Pass
//! }
//! rax::xdp!(my_prog);
//! ```
//!
//! Each macro generates, for the caller's safe function `NAME`:
//! * an `extern "C"` function exported under the ELF symbol
//!   `rax_entry_NAME` (global, `STT_FUNC`) that converts the kernel's context
//!   pointer into the typed context, calls `NAME` (outside any `unsafe`
//!   block) and converts its verdict;
//! * a static `struct rax_entry_def` in section `.rax.entries` naming that
//!   symbol, kept in the object because the entry function refers to it
//!   (`__private::keep`; `#[used]` would split the section, see there).
//!
//! The fixed `rax_entry_` prefix keeps entry symbols apart from the helper
//! names (an entry called `memcpy` would otherwise be what the compiler's
//! `memcpy` calls bind to) and from Rust's own symbols. `NAME` is at most 37
//! bytes so that the symbol fits `RAX_SYMBOL_LEN` (48) with its NUL; longer
//! names fail to compile.
//!
//! | macro                  | prog_type     | function signature                          |
//! |------------------------|---------------|---------------------------------------------|
//! | [`crate::kprobe!`]     | KPROBE (2)    | `fn(&KprobeContext) -> u32`                 |
//! | [`crate::tc!`]         | SCHED_CLS (3) | `fn(&mut TcContext) -> TcAction`            |
//! | [`crate::tracepoint!`] | TRACEPOINT (5)| `fn(&TracepointContext) -> u32`             |
//! | [`crate::xdp!`]        | XDP (6)       | `fn(&mut XdpContext) -> XdpAction`          |
//! | [`crate::perf_event!`] | PERF_EVENT (7)| `fn(&PerfEventContext) -> u32`              |

/// Length of `rax_entry_def.symbol`, including the NUL.
pub(crate) const SYMBOL_LEN: usize = 48;

/// The prefix of every entry symbol.
pub(crate) const ENTRY_PREFIX: &str = "rax_entry_";

/// `enum bpf_prog_type` values of the program types Rax supports.
pub mod prog_type {
    /// `BPF_PROG_TYPE_KPROBE`.
    pub const KPROBE: u32 = 2;
    /// `BPF_PROG_TYPE_SCHED_CLS`.
    pub const SCHED_CLS: u32 = 3;
    /// `BPF_PROG_TYPE_TRACEPOINT`.
    pub const TRACEPOINT: u32 = 5;
    /// `BPF_PROG_TYPE_XDP`.
    pub const XDP: u32 = 6;
    /// `BPF_PROG_TYPE_PERF_EVENT`.
    pub const PERF_EVENT: u32 = 7;
}

/// `struct rax_entry_def` (include/uapi/linux/rax.h).
#[repr(C)]
pub struct EntryDef {
    prog_type: u32,
    expected_attach_type: u32,
    max_ctx_offset: u32,
    flags: u32,
    symbol: [u8; SYMBOL_LEN],
}

const _: () = assert!(core::mem::size_of::<EntryDef>() == 64);

impl EntryDef {
    /// An entry of `prog_type` at `symbol`, which must start with
    /// [`ENTRY_PREFIX`] and fit [`SYMBOL_LEN`] with its NUL (checked at
    /// compile time: the macros use it in a `static` initialiser).
    pub const fn new(prog_type: u32, max_ctx_offset: u32, symbol: &str) -> EntryDef {
        let bytes = symbol.as_bytes();
        assert!(
            bytes.len() < SYMBOL_LEN,
            "rax: entry function name too long (at most 37 bytes)"
        );
        let prefix = ENTRY_PREFIX.as_bytes();
        assert!(bytes.len() > prefix.len(), "rax: empty entry name");
        let mut out = [0u8; SYMBOL_LEN];
        let mut i = 0;
        while i < bytes.len() {
            if i < prefix.len() {
                assert!(bytes[i] == prefix[i], "rax: entry symbol without prefix");
            }
            out[i] = bytes[i];
            i += 1;
        }
        EntryDef {
            prog_type,
            expected_attach_type: 0,
            max_ctx_offset,
            flags: 0,
            symbol: out,
        }
    }
}

/// Common expansion of the entry macros. Not for direct use.
///
/// `$kind` is a type implementing the sealed [`crate::__private::Kind`]:
/// it decides the program type in the entry table, the context
/// constructor and the verdict conversion together, so no use of this
/// macro, direct or not, can hand a function the context of another
/// program type. The only `unsafe` block holds the kind's constructor on
/// the raw pointer; the caller's function is called outside it.
#[doc(hidden)]
#[macro_export]
#[allow_internal_unsafe]
macro_rules! __rax_entry {
    ($name:ident, $kind:ty) => {
        const _: () = {
            #[unsafe(link_section = ".rax.entries")]
            static ENTRY: $crate::__private::EntryDef = $crate::__private::EntryDef::new(
                <$kind as $crate::__private::Kind>::PROG_TYPE,
                <$kind as $crate::__private::Kind>::MAX_CTX_OFFSET,
                ::core::concat!("rax_entry_", ::core::stringify!($name)),
            );

            #[unsafe(export_name = ::core::concat!("rax_entry_", ::core::stringify!($name)))]
            extern "C" fn entry(
                ctx: *mut ::core::ffi::c_void,
            ) -> <$kind as $crate::__private::Kind>::Ret {
                // SAFETY: the kernel calls the entry with its context
                // structure for the kind's program type (format.rst,
                // "Entry points"), valid for the whole call.
                let mut ctx = unsafe { <$kind as $crate::__private::Kind>::make(ctx) };
                $crate::__private::keep(&ENTRY);
                // `&mut` coerces to `&` for the tracing kinds.
                <$kind as $crate::__private::Kind>::ret($name(&mut ctx))
            }
        };
    };
}

/// Declares a kprobe entry: `fn NAME(ctx: &rax::KprobeContext) -> u32`.
#[macro_export]
macro_rules! kprobe {
    ($name:ident $(,)?) => {
        $crate::__rax_entry!($name, $crate::__private::Kprobe);
    };
}

/// Declares a tracepoint entry: `fn NAME(ctx: &rax::TracepointContext) -> u32`.
///
/// `record = N` says how many bytes of the trace record the entry reads
/// (the tracepoint's `format`: the offset plus the size of the last field
/// it reads); without it, only the 8 bytes of common fields. Reads past
/// `N` fail with `EFAULT`, and the kernel refuses to attach the program to
/// a tracepoint whose records are shorter than `N`, as it does for an
/// eBPF program that reads past them.
#[macro_export]
macro_rules! tracepoint {
    ($name:ident $(,)?) => {
        $crate::__rax_entry!($name, $crate::__private::Tracepoint<8>);
    };
    ($name:ident, record = $size:literal $(,)?) => {
        const _: () = ::core::assert!(
            $size <= $crate::__private::RECORD_MAX,
            "rax: a tracepoint record is at most 65536 bytes"
        );
        $crate::__rax_entry!($name, $crate::__private::Tracepoint<$size>);
    };
}

/// Declares a perf_event entry: `fn NAME(ctx: &rax::PerfEventContext) -> u32`.
#[macro_export]
macro_rules! perf_event {
    ($name:ident $(,)?) => {
        $crate::__rax_entry!($name, $crate::__private::PerfEvent);
    };
}

/// Declares an XDP entry: `fn NAME(ctx: &mut rax::XdpContext) -> rax::XdpAction`.
#[macro_export]
macro_rules! xdp {
    ($name:ident $(,)?) => {
        $crate::__rax_entry!($name, $crate::__private::Xdp);
    };
}

/// Declares a tc (SCHED_CLS) entry:
/// `fn NAME(ctx: &mut rax::TcContext) -> rax::TcAction`.
#[macro_export]
macro_rules! tc {
    ($name:ident $(,)?) => {
        $crate::__rax_entry!($name, $crate::__private::Tc);
    };
}
