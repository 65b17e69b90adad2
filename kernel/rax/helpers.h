/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Rax helper list: every function a Rax object may import, by the
 * symbol name the object uses. This list is the single source of the
 * kernel's helper table and of the helper declarations of the Rust "rax"
 * crate; the userspace test suite fails when the two differ.
 *
 * Like bpf_types.h, this file has no include guard: define
 * RAX_HELPER(name, nargs, types) and RAX_ABI(name, nargs) and include it.
 * RAX_ABI entries are not helpers: they are the symbols of the compiler's
 * ABI (memcpy and friends) that code generation calls by itself, which
 * every program type may import. They stay in the same list, where they
 * have always been, so that no helper's index (the bit of an object's
 * imports) changes. An import of NAME goes to rax_abi_NAME, which counts
 * the call against the time budget and calls the kernel's NAME.
 *
 *   name:  the symbol the object imports
 *   nargs: number of arguments (the crate declares exactly as many)
 *   types: the program types allowed to import it: ALL, TRACING (kprobe,
 *          tracepoint, perf_event), KPROBE, NET (XDP, sched_cls), XDP or TC
 *          (sched_cls)
 *
 * Appending is the only compatible change; removing or changing a helper
 * needs a new RAX_FORMAT_VERSION. (The spin-lock helpers were narrowed to
 * NET before the format was released, as the verifier keeps bpf_spin_lock
 * from tracing programs.)
 *
 * Under a held spin lock (interrupts off), a program may call only the
 * helpers that take no lock and cannot wait: rax_spin_unlock, the map
 * lookup (lockless for the map types Rax supports), the clocks, the
 * jiffies counter, the random number, the CPU and NUMA node numbers, the
 * current task's ids and name, a referenced task's ids and name,
 * rax_probe_read_kernel, the checksum difference, a tc packet's byte
 * copies and field writes (rax_skb_load_bytes, rax_tc_set), and
 * rax_throw, rax_stack_check and rax_budget_check. Every other helper stops the
 * program (rax_check_unlocked() in helper_impl.c); the verifier allows
 * eBPF only bpf_spin_unlock there.
 */
RAX_HELPER(rax_map_lookup_elem, 2, ALL)
RAX_HELPER(rax_map_update_elem, 4, ALL)
RAX_HELPER(rax_map_delete_elem, 2, ALL)
RAX_HELPER(rax_ktime_get_ns, 0, ALL)
RAX_HELPER(rax_ktime_get_boot_ns, 0, ALL)
RAX_HELPER(rax_get_prandom_u32, 0, ALL)
RAX_HELPER(rax_get_smp_processor_id, 0, ALL)
RAX_HELPER(rax_trace_print, 2, ALL)
RAX_HELPER(rax_get_current_pid_tgid, 0, TRACING)
RAX_HELPER(rax_get_current_uid_gid, 0, TRACING)
RAX_HELPER(rax_get_current_comm, 2, TRACING)
RAX_HELPER(rax_probe_read_kernel, 3, TRACING)
RAX_HELPER(rax_spin_lock, 1, NET)
RAX_HELPER(rax_spin_unlock, 1, NET)
RAX_HELPER(rax_throw, 4, ALL)
RAX_ABI(memcpy, 3)
RAX_ABI(memmove, 3)
RAX_ABI(memset, 3)
RAX_ABI(memcmp, 3)
RAX_ABI(bcmp, 3)
RAX_HELPER(rax_ringbuf_reserve, 3, ALL)
RAX_HELPER(rax_ringbuf_submit, 2, ALL)
RAX_HELPER(rax_ringbuf_discard, 2, ALL)
RAX_HELPER(rax_ringbuf_output, 4, ALL)
RAX_HELPER(rax_task_acquire_current, 0, TRACING)
RAX_HELPER(rax_task_from_pid, 1, TRACING)
RAX_HELPER(rax_task_release, 1, TRACING)
RAX_HELPER(rax_task_pid_tgid, 1, TRACING)
RAX_HELPER(rax_task_comm, 3, TRACING)
RAX_HELPER(rax_stack_check, 1, ALL)
RAX_HELPER(rax_budget_check, 0, ALL)
RAX_HELPER(rax_clone_redirect, 3, TC)
RAX_HELPER(rax_tc_make_writable, 1, TC)
RAX_HELPER(rax_map_push_elem, 3, ALL)
RAX_HELPER(rax_map_pop_elem, 2, ALL)
RAX_HELPER(rax_map_peek_elem, 2, ALL)
RAX_HELPER(rax_perf_event_output, 4, TRACING)
RAX_HELPER(rax_get_stackid, 2, TRACING)
RAX_HELPER(rax_get_stack, 3, TRACING)
RAX_HELPER(rax_probe_read_user, 3, TRACING)
RAX_HELPER(rax_probe_read_user_str, 3, TRACING)
RAX_HELPER(rax_probe_read_kernel_str, 3, TRACING)
RAX_HELPER(rax_jiffies64, 0, ALL)
RAX_HELPER(rax_get_numa_node_id, 0, ALL)
RAX_HELPER(rax_send_signal, 1, TRACING)
RAX_HELPER(rax_override_return, 1, KPROBE)
RAX_HELPER(rax_get_current_cgroup_id, 0, TRACING)
RAX_HELPER(rax_task_acquire_parent, 1, TRACING)
RAX_HELPER(rax_xdp_adjust_head, 2, XDP)
RAX_HELPER(rax_xdp_adjust_tail, 2, XDP)
RAX_HELPER(rax_xdp_adjust_meta, 2, XDP)
RAX_HELPER(rax_redirect, 2, NET)
RAX_HELPER(rax_redirect_map, 3, XDP)
RAX_HELPER(rax_fib_lookup, 3, NET)
RAX_HELPER(rax_csum_diff, 5, NET)
RAX_HELPER(rax_skb_store_bytes, 5, TC)
RAX_HELPER(rax_skb_load_bytes, 4, TC)
RAX_HELPER(rax_l3_csum_replace, 5, TC)
RAX_HELPER(rax_l4_csum_replace, 5, TC)
RAX_HELPER(rax_skb_change_tail, 3, TC)
RAX_HELPER(rax_tc_set, 3, TC)
