/* `vnet info`'s lines after virsh's six (output_info_details). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/output.h"
#include "tests/unit/testlib.h"
#include "util/cleanup.h"

static void test_details(void)
{
    setenv("TZ", "UTC", 1);
    tzset();
    json_error_t jerr;
    json_t *n = json_loads(
        "{\"name\":\"default\",\"mode\":\"nat\","
        "\"ips\":[{\"address\":\"192.168.122.1\",\"prefix\":24,\"family\":\"ipv4\",\"dhcp\":true},"
        "{\"address\":\"fd00::1\",\"prefix\":64,\"family\":\"ipv6\",\"dhcp\":false}],"
        "\"link\":{\"present\":true,\"up\":true,\"running\":false,\"mtu\":1500,"
        "\"counters\":{\"rx_packets\":3,\"rx_bytes\":300,\"tx_packets\":4,\"tx_bytes\":400}},"
        "\"dnsmasq\":{\"pid\":42,\"running\":true,\"up_since\":1764547200},"
        "\"ports\":[\"vnet0\",\"vnet1\"],\"forwards\":2,"
        "\"last_repair\":{\"detail\":\"bridge virbr0 was deleted or set down; restored: bridge "
        "virbr0 re-created (in 9 ms, 12 ms after it was seen)\",\"time\":1764547260},"
        "\"findings\":[{\"detail\":\"table ip filter, chain FORWARD (hook forward): policy drop "
        "drops the guests' outgoing traffic (IPv4)\",\"fix\":\"iptables -I DOCKER-USER -i virbr0 "
        "-j ACCEPT\"}]}",
        0, &jerr);
    _cleanup_free_ char *s = output_info_details(n);
    CHECK_STR(s, "Mode:           nat\n"
                 "Addresses:      192.168.122.1/24 (DHCP), fd00::1/64\n"
                 "Link:           up (no carrier), mtu 1500\n"
                 "Traffic:        rx 3 packets / 300 bytes, tx 4 packets / 400 bytes\n"
                 "dnsmasq:        pid 42, up since 2025-12-01 00:00:00\n"
                 "Ports:          vnet0, vnet1\n"
                 "Forwards:       2\n"
                 "Last repair:    2025-12-01 00:01:00: bridge virbr0 was deleted or set down; "
                 "restored: bridge virbr0 re-created (in 9 ms, 12 ms after it was seen)\n"
                 "Findings:       1 (other firewalls drop this network's traffic)\n"
                 "  - table ip filter, chain FORWARD (hook forward): policy drop drops the guests' "
                 "outgoing traffic (IPv4)\n"
                 "    fix: iptables -I DOCKER-USER -i virbr0 -j ACCEPT\n");
    json_decref(n);

    /* an inactive network: no link, dnsmasq or ports; isolated mode by name */
    n = json_loads("{\"mode\":\"none\",\"ips\":[],\"forwards\":0,\"findings\":[]}", 0, &jerr);
    _cleanup_free_ char *s2 = output_info_details(n);
    CHECK_STR(s2, "Mode:           isolated\n"
                  "Addresses:      none\n"
                  "Forwards:       0\n"
                  "Last repair:    none\n"
                  "Findings:       none\n");
    json_decref(n);

    /* a reply without details (an older daemon): nothing beyond virsh's lines */
    n = json_loads("{\"name\":\"x\"}", 0, &jerr);
    _cleanup_free_ char *s3 = output_info_details(n);
    CHECK_STR(s3, "");
    json_decref(n);
}

int main(void)
{
    test_details();
    return testlib_done("cli-info");
}
