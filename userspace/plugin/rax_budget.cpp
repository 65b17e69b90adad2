// SPDX-License-Identifier: GPL-2.0
// The termination pass of the Rax toolchain: an LLVM pass plugin that
// rax build loads into rustc (-Zllvm-plugins). After link-time
// optimization, on the whole program, it inserts a call to the kernel's
// rax_budget_check helper at the entry of every function and on every
// retreating edge of its control-flow graph (before the terminator of the
// edge's source block), so that every cycle of the program, through loops
// or calls, passes a point where the kernel may stop it, and no chain of
// calls multiplies the code run between two points
// (Documentation/rax/termination.rst).
//
// Except in a program of leaves only: when no function of the module has
// a loop or calls anything, none gets a check. A run of such a program is
// one function's straight-line code, which a check at its entry would not
// have shortened (the kernel reads no clock at a run's first points), and
// it imports nothing: the kernel runs it without the machinery of a run
// that could be stopped (Documentation/rax/run.rst). A leaf of a program
// that has anything else keeps its check: a caller making many calls to a
// slow leaf would otherwise run them all between two points.
//
// Loops the back end would make later are made here first: every
// read-modify-write atomic that x86-64 has no single instruction for
// becomes an explicit compare-and-exchange loop in the IR before the
// function is instrumented, so its back-edge gets a cancellation point
// like any other. rax build checks the final machine code for the same
// property (every cycle passes a call to the check) and refuses the
// object otherwise.
//
// A function carries the attribute "rax-budget" once instrumented; the
// pass never instruments it twice.
#include <llvm/ADT/SmallVector.h>
#include <llvm/Analysis/CFG.h>
#include <llvm/IR/BasicBlock.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/InlineAsm.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/InstIterator.h>
#include <llvm/IR/Instructions.h>
#include <llvm/IR/IntrinsicInst.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/PassManager.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Plugins/PassPlugin.h>
#include <llvm/Transforms/Utils/LowerAtomic.h>

#include <cstdlib>
#include <unordered_set>
#include <utility>
#include <vector>

