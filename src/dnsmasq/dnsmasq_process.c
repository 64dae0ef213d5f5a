/* dnsmasq process control: start (and learn whether it serves), identify,
 * reload, stop, and check the binary.
 *
 * dnsmasq daemonizes itself: the process we start waits until its daemon
 * child has bound its sockets and opened its files, then exits 0, or exits
 * 1..5 with the reason on stderr. So a zero exit status means "serving" and
 * needs no polling or sleeping on our side.
 */
#include "dnsmasq/dnsmasq.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/strbuf.h"

#define SPAWN_TIMEOUT_MS DNSMASQ_SPAWN_TIMEOUT_MS
#define OUTPUT_MAX 8192

static bool wait_pidfd(int pidfd, int timeout_ms);

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Start argv[0] with a clean slate: default signal handling, nothing
 * blocked, its own session, no inherited fds, stdin from /dev/null, stdout
 * and stderr into out_fd. posix_spawn (vfork-style) keeps this cheap even
 * from a large daemon, and reports an exec failure as its return value. */
static int spawn_clean(char *const argv[], int out_fd, pid_t *ret_pid)
{
    static char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    posix_spawn_file_actions_adddup2(&fa, out_fd, 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    int r = posix_spawn(ret_pid, argv[0], &fa, &attr, argv, envp);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    return r;
}

/* Append what is readable on fd to out (bounded). Returns false at EOF. */
static bool drain(int fd, strbuf *out)
{
    char buf[1024];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n > 0) {
            if (out->len < OUTPUT_MAX)
                strbuf_addn(out, buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && errno == EAGAIN;
    }
}

/* Wait up to timeout_ms for the child (pidfd) to exit while collecting its
 * output. Returns 0 with *status, or -1 on timeout (child still running). */
static int wait_child(pid_t pid, int pidfd, int out_fd, int timeout_ms, strbuf *out, int *status)
{
    int64_t deadline = now_ms() + timeout_ms;
    bool out_open = true;
    for (;;) {
        struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
                              {.fd = out_open ? out_fd : -1, .events = POLLIN}};
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return -1;
        int r = poll(p, 2, (int)left);
        if (r < 0 && errno != EINTR)
            return -1;
        if (r <= 0)
            continue;
        if (p[1].revents)
            out_open = drain(out_fd, out);
        if (p[0].revents & POLLIN) {
            /* The daemon may still hold the pipe: take what is there, no EOF wait. */
            drain(out_fd, out);
            while (waitpid(pid, status, 0) < 0)
                if (errno != EINTR)
                    return -1;
            return 0;
        }
    }
}

/* Wait up to timeout_ms for the process behind pidfd to exit, collecting
 * its output; false on timeout. It is not reaped. */
static bool wait_exit(int pidfd, int out_fd, int timeout_ms, strbuf *out)
{
    int64_t deadline = now_ms() + timeout_ms;
    bool out_open = true;
    for (;;) {
        struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN},
                              {.fd = out_open ? out_fd : -1, .events = POLLIN}};
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return false;
        int r = poll(p, 2, (int)left);
        if (r < 0 && errno != EINTR)
            return false;
        if (r <= 0)
            continue;
        if (p[1].revents)
            out_open = drain(out_fd, out);
        if (p[0].revents & POLLIN)
            return true;
    }
}

/* Run argv, returning its exit status and output. The child is
 * killed and reaped when it does not finish within timeout_ms. */
static int run_capture(char *const argv[], int timeout_ms, strbuf *out, int *status, verr *err)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return verr_errno(err, errno, "cannot create a pipe for %s", argv[0]);
    _cleanup_close_ int rd = p[0];
    pid_t pid = 0;
    int r = spawn_clean(argv, p[1], &pid);
    close(p[1]);
    if (r != 0)
        return verr_errno(err, r, "cannot execute %s", argv[0]);
    fcntl(rd, F_SETFL, O_NONBLOCK);
    _cleanup_close_ int pidfd = pidfd_open(pid, 0);
    if (pidfd < 0) {
        int e = errno;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return verr_errno(err, e, "cannot watch %s (pid %d)", argv[0], (int)pid);
    }
    if (wait_child(pid, pidfd, rd, timeout_ms, out, status) < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return verr_set(err, VERR_SYSTEM, "%s did not finish within %d ms; killed it", argv[0],
                        timeout_ms);
    }
    return 0;
}

/* Output without trailing whitespace, lines joined with "; ". */
static char *tidy_output(const strbuf *out)
{
    strbuf b = STRBUF_INIT;
    const char *s = strbuf_str(out);
    while (*s == '\n' || *s == ' ' || *s == '\r')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r'))
        n--;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            strbuf_add(&b, "; ");
        else if (s[i] != '\r')
            strbuf_addc(&b, s[i]);
    }
    return strbuf_take(&b);
}

