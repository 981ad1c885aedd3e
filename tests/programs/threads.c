/* threads: POSIX threads on musl (clone, futex, CLONE_CHILD_CLEARTID), printing only what does
 * not depend on timing: 8 workers sum disjoint ranges under a mutex, a condition variable hands
 * out work, a timed wait times out, thread-local storage stays per thread, and every join
 * returns its thread's value. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define WORKERS 8
#define PER_WORKER 200000L

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready = PTHREAD_COND_INITIALIZER;
static long total = 0;
static int go = 0;
static __thread long mine = 0;

static void *worker(void *argument) {
    long index = (long)argument;
    pthread_mutex_lock(&lock);
    while (!go) pthread_cond_wait(&ready, &lock);
    pthread_mutex_unlock(&lock);
    for (long i = index * PER_WORKER; i < (index + 1) * PER_WORKER; i++) {
        mine += i;
        if (i % 1000 == 0) {
            pthread_mutex_lock(&lock);
            total += 1;
            pthread_mutex_unlock(&lock);
        }
    }
    double scaled = (double)mine / 1e6; /* floating point in every thread: its own SSE state */
    return (void *)(long)(scaled * 1000.0 / (double)(index + 1));
}

int main(void) {
    pthread_t threads[WORKERS];
    for (long i = 0; i < WORKERS; i++) {
        int error = pthread_create(&threads[i], NULL, worker, (void *)i);
        if (error != 0) {
            printf("pthread_create %ld: %s\n", i, strerror(error));
            return 1;
        }
    }
    pthread_mutex_lock(&lock);
    go = 1;
    pthread_cond_broadcast(&ready);
    pthread_mutex_unlock(&lock);
    for (long i = 0; i < WORKERS; i++) {
        void *value;
        pthread_join(threads[i], &value);
        printf("worker %ld returned %ld\n", i, (long)value);
    }
    printf("ticks counted under the mutex: %ld\n", total);
    printf("main's thread-local value: %ld\n", mine);

    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 50 * 1000 * 1000;
    if (deadline.tv_nsec >= 1000000000) {
        deadline.tv_sec += 1;
        deadline.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&lock);
    int waited = pthread_cond_timedwait(&ready, &lock, &deadline);
    pthread_mutex_unlock(&lock);
    printf("timed wait: %s\n", strerror(waited));

    /* Detached threads and many short-lived ones: thread numbers are reused. */
    for (int round = 0; round < 50; round++) {
        pthread_t thread;
        pthread_create(&thread, NULL, worker, (void *)0L);
        pthread_join(thread, NULL);
    }
    printf("50 short-lived threads joined\n");
    return 0;
}
