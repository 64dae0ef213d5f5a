/* Unit tests for the conf layer's API beyond the golden files: the fields
 * other layers read, helpers, copy, update atomicity, file reading limits. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/netdef.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static int failures, checks;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(cond)) {                                                                             \
            failures++;                                                                            \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

static netdef *parse(const char *xml)
{
    netdef *def = NULL;
    verr err = VERR_INIT;
    if (netdef_parse_string(xml, "test", &def, &err) < 0) {
        fprintf(stderr, "parse failed: %s\n", err.msg);
        return NULL;
    }
    return def;
}

static void test_uuid(void)
{
    uint8_t u[16];
    netdef d = {0};
    char buf[37];

    CHECK(netdef_uuid_parse("81FF0D90-C91E-6742-64DA-4A736EDB9A9B", u) == 0);
    memcpy(d.uuid, u, 16);
    CHECK(streq(netdef_uuid_str(&d, buf), "81ff0d90-c91e-6742-64da-4a736edb9a9b"));
    CHECK(netdef_uuid_parse("81ff0d90c91e674264da4a736edb9a9b", u) == 0);
    CHECK(netdef_uuid_parse("81ff0d90-c91e-6742-64da-4a736edb9a9", u) < 0);
    CHECK(netdef_uuid_parse("81ff0d90-c91e-6742-64da-4a736edb9a9g", u) < 0);
    CHECK(netdef_uuid_parse("81ff0d90+c91e-6742-64da-4a736edb9a9b", u) < 0);
    CHECK(netdef_uuid_parse(NULL, u) < 0);
}

static void test_lease(void)
{
    netdef_lease l = {0};
    CHECK(netdef_lease_seconds(&l) == -1);
    l = (netdef_lease){.present = true, .expiry = 0};
    CHECK(netdef_lease_seconds(&l) == 0);
    l = (netdef_lease){.present = true, .expiry = 10};
    CHECK(netdef_lease_seconds(&l) == 600);
    l.unit = NETDEF_UNIT_HOURS;
    CHECK(netdef_lease_seconds(&l) == 36000);
    l.unit = NETDEF_UNIT_SECONDS;
    CHECK(netdef_lease_seconds(&l) == 10);
}

static void test_builtin(void)
{
    netdef *def = netdef_builtin_default();
    const netdef_ip *ip;
    char buf[VNET_ADDR_STRLEN];

    CHECK(streq(def->name, "default"));
    CHECK(def->bridge_name && streq(def->bridge_name, "virbr0"));
    CHECK(def->stp == VT_NO && def->delay == 0); /* STP off: no 4 s port settling */
    CHECK(def->has_forward && netdef_mode(def) == NETDEF_FWD_NAT);
    CHECK(!def->has_uuid && !def->has_mac && !def->forward_dev);
    CHECK(netdef_is_managed_bridge(def));
    CHECK(def->n_ips == 1);
    ip = netdef_dhcp_ip(def, AF_INET);
    CHECK(ip == &def->ips[0]);
    CHECK(netdef_dhcp_ip(def, AF_INET6) == NULL);
    CHECK(ip->family == AF_INET && ip->prefix == 24 && ip->has_netmask);
    CHECK(streq(vnet_addr_str(&ip->address, buf), "192.168.122.1"));
    CHECK(ip->n_ranges == 1);
    CHECK(streq(vnet_addr_str(&ip->ranges[0].start, buf), "192.168.122.2"));
    CHECK(streq(vnet_addr_str(&ip->ranges[0].end, buf), "192.168.122.254"));
    /* the text form is the same network */
    netdef *again = parse(netdef_builtin_default_xml());
    CHECK(again != NULL);
    if (again) {
        _cleanup_free_ char *a = netdef_format(def, 0);
        _cleanup_free_ char *b = netdef_format(again, 0);
        CHECK(streq(a, b));
        netdef_free(again);
    }
    netdef_free(def);
}

