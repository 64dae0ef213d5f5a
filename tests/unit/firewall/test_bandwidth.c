/* A network's <bandwidth>: the plan (conf/netbw.c: units, refusals with the
 * reason) and the name of the ifb device of the outbound direction
 * (network/bandwidth.c). */
#include <stdlib.h>
#include <string.h>

#include "../testlib.h"
#include "conf/netbw.h"
#include "network/bandwidth.h"

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
    check_refused("",
                  "<portgroup name='pg'><bandwidth><inbound average='10' floor='5'/></bandwidth>"
                  "</portgroup>",
                  "bw.xml:1: <inbound>: cannot be applied: 'floor' guarantees bandwidth to "
                  "ports, and needs a class per port on the network's bridge, which vnet does "
                  "not make");
    /* a portgroup's own bandwidth goes with its ports (for the hypervisor) */
    netbw_plan p;
    verr err = VERR_INIT;
    netdef *def = def_of("", "<portgroup name='pg'><bandwidth><inbound average='10'/></bandwidth>"
                             "</portgroup>");
    CHECK(def && netbw_plan_network(def, &p, &err) == 0 && !p.egress && !p.ingress);
    netdef_free(def);
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
    test_ifb_name();
    return testlib_done("bandwidth");
}
