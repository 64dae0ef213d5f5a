/* limits.c: admission by uid, reply budgets, and shedding a connection when
 * descriptors run out (EMFILE on accept) without leaving the listening socket
 * readable. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/limits.h"
#include "tests/unit/testlib.h"

static void test_admit(void)
{
    limits l = {.max_conns = 8, .reserve_fd = -1};
    CHECK(limits_request_max(0) == LIMITS_REQ_ROOT && limits_request_max(1000) == LIMITS_REQ_USER);
    CHECK(limits_admit(&l, 1000, LIMITS_CONNS_PER_USER) != NULL); /* per-user cap */
    for (int i = 0; i < 4; i++) {
        CHECK(limits_admit(&l, 1000 + i, 0) == NULL);
        limits_conn_opened(&l, 1000 + i);
    }
    CHECK(limits_admit(&l, 2000, 0) != NULL); /* users together: half of the cap */
    CHECK(limits_admit(&l, 0, 0) == NULL);    /* root still gets in */
    for (int i = 0; i < 4; i++)
        limits_conn_opened(&l, 0);
    CHECK(limits_admit(&l, 0, 0) != NULL); /* the total cap */
    limits_conn_closed(&l, 0);
    CHECK(limits_admit(&l, 0, 0) == NULL);

    CHECK(limits_reply_admit(&l, 0, (size_t)1 << 30) == NULL);
    CHECK(limits_reply_admit(&l, 1000, LIMITS_REPLY_USER + 1) != NULL);
    for (int i = 0; i < 4; i++) {
        CHECK(limits_reply_admit(&l, 1000, LIMITS_REPLY_USER) == NULL);
        limits_reply_queued(&l, 1000, LIMITS_REPLY_USER);
    }
    CHECK(limits_reply_admit(&l, 1000, 1) != NULL); /* the budget of all users */
    CHECK(limits_reply_admit(&l, 1000, 0) != NULL);
    limits_reply_done(&l, 1000, LIMITS_REPLY_USER);
    CHECK(limits_reply_admit(&l, 1000, 100) == NULL);
}

static void test_shed(void)
{
    limits l;
    limits_init(&l);
    CHECK(l.reserve_fd >= 0 && l.max_conns > 0);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, "vnet-test-limits-%d", (int)getpid());
    socklen_t salen = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(sa.sun_path + 1);
    CHECK(bind(lfd, (struct sockaddr *)&sa, salen) == 0 && listen(lfd, 8) == 0);
    int cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(connect(cfd, (struct sockaddr *)&sa, salen) == 0);

    /* no descriptor left: the limit at the current highest one */
    struct rlimit old, tight;
    getrlimit(RLIMIT_NOFILE, &old);
    int top = cfd > lfd ? cfd : lfd;
    top = top > l.reserve_fd ? top : l.reserve_fd;
    tight = (struct rlimit){.rlim_cur = (rlim_t)top + 1, .rlim_max = old.rlim_max};
    CHECK(setrlimit(RLIMIT_NOFILE, &tight) == 0);
    for (int fd = 0; fd <= top; fd++) /* fill every hole below it */
        if (fcntl(fd, F_GETFD) < 0)
            CHECK(dup(lfd) == fd);
    errno = 0;
    CHECK(accept4(lfd, NULL, NULL, SOCK_NONBLOCK) < 0 && errno == EMFILE);
    CHECK(limits_shed_one(&l, lfd)); /* through the reserve */
    CHECK(l.reserve_fd >= 0);
    struct pollfd p = {.fd = lfd, .events = POLLIN};
    CHECK(poll(&p, 1, 0) == 0); /* nothing pending: the event loop does not spin */
    char c;
    CHECK(read(cfd, &c, 1) == 0); /* the client saw its connection closed */
    setrlimit(RLIMIT_NOFILE, &old);
    limits_close(&l);
}

static void test_user_share(void)
{
    limits l = {.reserve_fd = -1};
    long long t = 5 * LIMITS_USER_SLOT_US + 10;
    CHECK(!limits_user_busy(&l, t));
    limits_user_worked(&l, t, LIMITS_USER_BUSY_US - 1);
    CHECK(!limits_user_busy(&l, t + 1));
    limits_user_worked(&l, t + 1, 1);
    CHECK(limits_user_busy(&l, t + 2)); /* the share of this slot is spent */
    CHECK(limits_user_next_slot(t) == 6 * LIMITS_USER_SLOT_US);
    CHECK(!limits_user_busy(&l, 6 * LIMITS_USER_SLOT_US)); /* a new slot */
}

int main(void)
{
    test_admit();
    test_user_share();
    test_shed();
    return testlib_done("limits");
}
