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

#endif