namespace {

constexpr char kHelper[] = "rax_budget_check";
constexpr char kDone[] = "rax-budget";

// The source blocks of the retreating edges of @f's CFG, as LLVM's
// FindFunctionBackedges() finds them: edges to a block still on the stack
// of a depth-first walk from the entry. Every cycle contains one,
// reducible or not. One check before a block's terminator serves all of
// its retreating edges.
std::vector<llvm::BasicBlock *> retreating_sources(llvm::Function &f)
{
	llvm::SmallVector<std::pair<llvm::BasicBlock const *, llvm::BasicBlock const *>, 16> edges;
	std::unordered_set<llvm::BasicBlock const *> seen;
	std::vector<llvm::BasicBlock *> sources;

	llvm::FindFunctionBackedges(f, edges);
	for (auto const &edge : edges)
		if (seen.insert(edge.first).second)
			sources.push_back(const_cast<llvm::BasicBlock *>(edge.first));
	return sources;
}

// Whether @f calls anything: a function, a helper, through a pointer, or
// through an intrinsic that may become a call (memcpy, memmove, memset),
// or in inline assembly. Other intrinsics are instructions, or nothing
// (debug records, lifetime markers), and so is an empty inline assembly
// string: core::hint::black_box(), which the rax crate's entry macros use
// to keep an entry's definition (programs cannot write assembly). A call
// the back end makes later (a library call for soft float or 128-bit
// division) is to an undefined symbol that rax build refuses; a copy it
// makes a call of imports the compiler's ABI, and the program then runs
// through the kernel's dispatcher (rax build's machine-code check refuses
// a call between functions of a program that imports nothing).
bool calls_anything(llvm::Function &f)
{
	for (llvm::Instruction &i : llvm::instructions(f)) {
		auto *call = llvm::dyn_cast<llvm::CallBase>(&i);
		if (!call)
			continue;
		if (auto *as = llvm::dyn_cast<llvm::InlineAsm>(call->getCalledOperand())) {
			if (!as->getAsmString().empty())
				return true;
			continue;
		}
		llvm::Function const *callee = call->getCalledFunction();
		if (!callee || !callee->isIntrinsic() || llvm::isa<llvm::AnyMemIntrinsic>(call))
			return true;
	}
	return false;
}

// Whether the x86-64 back end lowers @rmw to one locked instruction
// (X86TargetLowering::shouldExpandAtomicRMWInIR): an exchange, an add or
// a subtract (xchg, lock xadd) of up to 64 bits, and an and, or or xor
// whose old value is never used (lock and/or/xor). Everything else (max,
// min, nand, the wrapping and saturating forms, floating point, and, or
// and xor whose result is used) becomes a lock cmpxchg retry loop.
bool single_instruction(llvm::AtomicRMWInst const &rmw)
{
	llvm::Type const *t = rmw.getValOperand()->getType();
	if (!t->isPointerTy() && !(t->isIntegerTy() && t->getIntegerBitWidth() <= 64))
		return false;
	switch (rmw.getOperation()) {
	case llvm::AtomicRMWInst::Xchg:
	case llvm::AtomicRMWInst::Add:
	case llvm::AtomicRMWInst::Sub:
		return true;
	case llvm::AtomicRMWInst::And:
	case llvm::AtomicRMWInst::Or:
	case llvm::AtomicRMWInst::Xor:
		return rmw.use_empty();
	default:
		return false;
	}
}

// Rewrite @rmw (on an integer) as the loop the back end would make of it:
//
//	%init = load atomic iN, ptr %p monotonic
//	br label %loop
// loop:
//	%old = phi iN [ %init, %before ], [ %seen, %loop ]
//	%new = <op> iN %old, %v
//	%pair = cmpxchg ptr %p, iN %old, iN %new <ordering>
//	%seen = extractvalue %pair, 0
//	br (extractvalue %pair, 1), label %after, label %retry
// retry:
//	br label %loop
// after:
//	(uses of the atomicrmw use %seen)
//
// with the original's ordering, scope, alignment and volatility. The
// back-edge has a block of its own, so that its cancellation point costs
// only the retries, not every exchange that succeeds at once.
void expand_to_cmpxchg(llvm::AtomicRMWInst &rmw)
{
	llvm::BasicBlock *before = rmw.getParent();
	llvm::BasicBlock *after = before->splitBasicBlock(rmw.getIterator(), "rax.rmw.after");
	llvm::Function *f = before->getParent();
	llvm::BasicBlock *loop = llvm::BasicBlock::Create(f->getContext(), "rax.rmw.loop", f, after);
	llvm::BasicBlock *retry = llvm::BasicBlock::Create(f->getContext(), "rax.rmw.retry", f, after);
	llvm::Type *type = rmw.getType();
	llvm::Value *ptr = rmw.getPointerOperand();

	// splitBasicBlock left an unconditional branch to @after: retarget it.
	before->getTerminator()->setSuccessor(0, loop);
	llvm::IRBuilder<> at(before->getTerminator());
	llvm::LoadInst *init = at.CreateAlignedLoad(type, ptr, rmw.getAlign(), rmw.isVolatile(),
						    "rax.rmw.init");
	init->setAtomic(llvm::AtomicOrdering::Monotonic, rmw.getSyncScopeID());

	llvm::IRBuilder<> body(loop);
	llvm::PHINode *old = body.CreatePHI(type, 2, "rax.rmw.old");
	llvm::Value *next = llvm::buildAtomicRMWValue(rmw.getOperation(), body, old,
						      rmw.getValOperand());
	llvm::AtomicCmpXchgInst *pair = body.CreateAtomicCmpXchg(
		ptr, old, next, rmw.getAlign(), rmw.getOrdering(),
		llvm::AtomicCmpXchgInst::getStrongestFailureOrdering(rmw.getOrdering()),
		rmw.getSyncScopeID());
	pair->setVolatile(rmw.isVolatile());
	llvm::Value *seen = body.CreateExtractValue(pair, 0, "rax.rmw.seen");
	llvm::Value *ok = body.CreateExtractValue(pair, 1, "rax.rmw.ok");
	body.CreateCondBr(ok, after, retry);
	llvm::BranchInst::Create(loop, retry);
	old->addIncoming(init, before);
	old->addIncoming(seen, retry);

	rmw.replaceAllUsesWith(seen);
	rmw.eraseFromParent();
}

// Expand, in @f, every atomicrmw the back end would turn into a loop.
bool expand_atomics(llvm::Function &f)
{
	std::vector<llvm::AtomicRMWInst *> todo;
	for (llvm::Instruction &i : llvm::instructions(f))
		if (auto *rmw = llvm::dyn_cast<llvm::AtomicRMWInst>(&i))
			if (!single_instruction(*rmw) && rmw->getType()->isIntegerTy())
				todo.push_back(rmw);
	for (llvm::AtomicRMWInst *rmw : todo)
		expand_to_cmpxchg(*rmw);
	return !todo.empty();
}

struct BudgetPass : llvm::PassInfoMixin<BudgetPass> {
	// Required: no pipeline setting (optnone, opt-bisect, a pass filter)
	// may skip it; the kernel's termination rests on it.
	static bool isRequired() { return true; }

