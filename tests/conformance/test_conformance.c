/* libvirt's network XML test corpus against the conf layer.
 *
 * usage: test-conformance DATA_DIR   (../shared/conformance/libvirt)
 *
 * Reads DATA_DIR/cases.tsv and runs the networkxml2xml cases (parse, format,
 * compare byte for byte; or expect a parse failure) and the
 * networkxml2xmlupdate cases (net-update on a base network), and the
 * virnetworkportxml2xml cases (network port XML round trip). libvirt 9.9's
 * update test swaps parentIndex and flags: the edit always targets index 0
 * and the "index" ends up as the format flags (1 = inactive). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/netdef.h"
#include "conf/netport.h"
#include "util/cleanup.h"
#include "util/strbuf.h"
#include "tests/unit/testfile.h"

static const char *data_dir;
static int verbose;

static char *slurp(const char *rel)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", data_dir, rel);
    return test_read_file(path);
}

typedef struct counts {
    int cases, passed, failed;
} counts;

static bool check_output(const char *name, const char *expected_rel, const netdef *def,
                         unsigned flags)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", data_dir, expected_rel);
    _cleanup_free_ char *got = netdef_format(def, flags);

    if (test_same_as_file(name, path, got, 0))
        return true;
    fprintf(stderr, "FAIL %s: output differs from %s\n", name, expected_rel);
    return false;
}

static bool run_xml2xml(const char *input, const char *expected, bool expect_ok, const char *notes)
{
    _cleanup_free_ char *xml = slurp(input);
    unsigned flags = strstr(notes, "flags=VIR_NETWORK_XML_INACTIVE") ? NETDEF_FORMAT_INACTIVE : 0;
    netdef *def = NULL;
    verr err = VERR_INIT;
    bool ok;

    if (!xml) {
        fprintf(stderr, "FAIL %s: cannot read input\n", input);
        return false;
    }
    /* libvirt 9.9's test parses without the driver's define-time validation */
    int r = netdef_parse_string_flags(xml, input, NETDEF_PARSE_LIBVIRT_ONLY, &def, &err);
    if (!expect_ok) {
        if (r == 0) {
            fprintf(stderr, "FAIL %s: parse succeeded, failure expected\n", input);
            netdef_free(def);
            return false;
        }
        if (verbose)
            printf("  ok (refused) %s: %s\n", input, err.msg);
        return true;
    }
    if (r < 0) {
        fprintf(stderr, "FAIL %s: %s\n", input, err.msg);
        return false;
    }
    ok = check_output(input, expected, def, flags);
    /* a copy made as data (netdef_dup) is the same definition */
    netdef *copy = netdef_dup(def);
    if (ok && !check_output(input, expected, copy, flags)) {
        fprintf(stderr, "FAIL %s: the netdef_dup() copy formats differently\n", input);
        ok = false;
    }
    netdef_free(copy);
    if (verbose && netdef_validate(def, &err) < 0)
        printf("  note: %s is refused by vnet's full validation: %s\n", input, err.msg);
    netdef_free(def);
    return ok;
}

/* notes: "test=NAME; command=ADD_LAST; section=IP_DHCP_HOST; parentIndex argument=0 ..." */
static bool note_value(const char *notes, const char *key, char *buf, size_t len)
{
    const char *p = strstr(notes, key);
    size_t n;
    if (!p)
        return false;
    p += strlen(key);
    n = strcspn(p, "; (");
    if (n >= len)
        n = len - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return true;
}

static int to_lower_dash(char *s, bool dash)
{
    for (; *s; s++) {
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
        if (dash && *s == '_')
            *s = '-';
    }
    return 0;
}

