/*
 * c-httpd: a small HTTP/1.1 server on edge-triggered epoll, for Stardust's posix-net profile and
 * for Linux alike (the same static binary; scripts/build-program c-httpd).
 *
 *   c-httpd PORT
 *
 * One thread, non-blocking sockets, one epoll: every connection is a small state machine that
 * reads what is there, answers every complete request in its buffer (pipelining), keeps the
 * connection unless the client asked to close (or spoke HTTP/1.0 without keep-alive), and
 * waits for EPOLLOUT when the answer does not fit the socket at once.
 *
 *   GET /        200, the page below      HEAD /   its head
 *   GET /quit    200, then the server prints its counters and exits 0
 *   other paths  404                      other methods 405, a malformed request 400
 *   a head over 4 KiB: 431 and the connection closed
 *
 * Exit status: 0 after /quit, 1 when the server cannot start, 2 for a bad command line.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define HEAD_MAX 4096
#define OUT_MAX 8192
#define EVENTS 64

static const char page[] =
    "<!DOCTYPE html>\n<html><head><title>c-httpd</title></head>\n"
    "<body><h1>Hello from a C server on epoll</h1>\n"
    "<p>The same static binary runs on Linux and in a Stardust VM.</p></body></html>\n";

struct connection {
    int fd;
    char in[HEAD_MAX];
    size_t in_length;
    char out[OUT_MAX];
    size_t out_length, out_sent;
    int closing; /* close once the answer is out */
};

static unsigned long requests, connections;
static int quitting;

static void answer(struct connection *c, int status, const char *reason, int head_only, int keep) {
    int has_body = status == 200;
    size_t body = has_body ? sizeof page - 1 : 0;
    int n = snprintf(c->out + c->out_length, OUT_MAX - c->out_length,
                     "HTTP/1.1 %d %s\r\nContent-Type: text/html\r\nContent-Length: %zu\r\n%s\r\n", status,
                     reason, body, keep ? "" : "Connection: close\r\n");
    if (n < 0 || (size_t)n >= OUT_MAX - c->out_length) {
        c->closing = 1;
        return;
    }
    c->out_length += n;
    if (has_body && !head_only) {
        if (c->out_length + body > OUT_MAX) {
            c->closing = 1;
            return;
        }
        memcpy(c->out + c->out_length, page, body);
        c->out_length += body;
    }
    if (!keep) c->closing = 1;
}

/* Whether the head (NUL-terminated, lines ending CRLF) holds header NAME with a value containing
   WORD, case-insensitively. */
static int header_has(const char *head, const char *name, const char *word) {
    size_t name_length = strlen(name), word_length = strlen(word);
    for (const char *line = strstr(head, "\r\n"); line && line[2] != '\r'; line = strstr(line + 2, "\r\n")) {
        const char *start = line + 2;
        if (strncasecmp(start, name, name_length) != 0 || start[name_length] != ':') continue;
        const char *end = strstr(start, "\r\n");
        for (const char *p = start + name_length + 1; p + word_length <= end; p++)
            if (strncasecmp(p, word, word_length) == 0) return 1;
    }
    return 0;
}

/* Answers every complete request in the buffer; returns 1 when it stopped for want of room for
   the answers (more requests wait), else 0. */
static int serve_requests(struct connection *c) {
    while (!c->closing) {
        c->in[c->in_length] = 0;
        char *end = strstr(c->in, "\r\n\r\n");
        if (!end) {
            if (c->in_length >= HEAD_MAX - 1) {
                answer(c, 431, "Request Header Fields Too Large", 0, 0);
                c->in_length = 0;
            }
            return 0;
        }
        /* Room for the answer first: a client that pipelines more than we can hold waits. */
        if (OUT_MAX - c->out_length < 512 + sizeof page) return 1;
        end[2] = 0;
        size_t used = (size_t)(end + 4 - c->in);
        char method[16], path[256], version[16];
        int fields = sscanf(c->in, "%15s %255s %15s", method, path, version);
        requests++;
        if (fields != 3 || strncmp(version, "HTTP/1.", 7) != 0) {
            answer(c, 400, "Bad Request", 0, 0);
        } else {
            int http10 = strcmp(version, "HTTP/1.0") == 0;
            int keep = http10 ? header_has(c->in, "Connection", "keep-alive") : !header_has(c->in, "Connection", "close");
            int head = strcmp(method, "HEAD") == 0;
            if (strcmp(method, "GET") != 0 && !head) {
                answer(c, 405, "Method Not Allowed", 0, keep);
            } else if (strcmp(path, "/") == 0) {
                answer(c, 200, "OK", head, keep);
            } else if (strcmp(path, "/quit") == 0) {
                answer(c, 200, "OK", head, 0);
                quitting = 1;
            } else {
                answer(c, 404, "Not Found", 0, keep);
            }
        }
        memmove(c->in, c->in + used, c->in_length - used);
        c->in_length -= used;
    }
    return 0;
}

/* Sends what is queued; returns 1 when all of it is out, 0 when the socket is full, -1 on error. */
static int flush(struct connection *c) {
    while (c->out_sent < c->out_length) {
        ssize_t n = send(c->fd, c->out + c->out_sent, c->out_length - c->out_sent, MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        c->out_sent += n;
    }
    c->out_length = c->out_sent = 0;
    return 1;
}

static void finish(int epoll, struct connection *c) {
    epoll_ctl(epoll, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
}

/* Reads, answers and sends until the socket has nothing more; closes the connection when done. */
static void drive(int epoll, struct connection *c) {
    for (;;) {
        int waiting = serve_requests(c);
        int sent = flush(c);
        if (sent < 0 || (sent == 1 && c->closing)) return finish(epoll, c);
        if (sent == 0) return; /* EPOLLOUT comes back */
        if (waiting) continue; /* answers went out: room for the requests still waiting */
        ssize_t n = recv(c->fd, c->in + c->in_length, HEAD_MAX - 1 - c->in_length, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return finish(epoll, c);
        if (n < 0) return; /* EPOLLIN comes back */
        c->in_length += n;
    }
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 2 || atoi(argv[1]) <= 0 || atoi(argv[1]) > 65535) {
        fprintf(stderr, "usage: c-httpd PORT\n");
        return 2;
    }
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[1]))};
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, sizeof address) < 0 || listen(listener, 128) < 0) {
        perror("c-httpd: listen");
        return 1;
    }
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event event = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll < 0 || epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event) < 0) {
        perror("c-httpd: epoll");
        return 1;
    }
    printf("c-httpd: serving on port %s\n", argv[1]);
    struct epoll_event events[EVENTS];
    while (!quitting) {
        int n = epoll_wait(epoll, events, EVENTS, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            perror("c-httpd: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            if (events[i].data.ptr == NULL) {
                int fd;
                while ((fd = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    struct connection *c = calloc(1, sizeof *c);
                    if (!c) {
                        close(fd);
                        continue;
                    }
                    c->fd = fd;
                    connections++;
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    struct epoll_event watch = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = c};
                    if (epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &watch) < 0) {
                        close(fd);
                        free(c);
                        continue;
                    }
                    drive(epoll, c);
                }
            } else {
                drive(epoll, events[i].data.ptr);
            }
        }
    }
    printf("c-httpd: served %lu requests on %lu connections\n", requests, connections);
    return 0;
}
