/* Unit tests for proto/: message builders, request parsing, framing limits, and
 * a full proto_call round trip against a tiny in-process server. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto/proto.h"
#include "proto/proto_ops.h"
#include "tests/unit/testfile.h"
#include "tests/unit/testlib.h"
#include "util/cleanup.h"

static void test_builders(void)
{
    json_t *ok = proto_reply_ok();
    size_t len;
    char *s = proto_dump(ok, &len);
    CHECK_STR(s, "{\"ok\":true}");
    CHECK(len == strlen(s));
    free(s);
    json_decref(ok);

    verr err = VERR_INIT;
    verr_set(&err, VERR_NOT_FOUND, "Network not found: no network with matching name '%s'", "x");
    json_t *e = proto_reply_error(&err);
    CHECK_STR(json_string_value(json_object_get(e, "error")),
              "Network not found: no network with matching name 'x'");
    CHECK_STR(json_string_value(json_object_get(e, "kind")), "not-found");
    CHECK(json_is_false(json_object_get(e, "ok")));
    json_decref(e);

    CHECK(proto_kind_from_name("not-found") == VERR_NOT_FOUND);
    CHECK(proto_kind_from_name("busy") == VERR_BUSY);
    CHECK(proto_kind_from_name("unsupported") == VERR_UNSUPPORTED);
    CHECK(proto_kind_from_name("bogus") == VERR_INTERNAL);

    json_t *req = proto_request("info");
    json_object_set_new(req, "name", json_string("lab"));
    json_object_set_new(req, "inactive", json_true());
    json_object_set_new(req, "parent_index", json_integer(2));
    CHECK_STR(proto_get_str(req, "name", &err), "lab");
    CHECK(proto_get_str(req, "xml", &err) == NULL);
    CHECK_STR(err.msg, "request field 'xml' is missing or not a string");
    CHECK(proto_get_str_opt(req, "mac") == NULL);
    CHECK(proto_get_bool(req, "inactive", false));
    CHECK(!proto_get_bool(req, "live", false));
    CHECK(proto_get_int(req, "parent_index", -1) == 2);
    CHECK(proto_get_int(req, "name", -1) == -1);
    json_decref(req);
}

/* Requests against the field tables: each bad one with the exact error. */
static void test_schema(void)
{
    static const struct {
        const char *json, *error; /* error NULL: valid */
    } cases[] = {
        {"{\"op\":\"ping\"}", NULL},
        {"{\"op\":\"frob\"}", "unknown operation 'frob'"},
        {"{\"op\":\"start\"}", "request field 'name' of 'start' is missing"},
        {"{\"op\":\"start\",\"name\":7}", "request field 'name' of 'start' must be a string"},
        {"{\"op\":\"start\",\"name\":\"a\",\"x\":1}", "operation 'start' has no field 'x'"},
        {"{\"op\":\"dumpxml\",\"name\":\"a\",\"inactive\":null}", NULL},
        {"{\"op\":\"update\",\"name\":\"a\",\"command\":\"add\",\"section\":\"ip\","
         "\"xml\":\"<ip/>\",\"parent_index\":4611686018427387904}",
         "request field 'parent_index' of 'update' is out of range: 4611686018427387904 "
         "(allowed: -1 to 2147483647)"},
        {"{\"op\":\"update\",\"name\":\"a\",\"command\":\"add\",\"section\":\"ip\","
         "\"xml\":\"<ip/>\",\"parent_index\":-2}",
         "request field 'parent_index' of 'update' is out of range: -2 (allowed: -1 to "
         "2147483647)"},
        {"{\"op\":\"update\",\"name\":\"a\",\"command\":\"add\",\"section\":\"ip\","
         "\"xml\":\"<ip/>\",\"parent_index\":1.5}",
         "request field 'parent_index' of 'update' must be an integer"},
        {"{\"op\":\"forward-add\",\"name\":\"a\",\"proto\":\"tcp\",\"port\":8080,"
         "\"to_addr\":\"10.0.0.2\"}",
         NULL},
        {"{\"op\":\"forward-add\",\"name\":\"a\",\"proto\":\"sctp\",\"port\":8080,"
         "\"to_addr\":\"10.0.0.2\"}",
         "request field 'proto' of 'forward-add': protocol must be 'tcp' or 'udp', not 'sctp'"},
        {"{\"op\":\"forward-add\",\"name\":\"a\",\"proto\":\"udp\",\"port\":65536,"
         "\"to_addr\":\"10.0.0.2\"}",
         "request field 'port' of 'forward-add' is out of range: 65536 (allowed: 1 to 65535)"},
        {"{\"op\":\"forward-del\",\"name\":\"a\",\"proto\":\"udp\"}",
         "request field 'port' of 'forward-del' is missing"},
        /* issue 10's operations: ports and metadata */
        {"{\"op\":\"port-list\",\"name\":\"a\"}", NULL},
        {"{\"op\":\"port-dumpxml\",\"name\":\"a\"}",
         "request field 'uuid' of 'port-dumpxml' is missing"},
        {"{\"op\":\"port-delete\",\"name\":\"a\",\"uuid\":\"u\"}", NULL},
        {"{\"op\":\"port-create\",\"name\":\"a\",\"xml\":\"<networkport/>\","
         "\"source\":\"p.xml\",\"reclaim\":true}",
         NULL},
        {"{\"op\":\"port-create\",\"name\":\"a\",\"xml\":\"<networkport/>\","
         "\"reclaim\":1}",
         "request field 'reclaim' of 'port-create' must be true or false"},
        {"{\"op\":\"metadata-get\",\"name\":\"a\",\"type\":\"element\","
         "\"uri\":\"http://x/\",\"config\":false}",
         NULL},
        {"{\"op\":\"metadata-get\",\"name\":\"a\"}",
         "request field 'type' of 'metadata-get' is missing"},
        {"{\"op\":\"metadata-set\",\"name\":\"a\",\"type\":\"element\",\"value\":\"<x/>\","
         "\"key\":\"k\",\"uri\":\"http://x/\",\"live\":true,\"config\":true}",
         NULL},
        {"{\"op\":\"metadata-set\",\"name\":\"a\",\"type\":\"title\",\"value\":null}", NULL},
        {"{\"op\":\"metadata-set\",\"name\":\"a\",\"type\":\"title\",\"inactive\":true}",
         "operation 'metadata-set' has no field 'inactive'"},
    };
    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        json_t *req = json_loads(cases[i].json, 0, NULL);
        CHECK(req != NULL);
        verr err = VERR_INIT;
        int r = proto_validate(req, NULL, &err);
        if (cases[i].error) {
            CHECK(r < 0);
            CHECK_STR(err.msg, cases[i].error);
        } else {
            CHECK(r == 0);
        }
        json_decref(req);
    }
    /* Builders refuse what the table refuses, before anything is sent. */
    verr err = VERR_INIT;
    json_t *req = proto_request("update");
    CHECK(proto_set_int(req, "parent_index", 1LL << 62, &err) < 0);
    CHECK(json_object_get(req, "parent_index") == NULL);
    CHECK(proto_set_int(req, "parent_index", 3, &err) == 0);
    CHECK(proto_set_str(req, "nonsense", "x", &err) < 0);
    CHECK_STR(err.msg, "operation 'update' has no field 'nonsense'");
    json_decref(req);
    CHECK(proto_ipproto_parse("tcp", NULL) == 6 && proto_ipproto_parse("udp", NULL) == 17);
    CHECK(proto_ipproto_parse("TCP", NULL) < 0);
}

