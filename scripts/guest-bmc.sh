#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the guest (through scripts/vm-run.sh): BMC, the Memcached
# cache in the kernel, on Debian's memcached. The server is in network
# namespace rax-mcs (mcs0, 10.77.0.1, UDP port 11211, no TCP), the client
# (mcload) in rax-mcc (mcc0, 10.77.0.2), joined by a veth pair. Three
# setups: plain (no program), rax (the Rax samples bmc on mcs0's XDP and
# bmc_tx on its tc egress, sharing maps) and ebpf (their twin,
# twins/bmc.bpf.o, loaded and attached with the tree's bpftool).
#
# Usage: guest-bmc.sh test KSFT OBJECTS
#          TAP on stdout: with each setup on a fresh memcached, the same
#          requests (gets of 1 to 4 keys, sets, long keys, values too big
#          for the cache and for one datagram) get byte-identical replies;
#          several clients with sets read no stale or wrong value; the
#          BMC answered gets from XDP and filled its cache.
#        guest-bmc.sh bench KSFT OBJECTS ROUNDS SECONDS THREADS
#          a JSON line per setup and round (mcload's result and the BMC's
#          counters before and after it), the three setups alternating,
#          on one memcached with 1000 keys set; 2 s of warming first.
# KSFT is the kselftest install directory (bpftool, rax/bmc.bpf.o),
# OBJECTS the signed test objects (bmc.o, bmc_tx.o).
set -u
mode=${1:-} ksft=${2:-} objs=${3:-}
top=$(cd "$(dirname "$0")/.." && pwd)
build=${RAX_BUILD:-$top/build}
rax=$build/userspace/cli/rax
mcload=$build/userspace/mcload/mcload
bpftool=$ksft/bpftool
twin=$ksft/rax/bmc.bpf.o
server=10.77.0.1:11211
fs=/sys/fs/bpf
case $mode in
test | bench) ;;
*) sed -n '11,21p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

ns() { nsenter --net="/run/netns/$1" "${@:2}"; }
mcs() { ns rax-mcs "$@"; }
mcc() { ns rax-mcc "$@"; }

net_up() {
	ip netns add rax-mcs && ip netns add rax-mcc &&
		ip link add mcs0 netns rax-mcs type veth peer name mcc0 netns rax-mcc &&
		mcs ip addr add 10.77.0.1/24 dev mcs0 && mcs ip link set mcs0 up &&
		mcs ip link set lo up && mcc ip addr add 10.77.0.2/24 dev mcc0 &&
		mcc ip link set mcc0 up && mcc ip link set lo up &&
		# XDP_TX on mcs0 queues frames for mcc0's NAPI, and a veth
		# schedules its peer's NAPI for them only if the peer has an XDP
		# program (veth_xdp_flush()): mcc0 runs the empty sample (XDP_PASS)
		# in every setup.
		"$rax" load "$objs/empty.o" --pin $fs/bmc_client >/dev/null &&
		mcc "$rax" attach pinned $fs/bmc_client/prog xdp mcc0 \
			--pin-link $fs/bmc_client/link >/dev/null
}

memcached_pid=
memcached_start() {
	mcs memcached -U 11211 -p 0 -l 10.77.0.1 -u root -t 2 -m 64 -c 4096 &
	memcached_pid=$!
	for _ in $(seq 100); do
		mcc "$mcload" -s $server -t 1 -k 1 -g 1 -n 1 --timeout 200 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "# memcached did not answer" >&2
	return 1
}
memcached_stop() {
	[ -n "$memcached_pid" ] && kill "$memcached_pid" && wait "$memcached_pid" 2>/dev/null
	memcached_pid=
}

