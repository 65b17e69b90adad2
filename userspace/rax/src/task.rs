// SPDX-License-Identifier: GPL-2.0
//! Counted references to tasks (`struct task_struct`), for tracing
//! programs only.
//!
//! ```ignore
//! fn on_hit(_ctx: &rax::KprobeContext) -> u32 {
//!     if let Some(task) = rax::TaskRef::current() {
//!         let comm = task.comm();
//!         rax::println!("tgid {} pid {} comm[0] {}", task.tgid(), task.pid(), comm[0]);
//!     } // the reference is released here
//!     0
//! }
//! ```
//!
//! The helpers behind [`TaskRef`] (`rax_task_*`) may only be imported by
//! tracing programs (kprobe, tracepoint, perf_event); the toolchain and
//! the kernel refuse an XDP or tc object that uses them.
//!
//! A [`TaskRef`] holds a reference on the task, taken by the kernel and
//! entered in its per-invocation cleanup log; dropping the `TaskRef`
//! releases it (`rax_task_release`). If the program panics, or returns
//! with a reference it did not release (`core::mem::forget`), the kernel
//! releases it; such a return is counted and logged like a panic.

use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::ffi::{
    rax_task_acquire_current, rax_task_acquire_parent, rax_task_comm, rax_task_from_pid,
    rax_task_pid_tgid, rax_task_release,
};

/// The kernel's `struct task_struct`, opaque: only pointers to it are
/// handled, and only the task helpers use them.
#[repr(C)]
pub(crate) struct Task {
    _private: [u8; 0],
    _opaque: PhantomData<(*mut u8, core::marker::PhantomPinned)>,
}

/// Length of a task's `comm`, including the terminating NUL.
pub const TASK_COMM_LEN: usize = 16;

/// A counted reference to a task, released when dropped.
///
/// For tracing programs only (kprobe, tracepoint, perf_event). A
/// `TaskRef` is neither `Clone` nor `Copy` (each one is one reference the
/// kernel took), and neither `Send` nor `Sync`: it lives in the invocation
/// that acquired it.
pub struct TaskRef {
    task: NonNull<Task>,
    _not_send: PhantomData<*mut ()>,
}

impl TaskRef {
    #[inline(always)]
    fn from_raw(task: *mut Task) -> Option<TaskRef> {
        NonNull::new(task).map(|task| TaskRef {
            task,
            _not_send: PhantomData,
        })
    }

    /// A reference to the current task (`rax_task_acquire_current`).
    ///
    /// `None` in NMI context (for example a perf_event program sampling
    /// on a hardware counter) or if the kernel cannot take the reference.
    #[inline]
    pub fn current() -> Option<TaskRef> {
        // SAFETY: no arguments; a non-NULL result is a task reference the
        // kernel entered in the cleanup log, now owned by the `TaskRef`.
        TaskRef::from_raw(unsafe { rax_task_acquire_current() }.cast())
    }

    /// A reference to the task whose pid, in the initial pid namespace, is
    /// `pid` (`rax_task_from_pid`); `None` if there is no such task.
    #[inline]
    pub fn from_pid(pid: i32) -> Option<TaskRef> {
        // SAFETY: the pid is passed by value; a non-NULL result is a task
        // reference the kernel entered in the cleanup log, now owned by the
        // `TaskRef`.
        TaskRef::from_raw(unsafe { rax_task_from_pid(pid) }.cast())
    }

    /// A reference to the task's parent (`rax_task_acquire_parent`): the
    /// process that forked it, or the one that adopted it; `None` in NMI
    /// context or if the kernel cannot take the reference.
    #[inline]
    pub fn parent(&self) -> Option<TaskRef> {
        // SAFETY: `task` is a reference this `TaskRef` holds; a non-NULL
        // result is a new task reference the kernel entered in the cleanup
        // log, now owned by the new `TaskRef`.
        TaskRef::from_raw(unsafe { rax_task_acquire_parent(self.task.as_ptr().cast()) }.cast())
    }

    /// `tgid << 32 | pid` of the task (as `rax::current_pid_tgid` for the
    /// current task).
    #[inline]
    pub fn pid_tgid(&self) -> u64 {
        // SAFETY: `task` is a reference this `TaskRef` holds (not yet
        // released: `Drop` is the only release).
        unsafe { rax_task_pid_tgid(self.task.as_ptr().cast()) }
    }

    /// The task's pid (thread id), in the initial pid namespace.
    #[inline]
    pub fn pid(&self) -> u32 {
        self.pid_tgid() as u32
    }

    /// The task's tgid (process id), in the initial pid namespace.
    #[inline]
    pub fn tgid(&self) -> u32 {
        (self.pid_tgid() >> 32) as u32
    }

    /// The task's `comm`, NUL-terminated and NUL-padded; all zeroes if the
    /// helper fails.
    #[inline]
    pub fn comm(&self) -> [u8; TASK_COMM_LEN] {
        let mut comm = [0u8; TASK_COMM_LEN];
        // SAFETY: `task` is a reference this `TaskRef` holds, and `comm` is
        // a writable buffer of exactly the size passed.
        let ret = unsafe {
            rax_task_comm(
                self.task.as_ptr().cast(),
                comm.as_mut_ptr(),
                TASK_COMM_LEN as u32,
            )
        };
        if ret < 0 {
            comm = [0; TASK_COMM_LEN];
        }
        comm
    }
}

impl Drop for TaskRef {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: `task` is a reference this `TaskRef` holds; it is
        // released exactly once, here.
        unsafe { rax_task_release(self.task.as_ptr().cast()) };
    }
}
