/* SPDX-License-Identifier: MIT */
/* A thread with a deferred cancellation pending calls malloc_stats(): the
 * whole output still appears, as glibc 2.36 writes it with cancellation
 * off, and the thread is cancelled at its next cancellation point.  Under
 * heapguard, malloc_info() to a stream and a diagnostic printed from free()
 * under check=1 are not cancellation points either (the diagnostic case
 * runs in a child re-executed with check=1). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "../lib/hgtest.h"

static pthread_barrier_t cancelled;
static int reached_end;

/* What the thread does once its cancellation is pending. */
static void (*pending_work)(void);

static void *victim(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&cancelled); /* not a cancellation point */
	pending_work();
	__atomic_store_n(&reached_end, 1, __ATOMIC_RELEASE);
	pthread_testcancel();
	return NULL;
}

/* Runs work in a thread whose cancellation is pending; true if the thread
 * got through it and was then cancelled. */
static int run_cancelled(void (*work)(void))
{
	pthread_t t;
	pending_work = work;
	reached_end = 0;
	CHECK(pthread_barrier_init(&cancelled, NULL, 2) == 0, "barrier");
	CHECK(pthread_create(&t, NULL, victim, NULL) == 0, "pthread_create");
	CHECK(pthread_cancel(t) == 0, "pthread_cancel");
	pthread_barrier_wait(&cancelled);
	void *result;
	CHECK(pthread_join(t, &result) == 0, "pthread_join");
	CHECK(result == PTHREAD_CANCELED, "the thread was not cancelled");
	pthread_barrier_destroy(&cancelled);
	return __atomic_load_n(&reached_end, __ATOMIC_ACQUIRE);
}

/* stderr into a temporary file for the length of work; its contents. */
static char *capture_stderr(void (*work)(void))
{
	char path[] = "/tmp/hg-stats-cancel.XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	unlink(path);
	fflush(stderr);
	int saved = dup(2);
	CHECK(saved >= 0 && dup2(fd, 2) == 2, "dup2");
	int finished = run_cancelled(work);
	fflush(stderr);
	CHECK(dup2(saved, 2) == 2, "dup2 back");
	close(saved);
	CHECK(finished, "the thread was cancelled inside the call");
	off_t len = lseek(fd, 0, SEEK_END);
	char *text = malloc((size_t)len + 1);
	CHECK(text != NULL, "malloc");
	CHECK(pread(fd, text, (size_t)len, 0) == len, "pread");
	text[len] = '\0';
	close(fd);
	return text;
}

static void call_malloc_stats(void)
{
	malloc_stats();
}

static void test_malloc_stats(void)
{
	char *out = capture_stderr(call_malloc_stats);
	CHECK(strstr(out, "Arena 0:\n") != NULL, "malloc_stats wrote no \"Arena 0:\": [%s]", out);
	CHECK(strstr(out, "max mmap bytes   =") != NULL,
	      "malloc_stats stopped before its last line: [%s]", out);
	free(out);
}

static FILE *info_file;

static void call_malloc_info(void)
{
	CHECK(malloc_info(0, info_file) == 0, "malloc_info");
}

static void test_malloc_info(void)
{
	/* A file, unbuffered, not a memory stream: malloc_info's writes are
	 * real write(2) calls, each a cancellation point unless cancellation
	 * is off.  Opened and read outside the cancelled thread. */
	info_file = tmpfile();
	CHECK(info_file != NULL, "tmpfile");
	setvbuf(info_file, NULL, _IONBF, 0);
	CHECK(run_cancelled(call_malloc_info), "the thread was cancelled inside malloc_info");
	long len = ftell(info_file);
	CHECK(len > 0, "malloc_info wrote nothing");
	char *text = malloc((size_t)len + 1);
	CHECK(text != NULL, "malloc");
	rewind(info_file);
	size_t got = fread(text, 1, (size_t)len, info_file);
	text[got] = '\0';
	fclose(info_file);
	CHECK(strstr(text, "</malloc>\n") != NULL, "malloc_info stopped early: [%s]", text);
	free(text);
}

static void double_free(void)
{
	void *(*volatile alloc)(size_t) = malloc;
	void (*volatile release)(void *) = free;
	char *p = alloc(48);
	release(p);
	release(p); /* reported under check=1, then ignored */
}

static void test_diagnostic(void)
{
	char *out = capture_stderr(double_free);
	CHECK(strstr(out, "heapguard: double-free of 0x") != NULL, "no diagnostic: [%s]", out);
	CHECK(strstr(out, "heapguard: continuing (check=1)") != NULL,
	      "the diagnostic stopped before its last line: [%s]", out);
	free(out);
}

int main(int argc, char **argv)
{
	hgtest_timeout(60);
	if (argc == 2 && strcmp(argv[1], "diagnostic") == 0) {
		test_diagnostic();
		return 0;
	}
	test_malloc_stats();
	if (!hgtest_under_heapguard())
		return 0; /* glibc's malloc_info and a double free are not ours to test */
	test_malloc_info();
	pid_t pid = fork();
	CHECK(pid >= 0, "fork");
	if (pid == 0) {
		setenv("HEAPGUARD_OPTIONS", "check=1:leaks=0:frag=0", 1);
		execl("/proc/self/exe", argv[0], "diagnostic", (char *)NULL);
		_exit(127);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid, "waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the diagnostic case failed: 0x%x",
	      status);
	return 0;
}
