/* `vnet info`: the lines after virsh's six (see output_info): mode,
 * addresses, the bridge's link state, dnsmasq, ports, forwards, traffic, the
 * last repair and the current foreign-firewall findings. Pure function of the
 * reply (plus the local time zone). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/output.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static void line(strbuf *b, const char *label, const char *value)
{
    strbuf_addf(b, "%-15s %s\n", label, value);
}

static void local_time(long long t, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm) || strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        snprintf(buf, len, "%lld", t);
}

static void info_addresses(strbuf *b, json_t *n)
{
    strbuf v = STRBUF_INIT;
    size_t i;
    json_t *ip;
    json_array_foreach(json_object_get(n, "ips"), i, ip)
    {
        strbuf_addf(&v, "%s%s/%lld%s", v.len ? ", " : "",
                    json_string_value(json_object_get(ip, "address")),
                    (long long)json_integer_value(json_object_get(ip, "prefix")),
                    json_is_true(json_object_get(ip, "dhcp")) ? " (DHCP)" : "");
    }
    line(b, "Addresses:", v.len ? strbuf_str(&v) : "none");
    strbuf_free(&v);
}

static void info_link(strbuf *b, json_t *link)
{
    if (!json_is_object(link))
        return;
    if (!json_is_true(json_object_get(link, "present"))) {
        line(b, "Link:", "missing");
        return;
    }
    _cleanup_free_ char *v =
        xasprintf("%s%s, mtu %lld", json_is_true(json_object_get(link, "up")) ? "up" : "down",
                  json_is_true(json_object_get(link, "running")) ? " (carrier)" : " (no carrier)",
                  (long long)json_integer_value(json_object_get(link, "mtu")));
    line(b, "Link:", v);
    json_t *c = json_object_get(link, "counters");
    if (json_is_object(c)) {
        _cleanup_free_ char *t =
            xasprintf("rx %lld packets / %lld bytes, tx %lld packets / %lld bytes",
                      (long long)json_integer_value(json_object_get(c, "rx_packets")),
                      (long long)json_integer_value(json_object_get(c, "rx_bytes")),
                      (long long)json_integer_value(json_object_get(c, "tx_packets")),
                      (long long)json_integer_value(json_object_get(c, "tx_bytes")));
        line(b, "Traffic:", t);
    }
}

static void info_dnsmasq(strbuf *b, json_t *dm)
{
    if (!json_is_object(dm)) {
        if (json_is_null(dm))
            line(b, "dnsmasq:", "none");
        return;
    }
    long long pid = json_integer_value(json_object_get(dm, "pid"));
    json_t *since = json_object_get(dm, "up_since");
    char when[64] = "";
    if (json_is_integer(since))
        local_time(json_integer_value(since), when, sizeof(when));
    _cleanup_free_ char *v =
        !json_is_true(json_object_get(dm, "running"))
            ? xasprintf("pid %lld, not running", pid)
            : (*when ? xasprintf("pid %lld, up since %s", pid, when) : xasprintf("pid %lld", pid));
    line(b, "dnsmasq:", v);
}

static void info_ports(strbuf *b, json_t *ports)
{
    if (!json_is_array(ports))
        return;
    strbuf v = STRBUF_INIT;
    size_t i;
    json_t *p;
    json_array_foreach(ports, i, p)
        strbuf_addf(&v, "%s%s", v.len ? ", " : "", json_string_value(p));
    line(b, "Ports:", v.len ? strbuf_str(&v) : "none");
    strbuf_free(&v);
}

static void info_findings(strbuf *b, json_t *found)
{
    size_t n = json_array_size(found);
    if (n == 0) {
        line(b, "Findings:", "none");
        return;
    }
    _cleanup_free_ char *count = xasprintf("%zu (other firewalls drop this network's traffic)", n);
    line(b, "Findings:", count);
    size_t i;
    json_t *f;
    json_array_foreach(found, i, f)
    {
        strbuf_addf(b, "  - %s\n    fix: %s\n", json_string_value(json_object_get(f, "detail")),
                    json_string_value(json_object_get(f, "fix")));
    }
}

char *output_info_details(json_t *n)
{
    strbuf b = STRBUF_INIT;
    const char *mode = json_string_value(json_object_get(n, "mode"));
    if (!mode) /* a reply without details: virsh's six lines only */
        return strbuf_take(&b);
    line(&b, "Mode:", streq(mode, "none") ? "isolated" : mode);
    info_addresses(&b, n);
    info_link(&b, json_object_get(n, "link"));
    info_dnsmasq(&b, json_object_get(n, "dnsmasq"));
    info_ports(&b, json_object_get(n, "ports"));
    _cleanup_free_ char *fw =
        xasprintf("%lld", (long long)json_integer_value(json_object_get(n, "forwards")));
    line(&b, "Forwards:", fw);
    json_t *lr = json_object_get(n, "last_repair");
    if (json_is_object(lr)) {
        char when[64];
        local_time(json_integer_value(json_object_get(lr, "time")), when, sizeof(when));
        _cleanup_free_ char *v =
            xasprintf("%s: %s", when, json_string_value(json_object_get(lr, "detail")));
        line(&b, "Last repair:", v);
    } else {
        line(&b, "Last repair:", "none");
    }
    info_findings(&b, json_object_get(n, "findings"));
    return strbuf_take(&b);
}
