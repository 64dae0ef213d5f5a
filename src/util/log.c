#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

static const char *log_ident = "vnet";
static enum log_level log_max = LOG_LVL_INFO;
static bool log_journal;

void log_setup(const char *ident, enum log_level max, bool to_journal)
{
    log_ident = ident;
    log_max = max;
    log_journal = to_journal;
    if (to_journal)
        openlog(ident, LOG_PID, LOG_DAEMON);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
    static const char *const tags[] = {[LOG_LVL_ERR] = "error",
                                       [LOG_LVL_WARN] = "warning",
                                       [LOG_LVL_INFO] = "info",
                                       [LOG_LVL_DEBUG] = "debug"};
    if (lvl > log_max)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (log_journal) {
        va_list ap2;
        va_copy(ap2, ap);
        vsyslog((int)lvl, fmt, ap2);
        va_end(ap2);
    }
    fprintf(stderr, "%s: %s: ", log_ident, tags[lvl] ? tags[lvl] : "log");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
