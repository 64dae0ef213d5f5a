/* Saving forward changes in O(1): a line in the network's journal instead of
 * re-writing (and fsyncing) the whole definition, which with 10,000 forwards
 * is ~700 KB per change. The journal is folded into the definition when it
 * grows past JOURNAL_COMPACT_BYTES (one full save every few thousand
 * changes) and whenever the daemon loads the definition, so the definition
 * file stays the complete, atomic record (see store/journal.c).
 */
#include "daemon/daemon.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/strbuf.h"

#define JOURNAL_COMPACT_BYTES (1024 * 1024)
/* Above this many forwards the definition could near NETDEF_XML_MAX (a
 * formatted forward is < 320 bytes): save in full, which checks exactly. */
#define JOURNAL_MAX_FORWARDS ((NETDEF_XML_MAX - 1024 * 1024) / 320)

int forward_journal_save(vnetd *d, const netdef *newconf, const char *line, verr *err)
{
    if (!line || newconf->n_port_forwards > JOURNAL_MAX_FORWARDS)
        return registry_save_config(d, newconf, err);
    size_t size = 0;
    if (store_journal_append(&d->paths, newconf->name, line, &size, err) < 0)
        return verr_prefix(err, "saving network '%s'", newconf->name);
    if (size > JOURNAL_COMPACT_BYTES) {
        verr e = VERR_INIT; /* the change is durable already: a failure here is not the op's */
        if (registry_save_config(d, newconf, &e) < 0)
            log_warn("network '%s': folding the forward journal into the definition: %s",
                     newconf->name, e.msg);
    }
    return 0;
}

int forward_journal_replay(vnetd *d, netdef *def)
{
    char **lines = NULL;
    size_t n = 0;
    verr err = VERR_INIT;
    if (store_journal_read(&d->paths, def->name, &lines, &n, &err) < 0) {
        log_err("network '%s': reading its forward journal: %s", def->name, err.msg);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        verr e = VERR_INIT;
        if (netdef_forward_journal_apply(def, lines[i], &e) < 0)
            log_warn("network '%s': forward journal line %zu skipped: %s", def->name, i + 1, e.msg);
    }
    store_free_names(lines, n);
    if (n == 0)
        return 0;
    if (registry_save_config(d, def, &err) < 0) {
        log_warn("network '%s': folding the forward journal into the definition: %s", def->name,
                 err.msg);
        return -1;
    }
    log_info("network '%s': %zu journaled forward change(s) folded into the definition", def->name,
             n);
    return 0;
}