static void test_fields(void)
{
    netdef *def = parse("<network connections='3' xmlns:vnet='urn:vnet:network:1'>\n"
                        "  <name>f</name>\n"
                        "  <forward mode='route' dev='eth7'/>\n"
                        "  <ip family='ipv6' address='fd00:1::1'/>\n"
                        "  <ip address='10.1.2.1'>\n"
                        "    <dhcp><host mac='52:54:00:AA:BB:CC' ip='10.1.2.3'/></dhcp>\n"
                        "  </ip>\n"
                        "  <vnet:portForward proto='udp' guest='10.1.2.3'>\n"
                        "    <vnet:range start='53' to='5353'/>\n"
                        "  </vnet:portForward>\n"
                        "</network>\n");
    CHECK(def != NULL);
    if (!def)
        return;
    CHECK(def->forward_dev && streq(def->forward_dev, "eth7"));
    CHECK(def->n_forward_ifaces == 1 && streq(def->forward_ifaces[0], "eth7"));
    CHECK(def->ips[0].family == AF_INET6 && def->ips[0].prefix == 64 && !def->ips[0].has_prefix);
    CHECK(def->ips[1].prefix == 8); /* classful default, as libvirt */
    CHECK(def->ips[1].hosts[0].mac && streq(def->ips[1].hosts[0].mac, "52:54:00:aa:bb:cc"));
    CHECK(netdef_dhcp_ip(def, AF_INET) == &def->ips[1]);
    CHECK(def->n_port_forwards == 1 && def->port_forwards[0].proto == IPPROTO_UDP);
    CHECK(def->port_forwards[0].ranges[0].start == 53 && def->port_forwards[0].ranges[0].end == 53);
    CHECK(def->port_forwards[0].ranges[0].to == 5353);
    _cleanup_free_ char *live = netdef_format(def, 0);
    _cleanup_free_ char *inactive = netdef_format(def, NETDEF_FORMAT_INACTIVE);
    CHECK(strstr(live, "connections='3'") != NULL);
    CHECK(strstr(inactive, "connections=") == NULL);
    netdef *copy = netdef_dup(def);
    CHECK(copy != NULL);
    if (copy) {
        _cleanup_free_ char *c = netdef_format(copy, 0);
        CHECK(streq(c, live));
        netdef_free(copy);
    }
    netdef_free(def);
}

static void test_update_strings(void)
{
    CHECK(netdef_update_cmd_from_string("add") == NETDEF_UPDATE_ADD_LAST);
    CHECK(netdef_update_cmd_from_string("add-last") == NETDEF_UPDATE_ADD_LAST);
    CHECK(netdef_update_cmd_from_string("add-first") == NETDEF_UPDATE_ADD_FIRST);
    CHECK(netdef_update_cmd_from_string("delete") == NETDEF_UPDATE_DELETE);
    CHECK(netdef_update_cmd_from_string("modify") == NETDEF_UPDATE_MODIFY);
    CHECK(netdef_update_cmd_from_string("remove") == -1);
    CHECK(netdef_section_from_string("ip-dhcp-host") == NETDEF_SECTION_IP_DHCP_HOST);
    CHECK(netdef_section_from_string("dns-srv") == NETDEF_SECTION_DNS_SRV);
    CHECK(netdef_section_from_string("forward-pf") == NETDEF_SECTION_FORWARD_PF);
    CHECK(netdef_section_from_string("nope") == -1);
}

static void test_update_atomic(void)
{
    netdef *def = netdef_builtin_default();
    netdef *keep = def;
    verr err = VERR_INIT;
    _cleanup_free_ char *before = netdef_format(def, 0);

    /* valid element, invalid result: nothing changes */
    CHECK(netdef_update(def, NETDEF_UPDATE_ADD_LAST, NETDEF_SECTION_IP_DHCP_RANGE, -1,
                        "<range start='192.168.122.100' end='192.168.122.110'/>", &err) < 0);
    CHECK(strstr(err.msg, "overlaps") != NULL);
    _cleanup_free_ char *after = netdef_format(def, 0);
    CHECK(streq(before, after));
    /* unsupported section */
    CHECK(netdef_update(def, NETDEF_UPDATE_MODIFY, NETDEF_SECTION_IP, -1, "<ip/>", &err) < 0);
    CHECK(err.kind == VERR_UNSUPPORTED);
    /* a good one edits in place (same pointer) */
    CHECK(netdef_update(def, NETDEF_UPDATE_ADD_LAST, NETDEF_SECTION_IP_DHCP_HOST, -1,
                        "<host mac='52:54:00:01:02:03' name='vm1' ip='192.168.122.7'/>",
                        &err) == 0);
    CHECK(def == keep && def->ips[0].n_hosts == 1);
    CHECK(streq(def->ips[0].hosts[0].name, "vm1"));
    netdef_free(def);
}

static void test_files(void)
{
    char path[] = "/tmp/vnet-conf-test-XXXXXX";
    netdef *def = NULL;
    verr err = VERR_INIT;
    int fd = mkstemp(path);
    FILE *f;

    CHECK(netdef_parse_file("/nonexistent/x.xml", &def, &err) < 0);
    CHECK(strstr(err.msg, "/nonexistent/x.xml") != NULL);
    if (fd < 0)
        return;
    f = fdopen(fd, "w");
    fputs("<network><name>big</name><description>", f);
    for (int i = 0; i < NETDEF_XML_MAX / 64 + 1; i++)
        fputs("0123456789012345678901234567890123456789012345678901234567890123", f);
    fputs("</description></network>", f);
    fclose(f);
    CHECK(netdef_parse_file(path, &def, &err) < 0);
    CHECK(strstr(err.msg, "larger than") != NULL);
    f = fopen(path, "w");
    fputs(netdef_builtin_default_xml(), f);
    fclose(f);
    CHECK(netdef_parse_file(path, &def, &err) == 0);
    netdef_free(def);
    unlink(path);
}

