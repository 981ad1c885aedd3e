/* The Linux VM side of scripts/bench-threads: the same four measurements as
 * apps/threadbench, with pthreads, printed in the same format:
 *   threadbench: NAME ITERATIONS NANOSECONDS
 * Build: gcc -O2 -static -pthread -o threads threads.c */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void report(const char *name, long long iterations, long long start) {
    printf("threadbench: %s %lld %lld\n", name, iterations, now_ns() - start);
    fflush(stdout);
}

static long long half_switches;
static void *yielder(void *unused) {
    (void)unused;
    for (long long i = 0; i < half_switches; i++) sched_yield();
    return NULL;
}

static void *nothing(void *unused) { return unused; }

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long long counter, per_thread;
static void *incrementer(void *unused) {
    (void)unused;
    for (long long i = 0; i < per_thread; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

int main(int argc, char **argv) {
    long long scale = argc > 1 ? atoll(argv[1]) : 1;
    pthread_t thread, workers[4];

    long long switches = 20000 * scale;
    half_switches = switches / 2;
    long long start = now_ns();
    pthread_create(&thread, NULL, yielder, NULL);
    yielder(NULL);
    pthread_join(thread, NULL);
    report("yield-switch", switches, start);

    long long spawns = 2000 * scale;
    start = now_ns();
    for (long long i = 0; i < spawns; i++) {
        pthread_create(&thread, NULL, nothing, NULL);
        pthread_join(thread, NULL);
    }
    report("spawn-join", spawns, start);

    long long locks = 200000 * scale;
    start = now_ns();
    for (long long i = 0; i < locks; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    report("mutex-uncontended", locks, start);

    per_thread = 20000 * scale;
    start = now_ns();
    for (int i = 0; i < 4; i++) pthread_create(&workers[i], NULL, incrementer, NULL);
    for (int i = 0; i < 4; i++) pthread_join(workers[i], NULL);
    report("mutex-contended", 4 * per_thread, start);
    return 0;
}
