// SPDX-License-Identifier: GPL-2.0
//! The bottom of the crate: the kernel's helper list as one `unsafe extern
//! "C"` block, and nothing else.
//!
//! The block declares exactly the helpers of `kernel/rax/helpers.h`: same
//! symbol names, same number of arguments, in the same order (the userspace
//! test suite compares the two; appending is the only compatible change).
//! The contracts are the helper table of `Documentation/rax/format.rst`;
//! all helpers use the x86-64 SysV calling convention. Helpers that return
//! "0 or -errno" are declared returning `i64` (the kernel returns a 64-bit
//! `rax`, as for eBPF helpers).
//!
//! This module depends on no other module of the crate: the kernel's
//! objects are opaque pointers here (`*const c_void` for a map definition,
//! `*mut c_void` for a task or a tc context). The safe modules above it
//! (`maps`, `sync`, `task`, `raw`, `helpers`, `stack`) each wrap the
//! helpers they need and state, in every `unsafe` block's `SAFETY:`
//! comment, which invariant makes the call sound and where it is
//! established. The kernel re-checks the pointers it is given (map
//! definitions, lock addresses, records, task references, contexts): a
//! bad one stops the program.

use core::ffi::{c_int, c_void};

unsafe extern "C" {
    /// `(def, key)`: pointer to the value or NULL.
    pub(crate) fn rax_map_lookup_elem(def: *const c_void, key: *const c_void) -> *mut c_void;
    /// `(def, key, value, flags)`: 0 or -errno.
    pub(crate) fn rax_map_update_elem(
        def: *const c_void,
        key: *const c_void,
        value: *const c_void,
        flags: u64,
    ) -> i64;
    /// `(def, key)`: 0 or -errno.
    pub(crate) fn rax_map_delete_elem(def: *const c_void, key: *const c_void) -> i64;
    /// Monotonic time in ns.
    pub(crate) fn rax_ktime_get_ns() -> u64;
    /// Boot time in ns.
    pub(crate) fn rax_ktime_get_boot_ns() -> u64;
    /// A pseudo-random `u32`.
    pub(crate) fn rax_get_prandom_u32() -> u32;
    /// The current CPU.
    pub(crate) fn rax_get_smp_processor_id() -> u32;
    /// `(buf, len)`: writes a line to the trace pipe.
    pub(crate) fn rax_trace_print(buf: *const u8, len: u32) -> i64;
    /// `tgid << 32 | pid` of current.
    pub(crate) fn rax_get_current_pid_tgid() -> u64;
    /// `gid << 32 | uid` of current.
    pub(crate) fn rax_get_current_uid_gid() -> u64;
    /// `(buf, size)`: current's comm, 0 or -errno.
    pub(crate) fn rax_get_current_comm(buf: *mut u8, size: u32) -> i64;
    /// `(dst, size, src)`: 0 or -errno, `dst` zeroed on error.
    pub(crate) fn rax_probe_read_kernel(dst: *mut c_void, size: u32, src: *const c_void) -> i64;
    /// `(lock)`: takes a `struct bpf_spin_lock`.
    pub(crate) fn rax_spin_lock(lock: *mut u32);
    /// `(lock)`: releases a `struct bpf_spin_lock`.
    pub(crate) fn rax_spin_unlock(lock: *mut u32);
    /// `(file, file_len, line, column)`: stops the program, never returns.
    pub(crate) fn rax_throw(file: *const u8, file_len: usize, line: u32, column: u32) -> !;
    // The compiler's ABI symbols (RAX_ABI in the list, not helpers): code
    // generation calls them on its own; they are declared so that this
    // block is the complete list.
    #[allow(dead_code)]
    pub(crate) fn memcpy(dst: *mut c_void, src: *const c_void, n: usize) -> *mut c_void;
    #[allow(dead_code)]
    pub(crate) fn memmove(dst: *mut c_void, src: *const c_void, n: usize) -> *mut c_void;
    #[allow(dead_code)]
    pub(crate) fn memset(dst: *mut c_void, c: c_int, n: usize) -> *mut c_void;
    #[allow(dead_code)]
    pub(crate) fn memcmp(a: *const c_void, b: *const c_void, n: usize) -> c_int;
    #[allow(dead_code)]
    pub(crate) fn bcmp(a: *const c_void, b: *const c_void, n: usize) -> c_int;
    /// `(def, size, flags)`: a record of `size` bytes in a ring buffer,
    /// 8-byte aligned, entered in the cleanup log; NULL on failure.
    pub(crate) fn rax_ringbuf_reserve(def: *const c_void, size: u64, flags: u64) -> *mut c_void;
    /// `(rec, flags)`: makes a reserved record visible to the consumer.
    pub(crate) fn rax_ringbuf_submit(rec: *mut c_void, flags: u64);
    /// `(rec, flags)`: drops a reserved record.
    pub(crate) fn rax_ringbuf_discard(rec: *mut c_void, flags: u64);
    /// `(def, data, size, flags)`: copies a record into a ring buffer, 0 or
    /// -errno.
    pub(crate) fn rax_ringbuf_output(
        def: *const c_void,
        data: *const c_void,
        size: u64,
        flags: u64,
    ) -> i64;
    /// A reference to current (tracing programs only); NULL in NMI context
    /// or on failure.
    pub(crate) fn rax_task_acquire_current() -> *mut c_void;
    /// `(pid)`: a reference to the task with that pid in the initial pid
    /// namespace (tracing programs only); NULL if there is none.
    pub(crate) fn rax_task_from_pid(pid: i32) -> *mut c_void;
    /// `(task)`: releases a reference from the two helpers above.
    pub(crate) fn rax_task_release(task: *mut c_void);
    /// `(task)`: `tgid << 32 | pid` of the task.
    pub(crate) fn rax_task_pid_tgid(task: *mut c_void) -> u64;
    /// `(task, buf, size)`: the task's comm, NUL-terminated; 0 or -errno.
    pub(crate) fn rax_task_comm(task: *mut c_void, buf: *mut u8, size: u32) -> i64;
    /// `(need)`: stops the program unless `need` bytes of stack are left.
    pub(crate) fn rax_stack_check(need: u64);
    // The toolchain's termination pass calls it at every function entry
    // and loop back-edge; the crate never does.
    #[allow(dead_code)]
    pub(crate) fn rax_budget_check();
    /// `(tc, ifindex, flags)`: sends a clone of a tc program's packet to a
    /// device (`bpf_clone_redirect`); updates the context's packet bounds;
    /// 0 or -errno (tc programs only).
    pub(crate) fn rax_clone_redirect(tc: *mut c_void, ifindex: u32, flags: u64) -> i64;
    /// `(tc)`: unclones a tc program's packet data if it is shared, so
    /// that the program may write it; updates the context's packet
    /// bounds; 0 or -errno (tc programs only).
    pub(crate) fn rax_tc_make_writable(tc: *mut c_void) -> i64;
    /// `(def, value, flags)`: pushes a value onto a queue or stack map;
    /// 0 or -errno.
    pub(crate) fn rax_map_push_elem(def: *const c_void, value: *const c_void, flags: u64) -> i64;
    /// `(def, value)`: takes the next value off a queue or stack map into
    /// `value` (written only on success); 0 or -errno.
    pub(crate) fn rax_map_pop_elem(def: *const c_void, value: *mut c_void) -> i64;
    /// `(def, value)`: as `rax_map_pop_elem`, leaving the value there.
    pub(crate) fn rax_map_peek_elem(def: *const c_void, value: *mut c_void) -> i64;
    /// `(def, flags, data, size)`: a raw sample on the perf event at index
    /// `flags` (or the current CPU's) of a perf event array; 0 or -errno
    /// (tracing programs only).
    pub(crate) fn rax_perf_event_output(
        def: *const c_void,
        flags: u64,
        data: *const c_void,
        size: u64,
    ) -> i64;
    /// `(def, flags)`: the id of the current stack in a stack trace map,
    /// or -errno (tracing programs only).
    pub(crate) fn rax_get_stackid(def: *const c_void, flags: u64) -> i64;
    /// `(buf, size, flags)`: the current stack's addresses; bytes written
    /// or -errno (tracing programs only).
    pub(crate) fn rax_get_stack(buf: *mut c_void, size: u32, flags: u64) -> i64;
    /// `(dst, size, src)`: reads current's user memory; 0 or -errno, `dst`
    /// zeroed on error (tracing programs only).
    pub(crate) fn rax_probe_read_user(dst: *mut c_void, size: u32, src: *const c_void) -> i64;
    /// `(dst, size, src)`: a NUL-terminated string from user memory; its
    /// length with the NUL, or -errno (tracing programs only).
    pub(crate) fn rax_probe_read_user_str(dst: *mut c_void, size: u32, src: *const c_void) -> i64;
    /// `(dst, size, src)`: as `rax_probe_read_user_str`, from kernel memory.
    pub(crate) fn rax_probe_read_kernel_str(dst: *mut c_void, size: u32, src: *const c_void)
    -> i64;
    /// The 64-bit jiffies counter.
    pub(crate) fn rax_jiffies64() -> u64;
    /// The current CPU's NUMA node.
    pub(crate) fn rax_get_numa_node_id() -> i64;
    /// `(sig)`: signals current's process; 0 or -errno (tracing programs
    /// only).
    pub(crate) fn rax_send_signal(sig: u32) -> i64;
    /// `(rc)`: makes the probed function return `rc` at once (kprobe
    /// programs only, on functions open to error injection).
    pub(crate) fn rax_override_return(rc: u64) -> i64;
    /// The current task's cgroup id, on the default hierarchy (tracing
    /// programs only).
    pub(crate) fn rax_get_current_cgroup_id() -> u64;
    /// `(task)`: a reference to a referenced task's parent, NULL on failure
    /// (tracing programs only).
    pub(crate) fn rax_task_acquire_parent(task: *mut c_void) -> *mut c_void;
    /// `(xdp, delta)`: moves the packet's start; 0 or -errno (XDP only).
    pub(crate) fn rax_xdp_adjust_head(xdp: *mut c_void, delta: i32) -> i64;
    /// `(xdp, delta)`: moves the packet's end; 0 or -errno (XDP only).
    pub(crate) fn rax_xdp_adjust_tail(xdp: *mut c_void, delta: i32) -> i64;
    /// `(xdp, delta)`: moves the metadata's start; 0 or -errno (XDP only).
    pub(crate) fn rax_xdp_adjust_meta(xdp: *mut c_void, delta: i32) -> i64;
    /// `(ifindex, flags)`: redirects the packet once the program returns;
    /// the verdict to return (XDP and tc).
    pub(crate) fn rax_redirect(ifindex: u32, flags: u64) -> i64;
    /// `(def, key, flags)`: redirects through a device or CPU map; the
    /// verdict to return (XDP only).
    pub(crate) fn rax_redirect_map(def: *const c_void, key: u64, flags: u64) -> i64;
    /// `(params, plen, flags)`: a FIB lookup; `BPF_FIB_LKUP_RET_*` or
    /// -errno (XDP and tc).
    pub(crate) fn rax_fib_lookup(params: *mut c_void, plen: u32, flags: u64) -> i64;
    /// `(from, from_size, to, to_size, seed)`: a checksum difference, or
    /// -errno (XDP and tc).
    pub(crate) fn rax_csum_diff(
        from: *const c_void,
        from_size: u32,
        to: *const c_void,
        to_size: u32,
        seed: u32,
    ) -> i64;
    /// `(tc, offset, from, len, flags)`: writes packet bytes; updates the
    /// context's packet bounds; 0 or -errno (tc only).
    pub(crate) fn rax_skb_store_bytes(
        tc: *mut c_void,
        offset: u32,
        from: *const c_void,
        len: u32,
        flags: u64,
    ) -> i64;
    /// `(tc, offset, to, len)`: copies packet bytes, linear or not; 0 or
    /// -errno (tc only).
    pub(crate) fn rax_skb_load_bytes(
        tc: *mut c_void,
        offset: u32,
        to: *mut c_void,
        len: u32,
    ) -> i64;
    /// `(tc, offset, from, to, flags)`: fixes an L3 checksum; updates the
    /// context's packet bounds; 0 or -errno (tc only).
    pub(crate) fn rax_l3_csum_replace(
        tc: *mut c_void,
        offset: u32,
        from: u64,
        to: u64,
        flags: u64,
    ) -> i64;
    /// `(tc, offset, from, to, flags)`: fixes an L4 checksum; likewise.
    pub(crate) fn rax_l4_csum_replace(
        tc: *mut c_void,
        offset: u32,
        from: u64,
        to: u64,
        flags: u64,
    ) -> i64;
    /// `(tc, len, flags)`: grows or cuts the packet; updates the context's
    /// packet bounds; 0 or -errno (tc only).
    pub(crate) fn rax_skb_change_tail(tc: *mut c_void, len: u32, flags: u64) -> i64;
    /// `(tc, field, value)`: sets the mark, priority, classid or tc_index;
    /// 0 or -errno (tc only).
    pub(crate) fn rax_tc_set(tc: *mut c_void, field: u32, value: u32) -> i64;
}
