/* c-bench: system-call and thread costs of a Linux program, for scripts/bench-posix, which runs
 * this same static binary in Stardust and in a Linux VM. Prints "bench: NAME COUNT NANOSECONDS"
 * (the total for COUNT operations, on CLOCK_MONOTONIC).
 * Usage: c-bench syscall COUNT | spawn COUNT | stat COUNT */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (long long)time.tv_sec * 1000000000LL + time.tv_nsec;
}

static void *nothing(void *argument) { return argument; }

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: c-bench syscall COUNT | spawn COUNT | stat COUNT\n");
        return 2;
    }
    long count = atol(argv[2]);
    long long start = now();
    if (strcmp(argv[1], "syscall") == 0) {
        /* getppid: no libc cache, no work in the kernel: the round trip itself. */
        for (long i = 0; i < count; i++) syscall(SYS_getppid);
    } else if (strcmp(argv[1], "stat") == 0) {
        /* A path that does not exist, as SQLite asks for its hot journal: the path's copy from
         * the program and its lookup, the system call's own work. */
        struct stat status;
        for (long i = 0; i < count; i++) stat("/tmp/no-such-journal", &status);
    } else if (strcmp(argv[1], "spawn") == 0) {
        for (long i = 0; i < count; i++) {
            pthread_t thread;
            if (pthread_create(&thread, NULL, nothing, NULL) != 0) {
                fprintf(stderr, "pthread_create failed\n");
                return 1;
            }
            pthread_join(thread, NULL);
        }
    } else {
        fprintf(stderr, "c-bench: unknown benchmark '%s'\n", argv[1]);
        return 2;
    }
    long long elapsed = now() - start;
    printf("bench: %s %ld %lld\n", argv[1], count, elapsed);
    return 0;
}
