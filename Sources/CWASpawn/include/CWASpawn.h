#ifndef CWASPAWN_H
#define CWASPAWN_H

#include <sys/types.h>

/// Starts `path` with `argv` and `envp` (NULL-terminated) in the working directory `directory`, with standard
/// input from /dev/null, standard output and error to `output_fd`, default signal handling, and no other file
/// descriptor of this process (not even one without FD_CLOEXEC). Returns 0 and sets `*pid`, or an errno value.
///
/// Foundation's Process on Linux hands every child an extra descriptor and reports the child's exit only once
/// every copy of it is closed, so a daemon started by the child (the PostgreSQL server `pg_ctl start` leaves
/// behind) keeps the exit from ever being reported. posix_spawn's "close from" action, which prevents that, needs
/// _GNU_SOURCE, which the Swift Glibc module does not define: hence this C function.
int cwa_spawn(const char *path, char *const argv[], char *const envp[], const char *directory, int output_fd,
              pid_t *pid);

/// Starts `path` like `cwa_spawn`, for a long-running child that talks to us over pipes: standard input from
/// /dev/null; descriptor `from_fds[i]` of this process becomes `to_fds[i]` in the child (for `count` pairs; a
/// Chromium on `--remote-debugging-pipe` reads fd 3 and writes fd 4); no other descriptor of this process; default
/// signal handling. With `new_process_group` set the child leads a process group of its own, so that
/// `kill(-pid, …)` reaches every process it starts. Every `from_fds[i]` must be above every `to_fds[i]` (move them
/// to 10 and up first), so that no mapping overwrites a source still to be mapped. (`cwa_spawn` is this function
/// with the output descriptor mapped to 1 and 2.)
int cwa_spawn_mapped(const char *path, char *const argv[], char *const envp[], const char *directory,
                     const int *from_fds, const int *to_fds, int count, int new_process_group, pid_t *pid);

#endif