	llvm::PreservedAnalyses run(llvm::Module &m, llvm::ModuleAnalysisManager &)
	{
		llvm::LLVMContext &ctx = m.getContext();
		llvm::FunctionCallee check = m.getOrInsertFunction(kHelper, llvm::Type::getVoidTy(ctx));
		if (auto *decl = llvm::dyn_cast<llvm::Function>(check.getCallee()))
			decl->addFnAttr(llvm::Attribute::NoUnwind);
		bool changed = false;

		// Each function with the sources of its loops' retreating edges.
		std::vector<std::pair<llvm::Function *, std::vector<llvm::BasicBlock *>>> todo;
		bool leaves_only = true;
		for (llvm::Function &f : m) {
			if (f.isDeclaration() || f.hasFnAttribute(kDone))
				continue;
			f.addFnAttr(kDone);
			changed = true;
			expand_atomics(f);
			todo.emplace_back(&f, retreating_sources(f));
			if (!todo.back().second.empty() || calls_anything(f))
				leaves_only = false;
		}
		// A program of leaves only gets no check (see the top of the file).
		if (leaves_only) {
			// The kernel calls such a program's entries on its own stack,
			// aligned to 8 bytes only (-mpreferred-stack-boundary=3), not
			// through rax_enter() on a 16-byte aligned Rax stack: an entry
			// with a local aligned to 16 must align the stack itself.
			for (auto const &[f, loops] : todo)
				if (!f->hasLocalLinkage())
					f->addFnAttr("stackrealign");
			todo.clear();
		}
		for (auto const &[f, loops] : todo) {
			// A block may have several retreating edges: one check each.
			for (llvm::BasicBlock *b : loops) {
				llvm::IRBuilder<> at(b->getTerminator());
				at.CreateCall(check);
			}
			llvm::IRBuilder<> entry(&*f->getEntryBlock().getFirstInsertionPt());
			entry.CreateCall(check);
		}
		return changed ? llvm::PreservedAnalyses::none() : llvm::PreservedAnalyses::all();
	}
};

void register_callbacks(llvm::PassBuilder &pb)
{
	// Fat LTO only: rax build always links the program with -C lto=fat,
	// and this callback sees the whole program after its last inlining.
	pb.registerFullLinkTimeOptimizationLastEPCallback(
		[](llvm::ModulePassManager &mpm, llvm::OptimizationLevel) { mpm.addPass(BudgetPass()); });
}

} // namespace

extern "C" LLVM_ATTRIBUTE_WEAK llvm::PassPluginLibraryInfo llvmGetPassPluginInfo()
{
	return {LLVM_PLUGIN_API_VERSION, "rax-budget", RAX_VERSION, register_callbacks};
}
