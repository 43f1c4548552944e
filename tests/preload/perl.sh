#!/bin/sh
# SPDX-License-Identifier: MIT
# perl under heapguard: a text-processing script of our own (hashes,
# regexes, sorts, big strings over ~3 MB of generated text). Output and
# exit status must match plain glibc's.
. "${top_srcdir:-.}/tests/preload/common.sh"
hg_need perl
export PERL_HASH_SEED=0 PERL_PERTURB_KEYS=0 LC_ALL=C
unset PERL5LIB PERL5OPT
cd "$HG_TMP" || exit 99
hg_compare perl perl "$hg_srcdir/tests/preload/text_workload.pl"
