/*
 * Sockets, epoll and eventfd, checked against the host: the same static binary runs natively
 * and in profile posix-net, driven by the same test, and must print the same and exit the same.
 * Nothing printed depends on timing or addresses.
 *
 *   sockets PORT ECHO_HOST ECHO_PORT CLOSED_PORT
 *
 * 1. Argument checks of socket calls (errno names), eventfd counting, epoll on an eventfd,
 *    select and pselect on a pipe.
 * 2. Out: a non-blocking connect to ECHO_HOST:ECHO_PORT (a line echo server of the test's),
 *    waited for with poll, SO_ERROR 0, a line sent and its echo read; a blocking connect to
 *    CLOSED_PORT is refused.
 * 3. To itself on 127.0.0.1: a listener bound there, a non-blocking connect, sendmsg with
 *    two buffers and recvmsg into two, a UDP datagram by sendmsg/recvmsg with its sender's
 *    address, a refused connect to a port nobody listens on, and EADDRNOTAVAIL for an address
 *    that is not the machine's.
 * 4. In: a TCP listener and a UDP socket on PORT under one epoll (the connections
 *    edge-triggered), "sockets: ready", then three connections (each read to its end and
 *    answered "echo: ...") and one datagram (answered "pong: ...") in the order the test sends
 *    them. Exit status: the connections served.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *name(int error) {
    switch (error) {
    case 0: return "ok";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case EINVAL: return "EINVAL";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOTCONN: return "ENOTCONN";
    case EAGAIN: return "EAGAIN";
    case EINPROGRESS: return "EINPROGRESS";
    case ECONNREFUSED: return "ECONNREFUSED";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EEXIST: return "EEXIST";
    case ENOENT: return "ENOENT";
    case EPERM: return "EPERM";
    case EBADF: return "EBADF";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    default: return "another error";
    }
}

static void result(const char *what, int value) {
    printf("%s: %s\n", what, value < 0 ? name(errno) : "ok");
}

static struct sockaddr_in address(const char *host, int port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    inet_pton(AF_INET, host, &a.sin_addr);
    return a;
}

static void checks(void) {
    result("socket(an unknown family)", socket(12345, SOCK_STREAM, 0));
    result("socket(TCP over DGRAM)", socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    result("socket(AF_INET, SOCK_STREAM)", s);
    int type = 0;
    socklen_t length = sizeof type;
    getsockopt(s, SOL_SOCKET, SO_TYPE, &type, &length);
    printf("SO_TYPE: %s, length %d\n", type == SOCK_STREAM ? "SOCK_STREAM" : "other", (int)length);
    int one = 1;
    result("SO_REUSEADDR", setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    result("TCP_NODELAY", setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    result("an unknown option", setsockopt(s, SOL_SOCKET, 12345, &one, sizeof one));
    struct sockaddr_in a = address("0.0.0.0", 1);
    result("bind with a short address", bind(s, (struct sockaddr *)&a, 8));
    char byte;
    result("recv before connect", (int)recv(s, &byte, 1, 0));
    result("getpeername before connect", getpeername(s, (struct sockaddr *)&a, &length));
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    result("ioctl(FIONBIO)", ioctl(udp, FIONBIO, &one));
    result("recv on an empty non-blocking UDP socket", (int)recv(udp, &byte, 1, 0));
    close(udp);
    int ends[2];
    pipe(ends);
    result("listen on a pipe", listen(ends[0], 4));
    close(s);

    int counter = eventfd(3, EFD_NONBLOCK);
    uint64_t value = 4;
    write(counter, &value, sizeof value);
    read(counter, &value, sizeof value);
    printf("eventfd: read %llu\n", (unsigned long long)value);
    result("eventfd read at zero", (int)read(counter, &value, sizeof value));
    result("eventfd read of 4 bytes", (int)read(counter, &value, 4));

    int epoll = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event event = {.events = EPOLLIN, .data.u64 = 77};
    result("epoll_ctl ADD", epoll_ctl(epoll, EPOLL_CTL_ADD, counter, &event));
    result("epoll_ctl ADD again", epoll_ctl(epoll, EPOLL_CTL_ADD, counter, &event));
    result("epoll_ctl MOD of a stranger", epoll_ctl(epoll, EPOLL_CTL_MOD, ends[0], &event));
    close(ends[0]);
    close(ends[1]);
    struct epoll_event out[4];
    printf("epoll_wait with nothing ready: %d\n", epoll_wait(epoll, out, 4, 0));
    value = 1;
    write(counter, &value, sizeof value);
    int n = epoll_wait(epoll, out, 4, 1000);
    printf("epoll_wait after a write: %d, data %llu, %s\n", n, (unsigned long long)out[0].data.u64,
           out[0].events == EPOLLIN ? "EPOLLIN" : "other events");
    printf("level-triggered, again: %d\n", epoll_wait(epoll, out, 4, 0));
    event.events = EPOLLIN | EPOLLET;
    epoll_ctl(epoll, EPOLL_CTL_MOD, counter, &event);
    printf("edge-triggered, first: %d\n", epoll_wait(epoll, out, 4, 0));
    printf("edge-triggered, unchanged: %d\n", epoll_wait(epoll, out, 4, 0));
    /* Edge-triggered both ways: a read that finds nothing is no new edge for writing (an
       event loop would spin between epoll_wait and a recv that says EAGAIN); a write is. */
    read(counter, &value, sizeof value);
    event.events = EPOLLIN | EPOLLOUT | EPOLLET;
    epoll_ctl(epoll, EPOLL_CTL_MOD, counter, &event);
    n = epoll_wait(epoll, out, 4, 0);
    printf("edge-triggered both ways: %d, %s\n", n, n == 1 && out[0].events == EPOLLOUT ? "EPOLLOUT" : "other events");
    result("read of an empty eventfd", (int)read(counter, &value, sizeof value));
    printf("edge-triggered after a read that found nothing: %d\n", epoll_wait(epoll, out, 4, 0));
    value = 2;
    write(counter, &value, sizeof value);
    n = epoll_wait(epoll, out, 4, 0);
    printf("edge-triggered after a write: %d, %s\n", n,
           n == 1 && out[0].events == (EPOLLIN | EPOLLOUT) ? "EPOLLIN|EPOLLOUT" : "other events");
    /* Readable only, written again while still readable (as mio's waker is): a new edge. */
    event.events = EPOLLIN | EPOLLET;
    epoll_ctl(epoll, EPOLL_CTL_MOD, counter, &event);
    printf("edge-triggered, readable only: %d\n", epoll_wait(epoll, out, 4, 0));
    write(counter, &value, sizeof value);
    n = epoll_wait(epoll, out, 4, 0);
    printf("edge-triggered after a second write: %d, %s\n", n, n == 1 && out[0].events == EPOLLIN ? "EPOLLIN" : "other events");
    result("epoll_ctl DEL", epoll_ctl(epoll, EPOLL_CTL_DEL, counter, NULL));
    result("epoll_wait with maxevents 0", epoll_wait(epoll, out, 0, 0));
    close(epoll);
    close(counter);
}

