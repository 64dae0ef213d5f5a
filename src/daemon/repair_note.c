/* What a repair changed, for its event: a look at the network's pieces
 * before and after network_adopt (bridge present and up, forwarding sysctls,
 * dnsmasq's pid), turned into a list of what was restored and how long it
 * took from the drift being seen. */
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/events.h"
#include "netdev/netdev.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

void repair_note_take(const vnet_net *net, repair_note *p)
{
    memset(p, 0, sizeof(*p));
    const char *br = net->live ? net->live->bridge_name : NULL;
    netdev_link link;
    verr err = VERR_INIT;
    if (br && netdev_link_get(br, &link, &err) == 1) {
        p->bridge_present = true;
        p->bridge_up = link.up;
    }
    verr_clear(&err);
    if (netdev_sysctl_read("net/ipv4/ip_forward", p->fwd4, sizeof(p->fwd4), &err) < 0)
        p->fwd4[0] = '\0';
    verr_clear(&err);
    if (netdev_sysctl_read("net/ipv6/conf/all/forwarding", p->fwd6, sizeof(p->fwd6), &err) < 0)
        p->fwd6[0] = '\0';
    p->dnsmasq_pid = net->run.dnsmasq_pid;
}

static void note_add(json_t *arr, strbuf *text, const char *what)
{
    json_array_append_new(arr, json_string(what));
    strbuf_addf(text, "%s%s", text->len ? ", " : "", what);
}

void repair_note_emit(vnetd *d, vnet_net *net, const char *reason, const repair_note *before,
                      bool firewall_restored, long long repair_ms, long long since_seen_ms)
{
    repair_note after;
    repair_note_take(net, &after);
    json_t *restored = json_array();
    strbuf text = STRBUF_INIT;
    const char *br = net->live->bridge_name;
    _cleanup_free_ char *s = NULL;
    if (!before->bridge_present && after.bridge_present)
        note_add(restored, &text, (s = xasprintf("bridge %s re-created", br)));
    else if (!before->bridge_up && after.bridge_up)
        note_add(restored, &text, (s = xasprintf("bridge %s brought up", br)));
    if (firewall_restored)
        note_add(restored, &text, "nftables table re-installed");
    if (!streq(before->fwd4, after.fwd4) && streq(after.fwd4, "1"))
        note_add(restored, &text, "net.ipv4.ip_forward=1");
    if (!streq(before->fwd6, after.fwd6) && streq(after.fwd6, "1"))
        note_add(restored, &text, "net.ipv6.conf.all.forwarding=1");
    bool dnsmasq_new = after.dnsmasq_pid > 0 && after.dnsmasq_pid != before->dnsmasq_pid;
    if (dnsmasq_new)
        note_add(restored, &text, "dnsmasq restarted");
    if (text.len == 0)
        strbuf_add(&text, "addresses, routes or rules");
    _cleanup_free_ char *detail =
        xasprintf("%s; restored: %s (in %lld ms, %lld ms after it was seen)", reason,
                  strbuf_str(&text), repair_ms, since_seen_ms);
    json_t *data =
        json_pack("{s:s, s:o, s:I, s:I}", "drift", reason, "restored", restored, "repair_ms",
                  (json_int_t)repair_ms, "since_seen_ms", (json_int_t)since_seen_ms);
    vnet_event ev = {
        .type = VNET_EV_REPAIRED, .network = net->name, .detail = detail, .data = data};
    memcpy(ev.uuid, net->uuid, 16);
    events_emit(d, &ev);
    json_decref(data);
    free(net->last_repair);
    net->last_repair = xstrdup(detail);
    net->last_repair_time = time(NULL);
    strbuf_free(&text);
    if (dnsmasq_new) {
        _cleanup_free_ char *dd =
            before->dnsmasq_pid > 0 ? xasprintf("dnsmasq restarted (pid %d, was %d)",
                                                (int)after.dnsmasq_pid, (int)before->dnsmasq_pid)
                                    : xasprintf("dnsmasq started (pid %d)", (int)after.dnsmasq_pid);
        json_t *dj = json_pack("{s:i, s:i}", "pid", (int)after.dnsmasq_pid, "old_pid",
                               (int)before->dnsmasq_pid);
        vnet_event de = {
            .type = VNET_EV_DNSMASQ_RESTARTED, .network = net->name, .detail = dd, .data = dj};
        memcpy(de.uuid, net->uuid, 16);
        events_emit(d, &de);
        json_decref(dj);
    }
}
