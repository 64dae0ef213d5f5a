/* A network's <bandwidth>: the plan (conf/netbw.c: units, refusals with the
 * reason, ports' floors: class ids, sums, overcommit), the u32 keys of a
 * floor's filter (netdev/tc.c), and the name of the ifb device of the outbound direction
 * (network/bandwidth.c). */
#include <stdlib.h>
#include <string.h>

#include "../testlib.h"
#include "conf/netbw.h"
#include "netdev/tc.h"
#include "network/bandwidth.h"
#include <arpa/inet.h>

static netdef *def_of(const char *bw, const char *extra)
{
    char xml[1024];
    snprintf(xml, sizeof(xml),
             "<network><name>bw</name><forward mode='nat'/><bridge name='vbw0'/>%s%s"
             "<ip address='10.1.0.1' prefix='24'/></network>",
             bw, extra);
    netdef *def = NULL;
    verr err = VERR_INIT;
    if (netdef_parse_string(xml, "bw.xml", &def, &err) < 0)
        fprintf(stderr, "parse: %s\n", err.msg);
    return def;
}

static void check_refused(const char *bw, const char *extra, const char *want)
{
    netdef *def = def_of(bw, extra);
    netbw_plan p;
    verr err = VERR_INIT;
    CHECK(def && netbw_plan_network(def, &p, &err) < 0);
    CHECK(err.kind == VERR_UNSUPPORTED);
    CHECK_STR(err.msg, want);
    netdef_free(def);
}

static void test_plan(void)
{
    netdef *def = def_of("<bandwidth><inbound average='1250' peak='2500' burst='256'/>"
                         "<outbound average='625'/></bandwidth>",
                         "");
    netbw_plan p;
    verr err = VERR_INIT;
    CHECK(def && netbw_plan_network(def, &p, &err) == 0);
    CHECK(p.egress && p.egress_rate == 1250000 && p.egress_ceil == 2500000 &&
          p.egress_burst == 256 * 1024);
    CHECK(p.ingress && p.ingress_rate == 625000 && p.ingress_ceil == 625000 &&
          p.ingress_burst == 625 * 1024);
    netdef_free(def);
    /* an outbound peak is the ifb's htb ceil; a peak below the average is none */
    def = def_of("<bandwidth><outbound average='625' peak='1250' burst='2048'/></bandwidth>", "");
    CHECK(def && netbw_plan_network(def, &p, &err) == 0);
    CHECK(p.ingress && p.ingress_rate == 625000 && p.ingress_ceil == 1250000 &&
          p.ingress_burst == 2048 * 1024);
    netdef_free(def);
    def = def_of("<bandwidth><outbound average='625' peak='600'/></bandwidth>", "");
    CHECK(def && netbw_plan_network(def, &p, &err) == 0 && p.ingress_ceil == 625000);
    netdef_free(def);
    def = def_of("", "");
    CHECK(def && netbw_plan_network(def, &p, &err) == 0 && !p.egress && !p.ingress);
    netdef_free(def);
}

static void test_refusals(void)
{
    /* libvirt: a floor is for ports, not for the network's own bandwidth */
    check_refused("<bandwidth><inbound average='625' floor='100'/></bandwidth>", "",
                  "bw.xml:1: <inbound>: cannot be applied: 'floor' guarantees bandwidth to "
                  "ports: it belongs in a port's or a portgroup's <bandwidth>, not in the "
                  "network's own");
    /* a portgroup's own bandwidth goes with its ports (for the hypervisor), its
     * floor too (a class per port, when the port is made) */
    netbw_plan p;
    verr err = VERR_INIT;
    netdef *def = def_of("", "<portgroup name='pg'><bandwidth><inbound average='10' floor='5'/>"
                             "</bandwidth></portgroup>");
    CHECK(def && netbw_plan_network(def, &p, &err) == 0 && !p.egress && !p.ingress);
    netdef_free(def);
}

static const uint8_t MAC_A[6] = {0x52, 0x54, 0x00, 0xaa, 0x00, 0x01};
static const uint8_t MAC_B[6] = {0x52, 0x54, 0x00, 0xbb, 0x00, 0x02};

/* plug `floor` for mac into floors[*n] as the network would; the class id or 0 */
static unsigned plug(const netdef *def, netbw_floor *floors, size_t *n, const uint8_t mac[6],
                     uint64_t floor, unsigned want, verr *err)
{
    unsigned id = 0;
    if (netbw_floor_plug(def, floors, *n, mac, floor, want, &id, err) < 0)
        return 0;
    floors[*n] = (netbw_floor){.class_id = id, .floor = floor};
    memcpy(floors[*n].mac, mac, 6);
    (*n)++;
    return id;
}

