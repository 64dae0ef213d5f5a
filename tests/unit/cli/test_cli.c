/* Unit tests for src/cli's pure parts: table layout (against virsh's exact
 * output), option parsing, forward argument parsing, reply rendering. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/args.h"
#include "cli/output.h"
#include "cli/suggest.h"
#include "cli/table.h"
#include "cli/uri.h"
#include "cli/xpath.h"
#include "tests/unit/testlib.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static char *dashes(size_t n)
{
    char *s = malloc(n + 1);
    memset(s, '-', n);
    s[n] = '\0';
    return s;
}

static void test_table_net_list(void)
{
    static const char *h[] = {"Name", "State", "Autostart", "Persistent"};
    static const char *r[] = {"default", "active", "yes", "yes"};
    _cleanup_(table_freep) table *t = table_new(4, h);
    table_add_row(t, r);
    _cleanup_free_ char *s = table_format(t, 1);
    CHECK_STR(s, " Name      State    Autostart   Persistent\n"
                 "--------------------------------------------\n"
                 " default   active   yes         yes\n");
    /* virsh -q: no header, and its width does not count */
    _cleanup_free_ char *q = table_format(t, 0);
    CHECK_STR(q, " default   active   yes   yes\n");
}

static void test_table_empty_leases(void)
{
    static const char *h[] = {"Expiry Time", "MAC address", "Protocol",
                              "IP address",  "Hostname",    "Client ID or DUID"};
    _cleanup_(table_freep) table *t = table_new(6, h);
    _cleanup_free_ char *s = table_format(t, 1);
    _cleanup_free_ char *d = dashes(83);
    _cleanup_free_ char *want = xasprintf(
        " Expiry Time   MAC address   Protocol   IP address   Hostname   Client ID or DUID\n%s\n",
        d);
    CHECK_STR(s, want);
}

static void test_table_lease_row(void)
{
    /* The reference row from libvirt-behaviour.md §4 (107 dashes). */
    static const char *h[] = {"Expiry Time", "MAC address", "Protocol",
                              "IP address",  "Hostname",    "Client ID or DUID"};
    static const char *r[] = {
        "2024-05-01 12:34:56", "52:54:00:aa:bb:cc", "ipv4", "192.168.122.45/24", "vm1",
        "01:52:54:00:aa:bb:cc"};
    _cleanup_(table_freep) table *t = table_new(6, h);
    table_add_row(t, r);
    _cleanup_free_ char *s = table_format(t, 1);
    _cleanup_free_ char *d = dashes(107);
    _cleanup_free_ char *want = xasprintf(
        " Expiry Time           MAC address         Protocol   IP address          Hostname   "
        "Client ID or DUID\n%s\n"
        " 2024-05-01 12:34:56   52:54:00:aa:bb:cc   ipv4       192.168.122.45/24   vm1        "
        "01:52:54:00:aa:bb:cc\n",
        d);
    CHECK_STR(s, want);
}

static void test_table_width_and_escape(void)
{
    CHECK(table_display_width("abc") == 3);
    CHECK(table_display_width("n\xc3\xa9t") == 3); /* né t: 3 columns, 4 bytes */
    CHECK(table_display_width("\xff") == 1);       /* invalid byte counts one */
    _cleanup_free_ char *e = table_escape("a\x1b[2Jb");
    CHECK_STR(e, "a\\x1b[2Jb");
    _cleanup_free_ char *e2 = table_escape("ok\xc3\xa9");
    CHECK_STR(e2, "ok\xc3\xa9");
    _cleanup_free_ char *e3 = table_escape("x\xc0\xafy"); /* overlong '/' */
    CHECK_STR(e3, "x\\xc0\\xafy");

    static const char *h[] = {"A", "B"};
    static const char *r[] = {"n\xc3\xa9t", NULL};
    _cleanup_(table_freep) table *t = table_new(2, h);
    table_add_row(t, r);
    _cleanup_free_ char *s = table_format(t, 1);
    CHECK_STR(s, " A     B\n"
                 "----------\n"
                 " n\xc3\xa9t   -\n");
}

static const args_option opts[] = {
    {"all", NULL, ""}, {"mac", "MAC", ""}, {"parent-index", "N", ""}, {NULL}};

