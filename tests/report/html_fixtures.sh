# SPDX-License-Identifier: MIT
# Sourced by the --html tests: make_html_inputs DIR writes DIR/pages.frag.gz
# (the Swiss-cheese fixture of frag_fixtures.sh with a timeline and a page
# map, format 2.1) and DIR/run, the fork-tree run of run_fixtures.sh (lost
# bytes in 9 processes, a double free) with that fragmentation report in it.

make_html_inputs() {
	frag_swiss | sed -e '/^peak_site 2 /a\
timeline 1000 1052672 500000 552672 0 2000000\
timeline 400000 106045440 100900000 5145440 0 108000000\
timeline 1500000 106045440 11945376 90000000 4100064 -' -e '/^map 1 0 /a\
pages 0 0 4096 0 . U*9:1 P*8000:1 F*15000 P*2000:2 U*589 T\
pages 1 0 4096 0 U*7:3 P*2 T*24' | gzip -c -n >"$1/pages.frag.gz"
	make_fork_tree "$1/run"
	cp "$1/pages.frag.gz" "$1/run/swiss.4242.$(printf %016x 4242).frag.gz"
}
