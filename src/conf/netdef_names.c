/* Names the command line needs without the XML machinery: UUIDs, net-update
 * commands and sections. Kept apart from the libxml2 code so that `vnet`
 * (which links only this part of conf/) does not load libxml2 at start. */
#include <stdint.h>
#include <string.h>

#include "conf/netdef.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Accepts the canonical 8-4-4-4-12 form and, like libvirt, 32 bare hex
 * digits; surrounding whitespace is not allowed. */
int netdef_uuid_parse(const char *s, uint8_t ret[16])
{
    uint8_t u[16];
    size_t n = 0, len;

    if (!s)
        return -1;
    len = strlen(s);
    if (len != 36 && len != 32)
        return -1;
    for (size_t i = 0; i < len;) {
        if (len == 36 && (i == 8 || i == 13 || i == 18 || i == 23)) {
            if (s[i] != '-')
                return -1;
            i++;
            continue;
        }
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0 || n >= 16)
            return -1;
        u[n++] = (uint8_t)(hi << 4 | lo);
        i += 2;
    }
    if (n != 16)
        return -1;
    memcpy(ret, u, 16);
    return 0;
}

static const char *const section_names[] = {
    [NETDEF_SECTION_BRIDGE] = "bridge",
    [NETDEF_SECTION_DOMAIN] = "domain",
    [NETDEF_SECTION_IP] = "ip",
    [NETDEF_SECTION_IP_DHCP_HOST] = "ip-dhcp-host",
    [NETDEF_SECTION_IP_DHCP_RANGE] = "ip-dhcp-range",
    [NETDEF_SECTION_FORWARD] = "forward",
    [NETDEF_SECTION_FORWARD_INTERFACE] = "forward-interface",
    [NETDEF_SECTION_FORWARD_PF] = "forward-pf",
    [NETDEF_SECTION_PORTGROUP] = "portgroup",
    [NETDEF_SECTION_DNS_HOST] = "dns-host",
    [NETDEF_SECTION_DNS_TXT] = "dns-txt",
    [NETDEF_SECTION_DNS_SRV] = "dns-srv",
};

int netdef_update_cmd_from_string(const char *s)
{
    if (!s)
        return -1;
    if (streq(s, "add") || streq(s, "add-last"))
        return NETDEF_UPDATE_ADD_LAST;
    if (streq(s, "add-first"))
        return NETDEF_UPDATE_ADD_FIRST;
    if (streq(s, "delete"))
        return NETDEF_UPDATE_DELETE;
    if (streq(s, "modify"))
        return NETDEF_UPDATE_MODIFY;
    return -1;
}

const char *netdef_section_name(int section)
{
    return (unsigned)section < ARRAY_SIZE(section_names) && section_names[section]
               ? section_names[section]
               : "?";
}

int netdef_section_from_string(const char *s)
{
    for (size_t i = 0; s && i < ARRAY_SIZE(section_names); i++)
        if (streq(s, section_names[i]))
            return (int)i;
    return -1;
}