static void test_floors(void)
{
    /* 10 Mbit/s toward the guests */
    netdef *def = def_of("<bandwidth><inbound average='1250' peak='2500'/></bandwidth>", "");
    netbw_floor f[8];
    size_t n = 0;
    verr err = VERR_INIT;
    netbw_plan p;
    CHECK(def && netbw_plan_network(def, &p, &err) == 0);
    CHECK(netbw_inbound_average(def) == 1250);
    CHECK(netbw_default_rate(&p, 0) == 1250000); /* no floors: the whole average */
    /* ids from 3 up, the lowest free; the sum may reach the average, not pass it */
    CHECK(plug(def, f, &n, MAC_A, 875, 0, &err) == 3);
    CHECK(netbw_floor_sum(f, n) == 875 && netbw_default_rate(&p, 875) == 375000);
    CHECK(plug(def, f, &n, MAC_B, 300, 0, &err) == 4);
    verr_clear(&err);
    CHECK(plug(def, f, &n, MAC_B, 100, 0, &err) == 0 && err.kind == VERR_BUSY);
    CHECK_STR(err.msg, "Cannot plug '52:54:00:bb:00:02' interface into 'vbw0' because new "
                       "combined inbound floor=1275 would overcommit inbound average=1250 on "
                       "network 'bw'");
    CHECK(n == 2);
    verr_clear(&err);
    CHECK(plug(def, f, &n, MAC_B, 75, 0, &err) == 5);
    /* every byte guaranteed: the default class lives on what it borrows (1 kB/s of its own) */
    CHECK(netbw_floor_sum(f, n) == 1250 && netbw_default_rate(&p, 1250) == 1000);
    /* a freed id is the next one given; a wanted free id is kept, a taken one is not */
    f[0] = f[--n]; /* class 5 takes class 3's place: 3 is free */
    CHECK(plug(def, f, &n, MAC_A, 10, 0, &err) == 3);
    n--;
    CHECK(plug(def, f, &n, MAC_A, 10, 9, &err) == 9);
    n--;
    CHECK(plug(def, f, &n, MAC_A, 10, 4, &err) == 3);
    CHECK(netbw_floor_rate(875) == 875000);
    netdef_free(def);

    /* no inbound average: no floor (libvirt's words) */
    def = def_of("<bandwidth><outbound average='625'/></bandwidth>", "");
    n = 0;
    verr_clear(&err);
    CHECK(def && plug(def, f, &n, MAC_A, 10, 0, &err) == 0 && err.kind == VERR_UNSUPPORTED);
    CHECK_STR(err.msg, "Invalid use of 'floor' on interface with MAC address 52:54:00:aa:00:01 - "
                       "network 'bw' has no inbound QoS set (an <inbound average=...> in its "
                       "<bandwidth>)");
    netdef_free(def);
    /* a bridge vnet does not manage: none either */
    def = NULL;
    CHECK(netdef_parse_string("<network><name>hb</name><forward mode='bridge'/>"
                              "<bridge name='br0'/><bandwidth><inbound average='1250'/>"
                              "</bandwidth></network>",
                              "hb.xml", &def, &err) == 0);
    verr_clear(&err);
    CHECK(def && netbw_floor_check(def, MAC_A, &err) < 0 && err.kind == VERR_UNSUPPORTED);
    CHECK(strstr(err.msg, "(network 'hb' has forward mode 'bridge')") != NULL);
    netdef_free(def);
}

/* The filter's keys: the destination MAC before the network header, for any
 * protocol (what `tc filter show` prints as "match 00005254/0000ffff at -16",
 * "match 00aa0001/ffffffff at -12"). */
static void test_u32_keys(void)
{
    netdev_u32_key k[2];
    netdev_u32_mac_keys(MAC_A, k);
    CHECK(ntohl(k[0].val) == 0x5254 && ntohl(k[0].mask) == 0xffff && k[0].off == -16);
    CHECK(ntohl(k[1].val) == 0x00aa0001 && ntohl(k[1].mask) == 0xffffffff && k[1].off == -12);
    /* as bytes on the wire: the word at -16 is [?? ?? 52 54], at -12 [00 aa 00 01] */
    const uint8_t *b0 = (const uint8_t *)&k[0].val, *b1 = (const uint8_t *)&k[1].val;
    CHECK(b0[2] == 0x52 && b0[3] == 0x54 && b1[0] == 0x00 && b1[1] == 0xaa && b1[3] == 0x01);
}

static void test_ifb_name(void)
{
    char buf[IF_NAMESIZE];
    CHECK_STR(network_bandwidth_ifb_name("virbr0", buf, sizeof(buf)), "ifb-virbr0");
    CHECK_STR(network_bandwidth_ifb_name("abcdefghijk", buf, sizeof(buf)), "ifb-abcdefghijk");
    /* too long for "ifb-": a hash, the same for the same name, 12 characters */
    const char *a = network_bandwidth_ifb_name("abcdefghijkl", buf, sizeof(buf));
    CHECK(strlen(a) == 12 && strncmp(a, "ifb-", 4) == 0);
    char other[IF_NAMESIZE];
    CHECK_STR(network_bandwidth_ifb_name("abcdefghijkl", other, sizeof(other)), buf);
    CHECK(strcmp(network_bandwidth_ifb_name("abcdefghijkm", other, sizeof(other)), buf) != 0);
}

int main(void)
{
    test_plan();
    test_refusals();
    test_floors();
    test_u32_keys();
    test_ifb_name();
    return testlib_done("bandwidth");
}