static void test_args_parse(void)
{
    char *argv1[] = {"default", "--all", "--mac=52:54:00:00:00:01", "x", "--", "--all"};
    args a;
    verr err = VERR_INIT;
    CHECK(args_parse(NULL, opts, 6, argv1, &a, &err) == 0);
    CHECK(args_has(&a, "all"));
    CHECK_STR(args_get(&a, "mac"), "52:54:00:00:00:01");
    CHECK(!args_has(&a, "parent-index"));
    CHECK(a.n_pos == 3);
    CHECK_STR(a.pos[0], "default");
    CHECK_STR(a.pos[2], "--all");
    CHECK(!a.help);
    args_free(&a);

    char *argv2[] = {"--parent-index", "-1", "-h", "-"};
    CHECK(args_parse(NULL, opts, 4, argv2, &a, &err) == 0);
    CHECK_STR(args_get(&a, "parent-index"), "-1");
    CHECK(a.help && a.n_pos == 1);
    args_free(&a);

    char *bad1[] = {"--bogus"};
    CHECK(args_parse(NULL, opts, 1, bad1, &a, &err) < 0);
    CHECK_STR(err.msg, "unknown option '--bogus'");
    char *bad2[] = {"--mac"};
    CHECK(args_parse(NULL, opts, 1, bad2, &a, &err) < 0);
    CHECK_STR(err.msg, "option '--mac' needs a value (MAC)");
    char *bad3[] = {"--all=yes"};
    CHECK(args_parse(NULL, opts, 1, bad3, &a, &err) < 0);
    CHECK_STR(err.msg, "option '--all' does not take a value");
    char *bad4[] = {"--all", "--all"};
    CHECK(args_parse(NULL, opts, 2, bad4, &a, &err) < 0);
    CHECK_STR(err.msg, "option '--all' given more than once");
    char *bad5[] = {"-x"};
    CHECK(args_parse(NULL, opts, 1, bad5, &a, &err) < 0);
    CHECK_STR(err.msg, "unknown option '-x'");
}

/* virsh's forms: [--network] NAME ... positional in table order, named in
 * any order, required ones checked, extra data refused. */
static const args_option upd[] = {{"network", "N", "", ARGS_POS | ARGS_REQ},
                                  {"command", "C", "", ARGS_POS | ARGS_REQ},
                                  {"section", "S", "", ARGS_POS | ARGS_REQ},
                                  {"xml", "X", "", ARGS_POS | ARGS_REQ},
                                  {"parent-index", "I", "", ARGS_POS},
                                  {"live", NULL, ""},
                                  {NULL}};

static void test_args_positional(void)
{
    args a;
    verr err = VERR_INIT;
    char *v1[] = {"default", "--command", "add", "ip", "<x/>", "--live"};
    CHECK(args_parse("net-update", upd, 6, v1, &a, &err) == 0);
    CHECK(a.n_pos == 4);
    CHECK_STR(a.pos[0], "default");
    CHECK_STR(a.pos[1], "add");
    CHECK_STR(a.pos[2], "ip");
    CHECK_STR(a.pos[3], "<x/>");
    CHECK(args_has(&a, "live") && !args_has(&a, "parent-index"));
    args_free(&a);

    char *v2[] = {"--xml=<x/>", "--network", "n", "delete", "dns-host", "3"};
    CHECK(args_parse("net-update", upd, 6, v2, &a, &err) == 0);
    CHECK(a.n_pos == 5);
    CHECK_STR(a.pos[1], "delete");
    CHECK_STR(a.pos[3], "<x/>");
    CHECK_STR(args_get(&a, "parent-index"), "3");
    args_free(&a);

    char *v3[] = {"n", "add", "ip"};
    CHECK(args_parse("net-update", upd, 3, v3, &a, &err) < 0);
    CHECK_STR(err.msg, "command 'net-update' requires <xml> option");
    char *v4[] = {"n", "add", "ip", "x", "1", "extra"};
    CHECK(args_parse("net-update", upd, 6, v4, &a, &err) < 0);
    CHECK_STR(err.msg, "unexpected data 'extra'");
    char *v5[] = {"n", "--lve"};
    CHECK(args_parse("net-update", upd, 2, v5, &a, &err) < 0);
    CHECK_STR(err.msg, "command 'net-update' doesn't support option --lve");
    CHECK_STR(a.bad_option, "--lve");
    char *v6[] = {"--help"};
    CHECK(args_parse("net-update", upd, 1, v6, &a, &err) == 0 && a.help);
    args_free(&a);
}

