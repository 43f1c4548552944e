# SPDX-License-Identifier: MIT
# What differs between two runs of a demo program, or between the machine
# that ran it for README.md and this one, made the same on both sides by
# tests/docs/test_readme_demo.sh (sed -E): addresses and module offsets
# (ASLR, compiler), process and thread ids, the build tree's path, times.
s/0x[0-9a-f]+/0xADDR/g
s/(pid|tid|thread id) [0-9]+/\1 N/g
s/\.[0-9]+\.(leaks|frag)\.gz/.PID.\1.gz/g
s#/[^ ()]*/(examples/[a-z_]+)#BUILD/\1#g
s/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/TIME/g