static const char *exit_reason(int code)
{
    switch (code) {
    case 1:
        return "configuration problem";
    case 2:
        return "network problem";
    case 3:
        return "filesystem problem";
    case 4:
        return "out of memory";
    case 5:
        return "other problem";
    case 126:
    case 127:
        return "could not be executed";
    default:
        return "unexpected exit status";
    }
}

/* Explain a failed run: dnsmasq's own words first, then how it ended. */
static int report_failure(const char *binary, int status, const strbuf *out, verr *err)
{
    _cleanup_free_ char *text = tidy_output(out);
    if (WIFSIGNALED(status))
        return verr_set(err, VERR_SYSTEM, "%s%s(%s killed by signal %d)", text, *text ? " " : "",
                        binary, WTERMSIG(status));
    int code = WEXITSTATUS(status);
    return verr_set(err, code == 1 ? VERR_INVALID : VERR_SYSTEM, "%s%s(%s exit status %d: %s)",
                    text, *text ? " " : "", binary, code, exit_reason(code));
}

static int read_pid_file(const char *path, pid_t *ret, verr *err)
{
    _cleanup_fclose_ FILE *f = fopen(path, "re");
    if (!f)
        return verr_errno(err, errno, "dnsmasq started but its pid file %s cannot be read", path);
    long pid = 0;
    if (fscanf(f, "%ld", &pid) != 1 || pid <= 0)
        return verr_set(err, VERR_SYSTEM, "dnsmasq pid file %s does not hold a pid", path);
    *ret = (pid_t)pid;
    return 0;
}

int dnsmasq_launch_begin(const char *binary, const char *conf_path, dnsmasq_launch *l, verr *err)
{
    *l = (dnsmasq_launch)DNSMASQ_LAUNCH_INIT;
    if (!binary || !conf_path)
        return verr_set(err, VERR_INTERNAL, "dnsmasq_launch_begin: binary and config needed");
    _cleanup_free_ char *conf_arg = xasprintf("--conf-file=%s", conf_path);
    char *argv[] = {(char *)binary, conf_arg, NULL};
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return verr_errno(err, errno, "cannot create a pipe for %s", binary);
    pid_t pid = 0;
    int r = spawn_clean(argv, p[1], &pid);
    close(p[1]);
    if (r != 0) {
        close(p[0]);
        return verr_errno(err, r, "cannot execute %s", binary);
    }
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    int pidfd = pidfd_open(pid, 0);
    if (pidfd < 0) {
        int e = errno;
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        close(p[0]);
        return verr_errno(err, e, "cannot watch %s (pid %d)", binary, (int)pid);
    }
    l->pid = pid;
    l->pidfd = pidfd;
    l->out_fd = p[0];
    return 0;
}

bool dnsmasq_launch_drain(dnsmasq_launch *l)
{
    return l->out_fd >= 0 && drain(l->out_fd, &l->out);
}

bool dnsmasq_launch_wait(dnsmasq_launch *l, int timeout_ms)
{
    return wait_exit(l->pidfd, l->out_fd, timeout_ms, &l->out);
}

static void launch_close(dnsmasq_launch *l)
{
    if (l->pidfd >= 0)
        close(l->pidfd);
    if (l->out_fd >= 0)
        close(l->out_fd);
    strbuf_free(&l->out);
    *l = (dnsmasq_launch)DNSMASQ_LAUNCH_INIT;
}

int dnsmasq_launch_end(dnsmasq_launch *l, const char *binary, const char *conf_path,
                       const char *pid_file, pid_t *ret_pid, verr *err)
{
    int status = 0;
    dnsmasq_launch_drain(l); /* the daemon may still hold the pipe: no EOF wait */
    while (waitpid(l->pid, &status, 0) < 0) {
        if (errno != EINTR) {
            int e = errno;
            launch_close(l);
            return verr_errno(err, e, "cannot learn how %s ended", binary);
        }
    }
    l->pid = 0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        report_failure(binary, status, &l->out, err);
        launch_close(l);
        return -1;
    }
    launch_close(l);
    pid_t pid = 0;
    if (read_pid_file(pid_file, &pid, err) < 0)
        return -1;
    if (!dnsmasq_is_ours(pid, conf_path))
        return verr_set(err, VERR_SYSTEM,
                        "dnsmasq reported success but pid %d from %s is not running with %s",
                        (int)pid, pid_file, conf_path);
    *ret_pid = pid;
    return 0;
}