static void test_parse(void)
{
    verr err = VERR_INIT;
    json_t *j = NULL;
    const char *good = "{\"op\":\"list\"}";
    CHECK(proto_parse_request(good, strlen(good), &j, &err) == 0);
    json_decref(j);
    const char *bad[] = {"",
                         "{",
                         "[1,2]",
                         "\"op\"",
                         "{\"op\":1}",
                         "{\"name\":\"x\"}",
                         "{\"op\":\"a\",\"op\":\"b\"}",
                         "{\"op\":\"list\"} trailing"};
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
        verr_clear(&err);
        CHECK(proto_parse_request(bad[i], strlen(bad[i]), &j, &err) == -1);
        CHECK(err.kind == VERR_INVALID);
        CHECK(strncmp(err.msg, "malformed request", 17) == 0);
    }
    /* Embedded NUL bytes are refused, not truncated. */
    const char nul[] = "{\"op\":\"li\0st\"}";
    CHECK(proto_parse_request(nul, sizeof(nul) - 1, &j, &err) == -1);

    const char *reply = "{\"ok\":false,\"error\":\"x\"}";
    CHECK(proto_parse_reply(reply, strlen(reply), &j, &err) == 0);
    json_decref(j);
    CHECK(proto_parse_reply("{}", 2, &j, &err) == -1);
}

static void test_framing(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
    verr err = VERR_INIT;
    strbuf b = STRBUF_INIT;
    CHECK(proto_read_some(sv[0], &b, 100, &err) == 0); /* nothing yet */
    CHECK(write(sv[1], "{\"op\":", 6) == 6);
    CHECK(proto_read_some(sv[0], &b, 100, &err) == 0);
    CHECK(write(sv[1], "\"ping\"}", 7) == 7);
    shutdown(sv[1], SHUT_WR);
    CHECK(proto_read_some(sv[0], &b, 100, &err) == 1);
    CHECK_STR(strbuf_str(&b), "{\"op\":\"ping\"}");
    strbuf_free(&b);
    close(sv[0]);
    close(sv[1]);

    /* Size limit: more than max bytes is an error, not a buffer overrun. */
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
    char big[300];
    memset(big, 'x', sizeof(big));
    CHECK(write(sv[1], big, sizeof(big)) == (ssize_t)sizeof(big));
    CHECK(proto_read_some(sv[0], &b, 256, &err) == -1);
    CHECK(strstr(err.msg, "too large") != NULL);
    CHECK(b.len <= 256);
    strbuf_free(&b);

    /* proto_read_all honours its deadline when the peer never finishes. */
    long long t0 = proto_now_ms();
    char *out = NULL;
    CHECK(proto_read_all(sv[0], 1000, proto_now_ms() + 100, &out, NULL, &err) == -1);
    CHECK(strstr(err.msg, "timed out") != NULL);
    CHECK(proto_now_ms() - t0 < 2000);
    close(sv[0]);
    close(sv[1]);

    /* Writing to a closed peer is an error (EPIPE), not a SIGPIPE. */
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
    close(sv[1]);
    size_t off = 0;
    CHECK(proto_write_some(sv[0], "abc", 3, &off, &err) == -1);
    close(sv[0]);
}

