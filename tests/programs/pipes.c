/* pipes: pipe2 between threads (a 256 KiB stream with a checksum, so the writer waits for room
 * and the reader for data), end of file when the write end closes, EPIPE when the read end is
 * closed (SIGPIPE ignored, as servers do), O_NONBLOCK's EAGAIN, poll on both ends, and a pipe
 * dup2'd over standard output. The host runs the same binary as the oracle. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TOTAL (256 * 1024)

static int ends[2];

static void *writer(void *unused) {
    (void)unused;
    static unsigned char block[3000];
    size_t sent = 0;
    while (sent < TOTAL) {
        size_t piece = TOTAL - sent < sizeof block ? TOTAL - sent : sizeof block;
        for (size_t i = 0; i < piece; i++) block[i] = (unsigned char)((sent + i) * 31 + 7);
        ssize_t written = write(ends[1], block, piece);
        if (written <= 0) break;
        sent += (size_t)written;
    }
    close(ends[1]);
    return (void *)sent;
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    printf("pipe2: %d\n", pipe2(ends, O_CLOEXEC));
    pthread_t thread;
    pthread_create(&thread, NULL, writer, NULL);
    unsigned long sum = 0, got = 0;
    unsigned char buffer[5000];
    for (;;) {
        ssize_t n = read(ends[0], buffer, sizeof buffer);
        if (n <= 0) {
            printf("read at the end: %zd\n", n);
            break;
        }
        for (ssize_t i = 0; i < n; i++) sum = sum * 131 + buffer[i];
        got += (unsigned long)n;
    }
    void *sent;
    pthread_join(thread, &sent);
    printf("sent %ld, received %lu, checksum %lu\n", (long)sent, got, sum);
    close(ends[0]);

    pipe(ends);
    close(ends[0]);
    errno = 0;
    printf("write with no reader: %zd %s\n", write(ends[1], "x", 1), strerror(errno));
    close(ends[1]);

    pipe2(ends, O_NONBLOCK);
    errno = 0;
    printf("empty non-blocking read: %zd %s\n", read(ends[0], buffer, 10), strerror(errno));
    struct pollfd fds[2] = {{.fd = ends[0], .events = POLLIN}, {.fd = ends[1], .events = POLLOUT}};
    printf("poll: %d read end %d write end %d\n", poll(fds, 2, 0), fds[0].revents, fds[1].revents);
    write(ends[1], "hello", 5);
    fds[0].revents = fds[1].revents = 0;
    printf("poll after a write: %d read end %d\n", poll(fds, 1, 100), fds[0].revents);
    long filled = 0;
    for (;;) {
        ssize_t n = write(ends[1], buffer, sizeof buffer);
        if (n < 0) {
            /* How much fits is the kernel's business (Linux counts pages): only that it is a lot. */
            printf("non-blocking writes stop when full: %s after more than 16 KiB: %d\n", strerror(errno), filled > 16384);
            break;
        }
        filled += n;
    }
    close(ends[1]);
    fds[0].revents = 0;
    printf("poll with the writer gone: %d read end %d\n", poll(fds, 1, 0), fds[0].revents & (POLLIN | POLLHUP));
    close(ends[0]);

    /* Standard output into a pipe, read back. */
    pipe(ends);
    fflush(stdout);
    int saved = dup(1);
    dup2(ends[1], 1);
    printf("through the pipe\n");
    fflush(stdout);
    dup2(saved, 1);
    close(ends[1]);
    memset(buffer, 0, sizeof buffer);
    ssize_t n = read(ends[0], buffer, sizeof buffer - 1);
    printf("read back %zd bytes: %s", n, buffer);
    return 0;
}
