#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Make the signed test inputs of the load-path kselftests (rax_load_test):
#
#   notelf.bin          signed bytes that are not an ELF object
#   blacklisted.bin     signed bytes whose SHA-256 the test kernel has in
#                       its .blacklist keyring (build-kernel.sh)
#   noprov.o            a signed x86-64 relocatable object without the
#                       .rax.provenance note
#   prov.o              a signed x86-64 relocatable object with the note
#   prov.o.untrusted.sig  prov.o signed by a key the kernel does not trust
#   key-exponent        the signing key's public exponent
#   e3-tail.o.sig, e3-padding.o.sig  with an exponent of 3: forged signatures
#                       of e3-tail.o and e3-padding.o (copies of signed
#                       objects), with garbage after the digest and in the
#                       padding (scripts/forge-signature.py)
#
# and, built by the Rax toolchain (rax build) from the samples:
#
#   xdp.o               userspace/samples/xdp_counter
#   hello.o             userspace/samples/hello (tracepoint, kprobe)
#   oob.o               userspace/samples/oob_panic (XDP, panics on every packet)
#   counters.o          userspace/samples/counters (kprobe, tracepoint, perf_event)
#   tc.o                userspace/samples/tc_filter (sched_cls)
#   rule.o              userspace/samples/rule_table (XDP, 512 unrolled rules;
#                       the large case of rax_load_bench)
#   resources.o         userspace/samples/resources (XDP: spin lock, ring buffer)
#   resources-kprobe.o  resources.o with its entry made a kprobe entry
#   task_ref.o          userspace/samples/task_ref (tracepoint, kprobe: task
#                       references)
#   stacks.o            userspace/samples/stacks (XDP, kprobe: where programs
#                       run)
#   nmi.o               userspace/samples/nmi (tracepoint for nmi:nmi_handler,
#                       sharing stacks.o's map)
#   spin.o              userspace/samples/spin (endless loops of every type)
#   empty.o             userspace/samples/empty (XDP, passes: rax_run_bench;
#                       imports nothing, so runs bare)
#   empty_run.o         userspace/samples/empty_run (XDP, passes, through
#                       rax_run(): rax_perf)
#   empty-bigframe.o    empty.o with a stack bound of 1024 bytes in its
#                       provenance note: too much to run bare
#   redirect.o          userspace/samples/redirect (sched_cls: clones packets
#                       to a device's egress, where it runs nested)
#   helper_calls.o      userspace/samples/helper_calls (XDP, 64 map helper
#                       calls per run: rax_run_bench)
#   locked_calls.o      userspace/samples/locked_calls (XDP, helpers called
#                       under a spin lock: allowed or stopped)
#   locked_tc.o         userspace/samples/locked_tc (sched_cls, the tc
#                       helpers called under a spin lock: stopped)
#   syscall_tp.o        userspace/samples/syscall_tp (tracepoint: open and
#                       openat counts; its eBPF twin is in the selftests)
#   syscount.o          userspace/samples/syscount (tracepoint: calls, errors
#                       and time per syscall; its eBPF twin, likewise)
#   atomic.o            userspace/samples/atomic (XDP: atomic operations on
#                       map values; its eBPF twin, likewise)
#   recursive.o         userspace/samples/recursive (XDP: recursion to a
#                       depth from the packet; its eBPF twin, likewise)
#   map_bench.o         userspace/samples/map_bench (XDP: one operation on one
#                       of eight map types per run; its eBPF twin, likewise)
#   error_injector.o    userspace/samples/error_injector (kprobe: overrides a
#                       function's return for one process; twin, likewise)
#   error_injector-pe.o error_injector.o with its entry made a perf_event
#                       entry, which may not import rax_override_return
#   error_injector-uprobe.o  error_injector.o with its entry made a
#                       uprobe_multi entry, which may not either
#   tracex5.o           userspace/samples/tracex5 (kprobe: perf event records
#                       of seccomp-filtered calls; twin, likewise)
#   bmc.o, bmc_tx.o     userspace/samples/bmc, bmc_tx (XDP and tc egress: a
#                       Memcached cache; twin, scripts/guest-bmc.sh)
#   tp_bench.o          userspace/samples/tp_bench (tracepoint: an empty program
#                       and panics holding a record and a task reference;
#                       rax_perf)
#   xdp_lb.o            userspace/samples/xdp_lb (XDP: a load balancer; twin,
#                       likewise)
#   tc_firewall.o       userspace/samples/tc_firewall (sched_cls: a rule table;
#                       twin, likewise)
#   xdp_test.o          userspace/samples/xdp_test (XDP: the packet helpers;
#                       twin, likewise)
#   task_info.o         userspace/samples/task_info (kprobe: the task helpers,
#                       kernel and user strings, a signal; twin, likewise)
#   trace_event.o       userspace/samples/trace_event (perf_event: samples per
#                       kernel and user stack; twin, likewise)
#   spinlock_cleanup.o  userspace/samples/spinlock_cleanup (XDP: a panic under
#                       a spin lock; twin, likewise)
#   late_panic.o        userspace/samples/late_panic (tracepoint, XDP: runs
#                       for a set time, then panics)
#   tc_rewrite.o        userspace/samples/tc_rewrite (sched_cls: rewrites UDP
#                       port 7777 to 7778)
#   gap.o               userspace/samples/gap (XDP: the Rax side of the
#                       verifier-gap corpus, one entry per case)
#   xdp.o.tag           the tag the kernel must give xdp.o
#   xdp.o.sha256        the SHA-256 of xdp.o
#   toolchain, crate    xdp.o's toolchain identity and rax crate hash
#   format1.o           xdp.o with provenance format version 1
#   bigstack.o          xdp.o with a stack bound of 1 MiB for entry 0
#   midstack.o          xdp.o with a stack bound of 100 KiB for entry 0 (fits
#                       128 KiB stacks, not 64 KiB ones)
#   otherbtf.o          xdp.o built, as its note says, for other context layouts
#   xdp-tracing.o       hello.o with entry 0 made an XDP entry, which may
#                       not import its tracing helpers
#   unknown-helper.o    hello.o importing rax_trace_prinx
#   xdp-flipped-text.o  xdp.o with one byte of code flipped (use xdp.o.sig)
#   xdp-flipped-note.o  xdp.o with one byte of the note flipped (xdp.o.sig)
#   toolchain           the toolchain identity of the built objects (hex)
#   corpus/             the malformed objects of userspace/tests/test_corpus.cpp
#                       and its valid object (valid.o), each signed
#   forge/              format-valid objects whose code passes helpers what it
#                       does not own, or whose relocation addends reach outside
#                       what they name, with controls
#                       (userspace/tests/test_forge_objects.cpp), each signed
#
# Each FILE has FILE.sig, a detached PKCS#7 signature (CMS, SHA-256, no
# certificates, no signed attributes) made with KEY over RAX_SIGNED_PREFIX
# and FILE's SHA-256 digest. prov.o also has signatures by KEY that are
# not Rax signatures: prov.o.bare.sig over the object alone,
# prov.o.attrs.sig and prov.o.smime.sig with signed attributes,
# prov.o.sha1.sig with a SHA-1 digest, prov.o.v1.sig over the whole object
# as signature v1 was, prov.o.v0.sig over another prefix, prov.o.whole.sig
# over the prefix and the whole object; prov.o.sha256.bin is its digest.
#
# Usage: scripts/make-test-objects.sh OUTDIR KEY.pem [UNTRUSTED-KEY.pem]
# The rax CLI is $RAX_BUILD/userspace/cli/rax (build userspace first); its
# sysroot cache is $RAX_SYSROOT_CACHE.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$1 key=$2 untrusted=${3:-}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A Rax signature covers RAX_SIGNED_PREFIX, then the object's SHA-256
# digest (Documentation/rax/format.rst).
signed_msg() { # FILE [PREFIX]
	printf '%s\n' "${2:-Rax object signature v2}"
	openssl dgst -sha256 -binary "$1"
}
sign() { # FILE KEY SIG [OPENSSL-OPTIONS...]
	local f=$1 k=$2 s=$3
	shift 3
	signed_msg "$f" |
		openssl cms -sign -binary -noattr -nocerts -md sha256 -outform DER \
			-signer "$k" -inkey "$k" -out "$s" "$@"
}

