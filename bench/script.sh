#!/bin/bash
# SPDX-License-Identifier: MIT
# A shell script of the kind QA runs are made of (issue 13): N rounds of
# command substitutions (bash forks a subshell for each), pipes and short
# commands exec'd by the subshells and by bash itself.  Every process of the
# tree runs under the contender; an operation is one round.
#   script.sh N
set -eu
n=${1:-200}
sum=0
for ((i = 1; i <= n; i++)); do
	a=$(printf '%s\n' "item-$i" | sed 's/item/x/')
	b=$(basename "/tmp/dir.$i/file.$i.txt" .txt)
	c=$(echo "$a $b" | tr 'a-z' 'A-Z' | wc -c)
	d=$(expr "$i" % 7 || true) # expr exits 1 when the result is 0
	env true
	sum=$((sum + c + d))
done
echo "bench: operations=$n"
[ "$sum" -gt 0 ]
