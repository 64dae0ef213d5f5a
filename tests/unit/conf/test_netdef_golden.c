/* Golden tests for the conf layer: tests/data/conf/
 *
 *   NAME.xml + NAME.out   parse must succeed; netdef_format() must equal .out,
 *                         and formatting the re-parsed output gives the same text
 *   NAME.warn             with NAME.out: the warnings netdef_warnings() gives
 *                         (an accepted definition without it must give none)
 *   NAME.xml + NAME.err   parse must fail with exactly this message
 *   builtin-default.out   netdef_format(netdef_builtin_default())
 *   NAME.update + NAME.out|.err
 *                         net-update: "base=FILE", "command=", "section=",
 *                         "index=" lines, then the element's XML; .out is the
 *                         result, .err the message (and the base must be unchanged)
 *
 * The source name in messages is the file's base name, so .err files do not
 * depend on where the tree is. VNET_REGENERATE=1 rewrites the expectations
 * from the current output (tests/unit/testfile.h; review the diff). Every
 * parsed definition is also copied with netdef_dup(), which must format the
 * same. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/netdef.h"
#include "util/cleanup.h"
#include "util/strbuf.h"
#include "tests/unit/testfile.h"

static const char *dir;
static int failures, passed;

static char *slurp(const char *name)
{
    _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
    return test_read_file(path);
}

static char *path_of(const char *name)
{
    return xasprintf("%s/%s", dir, name);
}

static void result(bool ok, const char *name, const char *why, const char *want, const char *got)
{
    if (ok) {
        passed++;
        return;
    }
    failures++;
    fprintf(stderr, "FAIL %s: %s\n", name, why);
    if (want)
        fprintf(stderr, "---- expected\n%s---- got\n%s----\n", want, got ? got : "(null)");
}

/* The shared golden comparison (tests/unit/testfile.h: VNET_REGENERATE). */
static bool golden(const char *name, const char *file, const char *got)
{
    _cleanup_free_ char *path = path_of(file);
    bool ok = test_golden(name, path, got);
    result(ok, name, "differs from its golden file", NULL, NULL);
    return ok;
}

/* A copy made as data (netdef_dup) formats exactly as the original, and
 * owns all its memory: a copy of a copy outlives the first copy (a pointer
 * shared by mistake is a use after free, which the ASan run reports). */
static void check_dup(const char *name, const netdef *def, const char *formatted)
{
    netdef *copy = netdef_dup(def);
    netdef *copy2 = netdef_dup(copy);
    netdef_free(copy);
    _cleanup_free_ char *got = netdef_format(copy2, 0);
    netdef_free(copy2);
    result(streq(got, formatted), name, "netdef_dup() copy formats differently", formatted, got);
}

/* NAME.warn holds the warnings an accepted definition must give; without the
 * file it must give none. */
static void check_warnings(const char *name, const netdef *def)
{
    _cleanup_free_ char *warn_name = xasprintf("%.*s.warn", (int)(strlen(name) - 4), name);
    _cleanup_free_ char *have = slurp(warn_name);
    _cleanup_free_ char *got = netdef_warnings(def);
    if (have || got)
        golden(name, warn_name, got ? got : "");
}

static void check_ok(const char *name, const char *xml, const char *out_name)
{
    netdef *def = NULL, *again = NULL;
    verr err = VERR_INIT;

    if (netdef_parse_string(xml, name, &def, &err) < 0) {
        result(false, name, err.msg, NULL, NULL);
        return;
    }
    _cleanup_free_ char *got = netdef_format(def, 0);
    check_dup(name, def, got);
    check_warnings(name, def);
    netdef_free(def);
    if (!golden(name, out_name, got))
        return;
    /* the output is itself a valid definition that formats the same */
    if (netdef_parse_string(got, out_name, &again, &err) < 0) {
        result(false, out_name, err.msg, NULL, NULL);
        return;
    }
    _cleanup_free_ char *got2 = netdef_format(again, 0);
    netdef_free(again);
    result(streq(got, got2), out_name, "does not round-trip", got, got2);
}

