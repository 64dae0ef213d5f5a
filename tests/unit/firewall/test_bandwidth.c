/* A network's <bandwidth>: the plan (conf/netbw.c: units, refusals with the
 * reason) and the outbound limit's nftables text (firewall/fw_bandwidth.c). */
#include <stdlib.h>

#include "../testlib.h"
#include "conf/netbw.h"
#include "firewall/fw_bandwidth.h"

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
    CHECK(p.ingress && p.ingress_rate == 625000 && p.ingress_burst == 625 * 1024);
    netdef_free(def);
    def = def_of("", "");
    CHECK(def && netbw_plan_network(def, &p, &err) == 0 && !p.egress && !p.ingress);
    netdef_free(def);
}

static void test_refusals(void)
{
    check_refused("<bandwidth><outbound average='10' peak='20'/></bandwidth>", "",
                  "bw.xml:1: <outbound>: cannot be applied: 'peak' needs the kernel's police "
                  "action, which this kernel lacks; the nftables limit vnet uses instead takes "
                  "an average and a burst only");
    check_refused("",
                  "<portgroup name='pg'><bandwidth><inbound average='10'/></bandwidth>"
                  "</portgroup>",
                  "bw.xml:1: <portgroup>: cannot be applied: its <bandwidth> applies to each "
                  "port as it is plugged, and vnet does not plug ports yet");
}

static void test_nft(void)
{
    char *s = fw_plan_bandwidth("vbw0", 625000, 262144);
    CHECK_STR(s, "add table netdev vnet-vbw0\n"
                 "delete table netdev vnet-vbw0\n"
                 "table netdev vnet-vbw0 {\n"
                 "  chain ingress {\n"
                 "    type filter hook ingress device \"vbw0\" priority -500; policy accept;\n"
                 "    limit rate over 625000 bytes/second burst 262144 bytes drop\n"
                 "  }\n"
                 "}\n");
    free(s);
    s = fw_plan_bandwidth_remove("vbw0");
    CHECK_STR(s, "add table netdev vnet-vbw0\ndelete table netdev vnet-vbw0\n");
    free(s);
    CHECK(fw_plan_bandwidth("bad\"name", 1, 1) == NULL);
}

int main(void)
{
    test_plan();
    test_refusals();
    test_nft();
    return testlib_done("bandwidth");
}
