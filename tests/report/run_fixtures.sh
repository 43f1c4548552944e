# SPDX-License-Identifier: MIT
# Sourced by the tests/report/test_run*.sh scripts: hand-written run directories in the
# formats of heapguard-report(5) (leak format 3 and process records), built
# under $tmp.  make_fork_tree DIR: a parent (pid 100) that leaks one block
# of 100 bytes at its own site and forks 8 children (pids 101..108), each
# leaking 32 bytes at a child site and 16 indirect bytes below it; one
# clean shell (pid 99, a record and no report); one process (pid 120) with
# a double free listed in its report.  Module paths do not exist: these are
# read with --no-symbols or get module+offset.

# leaks_header PID PPID PROGRAM: the records up to the options.
leaks_header() {
	printf '%s\n' 'heapguard-leaks 3' 'version 0.1.0' "program $3" "pid $1" "ppid $2" \
		'time 1795760000 2026-11-27T06:13:20Z' 'level full' 'status 0' "arg 0 $(basename "$3")" \
		'option level default full'
}

# proc_record DIR PID PPID FORK PROGRAM ERRORS LOST_BYTES LOST_BLOCKS INDIRECT_BYTES INDIRECT_BLOCKS [LEAKS_NAME]
proc_record() {
	{
		printf '%s\n' 'heapguard-process 1' 'version 0.1.0' "program $5" "arg 0 $(basename "$5")" \
			"pid $2" "ppid $3" "fork $4" 'time 1795760000 2026-11-27T06:13:20Z' 'level full' \
			'status 0' 'exitcode 0' "errors $6" "lost $7 $8" "indirect $9 ${10}" 'suppressed 0 0' \
			'scanned 1'
		[ -n "${11}" ] && echo "report leaks ${11}"
		echo 'future-key some value a newer library may write'
		echo end
	} >"$1/$(basename "$5").$2.$(printf %016x "$2").proc"
}

make_fork_tree() {
	dir=$1
	mkdir -p "$dir"
	prog=/nonexistent/fork_tree
	mod="module 0 0x55d0c0a00000 0123456789abcdef0123456789abcdef01234567 $prog"
	libc='module 1 0x7f0000000000 - /nonexistent/libc.so.6'
	name=fork_tree.100.$(printf %016x 100)
	{
		leaks_header 100 1 $prog
		printf '%s\n' "$mod" "$libc" 'stack 1 0+0x1160 0+0x11a0 1+0x2724a' 'errors 0 0' \
			'site lost 1 1 100 100 100 1' 'totals 100 1 0 0 0 0' 'suppressed 0 0' 'end 1 1'
	} | gzip -c -n >"$dir/$name.leaks.gz"
	proc_record "$dir" 100 1 0 $prog 0 100 1 0 0 "$name.leaks.gz"
	for pid in 101 102 103 104 105 106 107 108; do
		name=fork_tree.$pid.$(printf %016x $pid)
		# Each child at its own load address: the same offsets.
		{
			leaks_header $pid 100 $prog
			printf '%s\n' "module 0 0x55d0c0b${pid}000 0123456789abcdef0123456789abcdef01234567 $prog" \
				"$libc" 'stack 7 0+0x1290 0+0x12d0 0+0x11a0 1+0x2724a' 'stack 9 0+0x1300 0+0x1290 0+0x12d0' \
				'errors 0 0' 'site lost 7 1 32 32 32 1' 'site indirect 9 1 16 16 16 1' \
				'totals 32 1 16 1 0 0' 'suppressed 0 0' 'end 2 2'
		} | gzip -c -n >"$dir/$name.leaks.gz"
		proc_record "$dir" $pid 100 1 $prog 0 32 1 16 1 "$name.leaks.gz"
	done
	proc_record "$dir" 99 1 0 /bin/sh 0 0 0 0 0
	name=double_free.120.$(printf %016x 120)
	{
		leaks_header 120 99 /nonexistent/double_free
		printf '%s\n' 'module 0 0x560000000000 - /nonexistent/double_free' "$libc" \
			'stack 1 0+0x1400 1+0x2724a' 'stack 2 0+0x1450 1+0x2724a' 'errors 1 1' \
			'error double-free 0x560000001010 2 1 2 double-free: free(0x560000001010) of a block already freed' \
			'totals 0 0 0 0 0 0' 'suppressed 0 0' 'end 0 2'
	} | gzip -c -n >"$dir/$name.leaks.gz"
	proc_record "$dir" 120 99 0 /nonexistent/double_free 1 0 0 0 0 "$name.leaks.gz"
}
