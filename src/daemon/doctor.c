/* `vnet doctor [NET] [--fix]`: checks of the host and of each network, each
 * with a verdict (ok / warning / broken), the evidence, and the fix. The
 * per-network checks are in doctor_net.c; this file has the host-wide ones,
 * the op, and --fix (repair what vnet owns, then check again).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "daemon/daemon.h"
#include "daemon/doctor.h"
#include "firewall/firewall.h"
#include "proto/proto.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

static const char *const verdict_names[] = {"ok", "warning", "broken"};

void doctor_add(json_t *checks, const char *network, const char *name, doctor_verdict v,
                const char *evidence, const char *fix)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "check", name, "verdict", verdict_names[v], "evidence",
                          evidence ? evidence : "");
    json_object_set_new(o, "network", network ? json_string(network) : json_null());
    json_object_set_new(o, "fix", fix ? json_string(fix) : json_null());
    json_array_append_new(checks, o);
}

void doctor_addf(json_t *checks, const char *network, const char *name, doctor_verdict v,
                 const char *fix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf b = STRBUF_INIT;
    strbuf_vaddf(&b, fmt, ap);
    va_end(ap);
    doctor_add(checks, network, name, v, strbuf_str(&b), fix);
    strbuf_free(&b);
}

static void check_daemon(vnetd *d, json_t *checks)
{
    doctor_addf(checks, NULL, "daemon", DOCTOR_OK, NULL, "vnetd %s answers on %s (pid %d)",
                VNET_VERSION, d->paths.socket_path, (int)getpid());
}

static void check_nftables(vnetd *d, json_t *checks)
{
    verr err = VERR_INIT;
    if (readiness_nftables(&err) < 0) {
        const char *remedy = strstr(err.msg, "Remedy: ");
        doctor_add(checks, NULL, "nftables", DOCTOR_BROKEN, err.msg,
                   remedy ? remedy + strlen("Remedy: ") : NULL);
        return;
    }
    doctor_add(checks, NULL, "nftables", DOCTOR_OK, "nf_tables answers and accepts vnet's requests",
               NULL);
    if (readiness_state_dirs(&d->paths, &err) < 0)
        doctor_add(checks, NULL, "state directories", DOCTOR_BROKEN, err.msg, NULL);
}

/* iptables-legacy: its tables are x_tables, not nf_tables. vnet reads the
 * IPv4 filter table (fw_legacy.c; its drops are among the foreign drops);
 * any other legacy table applies too but is not read. */
static void check_iptables_legacy(json_t *checks)
{
    static const char *const files[] = {"/proc/net/ip_tables_names", "/proc/net/ip6_tables_names"};
    strbuf names = STRBUF_INIT;
    bool filter4 = false;
    for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
        _cleanup_fclose_ FILE *f = fopen(files[i], "re");
        char line[64];
        while (f && fgets(line, sizeof(line), f)) {
            line[strcspn(line, "\n")] = '\0';
            if (i == 0 && streq(line, "filter")) {
                filter4 = true;
                continue;
            }
            strbuf_addf(&names, "%s%s %s", names.len ? ", " : "", i ? "ip6" : "ip", line);
        }
    }
    if (names.len)
        doctor_addf(checks, NULL, "iptables-legacy", DOCTOR_WARNING,
                    "list them with iptables-legacy-save and ip6tables-legacy-save; move the rules "
                    "to nftables (iptables-nft) so vnet can check them, or make sure they accept "
                    "the networks' bridges",
                    "iptables-legacy tables are loaded that vnet does not read (%s): their rules "
                    "apply too",
                    strbuf_str(&names));
    else
        doctor_add(checks, NULL, "iptables-legacy", DOCTOR_OK,
                   filter4 ? "iptables-legacy's filter table is loaded; its rules are checked "
                             "with nftables' (foreign drops)"
                           : "no iptables-legacy tables loaded",
                   NULL);
    strbuf_free(&names);
}

static json_t *run_checks(vnetd *d, vnet_net *only, bool probe)
{
    json_t *checks = json_array();
    check_daemon(d, checks);
    check_nftables(d, checks);
    check_iptables_legacy(checks);
    for (size_t i = 0; i < d->n_nets; i++)
        if (!only || d->nets[i] == only)
            doctor_check_network(d, d->nets[i], checks, probe);
    return checks;
}

static doctor_verdict worst_of(const json_t *checks)
{
    doctor_verdict worst = DOCTOR_OK;
    size_t i;
    json_t *c;
    json_array_foreach(checks, i, c)
    {
        const char *v = json_string_value(json_object_get(c, "verdict"));
        for (int k = DOCTOR_BROKEN; k > (int)worst; k--)
            if (streq(v, verdict_names[k]))
                worst = (doctor_verdict)k;
    }
    return worst;
}

/* --fix: what vnet owns is repaired now (bridge, addresses, sysctls, its
 * table, dnsmasq), and Docker's drops get DOCKER-USER rules; other
 * firewalls' fixes stay with their owners (the checks print them). */
static json_t *apply_fixes(vnetd *d, vnet_net *only)
{
    json_t *done = json_array();
    for (size_t i = 0; i < d->n_nets; i++) {
        vnet_net *n = d->nets[i];
        if ((only && n != only) || !net_active(n))
            continue;
        n->fw_dirty = true;
        memset(n->repair_times, 0, sizeof(n->repair_times));
        reconcile_repair_now(d, n, "vnet doctor --fix");
        json_array_append_new(done, json_sprintf("network '%s': re-applied", n->name));
    }
    if (doctor_fix_docker(d, only) > 0)
        json_array_append_new(done, json_string("other firewalls told to accept the networks' "
                                                "traffic (Docker's DOCKER-USER, firewalld's "
                                                "vnet zone)"));
    foreign_scan_now(d);
    return done;
}

/* fix and probe change the host for a moment: root-only ops (doctor-fix,
 * doctor-probe); plain doctor only reads. */
static json_t *doctor_run(vnetd *d, json_t *req, bool fix, bool probe, verr *err)
{
    const char *name = proto_get_str_opt(req, "name");
    vnet_net *only = NULL;
    if (name && !(only = registry_get(d, name, err)))
        return NULL;
    foreign_scan_now(d);
    json_t *r = proto_reply_ok();
    if (fix)
        json_object_set_new(r, "fixed", apply_fixes(d, only));
    json_t *checks = run_checks(d, only, probe);
    json_object_set_new(r, "worst", json_string(verdict_names[worst_of(checks)]));
    json_object_set_new(r, "checks", checks);
    return r;
}

json_t *op_doctor(vnetd *d, json_t *req, verr *err)
{
    return doctor_run(d, req, false, false, err);
}

json_t *op_doctor_probe(vnetd *d, json_t *req, verr *err)
{
    return doctor_run(d, req, false, true, err);
}

json_t *op_doctor_fix(vnetd *d, json_t *req, verr *err)
{
    return doctor_run(d, req, true, true, err);
}