static void selects(void) {
    int ends[2];
    pipe(ends);
    fd_set readable, writable;
    struct timeval zero = {0, 0};
    FD_ZERO(&readable);
    FD_SET(ends[0], &readable);
    printf("select on an empty pipe: %d\n", select(ends[0] + 1, &readable, NULL, NULL, &zero));
    FD_ZERO(&writable);
    FD_SET(ends[1], &writable);
    zero = (struct timeval){0, 0};
    int n = select(ends[1] + 1, NULL, &writable, NULL, &zero);
    printf("select for writing: %d, set: %d\n", n, FD_ISSET(ends[1], &writable) != 0);
    write(ends[1], "x", 1);
    FD_ZERO(&readable);
    FD_SET(ends[0], &readable);
    FD_ZERO(&writable);
    FD_SET(ends[1], &writable);
    struct timeval ten = {10, 0};
    n = select(ends[1] + 1, &readable, &writable, NULL, &ten);
    printf("select after a write: %d, readable %d, writable %d\n", n, FD_ISSET(ends[0], &readable) != 0,
           FD_ISSET(ends[1], &writable) != 0);
    struct timespec short_wait = {0, 20 * 1000 * 1000};
    FD_ZERO(&readable);
    printf("pselect with nothing to wait for: %d\n", pselect(0, &readable, NULL, NULL, &short_wait, NULL));
    close(ends[0]);
    close(ends[1]);
    FD_ZERO(&readable);
    FD_SET(ends[0], &readable);
    zero = (struct timeval){0, 0};
    result("select on a closed descriptor", select(ends[0] + 1, &readable, NULL, NULL, &zero));
    struct timeval negative = {-1, 0};
    result("select with a negative timeout", select(0, NULL, NULL, NULL, &negative));
}

