#!/bin/sh
# SPDX-License-Identifier: MIT
# fork_stdio.c (see its first comment) at level=fast and level=full: no hang.
. "${top_srcdir:-.}/tests/fork/run.sh"
hg_fork_run fork_stdio
