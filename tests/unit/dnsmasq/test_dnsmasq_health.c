/* dnsmasq health helpers: /proc state letters and the DNS probe's bytes. */
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dnsmasq/dnsmasq.h"
#include "tests/unit/testlib.h"

static void test_state(void)
{
    CHECK(dnsmasq_proc_state(getpid()) == 'R');
    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    CHECK(child > 0);
    kill(child, SIGSTOP);
    int st;
    CHECK(waitpid(child, &st, WUNTRACED) == child && WIFSTOPPED(st));
    CHECK(dnsmasq_proc_state(child) == 'T');
    CHECK(dnsmasq_state_unhealthy('T') && dnsmasq_state_unhealthy('Z'));
    CHECK(!dnsmasq_state_unhealthy('S') && !dnsmasq_state_unhealthy('R'));
    kill(child, SIGKILL);
    waitpid(child, &st, 0);
    CHECK(dnsmasq_proc_state(child) == 0); /* reaped: gone */
}

static void test_probe(void)
{
    uint8_t q[64];
    size_t n = dnsmasq_probe_query(q, sizeof(q), 0x1234);
    static const uint8_t want[] = {0x12, 0x34, 0x01, 0,   0,   1,   0,   0,   0,   0,
                                   0,    0,    7,    'v', 'e', 'r', 's', 'i', 'o', 'n',
                                   4,    'b',  'i',  'n', 'd', 0,   0,   16,  0,   3};
    CHECK(n == sizeof(want) && memcmp(q, want, n) == 0);
    CHECK(dnsmasq_probe_query(q, 10, 1) == 0);
    q[2] |= 0x80; /* the same bytes as a reply */
    CHECK(dnsmasq_probe_reply_ok(q, n, 0x1234));
    CHECK(!dnsmasq_probe_reply_ok(q, n, 0x1235));
    CHECK(!dnsmasq_probe_reply_ok(q, 11, 0x1234));
    q[2] &= 0x7f; /* a query is no reply */
    CHECK(!dnsmasq_probe_reply_ok(q, n, 0x1234));
}

int main(void)
{
    test_state();
    test_probe();
    return testlib_done("dnsmasq-health");
}