static void outbound(const char *host, int port, int closed_port) {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in a = address(host, port);
    int started = connect(s, (struct sockaddr *)&a, sizeof a);
    printf("non-blocking connect: %s\n", started == 0 || errno == EINPROGRESS ? "started" : name(errno));
    struct pollfd wait = {.fd = s, .events = POLLOUT};
    printf("poll for the connection: %d\n", poll(&wait, 1, 10000));
    int error = -1;
    socklen_t length = sizeof error;
    getsockopt(s, SOL_SOCKET, SO_ERROR, &error, &length);
    printf("SO_ERROR: %s\n", name(error));
    int flags = fcntl(s, F_GETFL);
    fcntl(s, F_SETFL, flags & ~O_NONBLOCK);
    const char line[] = "ping over TCP\n";
    send(s, line, sizeof line - 1, MSG_NOSIGNAL);
    char reply[64];
    size_t got = 0;
    while (got < sizeof line - 1) {
        ssize_t n = recv(s, reply + got, sizeof reply - 1 - got, 0);
        if (n <= 0) break;
        got += n;
    }
    reply[got] = 0;
    printf("echoed: %s", reply);
    close(s);

    s = socket(AF_INET, SOCK_STREAM, 0);
    a = address(host, closed_port);
    result("connect to a closed port", connect(s, (struct sockaddr *)&a, sizeof a));
    close(s);
}

static int bound_to_loopback(int type) {
    int s = socket(AF_INET, type, 0);
    struct sockaddr_in a = address("127.0.0.1", 0);
    bind(s, (struct sockaddr *)&a, sizeof a);
    return s;
}

static int port_of(int s) {
    struct sockaddr_in a;
    socklen_t length = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &length);
    return ntohs(a.sin_port);
}

static void loopback(void) {
    int listener = bound_to_loopback(SOCK_STREAM);
    result("listen on 127.0.0.1", listen(listener, 4));
    struct sockaddr_in a = address("127.0.0.1", port_of(listener));
    int client = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int started = connect(client, (struct sockaddr *)&a, sizeof a);
    printf("loopback connect: %s\n", started == 0 || errno == EINPROGRESS ? "started" : name(errno));
    struct pollfd incoming = {.fd = listener, .events = POLLIN};
    printf("poll on the listener: %d\n", poll(&incoming, 1, 10000));
    struct sockaddr_in peer;
    socklen_t length = sizeof peer;
    int server = accept(listener, (struct sockaddr *)&peer, &length);
    printf("accepted from 127.0.0.1: %s, same port as the caller: %s\n",
           peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK) ? "yes" : "no",
           ntohs(peer.sin_port) == port_of(client) ? "yes" : "no");
    fd_set connected;
    FD_ZERO(&connected);
    FD_SET(client, &connected);
    struct timeval ten = {10, 0};
    printf("select for the connection: %d\n", select(client + 1, NULL, &connected, NULL, &ten));

    char first[] = "gathered ", second[] = "from two buffers";
    struct iovec pieces[2] = {{first, strlen(first)}, {second, strlen(second)}};
    struct msghdr message = {.msg_iov = pieces, .msg_iovlen = 2};
    printf("sendmsg: %d\n", (int)sendmsg(client, &message, 0));
    char head[5] = {0}, tail[64] = {0};
    struct iovec into[2] = {{head, 4}, {tail, sizeof tail - 1}};
    struct msghdr received = {.msg_iov = into, .msg_iovlen = 2};
    size_t got = 0;
    while (got < strlen(first) + strlen(second)) {
        struct pollfd in = {.fd = server, .events = POLLIN};
        poll(&in, 1, 10000);
        ssize_t n = recvmsg(server, &received, 0);
        if (n <= 0) break;
        got += n;
        into[0].iov_len = 0;
        into[1].iov_base = tail + (got - 4);
        into[1].iov_len = sizeof tail - 1 - (got - 4);
    }
    printf("recvmsg: %d bytes, \"%s\" + \"%s\"\n", (int)got, head, tail);
    close(client);
    close(server);
    close(listener);

    int one = bound_to_loopback(SOCK_DGRAM), two = bound_to_loopback(SOCK_DGRAM);
    struct sockaddr_in to = address("127.0.0.1", port_of(two));
    char note[] = "a note to self";
    struct iovec note_piece = {note, strlen(note)};
    struct msghdr datagram = {.msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &note_piece, .msg_iovlen = 1};
    printf("sendmsg over UDP: %d\n", (int)sendmsg(one, &datagram, 0));
    char back[32] = {0};
    struct iovec back_piece = {back, sizeof back - 1};
    struct sockaddr_in from;
    struct msghdr answer = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &back_piece, .msg_iovlen = 1};
    int n = (int)recvmsg(two, &answer, 0);
    printf("recvmsg over UDP: %d \"%s\" from the sender: %s, name length %d\n", n, back,
           ntohs(from.sin_port) == port_of(one) ? "yes" : "no", (int)answer.msg_namelen);
    close(one);
    close(two);

    int nobody = bound_to_loopback(SOCK_STREAM);
    struct sockaddr_in closed = address("127.0.0.1", port_of(nobody));
    close(nobody);
    int refused = socket(AF_INET, SOCK_STREAM, 0);
    result("connect to 127.0.0.1 where nobody listens", connect(refused, (struct sockaddr *)&closed, sizeof closed));
    close(refused);
    int foreign = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in elsewhere = address("192.0.2.1", 0);
    result("bind 192.0.2.1", bind(foreign, (struct sockaddr *)&elsewhere, sizeof elsewhere));
    close(foreign);
}

