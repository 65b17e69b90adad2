// SPDX-License-Identifier: GPL-2.0
/* vlan_o0, accepted: the same C built at -O2 (the Makefile's flags for this file). */
#include "vlan_o0.bpf.c"
