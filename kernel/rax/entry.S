/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entering a Rax program and leaving it after a panic.
 *
 * rax_enter() saves the callee-saved registers and records the stack
 * pointer in the invocation's frame before calling the entry; a throw
 * (rax_throw()) comes back through rax_unwind(), which restores that
 * stack pointer and returns from rax_enter() with 0, as if the entry had
 * returned. Nothing the program left on the stack below is used again.
 */

#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/nospec-branch.h>

/* struct rax_frame::sp, checked against the C layout in run.c. */
#define RAX_FRAME_SP	0

/*
 * u64 rax_enter(void *ctx, void *entry, struct rax_frame *frame)
 */
SYM_FUNC_START(rax_enter)
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, RAX_FRAME_SP(%rdx)
	mov	%rsi, %r11
	CALL_NOSPEC r11
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	RET
SYM_FUNC_END(rax_enter)

/*
 * void rax_unwind(struct rax_frame *frame): return from the rax_enter()
 * that recorded @frame, with 0.
 */
SYM_FUNC_START(rax_unwind)
	mov	RAX_FRAME_SP(%rdi), %rsp
	xor	%eax, %eax
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbx
	pop	%rbp
	RET
SYM_FUNC_END(rax_unwind)
/* The stack switch above is not something objtool can follow. */
STACK_FRAME_NON_STANDARD rax_unwind