void dnsmasq_launch_kill(dnsmasq_launch *l, const char *conf_path, const char *pid_file)
{
    if (l->pid > 0) {
        if (l->pidfd >= 0)
            pidfd_send_signal(l->pidfd, SIGKILL, NULL, 0);
        else
            kill(l->pid, SIGKILL);
        waitpid(l->pid, NULL, 0);
    }
    launch_close(l);
    /* a daemon the parent had already forked: found by its pid file. It never
     * served, so it is killed outright (SIGKILL takes effect at once; no
     * waiting for a graceful exit, which a slow dnsmasq takes seconds for) */
    pid_t pid = 0;
    verr e = VERR_INIT;
    int pidfd = -1;
    if (conf_path && pid_file && read_pid_file(pid_file, &pid, &e) == 0 &&
        dnsmasq_is_ours(pid, conf_path) && (pidfd = pidfd_open(pid, 0)) >= 0) {
        if (dnsmasq_stop_kill(pid, pidfd, &e) == 0 &&
            wait_pidfd(pidfd, DNSMASQ_STOP_KILL_TIMEOUT_MS))
            waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){0}, WEXITED | WNOHANG);
        close(pidfd);
    }
}

int dnsmasq_spawn(const char *binary, const char *conf_path, const char *pid_file, pid_t *ret_pid,
                  verr *err)
{
    if (!binary || !conf_path || !pid_file)
        return verr_set(err, VERR_INTERNAL, "dnsmasq_spawn: binary, config and pid file needed");
    dnsmasq_launch l;
    if (dnsmasq_launch_begin(binary, conf_path, &l, err) < 0)
        return -1;
    if (!dnsmasq_launch_wait(&l, SPAWN_TIMEOUT_MS)) {
        dnsmasq_launch_kill(&l, conf_path, pid_file);
        return verr_set(err, VERR_SYSTEM, "%s did not finish within %d ms; killed it", binary,
                        SPAWN_TIMEOUT_MS);
    }
    return dnsmasq_launch_end(&l, binary, conf_path, pid_file, ret_pid, err);
}

/* Read /proc/PID/cmdline (NUL-separated arguments). NULL when gone. */
static char *read_cmdline(pid_t pid, size_t *ret_len)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    strbuf b = STRBUF_INIT;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0 && b.len < 65536)
        strbuf_addn(&b, buf, (size_t)n);
    *ret_len = b.len;
    return strbuf_take(&b);
}

bool dnsmasq_is_ours(pid_t pid, const char *conf_path)
{
    if (pid <= 0 || !conf_path)
        return false;
    size_t len = 0;
    _cleanup_free_ char *cmd = read_cmdline(pid, &len); /* empty for a zombie */
    if (!cmd)
        return false;
    _cleanup_free_ char *want = xasprintf("--conf-file=%s", conf_path);
    for (size_t off = 0; off < len; off += strlen(cmd + off) + 1)
        if (streq(cmd + off, want))
            return true;
    return false;
}

/* The NAME of "--conf-file=DIR/NAME.conf" in one argument, if it has that form. */
static bool conf_arg_name(const char *arg, const char *dir, char *name, size_t len)
{
    static const char opt[] = "--conf-file=";
    size_t dl = strlen(dir);
    if (strncmp(arg, opt, sizeof(opt) - 1) != 0)
        return false;
    arg += sizeof(opt) - 1;
    if (strncmp(arg, dir, dl) != 0 || arg[dl] != '/')
        return false;
    arg += dl + 1;
    size_t n = strlen(arg);
    if (n <= 5 || strchr(arg, '/') || !streq(arg + n - 5, ".conf") || n - 5 >= len)
        return false;
    memcpy(name, arg, n - 5);
    name[n - 5] = '\0';
    return true;
}

int dnsmasq_find_all(const char *conf_dir, dnsmasq_proc **ret, size_t *ret_n, verr *err)
{
    DIR *d = opendir("/proc");
    if (!d)
        return verr_errno(err, errno, "listing processes (/proc)");
    dnsmasq_proc *list = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0 || pid == getpid())
            continue;
        size_t len = 0;
        _cleanup_free_ char *cmd = read_cmdline((pid_t)pid, &len);
        if (!cmd)
            continue;
        char name[256];
        for (size_t off = 0; off < len; off += strlen(cmd + off) + 1) {
            if (!conf_arg_name(cmd + off, conf_dir, name, sizeof(name)))
                continue;
            dnsmasq_proc *p = xarray_push(&list, &n, sizeof(*p));
            p->pid = (pid_t)pid;
            snprintf(p->name, sizeof(p->name), "%s", name);
            break;
        }
    }
    closedir(d);
    *ret = list;
    *ret_n = n;
    return 0;
}

