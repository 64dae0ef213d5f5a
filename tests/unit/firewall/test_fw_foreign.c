/* Foreign-drop analyser: golden rulesets -> findings.
 *
 * usage: test-fw-foreign DATADIR
 * DATADIR/NAME.json (a ruleset) with DATADIR/network.xml -> DATADIR/NAME.out.
 * VNET_REGENERATE=1 rewrites the .out files (tests/unit/testfile.h).
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
    testlib_checks++;
    if (!got || !test_golden(name, opath, got))
        testlib_failures++;
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

static json_t *load(const char *name)
{
    _cleanup_free_ char *path = xasprintf("%s/%s.json", datadir, name);
    json_error_t jerr;
    return json_load_file(path, 0, &jerr);
}

/* --coexist=docker: accept rules go into DOCKER-USER once, and come out by handle. */
static void check_docker_plan(void)
{
    json_t *docker = load("docker");
    json_t *done = load("docker-coexist");
    json_t *hand = load("handwritten");
    _cleanup_free_ char *plan = fw_foreign_docker_plan(docker, "virbr0");
    CHECK_STR(plan, "insert rule ip filter DOCKER-USER iifname \"virbr0\" counter accept comment "
                    "\"vnet:virbr0 in\"\n"
                    "insert rule ip filter DOCKER-USER oifname \"virbr0\" counter accept comment "
                    "\"vnet:virbr0 out\"\n");
    CHECK(fw_foreign_docker_plan(done, "virbr0") == NULL);
    CHECK(fw_foreign_docker_plan(hand, "virbr0") == NULL);
    _cleanup_free_ char *other = fw_foreign_docker_plan(done, "virbr1");
    CHECK(other && strstr(other, "\"vnet:virbr1 in\""));
    _cleanup_free_ char *unplan = fw_foreign_docker_unplan(done, "virbr0");
    CHECK_STR(unplan, "delete rule ip filter DOCKER-USER handle 18\n"
                      "delete rule ip filter DOCKER-USER handle 17\n");
    CHECK(fw_foreign_docker_unplan(docker, "virbr0") == NULL);
    CHECK(fw_foreign_docker_plan(docker, "bad\"name") == NULL);
    json_decref(docker);
    json_decref(done);
    json_decref(hand);
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
    check_docker_plan();
    netdef_free(def);
    return testlib_done("firewall-foreign");
}
