/* Conformance: libvirt's networkxml2confdata, read in place from the shared
 * corpus. Every `networkxml2conf` row of cases.tsv: parse the XML, plan in
 * libvirt_compat mode (state dir /var/lib/libvirt/dnsmasq, no pid file) and
 * compare byte for byte with the expected .conf and .hostsfile (no .hostsfile
 * means ours must be empty). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/netdef.h"
#include "dnsmasq/dnsmasq.h"
#include "util/cleanup.h"
#include "util/strbuf.h"
#include "tests/unit/testfile.h"


/* One case: input XML path and expected files (";"-separated). */
static bool run_case(const char *dir, const char *input, const char *expected)
{
    _cleanup_free_ char *xml = xasprintf("%s/%s", dir, input);
    _cleanup_free_ char *exp = xstrdup(expected);
    char *want_conf_path = strtok(exp, ";");
    char *want_hosts_path = strtok(NULL, ";");
    _cleanup_free_ char *conf_path = xasprintf("%s/%s", dir, want_conf_path);
    _cleanup_free_ char *hosts_path =
        want_hosts_path ? xasprintf("%s/%s", dir, want_hosts_path) : NULL;
    netdef *def = NULL;
    verr err = VERR_INIT;
    if (netdef_parse_file(xml, &def, &err) < 0) {
        fprintf(stderr, "FAIL %s: parse: %s\n", input, err.msg);
        return false;
    }
    dnsmasq_plan_opts opts = {.state_dir = "/var/lib/libvirt/dnsmasq", .libvirt_compat = true};
    dnsmasq_plan plan = {0};
    bool ok = false;
    if (dnsmasq_plan_build(def, &opts, &plan, &err) < 0) {
        fprintf(stderr, "FAIL %s: plan: %s\n", input, err.msg);
    } else {
        /* libvirt's data: compared, never regenerated (tests/unit/testfile.h) */
        bool c = test_same_as_file(input, conf_path, plan.conf, 0);
        bool h = hosts_path ? test_same_as_file(input, hosts_path, plan.hostsfile, 0)
                            : !plan.hostsfile || !*plan.hostsfile;
        if (!h && !hosts_path)
            fprintf(stderr, "%s: hosts file expected empty, got:\n%s", input, plan.hostsfile);
        ok = c && h;
        if (!ok)
            fprintf(stderr, "FAIL %s\n", input);
    }
    dnsmasq_plan_free(&plan);
    netdef_free(def);
    return ok;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s CONFORMANCE_DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    _cleanup_free_ char *tsv_path = xasprintf("%s/cases.tsv", dir);
    _cleanup_fclose_ FILE *tsv = fopen(tsv_path, "re");
    if (!tsv) {
        perror(tsv_path);
        return 1;
    }
    _cleanup_free_ char *line = NULL;
    size_t cap = 0;
    unsigned passed = 0, failed = 0;
    while (getline(&line, &cap, tsv) >= 0) {
        char *save = NULL;
        char *corpus = strtok_r(line, "\t\n", &save);
        char *input = strtok_r(NULL, "\t\n", &save);
        char *expected = strtok_r(NULL, "\t\n", &save);
        char *expect = strtok_r(NULL, "\t\n", &save);
        if (!corpus || !streq(corpus, "networkxml2conf") || !input || !expected)
            continue;
        if (expect && !streq(expect, "ok"))
            continue;
        if (run_case(dir, input, expected)) {
            passed++;
            printf("ok   %s\n", input);
        } else {
            failed++;
        }
    }
    printf("networkxml2conf: %u cases\n", passed + failed);
    printf("%u passed, %u failed\n", passed, failed);
    return failed || passed == 0 ? 1 : 0;
}