static void test_suggest(void)
{
    CHECK(suggest_distance("net-lisst", "net-list") == 1);
    CHECK(suggest_distance("lsit", "list") == 1);
    CHECK(suggest_distance("", "abc") == 3);
    static const char *const names[] = {"list", "info", "define", NULL, "undefine", "dumpxml"};
    CHECK_STR(suggest_closest("lsit", names, 6), "list");
    CHECK_STR(suggest_closest("dumxpml", names, 6), "dumpxml");
    CHECK_STR(suggest_closest("dum", names, 6), "dumpxml"); /* a unique prefix */
    CHECK(suggest_closest("frobnicate", names, 6) == NULL);
    CHECK(suggest_closest("xy", names, 6) == NULL);
}

static void test_uri(void)
{
    char *sock = NULL;
    verr err = VERR_INIT;
    CHECK(uri_parse("vnet:///system", &sock, &err) == 0 && sock == NULL);
    CHECK(uri_parse("network:///system", &sock, &err) == 0 && sock == NULL);
    CHECK(uri_parse("network:///system?socket=/tmp/x.sock", &sock, &err) == 0);
    CHECK_STR(sock, "/tmp/x.sock");
    free(sock);
    CHECK(uri_parse("qemu:///system", &sock, &err) < 0);
    CHECK(strstr(err.msg, "vnet:///system") != NULL);
    CHECK(uri_parse("vnet://host/system", &sock, &err) < 0);
    CHECK(uri_parse("vnet:///session", &sock, &err) < 0);
    CHECK(uri_parse("vnet:///system?socket=rel", &sock, &err) < 0);
    CHECK(uri_parse("vnet:///system?mode=legacy", &sock, &err) < 0);
}

static void test_xpath(void)
{
    const char *xml = "<network>\n  <name>n</name>\n  <ip address='10.0.0.1'>\n"
                      "    <dhcp/>\n  </ip>\n</network>\n";
    char *out = NULL;
    verr err = VERR_INIT;
    CHECK(xpath_select(xml, "//ip", false, &out, &err) == 0);
    CHECK_STR(out, "<ip address=\"10.0.0.1\">\n  <dhcp/>\n</ip>\n");
    free(out);
    CHECK(xpath_select(xml, "//ip/@address", false, &out, &err) == 0);
    CHECK_STR(out, " address=\"10.0.0.1\"\n");
    free(out);
    CHECK(xpath_select(xml, "/network/name/text()", false, &out, &err) == 0);
    CHECK_STR(out, "n\n");
    free(out);
    CHECK(xpath_select(xml, "/nope", false, &out, &err) == 0);
    CHECK_STR(out, "");
    free(out);
    CHECK(xpath_select(xml, "//name|//dhcp", true, &out, &err) == 0);
    CHECK_STR(out, "<nodes>\n  <name>n</name>\n  <dhcp/>\n</nodes>\n");
    free(out);
    CHECK(xpath_select(xml, "[[", false, &out, &err) < 0);
    CHECK(strstr(err.msg, "invalid XPath expression '[['") != NULL);
    CHECK(xpath_select(xml, "string(//name)", false, &out, &err) < 0);
    CHECK(strstr(err.msg, "gives a string") != NULL);
}

static void test_ports(void)
{
    args_ports p;
    verr err = VERR_INIT;
    CHECK(args_parse_ports("8080", "--port", &p, &err) == 0 && p.start == 8080 && p.end == 8080);
    CHECK(args_parse_ports("8080-8089", "--port", &p, &err) == 0 && p.start == 8080 &&
          p.end == 8089);
    CHECK(args_parse_ports("1-65535", "--port", &p, &err) == 0);
    CHECK(args_parse_ports("0", "--port", &p, &err) < 0);
    CHECK_STR(err.msg, "--port '0': port 0 is out of range (1-65535)");
    CHECK(args_parse_ports("65536", "--port", &p, &err) < 0);
    CHECK_STR(err.msg, "--port '65536': port 65536 is out of range (1-65535)");
    CHECK(args_parse_ports("8089-8080", "--port", &p, &err) < 0);
    CHECK_STR(err.msg,
              "--port '8089-8080': the first port of a range must not be greater than the last");
    const char *bad[] = {"", "-", "80-", "-80", "+80", " 80", "80 ", "8o", "80-90-100", "123456"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        CHECK(args_parse_ports(bad[i], "--port", &p, &err) < 0);
        CHECK(strstr(err.msg, "expected a port number (1-65535) or a range START-END") != NULL);
    }
}

