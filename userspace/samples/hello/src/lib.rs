#![no_std]
#![forbid(unsafe_code)]
//! Prints a line from a tracepoint and from a kprobe.
//!
//! Entry 0, `rax_entry_hello_tracepoint`: attach to any `syscalls:sys_enter_*`
//! tracepoint; offset 8 of those records is `__syscall_nr` (after the 8-byte
//! common header).
//! Entry 1, `rax_entry_hello_kprobe`: attach to any kernel function.

use rax::{KprobeContext, TracepointContext};

fn hello_tracepoint(ctx: &TracepointContext) -> u32 {
    let pid = rax::current_pid_tgid() >> 32;
    let nr: i32 = ctx.read(8).unwrap_or(-1);
    rax::println!("hello from tracepoint: tgid {} syscall {}", pid, nr);
    0
}
// Reads __syscall_nr, an int at offset 8 of a sys_enter_* record.
rax::tracepoint!(hello_tracepoint, record = 12);

fn hello_kprobe(ctx: &KprobeContext) -> u32 {
    let comm = rax::current_comm().unwrap_or([0; 16]);
    let len = comm.iter().position(|&b| b == 0).unwrap_or(comm.len());
    let name = core::str::from_utf8(&comm[..len]).unwrap_or("?");
    rax::println!(
        "hello from kprobe at {:#x}: comm {} arg0 {:#x} cpu {}",
        ctx.ip(),
        name,
        ctx.arg0(),
        rax::smp_processor_id()
    );
    0
}
rax::kprobe!(hello_kprobe);
