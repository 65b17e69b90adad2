/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Entering a Rax program and leaving it after a panic.
 *
 * rax_enter() saves the callee-saved registers, records the stack
 * pointer in the invocation's frame and calls the entry on a Rax stack; a
 * throw (rax_throw()) comes back through rax_unwind(), which restores the
 * recorded stack pointer, on the stack rax_enter() was called on, and
 * returns from rax_enter() with 0, as if the entry had returned. Nothing
 * the program left on the Rax stack is used again.
 */

#include <linux/linkage.h>
#include <linux/objtool.h>
#include <asm/nospec-branch.h>

/* struct rax_frame::sp, checked against the C layout in run.c. */
#define RAX_FRAME_SP	0

/*
 * u64 rax_enter(void *ctx, void *entry, struct rax_frame *frame,
 *		 unsigned long *tos)
 *
 * @tos is the top word of the Rax stack to run on. The switch is the
 * kernel's call_on_stack() sequence, which objtool and the ORC unwinder
 * follow: the old stack pointer goes to *@tos, the program runs below it,
 * and popping it goes back.
 */
SYM_FUNC_START(rax_enter)
	push	%rbp
	push	%rbx
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, RAX_FRAME_SP(%rdx)
	mov	%rsi, %r11
	mov	%rsp, (%rcx)
	mov	%rcx, %rsp
	CALL_NOSPEC r11
	pop	%rsp
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