head -c 4096 /dev/urandom >"$out/notelf.bin"
cp "$RAX_TOP/scripts/config/blacklisted-image.txt" "$out/blacklisted.bin"
printf 'int rax_test_value = 42;\nint rax_test_fn(int x) { return x + rax_test_value; }\n' >"$tmp/t.c"
gcc -O2 -c -fno-asynchronous-unwind-tables -mcmodel=kernel -mno-red-zone -fno-pic \
	"$tmp/t.c" -o "$tmp/noprov.o"
# Keep only what a Rax object may hold: no .comment or .note.GNU-stack.
objcopy -R .comment -R .note.GNU-stack "$tmp/noprov.o" "$out/noprov.o"
cat >"$tmp/prov.S" <<'ASM'
	.section .rax.provenance,"",@note
	.balign 4
	.long 4, 4, 1
	.asciz "Rax"
	.long 0
	.text
	.globl rax_test_fn
rax_test_fn:
	movl %edi, %eax
	ret
ASM
gcc -c "$tmp/prov.S" -o "$tmp/prov.o"
objcopy -R .note.GNU-stack "$tmp/prov.o" "$out/prov.o"

rax=$RAX_BUILD/userspace/cli/rax
[ -x "$rax" ] || rax_die "$rax not built: build userspace first (cmake --build $RAX_BUILD)"
for s in xdp_counter:xdp hello:hello oob_panic:oob counters:counters tc_filter:tc rule_table:rule \
	resources:resources task_ref:task_ref stacks:stacks nmi:nmi spin:spin empty:empty empty_run:empty_run \
	redirect:redirect helper_calls:helper_calls locked_calls:locked_calls locked_tc:locked_tc \
	late_panic:late_panic tc_rewrite:tc_rewrite syscall_tp:syscall_tp \
	syscount:syscount atomic:atomic recursive:recursive map_bench:map_bench \
	error_injector:error_injector tracex5:tracex5 xdp_lb:xdp_lb tc_firewall:tc_firewall \
	xdp_test:xdp_test task_info:task_info trace_event:trace_event \
	spinlock_cleanup:spinlock_cleanup gap:gap bmc:bmc bmc_tx:bmc_tx tp_bench:tp_bench; do
	"$rax" build -q --cache "$RAX_SYSROOT_CACHE" -o "$out/${s#*:}.o" \
		"$RAX_TOP/userspace/samples/${s%%:*}" >/dev/null