/* A one-shot server in a child process: reads one request, answers `reply`
 * (or, for NULL, echoes the request's op back as {"ok":true,"op":...}). */
static pid_t serve_once(const char *path, const char *reply)
{
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, path);
    unlink(path);
    if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 4) < 0) {
        perror("bind");
        exit(1);
    }
    pid_t pid = fork();
    if (pid == 0) {
        alarm(10);
        int c = accept(lfd, NULL, NULL);
        char *buf = NULL;
        size_t len;
        verr err = VERR_INIT;
        if (proto_read_all(c, PROTO_MAX_MSG, proto_now_ms() + 5000, &buf, &len, &err) < 0)
            _exit(2);
        char *out;
        if (reply) {
            out = strdup(reply);
        } else {
            json_t *req = NULL;
            json_t *r;
            if (proto_parse_request(buf, len, &req, &err) < 0) {
                r = proto_reply_error(&err);
            } else {
                r = proto_reply_ok();
                json_object_set(r, "op", json_object_get(req, "op"));
            }
            out = proto_dump(r, NULL);
            json_decref(r);
            json_decref(req);
        }
        proto_write_all(c, out, strlen(out), proto_now_ms() + 5000, &err);
        _exit(0);
    }
    close(lfd);
    return pid;
}

static void reap(pid_t pid)
{
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_call(void)
{
    char dir[] = "/tmp/vnet-proto-test-XXXXXX";
    if (!mkdtemp(dir))
        return;
    _cleanup_free_ char *path = xasprintf("%s/s.sock", dir);
    verr err = VERR_INIT;
    json_t *req = proto_request("ping");
    json_t *reply = NULL;

    /* No daemon: the message the CLI prints. */
    CHECK(proto_call(path, req, &reply, &err) == -1);
    _cleanup_free_ char *want =
        xasprintf("failed to connect to the vnet daemon at %s: No such file "
                  "or directory (is vnetd running?)",
                  path);
    CHECK_STR(err.msg, want);

    pid_t pid = serve_once(path, NULL);
    CHECK(proto_call(path, req, &reply, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(reply, "op")), "ping");
    json_decref(reply);
    reap(pid);

    pid = serve_once(path,
                     "{\"ok\":false,\"error\":\"Network not found: x\",\"kind\":\"not-found\"}");
    reply = NULL;
    CHECK(proto_call(path, req, &reply, &err) == -1);
    CHECK(reply == NULL);
    CHECK_STR(err.msg, "Network not found: x");
    CHECK(err.kind == VERR_NOT_FOUND);
    reap(pid);

    pid = serve_once(path, "{\"ok\":false,\"error\":\"boom\",\"kind\":\"busy\"}");
    CHECK(proto_call_full(path, req, 5000, true, &reply, &err) == 0);
    CHECK(json_is_false(json_object_get(reply, "ok")));
    json_decref(reply);
    reap(pid);

    pid = serve_once(path, "not json");
    CHECK(proto_call(path, req, &reply, &err) == -1);
    CHECK(strstr(err.msg, "malformed reply") != NULL);
    reap(pid);

    json_decref(req);
    unlink(path);
    rmdir(dir);
}

/* docs/protocol.md documents every operation and every field of the table. */
static void test_doc(const char *doc_path)
{
    _cleanup_free_ char *doc = test_read_file(doc_path);
    CHECK(doc != NULL);
    if (!doc)
        return;
    size_t n = 0;
    const proto_op *ops = proto_ops_all(&n);
    for (size_t i = 0; i < n; i++) {
        _cleanup_free_ char *row = xasprintf("| `%s` |", ops[i].name);
        const char *line = strstr(doc, row);
        CHECK(line != NULL);
        if (!line) {
            fprintf(stderr, "docs/protocol.md: no row for '%s'\n", ops[i].name);
            continue;
        }
        const char *end = strchr(line, '\n');
        _cleanup_free_ char *text = xstrndup(line, end ? (size_t)(end - line) : strlen(line));
        for (const proto_field *f = ops[i].fields; f->name; f++) {
            _cleanup_free_ char *field = xasprintf("`%s`", f->name);
            if (!strstr(text, field))
                fprintf(stderr, "docs/protocol.md: '%s' row lacks field %s\n", ops[i].name, field);
            CHECK(strstr(text, field) != NULL);
        }
    }
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    test_builders();
    test_schema();
    if (argc > 1)
        test_doc(argv[1]);
    test_parse();
    test_framing();
    test_call();
    return testlib_done("proto");
}
