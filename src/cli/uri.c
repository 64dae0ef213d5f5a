#include "cli/uri.h"

#include <string.h>

#include "util/strbuf.h"

/* One query parameter "socket=PATH" (PATH absolute, not empty). */
static int parse_query(const char *uri, const char *q, char **ret_socket, verr *err)
{
    if (strncmp(q, "socket=", 7) != 0 || strchr(q, '&'))
        return verr_set(err, VERR_INVALID,
                        "connection URI '%s': the only parameter vnet knows is socket=PATH", uri);
    const char *path = q + 7;
    if (path[0] != '/')
        return verr_set(err, VERR_INVALID,
                        "connection URI '%s': socket=PATH needs an absolute path", uri);
    *ret_socket = xstrdup(path);
    return 0;
}

int uri_parse(const char *uri, char **ret_socket, verr *err)
{
    static const char *const schemes[] = {"vnet://", "network://"};
    *ret_socket = NULL;
    const char *rest = NULL;
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]) && !rest; i++)
        if (strncmp(uri, schemes[i], strlen(schemes[i])) == 0)
            rest = uri + strlen(schemes[i]);
    if (!rest)
        return verr_set(err, VERR_INVALID,
                        "cannot use connection URI '%s': vnet manages virtual networks only, "
                        "through its own daemon; use %s",
                        uri, URI_ACCEPTED);
    if (rest[0] != '/')
        return verr_set(err, VERR_INVALID,
                        "connection URI '%s': vnet talks to a local vnetd only (no host part); "
                        "use %s",
                        uri, URI_ACCEPTED);
    size_t plen = strcspn(rest, "?");
    if (plen != strlen("/system") || strncmp(rest, "/system", plen) != 0)
        return verr_set(err, VERR_INVALID,
                        "connection URI '%s': vnet has only a system instance (no session mode); "
                        "use %s",
                        uri, URI_ACCEPTED);
    if (rest[plen] == '?')
        return parse_query(uri, rest + plen + 1, ret_socket, err);
    return 0;
}