static void test_target(void)
{
    args_target t;
    verr err = VERR_INIT;
    char buf[VNET_ADDR_STRLEN];
    CHECK(args_parse_target("192.168.122.10", &t, &err) == 0);
    CHECK_STR(vnet_addr_str(&t.addr, buf), "192.168.122.10");
    CHECK(!t.has_ports);
    CHECK(args_parse_target("192.168.122.10:80", &t, &err) == 0);
    CHECK(t.has_ports && t.ports.start == 80 && t.ports.end == 80);
    CHECK(args_parse_target("192.168.122.10:80-89", &t, &err) == 0);
    CHECK(t.ports.start == 80 && t.ports.end == 89);
    CHECK(args_parse_target("[fd00::10]:80", &t, &err) == 0);
    CHECK(t.addr.family == AF_INET6 && t.ports.start == 80);
    CHECK_STR(vnet_addr_str(&t.addr, buf), "fd00::10");
    CHECK(args_parse_target("[fd00::10]", &t, &err) == 0 && !t.has_ports);
    CHECK(args_parse_target("fd00::10", &t, &err) == 0 && !t.has_ports);

    CHECK(args_parse_target("fd00::10:80x", &t, &err) < 0);
    CHECK_STR(err.msg, "--to 'fd00::10:80x': not a valid address (write an IPv6 address with a "
                       "port as [ADDR]:PORT)");
    CHECK(args_parse_target("[192.168.1.1]:80", &t, &err) < 0);
    CHECK_STR(err.msg, "--to '[192.168.1.1]:80': '192.168.1.1' is not a valid IPv6 address");
    CHECK(args_parse_target("[fd00::1", &t, &err) < 0);
    CHECK_STR(err.msg, "--to '[fd00::1': missing ']' after the IPv6 address");
    CHECK(args_parse_target("[fd00::1]80", &t, &err) < 0);
    CHECK_STR(err.msg, "--to '[fd00::1]80': expected ':PORT' after ']'");
    CHECK(args_parse_target("guest:80", &t, &err) < 0);
    CHECK_STR(err.msg, "--to 'guest:80': 'guest' is not a valid IPv4 address");
    CHECK(args_parse_target("10.0.0.1:0", &t, &err) < 0);
    CHECK_STR(err.msg, "--to port '0': port 0 is out of range (1-65535)");
    CHECK(args_parse_target("0.0.0.0:80", &t, &err) < 0);
    CHECK_STR(err.msg, "--to '0.0.0.0:80': the guest address must not be unspecified");
    CHECK(args_parse_target("[::]:80", &t, &err) < 0);
    CHECK(args_parse_target("10.0.0.1:", &t, &err) < 0);
}

static void test_forward(void)
{
    args_forward f;
    verr err = VERR_INIT;
    char buf[VNET_ADDR_STRLEN];
    CHECK(args_parse_forward("tcp", "8080", "192.168.122.10:80", NULL, &f, &err) == 0);
    CHECK_STR(f.proto, "tcp");
    CHECK(f.host.start == 8080 && f.has_target && f.target.ports.start == 80 && !f.has_address);
    CHECK(args_parse_forward("udp", "8080-8089", "192.168.122.10:80-89", "203.0.113.5", &f, &err) ==
          0);
    CHECK(f.has_address);
    CHECK_STR(vnet_addr_str(&f.address, buf), "203.0.113.5");
    CHECK(args_parse_forward("tcp", "8080-8089", "192.168.122.10", NULL, &f, &err) == 0);
    CHECK(args_parse_forward("tcp", "443", "[fd00::10]:8443", "2001:db8::1", &f, &err) == 0);
    CHECK(args_parse_forward("tcp", "8080", NULL, NULL, &f, &err) == 0 && !f.has_target);

    CHECK(args_parse_forward(NULL, "80", "10.0.0.1", NULL, &f, &err) < 0);
    CHECK_STR(err.msg, "missing --proto (tcp or udp)");
    CHECK(args_parse_forward("icmp", "80", "10.0.0.1", NULL, &f, &err) < 0);
    CHECK_STR(err.msg, "--proto 'icmp': expected tcp or udp");
    CHECK(args_parse_forward("tcp", NULL, "10.0.0.1", NULL, &f, &err) < 0);
    CHECK_STR(err.msg, "missing --port (PORT or START-END)");
    CHECK(args_parse_forward("tcp", "8080-8089", "10.0.0.1:80", NULL, &f, &err) < 0);
    CHECK_STR(err.msg, "--port '8080-8089' covers 10 ports but --to '10.0.0.1:80' covers 1; the "
                       "ranges must have the same length");
    CHECK(args_parse_forward("tcp", "80", "10.0.0.1:80-81", NULL, &f, &err) < 0);
    CHECK(args_parse_forward("tcp", "80", "10.0.0.1", "fd00::1", &f, &err) < 0);
    CHECK_STR(err.msg, "--address 'fd00::1' and --to '10.0.0.1' are of different address families");
    CHECK(args_parse_forward("tcp", "80", "10.0.0.1", "example.com", &f, &err) < 0);
    CHECK_STR(err.msg, "--address 'example.com' is not a valid IP address");
}

