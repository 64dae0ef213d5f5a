/* connrate: TCP connection rate through a port forward.
 *
 *   connrate serve PORT SECONDS          accept and close connections on PORT
 *   connrate client ADDR PORT SECONDS    open+close connections, print conn/s
 *
 * Both ends stop by themselves after SECONDS. The client closes with an RST
 * (SO_LINGER 0) so it never runs out of ports in TIME_WAIT. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int serve(int port, double secs)
{
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 4096) < 0) {
        perror("connrate serve");
        return 1;
    }
    double end = now_s() + secs;
    long n = 0;
    while (now_s() < end) {
        struct pollfd p = {.fd = s, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int c = accept(s, NULL, NULL);
        if (c >= 0) {
            close(c);
            n++;
        }
    }
    fprintf(stderr, "connrate serve: %ld connections\n", n);
    return 0;
}

static int client(const char *addr, int port, double secs)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
        fprintf(stderr, "connrate: bad address %s\n", addr);
        return 2;
    }
    struct linger lg = {1, 0};
    double t0 = now_s(), end = t0 + secs;
    long ok = 0, fail = 0;
    while (now_s() < end) {
        int c = socket(AF_INET, SOCK_STREAM, 0);
        struct timeval tv = {1, 0};
        setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
        if (connect(c, (struct sockaddr *)&a, sizeof(a)) == 0)
            ok++;
        else
            fail++;
        setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        close(c);
        if (fail > 100 && ok == 0)
            break;
    }
    double dt = now_s() - t0;
    printf("%.1f %ld %ld\n", ok / dt, ok, fail);
    return ok > 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "serve") == 0)
        return serve(atoi(argv[2]), atof(argv[3]));
    if (argc == 5 && strcmp(argv[1], "client") == 0)
        return client(argv[2], atoi(argv[3]), atof(argv[4]));
    fprintf(stderr, "usage: connrate serve PORT SECONDS | client ADDR PORT SECONDS\n");
    return 2;
}
