#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Rax main job: install what is missing, prepare the kernel tree (base +
# series), build the Rax kernel and the toolchain, build and sign a sample
# extension with the kernel's build-time key, boot the kernel in QEMU and
# show the subsystem alive inside the guest.
#
# Usage: scripts/demo.sh [--release]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=()
[ "${1:-}" = --release ] && variant=(--release)
t0=$(date +%s)
"$RAX_TOP/scripts/setup-deps.sh"
"$RAX_TOP/scripts/prepare-tree.sh" >/dev/null
kbuild=$("$RAX_TOP/scripts/build-kernel.sh" "${variant[@]}")
rax_userspace_build rax-console-check rax-cli

rax_stage "demo: build and sign the samples with the Rax toolchain"
rax=$RAX_BUILD/userspace/cli/rax
key=$kbuild/kernel/rax/rax_signing_key.pem
demo=$RAX_CACHE/demo
mkdir -p "$demo"
for s in xdp_counter counters syscount trace_event xdp_lb; do
	"$rax" build --cache "$RAX_SYSROOT_CACHE" -k "$key" -c "$key" -o "$demo/$s.o" \
		"$RAX_TOP/userspace/samples/$s"
done
"$rax" verify "$demo/xdp_counter.o" -c "$kbuild/kernel/rax/rax_signing_key.x509"
"$rax" inspect "$demo/xdp_counter.o"
rax_stage_end

