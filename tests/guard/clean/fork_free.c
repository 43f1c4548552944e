/* SPDX-License-Identifier: MIT */
/* fork with live and free blocks: the child and the parent each free their
 * copies, allocate more and exit cleanly. */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	char *p[100];
	for (int i = 0; i < 100; i++) {
		p[i] = malloc((size_t)i * 50 + 1);
		memset(p[i], 'f', (size_t)i * 50 + 1);
	}
	for (int i = 0; i < 100; i += 3)
		free(p[i]);
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	for (int i = 0; i < 100; i++)
		if (i % 3 != 0)
			free(p[i]);
	for (int i = 0; i < 100; i++)
		free(malloc((size_t)i * 100 + 1));
	if (pid == 0)
		_exit(0);
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return 2;
	return 0;
}