int dnsmasq_reload(pid_t pid, verr *err)
{
    if (pid <= 0)
        return verr_set(err, VERR_INTERNAL, "dnsmasq_reload: invalid pid %d", (int)pid);
    if (kill(pid, SIGHUP) < 0)
        return verr_errno(err, errno, "cannot signal dnsmasq (pid %d) to reload", (int)pid);
    return 0;
}

/* Wait until the process behind pidfd has exited; false on timeout. */
static bool wait_pidfd(int pidfd, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        int64_t left = deadline - now_ms();
        if (left < 0)
            left = 0;
        int r = poll(&p, 1, (int)left);
        if (r > 0)
            return true;
        if (r == 0 || errno != EINTR)
            return false;
    }
}

/* The pidfd pins the process identity, so a pid reused after exit is never
 * signalled. dnsmasq is not our child once daemonized, hence poll, not wait. */
int dnsmasq_stop_begin(pid_t pid, int *ret_pidfd, verr *err)
{
    *ret_pidfd = -1;
    if (pid <= 0)
        return verr_set(err, VERR_INTERNAL, "dnsmasq_stop: invalid pid %d", (int)pid);
    int pidfd = pidfd_open(pid, 0);
    if (pidfd < 0)
        return errno == ESRCH ? 0
                              : verr_errno(err, errno, "cannot watch dnsmasq (pid %d)", (int)pid);
    if (pidfd_send_signal(pidfd, SIGTERM, NULL, 0) < 0) {
        int e = errno;
        close(pidfd);
        return e == ESRCH ? 0 : verr_errno(err, e, "cannot stop dnsmasq (pid %d)", (int)pid);
    }
    *ret_pidfd = pidfd;
    return 1;
}

int dnsmasq_stop_kill(pid_t pid, int pidfd, verr *err)
{
    if (pidfd_send_signal(pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
        return verr_errno(err, errno, "cannot kill dnsmasq (pid %d)", (int)pid);
    return 0;
}

void dnsmasq_stop_end(int pidfd)
{
    if (pidfd < 0)
        return;
    /* Reap it if it happens to be our child (not daemonized); harmless otherwise. */
    waitid(P_PIDFD, (id_t)pidfd, &(siginfo_t){0}, WEXITED | WNOHANG);
    close(pidfd);
}

int dnsmasq_stop(pid_t pid, verr *err)
{
    int pidfd;
    int r = dnsmasq_stop_begin(pid, &pidfd, err);
    if (r <= 0)
        return r;
    if (!wait_pidfd(pidfd, DNSMASQ_STOP_TERM_TIMEOUT_MS)) {
        if (dnsmasq_stop_kill(pid, pidfd, err) < 0 ||
            !wait_pidfd(pidfd, DNSMASQ_STOP_KILL_TIMEOUT_MS)) {
            if (!verr_is_set(err))
                verr_set(err, VERR_SYSTEM, "dnsmasq (pid %d) did not exit after SIGKILL",
                         (int)pid);
            close(pidfd);
            return -1;
        }
    }
    dnsmasq_stop_end(pidfd);
    return 0;
}

/* Parse "Dnsmasq version 2.90  Copyright ..." into "2.90". */
static int parse_version(const char *text, char *version, size_t len)
{
    const char *p = strstr(text, "Dnsmasq version ");
    if (!p)
        return -1;
    p += strlen("Dnsmasq version ");
    size_t n = strspn(p, "0123456789.");
    if (n == 0 || n >= len)
        return -1;
    memcpy(version, p, n);
    version[n] = '\0';
    return 0;
}

int dnsmasq_check_binary(const char *binary, char *version, size_t len, verr *err)
{
    struct stat st;
    if (!binary || stat(binary, &st) < 0)
        return verr_errno(err, errno, "dnsmasq binary %s not found", binary ? binary : "(null)");
    if (!S_ISREG(st.st_mode) || access(binary, X_OK) < 0)
        return verr_set(err, VERR_SYSTEM, "dnsmasq binary %s is not an executable file", binary);
    char *argv[] = {(char *)binary, "--version", NULL};
    strbuf out = STRBUF_INIT;
    int status = 0;
    int r = run_capture(argv, SPAWN_TIMEOUT_MS, &out, &status, err);
    if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
        r = report_failure(binary, status, &out, err);
    if (r == 0 && parse_version(strbuf_str(&out), version, len) < 0)
        r = verr_set(err, VERR_UNSUPPORTED,
                     "%s --version did not print \"Dnsmasq version X.Y\"; is it dnsmasq?", binary);
    strbuf_free(&out);
    return r;
}