static int serve(int port) {
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = address("0.0.0.0", port);
    result("bind", bind(listener, (struct sockaddr *)&a, sizeof a));
    result("listen", listen(listener, 16));
    struct sockaddr_in name_of;
    socklen_t length = sizeof name_of;
    getsockname(listener, (struct sockaddr *)&name_of, &length);
    printf("getsockname: port %s\n", ntohs(name_of.sin_port) == port ? "as bound" : "another");
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    result("bind UDP", bind(udp, (struct sockaddr *)&a, sizeof a));
    int epoll = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event);
    event.data.fd = udp;
    epoll_ctl(epoll, EPOLL_CTL_ADD, udp, &event);
    printf("sockets: ready\n");
    fflush(stdout);

    int served = 0, datagrams = 0;
    char buffers[64][256];
    size_t lengths[64] = {0};
    while (served < 3 || datagrams < 1) {
        struct epoll_event ready[16];
        int n = epoll_wait(epoll, ready, 16, -1);
        for (int i = 0; i < n; i++) {
            int fd = ready[i].data.fd;
            if (fd == listener) {
                for (;;) {
                    struct sockaddr_in peer;
                    socklen_t peer_length = sizeof peer;
                    int connection = accept4(listener, (struct sockaddr *)&peer, &peer_length, SOCK_NONBLOCK);
                    if (connection < 0) break;
                    if (connection >= 64) { close(connection); continue; }
                    lengths[connection] = 0;
                    struct epoll_event watch = {.events = EPOLLIN | EPOLLET | EPOLLRDHUP, .data.fd = connection};
                    epoll_ctl(epoll, EPOLL_CTL_ADD, connection, &watch);
                }
            } else if (fd == udp) {
                char datagram[128];
                struct sockaddr_in from;
                socklen_t from_length = sizeof from;
                ssize_t got = recvfrom(udp, datagram, sizeof datagram - 1, 0, (struct sockaddr *)&from, &from_length);
                if (got < 0) continue;
                datagram[got] = 0;
                char answer[160];
                int size = snprintf(answer, sizeof answer, "pong: %s", datagram);
                sendto(udp, answer, size, 0, (struct sockaddr *)&from, from_length);
                printf("udp: %s\n", datagram);
                datagrams++;
            } else {
                /* Edge-triggered: read until EAGAIN or the end. */
                for (;;) {
                    ssize_t got = read(fd, buffers[fd] + lengths[fd], sizeof buffers[fd] - 1 - lengths[fd]);
                    if (got > 0) { lengths[fd] += got; continue; }
                    if (got < 0 && errno == EAGAIN) break;
                    buffers[fd][lengths[fd]] = 0;
                    char answer[300];
                    int size = snprintf(answer, sizeof answer, "echo: %s", buffers[fd]);
                    write(fd, answer, size);
                    epoll_ctl(epoll, EPOLL_CTL_DEL, fd, NULL);
                    close(fd);
                    served++;
                    printf("tcp %d: %s", served, buffers[fd]);
                    break;
                }
            }
        }
    }
    close(epoll);
    close(udp);
    close(listener);
    return served;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc != 5) {
        fprintf(stderr, "usage: sockets PORT ECHO_HOST ECHO_PORT CLOSED_PORT\n");
        return 2;
    }
    checks();
    selects();
    outbound(argv[2], atoi(argv[3]), atoi(argv[4]));
    loopback();
    return serve(atoi(argv[1]));
}
