/* dnsmasq health, the pure parts: the process state from /proc, and a DNS
 * probe that dnsmasq answers itself. A CHAOS-class TXT query for
 * "version.bind" is never forwarded upstream: dnsmasq answers it from its own
 * main loop (or refuses it), so any reply shows that loop is turning, and a
 * missing one that it is wedged, whatever the upstream does. */
#include <stdio.h>
#include <string.h>

#include "dnsmasq/dnsmasq.h"
#include "util/cleanup.h"

char dnsmasq_proc_state(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    /* "pid (comm) S ...": comm may hold spaces and parentheses, so from the last ')' */
    const char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ' || !p[2])
        return 0;
    return p[2];
}

bool dnsmasq_state_unhealthy(char state)
{
    return state == 'T' || state == 't' || state == 'Z' || state == 'X';
}

size_t dnsmasq_probe_query(uint8_t *buf, size_t len, uint16_t id)
{
    static const uint8_t question[] = {7,   'v', 'e', 'r', 's', 'i', 'o', 'n',         4,
                                       'b', 'i', 'n', 'd', 0,   0,   16,  /* TXT */ 0, 3 /* CH */};
    if (len < 12 + sizeof(question))
        return 0;
    memset(buf, 0, 12);
    buf[0] = (uint8_t)(id >> 8);
    buf[1] = (uint8_t)id;
    buf[2] = 0x01; /* RD */
    buf[5] = 1;    /* QDCOUNT */
    memcpy(buf + 12, question, sizeof(question));
    return 12 + sizeof(question);
}

bool dnsmasq_probe_reply_ok(const uint8_t *buf, size_t len, uint16_t id)
{
    return len >= 12 && buf[0] == (uint8_t)(id >> 8) && buf[1] == (uint8_t)id && (buf[2] & 0x80);
}
