// SPDX-License-Identifier: GPL-2.0
//! The error type of fallible helpers.

use core::fmt;

/// A failed helper call: a positive `errno` value (for example
/// [`Error::ENOENT`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Error {
    errno: i32,
}

impl Error {
    /// No such entry.
    pub const ENOENT: Error = Error { errno: 2 };
    /// Bad address (for example a failed `probe_read_kernel`).
    pub const EFAULT: Error = Error { errno: 14 };
    /// Entry exists (`update` with [`crate::maps::BPF_NOEXIST`]).
    pub const EEXIST: Error = Error { errno: 17 };
    /// Invalid argument.
    pub const EINVAL: Error = Error { errno: 22 };
    /// Argument too big (also: a full queue or stack).
    pub const E2BIG: Error = Error { errno: 7 };
    /// Operation not permitted.
    pub const EPERM: Error = Error { errno: 1 };
    /// Busy (a map's lock held by the context this one interrupted).
    pub const EBUSY: Error = Error { errno: 16 };
    /// Operation not supported.
    pub const EOPNOTSUPP: Error = Error { errno: 95 };
    /// Not supported by the driver (the kernel's `ENOTSUPP`).
    pub const ENOTSUPP: Error = Error { errno: 524 };

    /// The positive `errno` value.
    pub const fn errno(self) -> i32 {
        self.errno
    }

    /// Turns a helper's `0 or -errno` return value into a `Result`.
    pub(crate) fn check(ret: i64) -> Result<(), Error> {
        if ret >= 0 {
            Ok(())
        } else if ret < -(i32::MAX as i64) {
            Err(Error::EINVAL)
        } else {
            Err(Error { errno: -ret as i32 })
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "errno {}", self.errno)
    }
}