rax_stage "demo: boot the Rax kernel ($kbuild/arch/x86/boot/bzImage)"
"$RAX_TOP/scripts/vm-run.sh" "${variant[@]}" --timeout 600 -- bash -c '
	echo "--- kernel"
	uname -r -v
	echo "--- Rax at boot (dmesg)"
	dmesg | grep -E "rax:|Rax build-time" | sed "s/^/  /"
	echo "--- KUnit"
	dmesg | grep -E "# rax_core: pass" | sed "s/^.*# /  /"
	echo "--- kernel.rax sysctls"
	for f in /proc/sys/kernel/rax/*; do printf "  kernel.rax.%-15s %s\n" "${f##*/}" "$(cat "$f")"; done
	echo "--- the .rax keyring (/proc/keys)"
	grep -E " \.rax: | Rax " /proc/keys | sed "s/^/  /"
	echo "--- an out-of-range write is refused"
	{ bash -c "echo 48 > /proc/sys/kernel/rax/stack_size_kb" 2>&1 || true; } | sed "s/^/  /"
	set -e
	rax='"$rax"' demo='"$demo"'
	echo "--- rax load: xdp_counter, signed, into /sys/fs/bpf/xdp_counter"
	$rax load "$demo/xdp_counter.o" --pin /sys/fs/bpf/xdp_counter
	echo "--- rax test-run: an IPv4 UDP packet to port 9 (dropped) and to port 53"
	udp="ffffffffffff02000000000108004500001c00000000401100000a0000010a00000204d2"
	$rax test-run pinned /sys/fs/bpf/xdp_counter/prog --data "${udp}000900080000"
	$rax test-run pinned /sys/fs/bpf/xdp_counter/prog --data "${udp}003500080000" --repeat 10
	echo "--- rax attach: XDP on rax1 of a veth pair; UDP datagrams to ports 53, 53, 53 and 9 sent through rax0"
	ip link add rax0 type veth peer name rax1
	ip link set rax0 up && ip link set rax1 up
	ip addr add 10.9.0.1/24 dev rax0
	ip neigh add 10.9.0.2 lladdr "$(cat /sys/class/net/rax1/address)" dev rax0
	$rax attach pinned /sys/fs/bpf/xdp_counter/prog xdp rax1 \
		--pin-link /sys/fs/bpf/xdp_counter/link
	for port in 53 53 53 9; do echo demo >/dev/udp/10.9.0.2/$port; done
	sleep 1
	echo "--- rax map dump: packets per class (0 IPv4, 1 IPv6, 2 ARP, 3 other, 4 dropped)"
	$rax map dump pinned /sys/fs/bpf/xdp_counter/maps/ETH_COUNT
	echo "--- rax load + attach: the counters sample on syscalls:sys_enter_getppid"
	$rax load "$demo/counters.o" --entry count_tracepoint --pin /sys/fs/bpf/counters
	$rax attach pinned /sys/fs/bpf/counters/prog tracepoint syscalls:sys_enter_getppid \
		--pin-link /sys/fs/bpf/counters/link
	for i in 1 2 3; do bash -c "echo \$PPID" >/dev/null; done
	grep -m 3 "counters: syscall" /sys/kernel/tracing/trace | sed "s/^ *//"
	echo "--- syscount: system calls of every process for 2 s (raw_syscalls tracepoints, two entries sharing maps)"
	sc=/sys/fs/bpf/syscount
	$rax load "$demo/syscount.o" --entry syscount_enter --pin $sc/enter >/dev/null
	$rax load "$demo/syscount.o" --entry syscount_exit --pin $sc/exit \
		-m TARGET=$sc/enter/maps/TARGET -m START=$sc/enter/maps/START \
		-m STATS=$sc/enter/maps/STATS >/dev/null
	$rax attach pinned $sc/enter/prog tracepoint raw_syscalls:sys_enter --pin-link $sc/enter/link
	$rax attach pinned $sc/exit/prog tracepoint raw_syscalls:sys_exit --pin-link $sc/exit/link
	for i in $(seq 20); do cat /proc/version /nonexistent >/dev/null 2>&1 || true; done
	sleep 2
	rm -r $sc/enter/link $sc/exit/link
	$rax map dump -j pinned $sc/enter/maps/STATS | '"$RAX_TOP"'/userspace/samples/syscount/print.py -n 8 |
		sed "s/^/  /"
	echo "--- trace_event: a profiler; the stacks of a dd for 2 s, sampled at 199 Hz (perf_event cpu-clock), as profile -f"
	te=/sys/fs/bpf/trace_event
	$rax load "$demo/trace_event.o" --pin $te >/dev/null
	dd if=/dev/zero of=/dev/null bs=64k 2>/dev/null &
	dd=$!
	$rax map update pinned $te/maps/TARGET key 00000000 \
		value "$(printf %08x $dd | sed "s/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/")"
	$rax attach pinned $te/prog perf_event software cpu-clock --freq 199 --pin-link $te/link
	sleep 2
	rm -f $te/link $te/link_*
	kill $dd
	'"$RAX_TOP"'/userspace/samples/trace_event/print.py -f -n 4 \
		--counts <($rax map dump -j pinned $te/maps/COUNTS) \
		--stacks <($rax map dump -j pinned $te/maps/STACKS) | cut -c1-200 | sed "s/^/  /"
	echo "--- xdp_lb: an XDP load balancer; 10.100.0.254:53/udp over backends 10.1.0.0-3"
	lb=/sys/fs/bpf/xdp_lb
	$rax load "$demo/xdp_lb.o" --pin $lb >/dev/null
	$rax map update pinned $lb/maps/SERVICE key 00000000 value 0a6400fe00351104
	for k in 0 1 2 3; do
		$rax map update pinned $lb/maps/BACKENDS key 0${k}000000 value 0a01000${k}02be0000000${k}0000
	done
	pkt=020000000001020000000002080045000020000000004011656b0a0000010a6400fe
	for sport in 04d2 04d3; do
		echo "  a datagram from 10.0.0.1 port 0x$sport: back out (XDP_TX) to its backend, checksums fixed"
		$rax test-run pinned $lb/prog --data "$pkt${sport}0035000c$([ $sport = 04d2 ] && echo 1398 || echo 1397)64656d6f" |
			sed "s/^/  /"
	done
	echo "--- rax prog list"
	$rax prog list
'
rax_stage_end
rax_log "demo finished in $(( $(date +%s) - t0 )) s"
