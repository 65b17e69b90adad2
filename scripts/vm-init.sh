#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# PID 1 of the Rax test guest (scripts/vm-run.sh boots it with init=).
# The root file system is the host's, read-only over virtio-9p; the
# run's scratch directory is mounted at /mnt. Runs /mnt/cmd.sh, writes its
# exit status to /mnt/rc, scans for memory leaks, and powers off.
#
# It runs under the static busybox (busybox-static), and every tool it
# uses is a busybox applet: under TCG, each dynamically linked program
# started over 9p costs a few hundred milliseconds of loader and library
# page faults, which made this script take 10 s before the command.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp TERM=dumb
for applet in mount mkdir ln ip hostname cut cat sleep sync; do
	eval "$applet() { /bin/busybox $applet \"\$@\"; }"
done

mount -t proc proc /proc
mount -t sysfs sys /sys
[ -c /dev/null ] || mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm 2>/dev/null
mount -t devpts devpts /dev/pts 2>/dev/null
# devtmpfs has no /dev/fd or /dev/std* (udev makes them); scripts need them.
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mount -t tmpfs run /run
# /tmp becomes a tmpfs, but a host path under it (a clone in /tmp, say)
# must stay visible: keep the host's /tmp at /run/host-tmp and bind the
# paths listed in the scratch directory's host-paths back in place.
mkdir -p /run/host-tmp
mount -o bind /tmp /run/host-tmp
mount -t tmpfs tmp /tmp
mount -t tmpfs shm /dev/shm 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 scratch /mnt
if [ -f /mnt/host-paths ]; then
	while read -r p; do
		case "$p" in
		/tmp/?*)
			mkdir -p "$p"
			mount -o bind "/run/host-tmp/${p#/tmp/}" "$p"
			;;
		esac
	done </mnt/host-paths
fi
ip link set lo up 2>/dev/null
hostname rax-vm 2>/dev/null

off() {
	echo o >/proc/sysrq-trigger
	# Power-off has begun: the 9p root may already be gone, so wait with
	# shell builtins only (an exec can fail with EIO and PID 1 would exit).
	# The console gives no input: read times out after 30 s.
	read -r -t 30 _ </dev/console
}

if [ ! -f /mnt/cmd.sh ]; then
	echo "RAX-VM: no command (scratch not mounted)"
	off
fi

echo "RAX-VM: command start uptime=$(cut -d' ' -f1 /proc/uptime)"
cd /mnt || off
bash /mnt/cmd.sh >/mnt/output.log 2>&1 </dev/null
rc=$?
echo "RAX-VM: command exit $rc uptime=$(cut -d' ' -f1 /proc/uptime)"
echo "$rc" >/mnt/rc

# Leaks are reported only for objects older than 5 s: scan, wait, scan.
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan >/sys/kernel/debug/kmemleak
	sleep 5
	echo scan >/sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak >/mnt/kmemleak.txt
	echo "RAX-VM: kmemleak scanned uptime=$(cut -d' ' -f1 /proc/uptime)"
fi
sync
echo "RAX-VM: power off"
off
