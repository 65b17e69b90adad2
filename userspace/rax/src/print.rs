// SPDX-License-Identifier: GPL-2.0
//! `rax::println!`: formatted lines to the trace pipe.
//!
//! This is not `core::fmt`: formatting through `core::fmt` calls trait
//! objects whose vtables make the call graph cyclic (`fmt::write` ->
//! `Write::write_fmt` -> `fmt::write`), so the toolchain cannot bound the
//! stack of a program that uses it and refuses it as recursion. Like
//! `bpf_printk`, `println!` takes a format string with a small set of
//! conversions and formats each argument itself, with no indirect call:
//!
//! * `{}`: integers in decimal, `&str`, `bool`, `char`
//! * `{:x}`, `{:X}`, `{:#x}`: integers in hexadecimal (`#`: with `0x`)
//! * `{{` and `}}`: literal braces
//!
//! An argument missing for a conversion prints `{?}`; an unknown
//! conversion prints as written. Lines longer than [`PRINT_BUF_LEN`] bytes
//! are truncated.

/// Bytes of a printed line; longer output is truncated.
pub const PRINT_BUF_LEN: usize = 128;

/// One argument of [`println!`](crate::println).
#[derive(Clone, Copy)]
pub enum Arg<'a> {
    /// An unsigned integer.
    U64(u64),
    /// A signed integer.
    I64(i64),
    /// A string.
    Str(&'a str),
    /// A boolean.
    Bool(bool),
    /// A character.
    Char(char),
}

/// Types [`println!`](crate::println) can print.
pub trait ToArg {
    /// The value as an [`Arg`].
    fn to_arg(&self) -> Arg<'_>;
}

macro_rules! to_arg_unsigned {
    ($($t:ty),*) => {$(
        impl ToArg for $t {
            fn to_arg(&self) -> Arg<'_> {
                Arg::U64(*self as u64)
            }
        }
    )*};
}
macro_rules! to_arg_signed {
    ($($t:ty),*) => {$(
        impl ToArg for $t {
            fn to_arg(&self) -> Arg<'_> {
                Arg::I64(*self as i64)
            }
        }
    )*};
}
to_arg_unsigned!(u8, u16, u32, u64, usize);
to_arg_signed!(i8, i16, i32, i64, isize);

impl ToArg for bool {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Bool(*self)
    }
}
impl ToArg for char {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Char(*self)
    }
}
impl ToArg for str {
    fn to_arg(&self) -> Arg<'_> {
        Arg::Str(self)
    }
}
impl<T: ToArg + ?Sized> ToArg for &T {
    fn to_arg(&self) -> Arg<'_> {
        (**self).to_arg()
    }
}

struct Line {
    buf: [u8; PRINT_BUF_LEN],
    len: usize,
}

impl Line {
    fn put(&mut self, s: &[u8]) {
        let n = s.len().min(PRINT_BUF_LEN - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s[..n]);
        self.len += n;
    }

    fn put_u64(&mut self, mut v: u64, radix: u64, upper: bool) {
        let digits: &[u8; 16] = if upper {
            b"0123456789ABCDEF"
        } else {
            b"0123456789abcdef"
        };
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        loop {
            i -= 1;
            tmp[i] = digits[(v % radix) as usize];
            v /= radix;
            if v == 0 {
                break;
            }
        }
        self.put(&tmp[i..]);
    }

    fn put_arg(&mut self, arg: Arg<'_>, spec: &[u8]) {
        let (hex, upper, alt) = match spec {
            b"" => (false, false, false),
            b"x" => (true, false, false),
            b"X" => (true, true, false),
            b"#x" => (true, false, true),
            b"#X" => (true, true, true),
            _ => {
                self.put(b"{:");
                self.put(spec);
                self.put(b"}");
                return;
            }
        };
        let radix = if hex { 16 } else { 10 };
        match arg {
            Arg::U64(v) => {
                if alt {
                    self.put(b"0x");
                }
                self.put_u64(v, radix, upper);
            }
            Arg::I64(v) => {
                if hex {
                    if alt {
                        self.put(b"0x");
                    }
                    self.put_u64(v as u64, radix, upper);
                } else {
                    if v < 0 {
                        self.put(b"-");
                    }
                    self.put_u64(v.unsigned_abs(), 10, false);
                }
            }
            Arg::Str(s) => self.put(s.as_bytes()),
            Arg::Bool(b) => self.put(if b { b"true" } else { b"false" }),
            Arg::Char(c) => {
                let mut b = [0u8; 4];
                self.put(c.encode_utf8(&mut b).as_bytes());
            }
        }
    }
}

/// Formats `fmt` with `args` (see the module documentation) into a stack
/// buffer of [`PRINT_BUF_LEN`] bytes and writes it to the trace pipe with
/// `rax_trace_print`.
#[inline(never)]
pub fn print(fmt: &str, args: &[Arg<'_>]) {
    let mut line = Line {
        buf: [0; PRINT_BUF_LEN],
        len: 0,
    };
    let f = fmt.as_bytes();
    let mut next = 0;
    let mut i = 0;
    while i < f.len() && line.len < PRINT_BUF_LEN {
        match f[i] {
            b'{' if f.get(i + 1) == Some(&b'{') => {
                line.put(b"{");
                i += 2;
            }
            b'}' if f.get(i + 1) == Some(&b'}') => {
                line.put(b"}");
                i += 2;
            }
            b'{' => {
                let end = match f[i..].iter().position(|&c| c == b'}') {
                    Some(e) => i + e,
                    None => {
                        line.put(&f[i..]);
                        break;
                    }
                };
                let inner = &f[i + 1..end];
                let spec = inner.strip_prefix(b":").unwrap_or(inner);
                match args.get(next) {
                    Some(a) => line.put_arg(*a, spec),
                    None => line.put(b"{?}"),
                }
                next += 1;
                i = end + 1;
            }
            c => {
                line.put(&[c]);
                i += 1;
            }
        }
    }
    crate::helpers::trace_print(&line.buf[..line.len]);
}

/// Prints a line to the trace pipe: a format string with `{}`, `{:x}`,
/// `{:X}` and `{:#x}` conversions, then the arguments (integers, `&str`,
/// `bool`, `char`); at most [`PRINT_BUF_LEN`] bytes are kept.
///
/// ```ignore
/// rax::println!("pid {} on cpu {}", pid, rax::smp_processor_id());
/// ```
#[macro_export]
macro_rules! println {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {
        $crate::__private::print($fmt, &[$($crate::ToArg::to_arg(&$arg)),*])
    };
}