done
"$rax" inspect -j "$out/xdp.o" | python3 -c \
	'import json,sys; print(json.load(sys.stdin)["provenance"]["rustc_sha256"])' >"$out/toolchain"
"$rax" inspect -j "$out/xdp.o" | python3 -c \
	'import json,sys; print(json.load(sys.stdin)["provenance"]["crate_sha256"])' >"$out/crate"
sha256sum "$out/xdp.o" | cut -d' ' -f1 >"$out/xdp.o.sha256"
# The tag the kernel gives xdp.o: the first 8 bytes of its SHA-256.
sha256sum "$out/xdp.o" | cut -c1-16 >"$out/xdp.o.tag"
mutate() { python3 "$RAX_TOP/scripts/mutate-object.py" "$@"; }
mutate "$out/xdp.o" "$out/format1.o" format=1
mutate "$out/xdp.o" "$out/bigstack.o" stack=1048576
mutate "$out/xdp.o" "$out/midstack.o" stack=102400
mutate "$out/empty.o" "$out/empty-bigframe.o" stack=1024
mutate "$out/xdp.o" "$out/otherbtf.o" btf
mutate "$out/hello.o" "$out/xdp-tracing.o" prog_type=6
mutate "$out/hello.o" "$out/unknown-helper.o" rename=rax_trace_print:rax_trace_prinx
mutate "$out/resources.o" "$out/resources-kprobe.o" prog_type=2
mutate "$out/error_injector.o" "$out/error_injector-pe.o" prog_type=7
# BPF_TRACE_UPROBE_MULTI (48): the uprobe attach paths ignore kprobe_override.
mutate "$out/error_injector.o" "$out/error_injector-uprobe.o" attach_type=48
mutate "$out/xdp.o" "$out/xdp-flipped-text.o" flip=.text
mutate "$out/xdp.o" "$out/xdp-flipped-note.o" flip=.rax.provenance