static json_t *parse(const char *text)
{
    json_error_t je;
    json_t *v = json_loads(text, 0, &je);
    if (!v)
        fprintf(stderr, "bad test JSON: %s\n", je.text);
    return v;
}

static void test_output_list(void)
{
    _cleanup_(json_decrefp) json_t *nets = parse(
        "[{\"name\":\"default\",\"uuid\":\"3e3fce45-4f53-4fa7-bb32-11f34168b82b\",\"active\":true,"
        "\"autostart\":true,\"persistent\":true,\"bridge\":\"virbr0\"},"
        "{\"name\":\"lab\",\"uuid\":\"11111111-2222-3333-4444-555555555555\",\"active\":false,"
        "\"autostart\":false,\"persistent\":true,\"bridge\":\"virbr1\",\"title\":\"Lab net\"}]");
    output_list_opts o = {0};
    _cleanup_(json_decrefp) json_t *act = output_list_filter(nets, &o);
    CHECK(json_array_size(act) == 1);
    _cleanup_free_ char *s = output_list(act, &o);
    CHECK_STR(s, " Name      State    Autostart   Persistent\n"
                 "--------------------------------------------\n"
                 " default   active   yes         yes\n");

    output_list_opts all = {.all = true, .title = true};
    _cleanup_(json_decrefp) json_t *every = output_list_filter(nets, &all);
    _cleanup_free_ char *s2 = output_list(every, &all);
    CHECK_STR(s2, " Name      State      Autostart   Persistent   Title\n"
                  "--------------------------------------------------------\n"
                  " default   active     yes         yes          \n"
                  " lab       inactive   no          yes          Lab net\n");

    output_list_opts inact = {.inactive = true, .name = true};
    _cleanup_(json_decrefp) json_t *in = output_list_filter(nets, &inact);
    _cleanup_free_ char *s3 = output_list(in, &inact);
    CHECK_STR(s3, "lab\n");

    output_list_opts uu = {.all = true, .uuid = true, .no_autostart = true};
    _cleanup_(json_decrefp) json_t *u = output_list_filter(nets, &uu);
    _cleanup_free_ char *s4 = output_list(u, &uu);
    CHECK_STR(s4, "11111111-2222-3333-4444-555555555555\n");

    output_list_opts none = {.transient = true, .all = true};
    _cleanup_(json_decrefp) json_t *e = output_list_filter(nets, &none);
    _cleanup_free_ char *s5 = output_list(e, &none);
    CHECK_STR(s5, " Name   State   Autostart   Persistent\n"
                  "----------------------------------------\n");

    /* the same from `list` rows (docs/protocol.md): filtered as it is formatted */
    _cleanup_(json_decrefp) json_t *rows =
        parse("[[\"default\",\"3e3fce45-4f53-4fa7-bb32-11f34168b82b\",true,true,true,null],"
              "[\"lab\",\"11111111-2222-3333-4444-555555555555\",false,true,false,\"Lab net\"],"
              "[\"short\"]]");
    _cleanup_free_ char *r1 = output_list(rows, &o);
    CHECK_STR(r1, s);
    _cleanup_free_ char *r2 = output_list(rows, &all);
    CHECK_STR(r2, s2);
    _cleanup_free_ char *r4 = output_list(rows, &uu);
    CHECK_STR(r4, s4);

    _cleanup_free_ char *info = output_info(json_array_get(nets, 0));
    CHECK_STR(info, "Name:           default\n"
                    "UUID:           3e3fce45-4f53-4fa7-bb32-11f34168b82b\n"
                    "Active:         yes\n"
                    "Persistent:     yes\n"
                    "Autostart:      yes\n"
                    "Bridge:         virbr0\n");
    _cleanup_free_ char *j = output_json(act);
    CHECK(strncmp(j, "[\n  {\n", 6) == 0 && j[strlen(j) - 1] == '\n');
}

