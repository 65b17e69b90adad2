// SPDX-License-Identifier: GPL-2.0
// The commands of the rax CLI, one file each (cmd_<name>.cpp). Each takes
// its own argv (argv[0] is the command's name) and returns the exit code
// (see util.hpp).
#pragma once

int cmd_build(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_load(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_prog(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_test_run(int argc, char **argv);
int cmd_btf_bindings(int argc, char **argv);
