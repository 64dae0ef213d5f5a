/* Foreign-drop analyser: golden rulesets -> findings.
 *
 * usage: test-fw-foreign DATADIR
 * DATADIR/NAME.json (a ruleset) with DATADIR/network.xml -> DATADIR/NAME.out.
 * VNET_UPDATE_GOLDEN=1 rewrites mismatching .out files.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "firewall/firewall.h"
#include "tests/unit/testfile.h"
#include "tests/unit/testlib.h"
#include "util/cleanup.h"

static const char *datadir;

static char *render(const json_t *found)
{
    strbuf b = STRBUF_INIT;
    size_t i;
    json_t *f;
    json_array_foreach(found, i, f)
    {
        strbuf_addf(&b, "%s %s: %s\n  fix: %s\n",
                    json_is_true(json_object_get(f, "certain")) ? "certain" : "maybe",
                    json_string_value(json_object_get(f, "direction")),
                    json_string_value(json_object_get(f, "detail")),
                    json_string_value(json_object_get(f, "fix")));
    }
    return strbuf_take(&b);
}

static void check_case(const netdef *def, const char *name)
{
    _cleanup_free_ char *jpath = xasprintf("%s/%s.json", datadir, name);
    _cleanup_free_ char *opath = xasprintf("%s/%s.out", datadir, name);
    json_error_t jerr;
    json_t *rs = json_load_file(jpath, 0, &jerr);
    CHECK(rs != NULL);
    if (!rs)
        return;
    fw_foreign_target t;
    CHECK(fw_foreign_target_from_def(def, "uplink", &t) == 0);
    verr err = VERR_INIT;
    json_t *found = fw_foreign_analyse(rs, &t, &err);
    CHECK(found != NULL);
    _cleanup_free_ char *got = found ? render(found) : NULL;
    _cleanup_free_ char *want = test_read_file(opath);
    testlib_checks++;
    if (!(want && got && streq(want, got))) {
        if (got && getenv("VNET_UPDATE_GOLDEN")) {
            FILE *f = fopen(opath, "w");
            fputs(got, f);
            fclose(f);
            fprintf(stderr, "updated %s\n", opath);
        } else {
            testlib_failures++;
            fprintf(stderr, "%s: findings differ\n--- want\n%s--- got\n%s---\n", opath,
                    want ? want : "(missing)\n", got ? got : "(null)\n");
        }
    }
    json_decref(found);
    json_decref(rs);
    fw_foreign_target_clear(&t);
}

static void check_bad_input(const netdef *def)
{
    fw_foreign_target t;
    fw_foreign_target_from_def(def, NULL, &t);
    verr err = VERR_INIT;
    json_t *not_rs = json_pack("{s:i}", "tables", 1);
    CHECK(fw_foreign_analyse(not_rs, &t, &err) == NULL);
    CHECK(strstr(err.msg, "\"nftables\"") != NULL);
    json_decref(not_rs);
    fw_foreign_target_clear(&t);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATADIR\n", argv[0]);
        return 2;
    }
    datadir = argv[1];
    _cleanup_free_ char *xml = xasprintf("%s/network.xml", datadir);
    netdef *def = NULL;
    verr err = VERR_INIT;
    if (netdef_parse_file(xml, &def, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    DIR *d = opendir(datadir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        _cleanup_free_ char *name = strndup(e->d_name, len - 5);
        check_case(def, name);
        n++;
    }
    if (d)
        closedir(d);
    CHECK(n >= 7);
    check_bad_input(def);
    netdef_free(def);
    return testlib_done("firewall-foreign");
}