static void test_output_leases(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    _cleanup_(json_decrefp) json_t *leases = parse(
        "[{\"expiry\":1714566896,\"mac\":\"52:54:00:FF:00:01\",\"type\":\"ipv4\","
        "\"ip\":\"192.168.122.46\",\"prefix\":24,\"hostname\":null,\"client_id\":\"\"},"
        "{\"expiry\":1714566896,\"mac\":\"52:54:00:aa:bb:cc\",\"type\":\"ipv4\","
        "\"ip\":\"192.168.122.45\",\"prefix\":24,\"hostname\":\"vm1\","
        "\"client_id\":\"01:52:54:00:aa:bb:cc\"},"
        "{\"expiry\":0,\"mac\":\"52:54:00:aa:bb:cc\",\"type\":\"ipv6\","
        "\"ip\":\"fd00::45\",\"prefix\":64,\"hostname\":\"vm1\",\"client_id\":\"00:04:ab\"}]");
    _cleanup_free_ char *s = output_leases(leases, NULL);
    _cleanup_free_ char *d = dashes(107);
    _cleanup_free_ char *want = xasprintf(
        " Expiry Time           MAC address         Protocol   IP address          Hostname   "
        "Client ID or DUID\n%s\n"
        " 2024-05-01 12:34:56   52:54:00:aa:bb:cc   ipv4       192.168.122.45/24   vm1        "
        "01:52:54:00:aa:bb:cc\n"
        " never                 52:54:00:aa:bb:cc   ipv6       fd00::45/64         vm1        "
        "00:04:ab\n"
        " 2024-05-01 12:34:56   52:54:00:FF:00:01   ipv4       192.168.122.46/24   -          -\n",
        d);
    CHECK_STR(s, want);

    _cleanup_(json_decrefp) json_t *one = output_leases_select(leases, "52:54:00:ff:00:01");
    CHECK(json_array_size(one) == 1);

    _cleanup_(json_decrefp) json_t *empty = json_array();
    _cleanup_free_ char *e = output_leases(empty, NULL);
    _cleanup_free_ char *d83 = dashes(83);
    _cleanup_free_ char *want_e = xasprintf(
        " Expiry Time   MAC address   Protocol   IP address   Hostname   Client ID or DUID\n%s\n",
        d83);
    CHECK_STR(e, want_e);
}

static void test_output_forwards(void)
{
    _cleanup_(json_decrefp) json_t *fw =
        parse("[{\"proto\":\"tcp\",\"address\":\"\",\"port\":8080,\"port_end\":0,"
              "\"to_addr\":\"192.168.122.10\",\"to_port\":80,\"to_port_end\":0,\"packets\":12,"
              "\"bytes\":3456},"
              "{\"proto\":\"udp\",\"address\":\"203.0.113.5\",\"port\":5000,\"port_end\":5009,"
              "\"to_addr\":\"192.168.122.11\",\"to_port\":0,\"to_port_end\":0,\"packets\":0,"
              "\"bytes\":0}]");
    _cleanup_free_ char *s = output_forwards(fw);
    CHECK_STR(s,
              " Proto   Host address   Host port(s)   Guest address    Guest port(s)   Packets   "
              "Bytes\n"
              "---------------------------------------------------------------------------------"
              "--------\n"
              " tcp     *              8080           192.168.122.10   80              12        "
              "3456\n"
              " udp     203.0.113.5    5000-5009      192.168.122.11   5000-5009       0         "
              "0\n");
}

int main(void)
{
    test_table_net_list();
    test_table_empty_leases();
    test_table_lease_row();
    test_table_width_and_escape();
    test_args_parse();
    test_args_positional();
    test_suggest();
    test_uri();
    test_xpath();
    test_ports();
    test_target();
    test_forward();
    test_output_list();
    test_output_leases();
    test_output_forwards();
    return testlib_done("cli");
}