static void check_err(const char *name, const char *xml, const char *err_name)
{
    netdef *def = NULL;
    verr err = VERR_INIT;

    if (netdef_parse_string(xml, name, &def, &err) == 0) {
        netdef_free(def);
        result(false, name, "parse succeeded, an error was expected", NULL, NULL);
        return;
    }
    _cleanup_free_ char *got = xasprintf("%s\n", err.msg);
    golden(name, err_name, got);
}

static void check_builtin(void)
{
    netdef *def = netdef_builtin_default();
    _cleanup_free_ char *got = netdef_format(def, 0);

    check_dup("builtin-default", def, got);
    netdef_free(def);
    golden("builtin-default", "builtin-default.out", got);
}

/* Split "key=value" header lines off an .update file. */
static const char *header(const char *text, const char *key, char *buf, size_t len)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p && *p != '<';
         p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (!strncmp(p, key, kl) && p[kl] == '=') {
            size_t n = strcspn(p + kl + 1, "\n");
            snprintf(buf, len, "%.*s", (int)n, p + kl + 1);
            return buf;
        }
    }
    return NULL;
}

static void check_update(const char *name, const char *text, const char *out_name,
                         const char *err_name)
{
    char base[256], cmd[64], sec[64], idx[16] = "-1";
    const char *snippet = strchr(text, '<');
    _cleanup_free_ char *want_out = slurp(out_name);
    _cleanup_free_ char *want_err = slurp(err_name);
    netdef *def = NULL;
    verr err = VERR_INIT;

    if (!header(text, "base", base, sizeof(base)) || !header(text, "command", cmd, sizeof(cmd)) ||
        !header(text, "section", sec, sizeof(sec)) || !snippet) {
        result(false, name, "needs base=, command=, section= and an element", NULL, NULL);
        return;
    }
    header(text, "index", idx, sizeof(idx));
    _cleanup_free_ char *xml = slurp(base);
    if (!xml || netdef_parse_string(xml, base, &def, &err) < 0) {
        result(false, name, xml ? err.msg : "cannot read base", NULL, NULL);
        return;
    }
    _cleanup_free_ char *before = netdef_format(def, 0);
    int r = netdef_update(def, netdef_update_cmd_from_string(cmd), netdef_section_from_string(sec),
                          atoi(idx), snippet, &err);
    _cleanup_free_ char *after = netdef_format(def, 0);
    netdef_free(def);
    if (r < 0) {
        _cleanup_free_ char *got = xasprintf("%s\n", err.msg);
        if (want_out && !test_regenerate()) {
            result(false, name, err.msg, NULL, NULL);
            return;
        }
        result(streq(before, after), name, "failed update changed the definition", before,
               after);
        golden(name, err_name, got);
        return;
    }
    if (want_err && !test_regenerate()) {
        result(false, name, "update succeeded, an error was expected", NULL, NULL);
        return;
    }
    golden(name, out_name, after);
}

static bool has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && streq(s + a - b, suf);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
    struct dirent **ents;
    int n;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    n = scandir(dir, &ents, NULL, by_name);
    if (n < 0) {
        perror(dir);
        return 2;
    }
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        if (has_suffix(name, ".update")) {
            size_t base = strlen(name) - 7;
            _cleanup_free_ char *out = xasprintf("%.*s.out", (int)base, name);
            _cleanup_free_ char *errf = xasprintf("%.*s.err", (int)base, name);
            _cleanup_free_ char *text = slurp(name);
            check_update(name, text, out, errf);
        } else if (has_suffix(name, ".xml")) {
            size_t base = strlen(name) - 4;
            _cleanup_free_ char *out = xasprintf("%.*s.out", (int)base, name);
            _cleanup_free_ char *errf = xasprintf("%.*s.err", (int)base, name);
            _cleanup_free_ char *xml = slurp(name);
            _cleanup_free_ char *have_out = slurp(out);
            _cleanup_free_ char *have_err = slurp(errf);
            if (have_err || (!have_out && strncmp(name, "bad-", 4) == 0))
                check_err(name, xml, errf);
            else
                check_ok(name, xml, out);
        }
        free(ents[i]);
    }
    free(ents);
    check_builtin();
    printf("%d golden tests passed, %d failed\n", passed, failures);
    return failures ? 1 : 0;
}
