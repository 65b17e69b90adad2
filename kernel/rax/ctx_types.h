/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel structures Rax program contexts read, and the members they
 * read: the single list from which the kernel (ctx_btf.c) and the
 * toolchain (librax, which also generates the rax crate's bindings) both
 * describe the context layouts from BTF. Each writes, in this order, one
 * line "struct NAME SIZE" per structure and one line "  MEMBER OFFSET
 * SIZE" per member (decimal bytes, members of anonymous structs and unions
 * found where they are nested), and hashes the text with SHA-256: the
 * object's RAX_PROV_BTF_SHA256 must equal the running kernel's.
 *
 * RAX_CTX_STRUCT(name) starts a structure; RAX_CTX_MEMBER(name) lists a
 * member of the structure above it.
 */
RAX_CTX_STRUCT(xdp_buff)
RAX_CTX_MEMBER(data)
RAX_CTX_MEMBER(data_end)
RAX_CTX_MEMBER(data_meta)
RAX_CTX_MEMBER(data_hard_start)
RAX_CTX_STRUCT(pt_regs)
RAX_CTX_MEMBER(r15)
RAX_CTX_MEMBER(r14)
RAX_CTX_MEMBER(r13)
RAX_CTX_MEMBER(r12)
RAX_CTX_MEMBER(bp)
RAX_CTX_MEMBER(bx)
RAX_CTX_MEMBER(r11)
RAX_CTX_MEMBER(r10)
RAX_CTX_MEMBER(r9)
RAX_CTX_MEMBER(r8)
RAX_CTX_MEMBER(ax)
RAX_CTX_MEMBER(cx)
RAX_CTX_MEMBER(dx)
RAX_CTX_MEMBER(si)
RAX_CTX_MEMBER(di)
RAX_CTX_MEMBER(orig_ax)
RAX_CTX_MEMBER(ip)
RAX_CTX_MEMBER(flags)
RAX_CTX_MEMBER(sp)
RAX_CTX_STRUCT(bpf_perf_event_data_kern)
RAX_CTX_MEMBER(regs)
RAX_CTX_MEMBER(data)
RAX_CTX_MEMBER(event)
