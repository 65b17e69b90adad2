// SPDX-License-Identifier: GPL-2.0
// The termination pass of the Rax toolchain: an LLVM pass plugin that
// rax build loads into rustc (-Zllvm-plugins). After link-time
// optimization, on the whole program, it inserts a call to the kernel's
// rax_budget_check helper at the entry of every function and on every
// retreating edge of its control-flow graph (before the terminator of the
// edge's source block), so that every cycle of the program, through loops
// or calls, passes a point where the kernel may stop it
// (Documentation/rax/termination.rst).
//
// A function carries the attribute "rax-budget" once instrumented; the
// pass never instruments it twice.
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/PassManager.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Plugins/PassPlugin.h>

#include <cstdlib>
#include <unordered_set>
#include <utility>
#include <vector>

namespace {

constexpr char kHelper[] = "rax_budget_check";
constexpr char kDone[] = "rax-budget";

// The source blocks of the retreating edges of @f's CFG: edges to a
// block still on the stack of a depth-first walk from the entry. Every
// cycle contains one, reducible or not.
std::vector<llvm::BasicBlock *> retreating_sources(llvm::Function &f)
{
	std::unordered_set<llvm::BasicBlock *> on_stack, done;
	std::vector<std::pair<llvm::BasicBlock *, unsigned>> dfs;
	std::vector<llvm::BasicBlock *> sources;

	dfs.emplace_back(&f.getEntryBlock(), 0);
	on_stack.insert(&f.getEntryBlock());
	while (!dfs.empty()) {
		auto &[block, next] = dfs.back();
		llvm::Instruction const *term = block->getTerminator();
		if (term && next < term->getNumSuccessors()) {
			llvm::BasicBlock *succ = term->getSuccessor(next++);
			if (on_stack.count(succ)) {
				if (sources.empty() || sources.back() != block)
					sources.push_back(block);
			} else if (!done.count(succ)) {
				on_stack.insert(succ);
				dfs.emplace_back(succ, 0);
			}
			continue;
		}
		on_stack.erase(block);
		done.insert(block);
		dfs.pop_back();
	}
	return sources;
}

struct BudgetPass : llvm::PassInfoMixin<BudgetPass> {
	llvm::PreservedAnalyses run(llvm::Module &m, llvm::ModuleAnalysisManager &)
	{
		llvm::LLVMContext &ctx = m.getContext();
		llvm::FunctionCallee check = m.getOrInsertFunction(kHelper, llvm::Type::getVoidTy(ctx));
		if (auto *decl = llvm::dyn_cast<llvm::Function>(check.getCallee()))
			decl->addFnAttr(llvm::Attribute::NoUnwind);
		bool changed = false;

		for (llvm::Function &f : m) {
			if (f.isDeclaration() || f.hasFnAttribute(kDone))
				continue;
			f.addFnAttr(kDone);
			// A block may have several retreating edges: one check each.
			for (llvm::BasicBlock *b : retreating_sources(f)) {
				llvm::IRBuilder<> at(b->getTerminator());
				at.CreateCall(check);
			}
			llvm::IRBuilder<> entry(&*f.getEntryBlock().getFirstInsertionPt());
			entry.CreateCall(check);
			changed = true;
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
