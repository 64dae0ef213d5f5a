/* Forward changes and their journal lines: format, replay, idempotence,
 * refusal of bad lines. */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../testlib.h"
#include "conf/netdef.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static netdef *empty_def(void)
{
    netdef *d = xcalloc(1, sizeof(*d));
    d->name = xstrdup("j");
    return d;
}

/* The forwards as "proto host start-end>to guest" lines, for comparing. */
static char *dump(const netdef *d)
{
    strbuf b = STRBUF_INIT;
    char h[VNET_ADDR_STRLEN], g[VNET_ADDR_STRLEN];
    for (size_t i = 0; i < d->n_port_forwards; i++)
        for (size_t k = 0; k < d->port_forwards[i].n_ranges; k++) {
            const netdef_port_forward *f = &d->port_forwards[i];
            strbuf_addf(&b, "%s %s %u-%u>%u %s\n", netdef_proto_name(f->proto),
                        vnet_addr_str(&f->address, h), f->ranges[k].start, f->ranges[k].end,
                        f->ranges[k].to, vnet_addr_str(&f->guest, g));
        }
    return strbuf_take(&b);
}

static void apply_all(netdef *d, const char *const *lines, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        verr e = VERR_INIT;
        CHECK(netdef_forward_journal_apply(d, lines[i], &e) == 0);
    }
}

int main(void)
{
    netdef_pf_range r = {.start = 8080, .end = 8080, .to = 80};
    netdef_port_forward pf = {.proto = IPPROTO_TCP, .ranges = &r, .n_ranges = 1};
    vnet_addr_parse("192.168.100.10", &pf.guest);
    _cleanup_free_ char *l1 = netdef_forward_journal_add(&pf);
    CHECK_STR(l1, "+ tcp - 8080 8080 80 192.168.100.10");
    vnet_addr_parse("203.0.113.1", &pf.address);
    r.start = r.end = 2222;
    r.to = 0;
    _cleanup_free_ char *l2 = netdef_forward_journal_add(&pf);
    CHECK_STR(l2, "+ tcp 203.0.113.1 2222 2222 2222 192.168.100.10");
    vnet_addr empty = {0};
    _cleanup_free_ char *l3 = netdef_forward_journal_del(IPPROTO_TCP, &empty, 8080);
    CHECK_STR(l3, "- tcp - 8080");

    const char *const journal[] = {
        l1, l2, "+ udp - 5000 5002 6000 fd00::5", l3, "+ tcp - 8080 8080 81 192.168.100.11",
    };
    const char *want = "tcp 203.0.113.1 2222-2222>0 192.168.100.10\n"
                       "udp  5000-5002>6000 fd00::5\n"
                       "tcp  8080-8080>81 192.168.100.11\n";
    netdef *d = empty_def();
    apply_all(d, journal, 5);
    _cleanup_free_ char *got = dump(d);
    CHECK_STR(got, want);

    /* Replaying the whole journal onto its own result changes nothing (a
     * crash after the compacted definition was saved, before the journal
     * was removed). So does replaying any suffix. */
    for (size_t from = 0; from < 5; from++) {
        apply_all(d, journal + from, 5 - from);
        _cleanup_free_ char *again = dump(d);
        CHECK_STR(again, want);
    }

    /* Bad lines are refused and change nothing. */
    const char *bad[] = {"",
                         "+ tcp - 0 0 0 1.2.3.4",
                         "+ sctp - 1 1 1 1.2.3.4",
                         "+ tcp - 10 5 10 1.2.3.4",
                         "+ tcp - 10 10 10 not-an-addr",
                         "* tcp - 10",
                         "- tcp nope 10",
                         "+ tcp - 70000 70000 1 1.2.3.4"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        verr e = VERR_INIT;
        CHECK(netdef_forward_journal_apply(d, bad[i], &e) < 0);
        CHECK(strstr(e.msg, "journal") != NULL);
    }
    _cleanup_free_ char *after = dump(d);
    CHECK_STR(after, want);
    netdef_free(d);
    return testlib_done("netdef-forwards");
}