/* A definition built in code (no extra, no lines) validates and formats. */
static void test_programmatic(void)
{
    netdef *def = xcalloc(1, sizeof(*def));
    verr err = VERR_INIT;

    def->name = xstrdup("code");
    def->has_forward = true;
    def->forward_mode = NETDEF_FWD_NAT;
    CHECK(netdef_validate(def, &err) < 0); /* nat without <ip> */
    CHECK(strstr(err.msg, "<forward>") != NULL);
    def->ips = xcalloc(1, sizeof(netdef_ip));
    def->n_ips = 1;
    def->ips[0].family = AF_INET;
    vnet_addr_parse("10.5.0.1", &def->ips[0].address);
    def->ips[0].prefix = 16;
    def->ips[0].has_prefix = true;
    CHECK(netdef_validate(def, &err) == 0);
    _cleanup_free_ char *xml = netdef_format(def, 0);
    CHECK(strstr(xml, "<ip address='10.5.0.1' prefix='16'>") != NULL);
    netdef *again = NULL;
    CHECK(netdef_parse_string(xml, "again", &again, &err) == 0);
    netdef_free(again);
    CHECK(netdef_parse_string(NULL, "null", &again, &err) < 0);
    netdef_free(def);
}

/* libvirt: a <route> without metric (or metric 0) goes in with metric 1 */
static void test_route_metric(void)
{
    netdef *def = parse("<network><name>r</name><forward mode='route'/><bridge name='vr0'/>"
                        "<ip address='10.5.0.1' prefix='24'/>"
                        "<route address='10.6.0.0' prefix='16' gateway='10.5.0.2'/>"
                        "<route address='10.7.0.0' prefix='16' gateway='10.5.0.2' metric='5'/>"
                        "</network>");
    CHECK(def && def->n_routes == 2);
    if (!def)
        return;
    CHECK(netdef_route_metric(&def->routes[0]) == 1);
    CHECK(netdef_route_metric(&def->routes[1]) == 5);
    netdef_free(def);
}

/* The one interface-name rule (issue 8): the kernel's, less what the files
 * vnet writes cannot carry. */
static void test_ifname_rule(void)
{
    static const char *const good[] = {"virbr0", "1br", "5d3a-lago-mg", "v@n+1", "a_b.c",
                                       "x", "123456789012345", "br\xc3\xa9"};
    static const char *const bad[] = {"", ".", "..", "a/b", "a:b", "a b", "a\tb", "a\nb",
                                      "1234567890123456", "a\"b", "a,b", "br*", "br%d",
                                      "br\x01", "br\xc3\xa0"};
    char buf[48];
    for (size_t i = 0; i < ARRAY_SIZE(good); i++) {
        CHECK(netdef_ifname_valid(good[i]));
        CHECK(netdef_ifname_problem(good[i], buf) == NULL);
    }
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        CHECK(!netdef_ifname_valid(bad[i]));
    CHECK(!netdef_ifname_valid(NULL));
    CHECK(streq(netdef_ifname_problem("a:b", buf), "contains ':'"));
    CHECK(netdef_proto_from_name("tcp") == IPPROTO_TCP);
    CHECK(netdef_proto_from_name("udp") == IPPROTO_UDP);
    CHECK(netdef_proto_from_name("TCP") == -1 && netdef_proto_from_name(NULL) == -1);
    CHECK(streq(netdef_proto_name(IPPROTO_UDP), "udp"));
}

/* An edited definition is judged as at define (issue 8: a forward to the
 * bridge's own address was saved by forward-add, then refused at load). */
static void test_validate_edit(void)
{
    static const char xml[] = "<network><name>e</name><forward mode='nat'/>"
                              "<bridge name='1br'/><ip address='10.5.0.1' prefix='24'/></network>";
    netdef *def = NULL;
    verr err = VERR_INIT;
    CHECK(netdef_parse_string(xml, "e.xml", &def, &err) == 0);
    if (!def)
        return;
    netdef *ed = netdef_dup(def);
    netdef_pf_range r = {.start = 80, .end = 80};
    netdef_port_forward *pf =
        xarray_push(&ed->port_forwards, &ed->n_port_forwards, sizeof(*pf));
    pf->proto = IPPROTO_TCP;
    vnet_addr_parse("10.5.0.1", &pf->guest);
    pf->ranges = xmalloc(sizeof(r));
    pf->ranges[0] = r;
    pf->n_ranges = 1;
    CHECK(netdef_validate_edit(def, ed, "forward-add in network 'e'", &err) < 0);
    CHECK(streq(err.msg, "forward-add in network 'e': <vnet:portForward> attribute 'guest': "
                         "10.5.0.1 is the network's own address, not a guest"));
    vnet_addr_parse("10.5.0.9", &pf->guest);
    verr_clear(&err);
    CHECK(netdef_validate_edit(def, ed, "forward-add in network 'e'", &err) == 0);
    /* the source name is back: messages of later parses name the file */
    CHECK(netdef_validate(ed, &err) == 0);
    netdef_free(ed);
    netdef_free(def);
}

int main(void)
{
    test_ifname_rule();
    test_validate_edit();
    test_route_metric();
    test_programmatic();
    test_uuid();
    test_lease();
    test_builtin();
    test_fields();
    test_update_strings();
    test_update_atomic();
    test_files();
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
