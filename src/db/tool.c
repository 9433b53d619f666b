/* tool: runs the engines' own programs (pg_dump, pg_restore) for the
 * backends' backup and restore, and waits for them.
 *
 * posix_spawnp, not fork + exec: glibc's posix_spawn reports a program that
 * cannot be started as an error code instead of a child exiting with 127.
 * The child gets /dev/null as standard input, default signal handling and
 * no blocked signal (serve blocks some; SIG_IGN would be inherited), and
 * the environment it is given, nothing else. Its standard output is read
 * through a pipe when the caller wants it.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "db/backend.h"

/* Starts argv with envp; out_fd (or -1) becomes its standard output. */
static int start(const char *const argv[], const char *const envp[], int out_fd, int close_fd,
                 pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	int rc;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return ENOMEM;
	if (posix_spawnattr_init(&attr) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return ENOMEM;
	}
	sigemptyset(&none);
	sigfillset(&defaults);
	rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (rc == 0 && out_fd >= 0)
		rc = posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	if (rc == 0 && close_fd >= 0)
		rc = posix_spawn_file_actions_addclose(&fa, close_fd);
	if (rc == 0)
		rc = posix_spawnattr_setsigmask(&attr, &none);
	if (rc == 0)
		rc = posix_spawnattr_setsigdefault(&attr, &defaults);
	if (rc == 0)
		rc = posix_spawnattr_setflags(&attr,
		                              POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (rc == 0)
		rc = posix_spawnp(pid, argv[0], &fa, &attr, (char *const *)argv,
		                  (char *const *)envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return rc;
}

/* Reads fd to its end into out. Past out's maximum the rest is read and
 * dropped (so the child is not blocked); returns -1 then, or on error. */
static int drain(int fd, struct buf *out)
{
	char chunk[8192];
	int ret = 0;

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return ret;
		if (buf_add(out, chunk, (size_t)n) < 0)
			ret = -1;
	}
}

/* Waits for pid; 0 when it exited with status 0. */
static int reap(pid_t pid, const char *name, char *err, size_t errlen)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			db_fmt(err, errlen, "%s: cannot wait for it: %s", name, strerror(errno));
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		db_fmt(err, errlen, "%s failed with exit status %d (its messages are above)", name,
		       WEXITSTATUS(status));
	else
		db_fmt(err, errlen, "%s was killed by signal %d", name,
		       WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return -1;
}

static int spawn_error(const char *name, int rc, char *err, size_t errlen)
{
	if (rc == ENOENT)
		db_fmt(err, errlen,
		       "%s not found in PATH: install Debian's postgresql-client package "
		       "(the same major version as the server)",
		       name);
	else
		db_fmt(err, errlen, "cannot start %s: %s", name, strerror(rc));
	return -1;
}

int db_run_tool(const char *const argv[], const char *const envp[], struct buf *out, char *err,
                size_t errlen)
{
	int fds[2] = {-1, -1};
	int rc, ret = -1, read_ok = 0;
	pid_t pid;

	if (out != NULL && pipe2(fds, O_CLOEXEC) < 0) {
		db_fmt(err, errlen, "cannot run %s: pipe: %s", argv[0], strerror(errno));
		return -1;
	}
	rc = start(argv, envp, fds[1], fds[0], &pid);
	if (fds[1] >= 0)
		(void)close(fds[1]); /* the child holds its own copy */
	if (rc != 0) {
		spawn_error(argv[0], rc, err, errlen);
		goto out;
	}
	if (out != NULL)
		read_ok = drain(fds[0], out) == 0;
	if (reap(pid, argv[0], err, errlen) < 0)
		goto out;
	if (out != NULL && !read_ok) {
		db_fmt(err, errlen, "%s: its output could not be read or was too long", argv[0]);
		goto out;
	}
	ret = 0;
out:
	if (fds[0] >= 0)
		(void)close(fds[0]);
	return ret;
}
