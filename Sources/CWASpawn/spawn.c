#define _GNU_SOURCE
#include "CWASpawn.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>

int cwa_spawn(const char *path, char *const argv[], char *const envp[], const char *directory, int output_fd,
              pid_t *pid) {
    const int from_fds[2] = {output_fd, output_fd};
    const int to_fds[2] = {1, 2};
    return cwa_spawn_mapped(path, argv, envp, directory, from_fds, to_fds, 2, 0, pid);
}

int cwa_spawn_mapped(const char *path, char *const argv[], char *const envp[], const char *directory,
                     const int *from_fds, const int *to_fds, int count, int new_process_group, pid_t *pid) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int error = posix_spawn_file_actions_init(&actions);
    if (error != 0) {
        return error;
    }
    error = posix_spawnattr_init(&attributes);
    if (error != 0) {
        posix_spawn_file_actions_destroy(&actions);
        return error;
    }

    sigset_t no_signals;
    sigset_t all_signals;
    sigemptyset(&no_signals);
    sigfillset(&all_signals);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    if (new_process_group) flags |= POSIX_SPAWN_SETPGROUP;
#if defined(__APPLE__)
    flags |= POSIX_SPAWN_CLOEXEC_DEFAULT;
#endif
    error = posix_spawnattr_setflags(&attributes, flags);
    if (error == 0) error = posix_spawnattr_setsigmask(&attributes, &no_signals);
    if (error == 0) error = posix_spawnattr_setsigdefault(&attributes, &all_signals);
    if (error == 0 && new_process_group) error = posix_spawnattr_setpgroup(&attributes, 0);

    int highest = 2;
    int maps_stdin = 0;
    for (int i = 0; error == 0 && i < count; i++) {
        // dup2 clears FD_CLOEXEC on the copy, so the child keeps it.
        error = posix_spawn_file_actions_adddup2(&actions, from_fds[i], to_fds[i]);
        if (to_fds[i] > highest) highest = to_fds[i];
        if (to_fds[i] == 0) maps_stdin = 1;
    }
    if (error == 0 && !maps_stdin) error = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
#if !defined(__APPLE__)
    if (error == 0) error = posix_spawn_file_actions_addclosefrom_np(&actions, highest + 1);
#endif
    if (error == 0) error = posix_spawn_file_actions_addchdir_np(&actions, directory);

    if (error == 0) error = posix_spawn(pid, path, &actions, &attributes, argv, envp);

    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return error;
}
