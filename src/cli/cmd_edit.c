/* vnet edit / net-edit: the persistent definition in the user's editor, then
 * defined again, as virsh net-edit does. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/commands.h"
#include "proto/proto.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

extern char **environ;

/* $VISUAL, else $EDITOR, else vi, run through the shell so that an editor
 * with arguments ("code --wait") works; the file is passed as "$1". */
static int run_editor(const char *path)
{
    const char *editor = getenv("VISUAL");
    if (strempty(editor))
        editor = getenv("EDITOR");
    if (strempty(editor))
        editor = "vi";
    _cleanup_free_ char *script = xasprintf("%s \"$1\"", editor);
    char *argv[] = {"sh", "-c", script, "sh", (char *)path, NULL};
    pid_t pid;
    int r = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ);
    if (r != 0)
        return cli_error("cannot run the editor '%s': %s", editor, strerror(r));
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return cli_error("waiting for the editor '%s': %s", editor, strerror(errno));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return cli_error("the editor '%s' failed (%s %d); nothing was changed", editor,
                         WIFEXITED(status) ? "exit status" : "signal",
                         WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return 0;
}

static int write_temp(const char *xml, char **ret_path)
{
    const char *dir = getenv("TMPDIR");
    _cleanup_free_ char *path = xasprintf("%s/vnetXXXXXX.xml", strempty(dir) ? "/tmp" : dir);
    int fd = mkstemps(path, 4);
    if (fd < 0)
        return cli_error("cannot create a temporary file in %s: %s", strempty(dir) ? "/tmp" : dir,
                         strerror(errno));
    size_t len = strlen(xml), off = 0;
    while (off < len) {
        ssize_t w = write(fd, xml + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            int e = errno;
            close(fd);
            unlink(path);
            return cli_error("cannot write %s: %s", path, strerror(e));
        }
        off += (size_t)w;
    }
    if (close(fd) < 0) {
        unlink(path);
        return cli_error("cannot write %s: %s", path, strerror(errno));
    }
    *ret_path = TAKE_PTR(path);
    return 0;
}

/* virsh's question after a failed define. Only asked on a terminal; 'n'
 * otherwise. Returns 'y', 'n' or 'f' (define again as it is). */
static int ask_reedit(void)
{
    if (!isatty(STDIN_FILENO))
        return 'n';
    for (int tries = 0; tries < 100; tries++) {
        printf("Failed. Try again? [y,n,i,f,?]: ");
        fflush(stdout);
        char line[64];
        if (!fgets(line, sizeof(line), stdin))
            return 'n';
        switch (line[0]) {
        case 'y':
        case 'Y':
            return 'y';
        case 'n':
        case 'N':
            return 'n';
        case 'i':
        case 'f':
            return 'f';
        default:
            printf("y - yes, start editor again\n"
                   "n - no, throw away my changes\n"
                   "i - turn off validation and try to redefine again\n"
                   "f - force, try to redefine again\n"
                   "? - print this help\n");
        }
    }
    return 'n';
}

/* Define the edited text; the temp file names errors so they point at it. */
static int define_edited(const cli_ctx *ctx, const char *xml, const char *path)
{
    json_t *req = proto_request("define");
    json_object_set_new(req, "xml", json_string(xml));
    json_object_set_new(req, "source", json_string(path));
    return cli_call(ctx, req, NULL);
}

static int edit_loop(const cli_ctx *ctx, const char *name, const char *orig, const char *path)
{
    for (;;) {
        if (run_editor(path) < 0)
            return -1;
        _cleanup_free_ char *edited = NULL;
        if (cli_read_input(path, &edited) < 0)
            return -1;
        if (streq(edited, orig)) {
            cli_extra(ctx, "Network %s XML configuration not changed.\n", name);
            return 0;
        }
        int answer;
        do {
            if (define_edited(ctx, edited, path) == 0) {
                cli_extra(ctx, "Network %s XML configuration edited.\n", name);
                return 0;
            }
            answer = ask_reedit();
        } while (answer == 'f');
        if (answer == 'n')
            return -1;
    }
}

int cmd_edit(const cli_ctx *ctx, const args *a)
{
    const char *name = a->pos[0];
    json_t *req = proto_request("dumpxml");
    json_object_set_new(req, "name", json_string(name));
    json_object_set_new(req, "inactive", json_true());
    _cleanup_(json_decrefp) json_t *reply = NULL;
    if (cli_call(ctx, req, &reply) < 0)
        return -1;
    const char *xml = json_string_value(json_object_get(reply, "xml"));
    if (!xml)
        return cli_error("the daemon's reply to 'dumpxml' has no xml");
    _cleanup_free_ char *path = NULL;
    if (write_temp(xml, &path) < 0)
        return -1;
    int r = edit_loop(ctx, name, xml, path);
    unlink(path);
    return r;
}