# attach SETUP / detach SETUP / stats SETUP
attach() {
	case $1 in
	plain) ;;
	rax)
		"$rax" load "$objs/bmc.o" --pin $fs/bmc_rax >/dev/null &&
			"$rax" load "$objs/bmc_tx.o" --pin $fs/bmc_rax_tx \
				$(for m in CACHE STATE INFLIGHT PENDING STATS; do
					echo "-m $m=$fs/bmc_rax/maps/$m"
				done) >/dev/null &&
			mcs "$rax" attach pinned $fs/bmc_rax/prog xdp mcs0 \
				--pin-link $fs/bmc_rax/link >/dev/null &&
			mcs "$rax" attach pinned $fs/bmc_rax_tx/prog tc mcs0 egress \
				--pin-link $fs/bmc_rax_tx/link >/dev/null
		;;
	ebpf)
		"$bpftool" prog loadall "$twin" $fs/bmc_ebpf pinmaps $fs/bmc_ebpf_maps &&
			mcs "$bpftool" net attach xdp pinned $fs/bmc_ebpf/bmc_rx dev mcs0 &&
			mcs "$bpftool" net attach tcx_egress pinned $fs/bmc_ebpf/bmc_tx dev mcs0
		;;
	esac
}
detach() {
	case $1 in
	rax) rm -rf $fs/bmc_rax_tx $fs/bmc_rax ;;
	ebpf)
		mcs "$bpftool" net detach xdp dev mcs0
		mcs "$bpftool" net detach tcx_egress dev mcs0
		rm -rf $fs/bmc_ebpf $fs/bmc_ebpf_maps
		;;
	esac
}
stats() {
	local dump=/tmp/bmc-stats.json
	case $1 in
	plain) echo '{}'; return ;;
	rax) "$rax" map dump -j pinned $fs/bmc_rax/maps/STATS >$dump ;;
	ebpf) "$bpftool" map dump -j pinned $fs/bmc_ebpf_maps/stats >$dump ;;
	esac && "$top/scripts/bmc.py" stats $dump
}
# The run time of the setup's two entry programs (kernel.bpf_stats_enabled):
# {"bmc_rx": [ns, runs], "bmc_tx": [ns, runs]}; a tail call's time is its
# caller's.
progstats() {
	[ "$1" = plain ] && { echo '{}'; return; }
	"$bpftool" prog show -j | python3 -c '
import json, sys
out = {}
for p in json.load(sys.stdin):
    if p.get("name") in ("bmc_rx", "bmc_tx"):
        out[p["name"]] = [p.get("run_time_ns", 0), p.get("run_cnt", 0)]
print(json.dumps(out))'
}
field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2], 0))' "$1" "$2"; }

n=0
tap() { # tap OK DESCRIPTION [DETAIL...]
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n bmc: $2"; else echo "not ok $n bmc: $2"; fi
	shift 2
	for l in "$@"; do echo "$l" | sed 's/^/# /'; done
}

net_up || { echo "Bail out! the network namespaces and veth pair could not be made"; exit 1; }

if [ "$mode" = bench ]; then
	rounds=${4:-5} secs=${5:-5} threads=${6:-2}
	memcached_start || exit 1
	keys=1000
	echo 1 >/proc/sys/kernel/bpf_stats_enabled
	mcc "$mcload" -s $server -t "$threads" -k $keys -P -n 1 -g 1 >/dev/null
	setups=(plain ebpf rax)
	for r in $(seq "$rounds"); do
		for i in 0 1 2; do
			s=${setups[$(((i + r) % 3))]}
			attach $s || { echo "# attaching $s failed" >&2; exit 1; }
			# Warm the cache, then measure; the BMC's counters before and
			# after the measured run.
			mcc "$mcload" -s $server -t "$threads" -k $keys -d 2 -g 0.9 >/dev/null
			before=$(stats $s) pbefore=$(progstats $s)
			out=$(mcc "$mcload" -s $server -t "$threads" -k $keys -d "$secs" -g 0.9 -j)
			echo "{\"round\": $r, \"setup\": \"$s\", \"load\": $out, \"bmc_before\": $before," \
				"\"bmc\": $(stats $s), \"progs_before\": $pbefore, \"progs\": $(progstats $s)}"
			detach $s
		done
	done
	memcached_stop
	exit 0
fi

# --- test ------------------------------------------------------------------
echo "TAP version 13"
echo "1..7"
log_args=(-t 1 -k 300 -n 2500 -g 0.75 -m 4 --long-every 7 -v 32 --value-max 1500
	--seed 11 --timeout 2000)
for s in plain rax ebpf; do
	memcached_start || { echo "Bail out! memcached did not start"; exit 1; }
	if ! err=$(attach $s 2>&1); then
		tap 1 "$s: the programs attach" "$err"
		memcached_stop
		continue
	fi
	out=$(mcc "$mcload" -s $server "${log_args[@]}" --log "/tmp/bmc-$s.log" -j 2>&1)
	rc=$?
	[ $s = plain ] || tap $rc "$s: 2500 requests of one client, every value right" "$out"
	# Several clients, sets among gets: nothing stale, nothing wrong.
	out=$(mcc "$mcload" -s $server -t 2 -k 200 -d 4 -g 0.7 -m 2 -v 64 --value-max 600 -P \
		--timeout 2000 -j 2>&1)
	rc=$?
	st=$(stats $s)
	if [ $s = plain ]; then
		tap $rc "plain: two clients with sets, no stale or wrong value" "$out"
	else
		hits=$(field "$st" hits) fills=$(field "$st" fills)
		ok=$rc
		[ "$hits" -gt 0 ] && [ "$fills" -gt 0 ] || ok=1
		tap $ok "$s: two clients with sets, no stale or wrong value; $hits gets answered from XDP, $fills fills" \
			"$out" "$st"
	fi
	detach $s
	memcached_stop
done
for s in rax ebpf; do
	out=$("$top/scripts/bmc.py" diff plain /tmp/bmc-plain.log $s /tmp/bmc-$s.log 2>&1)
	tap $? "$s: the same 2500 requests get byte-identical replies to plain memcached's" "$out"
done
cp /tmp/bmc-*.log /mnt/ 2>/dev/null
exit 0
