/* SPDX-License-Identifier: MIT */
/* Preloaded after heapguard (LD_PRELOAD="libheapguard.so libearly_handler.so"):
 * its constructor runs before heapguard's and installs a SIGABRT handler
 * that says so on stdout and returns, as a program's own handler installed
 * before heapguard starts.  heapguard must leave it in place. */
#include <signal.h>
#include <unistd.h>

static void on_abort(int sig)
{
	(void)sig;
	static const char msg[] = "early SIGABRT handler called\n";
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(3);
}

__attribute__((constructor)) static void install(void)
{
	signal(SIGABRT, on_abort);
}