# The corpus of malformed objects of userspace's parser tests.
mkdir -p "$out/corpus"
RAX_CORPUS_DIR=$out/corpus "$RAX_BUILD/userspace/tests/rax-tests" "[corpus]" >/dev/null
for f in "$out"/corpus/*.o; do
	sign "$f" "$key" "$f.sig"
done

for f in notelf.bin blacklisted.bin noprov.o prov.o xdp.o hello.o oob.o counters.o tc.o rule.o format1.o bigstack.o otherbtf.o \
	xdp-tracing.o unknown-helper.o resources.o resources-kprobe.o task_ref.o stacks.o nmi.o spin.o empty.o empty_run.o empty-bigframe.o redirect.o \
	helper_calls.o locked_calls.o locked_tc.o midstack.o late_panic.o tc_rewrite.o syscall_tp.o \
	syscount.o atomic.o recursive.o map_bench.o error_injector.o error_injector-pe.o error_injector-uprobe.o tracex5.o \
	xdp_lb.o tc_firewall.o xdp_test.o task_info.o trace_event.o spinlock_cleanup.o gap.o \
	bmc.o bmc_tx.o tp_bench.o; do
	sign "$out/$f" "$key" "$out/$f.sig"
done
# Signatures by the trusted key that are not Rax signatures: over the object
# alone (another purpose), with signed attributes (contentType, signingTime
# and messageDigest; and with SMIMECapabilities too, which the kernel's
# parser refuses outright), with a SHA-1 digest, over the whole object as
# signature v1 was (an older toolchain), over another version of the
# prefix, and over the prefix and the whole object instead of its digest.
openssl cms -sign -binary -noattr -nocerts -md sha256 -outform DER \
	-in "$out/prov.o" -signer "$key" -inkey "$key" -out "$out/prov.o.bare.sig"
openssl dgst -sha256 -binary "$out/prov.o" >"$out/prov.o.sha256.bin"
signed_msg "$out/prov.o" |
	openssl cms -sign -binary -nosmimecap -nocerts -md sha256 -outform DER \
		-signer "$key" -inkey "$key" -out "$out/prov.o.attrs.sig"
signed_msg "$out/prov.o" |
	openssl cms -sign -binary -nocerts -md sha256 -outform DER \
		-signer "$key" -inkey "$key" -out "$out/prov.o.smime.sig"
signed_msg "$out/prov.o" |
	openssl cms -sign -binary -noattr -nocerts -md sha1 -outform DER \
		-signer "$key" -inkey "$key" -out "$out/prov.o.sha1.sig"
{ printf 'Rax object signature v1\n'; cat "$out/prov.o"; } |
	openssl cms -sign -binary -noattr -nocerts -md sha256 -outform DER \
		-signer "$key" -inkey "$key" -out "$out/prov.o.v1.sig"
signed_msg "$out/prov.o" "Rax object signature v0" |
	openssl cms -sign -binary -noattr -nocerts -md sha256 -outform DER \
		-signer "$key" -inkey "$key" -out "$out/prov.o.v0.sig"
{ printf 'Rax object signature v2\n'; cat "$out/prov.o"; } |
	openssl cms -sign -binary -noattr -nocerts -md sha256 -outform DER \
		-signer "$key" -inkey "$key" -out "$out/prov.o.whole.sig"
# Forgeries that an exponent of 3 allows against a check that skips bytes
# of the padded digest (scripts/forge-signature.py): garbage after the
# digest, and inside the padding. The latter needs an odd digest: the first
# object whose signed digest is odd is the one forged. With another
# exponent there is no such forgery, and the selftests skip theirs.
openssl x509 -in "$key" -noout -text | sed -n 's/^ *Exponent: \([0-9]*\).*/\1/p' \
	>"$out/key-exponent"
if [ "$(cat "$out/key-exponent")" = 3 ]; then
	forge() { python3 "$RAX_TOP/scripts/forge-signature.py" "$key" "$@"; }
	cp "$out/prov.o" "$out/e3-tail.o"
	forge "$out/prov.o.sig" tail "$out/e3-tail.o.sig"
	for f in prov.o xdp.o hello.o counters.o empty.o spin.o tc.o rule.o resources.o \
		task_ref.o stacks.o nmi.o redirect.o atomic.o recursive.o gap.o; do
		rc=0
		forge "$out/$f.sig" padding "$out/e3-padding.o.sig" 2>/dev/null || rc=$?
		[ $rc = 3 ] && continue
		[ $rc = 0 ] || rax_die "forge-signature.py padding $f failed ($rc)"
		cp "$out/$f" "$out/e3-padding.o"
		break
	done
	[ -f "$out/e3-padding.o" ] || rax_die "no object with an odd signed digest to forge"
fi
if [ -n "$untrusted" ]; then
	cat "$untrusted" >"$tmp/u.pem"
	sign "$out/prov.o" "$tmp/u.pem" "$out/prov.o.untrusted.sig"
fi

# Forged objects for the kernel's own checks of helper arguments.
mkdir -p "$out/forge"
RAX_FORGE_DIR=$out/forge "$RAX_BUILD/userspace/tests/rax-tests" "[forge-objects]" >/dev/null
for f in "$out"/forge/*.o; do
	sign "$f" "$key" "$f.sig"
done
