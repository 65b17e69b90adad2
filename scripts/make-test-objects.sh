#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Make the signed test inputs of the load-path kselftests (rax_load_test):
#
#   notelf.bin          signed bytes that are not an ELF object
#   noprov.o            a signed x86-64 relocatable object without the
#                       .rax.provenance note
#   prov.o              a signed x86-64 relocatable object with the note
#   prov.o.untrusted.sig  prov.o signed by a key the kernel does not trust
#
# Each FILE has FILE.sig, a detached PKCS#7 signature (CMS, SHA-256, no
# certificates, no signed attributes) made with KEY.
#
# Usage: scripts/make-test-objects.sh OUTDIR KEY.pem [UNTRUSTED-KEY.pem]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$1 key=$2 untrusted=${3:-}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sign() { # FILE KEY SIG
	openssl cms -sign -binary -noattr -nocerts -md sha256 -outform DER \
		-in "$1" -signer "$2" -inkey "$2" -out "$3"
}

head -c 4096 /dev/urandom >"$out/notelf.bin"
printf 'int rax_test_value = 42;\nint rax_test_fn(int x) { return x + rax_test_value; }\n' >"$tmp/t.c"
gcc -O2 -c -fno-asynchronous-unwind-tables -mcmodel=kernel -mno-red-zone -fno-pic \
	"$tmp/t.c" -o "$tmp/noprov.o"
# Keep only what a Rax object may hold: no .comment or .note.GNU-stack.
objcopy -R .comment -R .note.GNU-stack "$tmp/noprov.o" "$out/noprov.o"
cat >"$tmp/prov.S" <<'ASM'
	.section .rax.provenance,"a",@note
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

for f in notelf.bin noprov.o prov.o; do
	sign "$out/$f" "$key" "$out/$f.sig"
done
if [ -n "$untrusted" ]; then
	cat "$untrusted" >"$tmp/u.pem"
	sign "$out/prov.o" "$tmp/u.pem" "$out/prov.o.untrusted.sig"
fi