static bool run_update(const char *input, const char *expected, bool expect_ok, const char *notes)
{
    char base_rel[512], upd_rel[512], cmd_s[64], sec_s[64], idx_s[64], test[128] = "?";
    const char *plus = strstr(input, " + ");
    netdef *def = NULL;
    verr err = VERR_INIT;
    bool ok;

    if (!plus || !note_value(notes, "command=", cmd_s, sizeof(cmd_s)) ||
        !note_value(notes, "section=", sec_s, sizeof(sec_s))) {
        fprintf(stderr, "FAIL %s: cannot read the case\n", input);
        return false;
    }
    note_value(notes, "test=", test, sizeof(test));
    snprintf(base_rel, sizeof(base_rel), "%.*s", (int)(plus - input), input);
    snprintf(upd_rel, sizeof(upd_rel), "%s", plus + 3);
    unsigned flags = 0;
    if (note_value(notes, "parentIndex argument=", idx_s, sizeof(idx_s)) && streq(idx_s, "1"))
        flags = NETDEF_FORMAT_INACTIVE;
    to_lower_dash(cmd_s, true);
    to_lower_dash(sec_s, true);
    int cmd =
        streq(cmd_s, "add-last") ? NETDEF_UPDATE_ADD_LAST : netdef_update_cmd_from_string(cmd_s);
    int sec = netdef_section_from_string(sec_s);
    _cleanup_free_ char *base = slurp(base_rel);
    _cleanup_free_ char *snippet = slurp(upd_rel);
    if (cmd < 0 || sec < 0 || !base || !snippet) {
        fprintf(stderr, "FAIL %s (%s): bad command/section or unreadable file\n", test, input);
        return false;
    }
    if (netdef_parse_string_flags(base, base_rel, NETDEF_PARSE_LIBVIRT_ONLY, &def, &err) < 0) {
        fprintf(stderr, "FAIL %s: base does not parse: %s\n", test, err.msg);
        return false;
    }
    _cleanup_free_ char *before = netdef_format(def, 0);
    int r = netdef_update(def, cmd, sec, 0, snippet, &err);
    if (!expect_ok) {
        _cleanup_free_ char *after = netdef_format(def, 0);
        ok = r < 0 && streq(before, after);
        if (r == 0)
            fprintf(stderr, "FAIL %s (%s): update succeeded, failure expected\n", test, input);
        else if (!ok)
            fprintf(stderr, "FAIL %s: failed update changed the definition\n", test);
        else if (verbose)
            printf("  ok (refused) %s: %s\n", test, err.msg);
    } else if (r < 0) {
        fprintf(stderr, "FAIL %s (%s): %s\n", test, input, err.msg);
        ok = false;
    } else {
        ok = check_output(test, expected, def, flags);
    }
    netdef_free(def);
    return ok;
}

/* Network port XML must round-trip unchanged. */
static bool run_port(const char *input, const char *expected, bool expect_ok)
{
    _cleanup_free_ char *xml = slurp(input);
    netport *p = NULL;
    verr err = VERR_INIT;

    if (!xml) {
        fprintf(stderr, "FAIL %s: cannot read input\n", input);
        return false;
    }
    if (netport_parse_string(xml, input, &p, &err) < 0) {
        if (!expect_ok)
            return true;
        fprintf(stderr, "FAIL %s: %s\n", input, err.msg);
        return false;
    }
    _cleanup_free_ char *got = netport_format(p);
    _cleanup_free_ char *path = xasprintf("%s/%s", data_dir, expected);
    netport_free(p);
    if (!expect_ok) {
        fprintf(stderr, "FAIL %s: parse succeeded, failure expected\n", input);
        return false;
    }
    if (!test_same_as_file(input, path, got, 0)) {
        fprintf(stderr, "FAIL %s: output differs from %s\n", input, expected);
        return false;
    }
    return true;
}

static void report(const char *corpus, const counts *c)
{
    printf("%s: %d cases, %d passed, %d failed\n", corpus, c->cases, c->passed, c->failed);
}

int main(int argc, char **argv)
{
    counts xml = {0}, upd = {0}, port = {0};
    char line[4096];
    _cleanup_fclose_ FILE *f = NULL;

    if (argc < 2) {
        fprintf(stderr, "usage: %s DATA_DIR [-v]\n", argv[0]);
        return 2;
    }
    data_dir = argv[1];
    verbose = argc > 2 && streq(argv[2], "-v");
    _cleanup_free_ char *tsv = xasprintf("%s/cases.tsv", data_dir);
    f = fopen(tsv, "re");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", tsv);
        return 2;
    }
    while (fgets(line, sizeof(line), f)) {
        char *fields[5] = {0}, *save = NULL, *p = line;
        line[strcspn(line, "\n")] = '\0';
        for (int i = 0; i < 5; i++, p = NULL)
            fields[i] = strtok_r(p, "\t", &save);
        if (!fields[3] || streq(fields[0], "corpus"))
            continue;
        bool expect_ok = streq(fields[3], "ok");
        const char *notes = fields[4] ? fields[4] : "";
        counts *c = NULL;
        bool ok = false;
        if (streq(fields[0], "networkxml2xml")) {
            c = &xml;
            ok = run_xml2xml(fields[1], fields[2], expect_ok, notes);
        } else if (streq(fields[0], "networkxml2xmlupdate")) {
            c = &upd;
            ok = run_update(fields[1], fields[2], expect_ok, notes);
        } else if (streq(fields[0], "virnetworkportxml2xml")) {
            c = &port;
            ok = run_port(fields[1], fields[2], expect_ok);
        }
        if (c) {
            c->cases++;
            ok ? c->passed++ : c->failed++;
        }
    }
    report("networkxml2xml", &xml);
    report("networkxml2xmlupdate", &upd);
    report("virnetworkportxml2xml", &port);
    int passed = xml.passed + upd.passed + port.passed;
    int failed = xml.failed + upd.failed + port.failed;
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
