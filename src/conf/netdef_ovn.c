/* The <vnet:ovn nb='unix:PATH' [gateway-chassis='NAME']/> element: parse and
 * format. The rules on what an OVN network may hold are in netdef_validate.c
 * (check_ovn). */
#include <stdlib.h>
#include <string.h>

#include "conf/netdef_priv.h"
#include "util/cleanup.h"

static int ovn_check_remote(const nd_ctx *c, xmlNodePtr n, const char *nb)
{
    if (strncmp(nb, "unix:", 5) != 0)
        return nd_node_err(c, n, "nb", "'%s' is not a unix:PATH remote (the only kind vnet speaks)",
                           nb);
    if (nb[5] != '/')
        return nd_node_err(c, n, "nb", "'%s': the socket path must be absolute", nb);
    return 0;
}

static int ovn_check_chassis(const nd_ctx *c, xmlNodePtr n, const char *name)
{
    if (!*name)
        return nd_node_err(c, n, "gateway-chassis", "empty");
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return nd_node_err(c, n, "gateway-chassis",
                               "'%s': only letters, digits, '-', '_' and '.' are allowed", name);
    return 0;
}

int nd_parse_ovn(const nd_ctx *c, xmlNodePtr n, netdef *def)
{
    if (def->ovn.nb)
        return nd_node_err(c, n, NULL, "only one <vnet:ovn> element is allowed");
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (!streq((const char *)a->name, "nb") && !streq((const char *)a->name, "gateway-chassis"))
            return nd_node_err(c, n, (const char *)a->name, "unknown attribute");
    for (xmlNodePtr ch = n->children; ch; ch = ch->next)
        if (ch->type == XML_ELEMENT_NODE)
            return nd_node_err(c, ch, NULL, "unexpected element in <vnet:ovn>");

    _cleanup_free_ char *nb = nd_prop(n, "nb");
    _cleanup_free_ char *gw = nd_prop(n, "gateway-chassis");
    if (!nb)
        return nd_node_err(c, n, "nb", "missing (the OVN northbound database, unix:PATH)");
    if (ovn_check_remote(c, n, nb) < 0)
        return -1;
    if (gw && ovn_check_chassis(c, n, gw) < 0)
        return -1;
    def->ovn.nb = nb;
    def->ovn.gateway_chassis = gw;
    nb = gw = NULL;
    def->ovn.line = nd_line(n);
    return 0;
}

void nd_format_ovn(strbuf *b, int indent, const netdef *def)
{
    if (!netdef_is_ovn(def))
        return;
    for (int i = 0; i < indent; i++)
        strbuf_add(b, " ");
    strbuf_add(b, "<vnet:ovn");
    nd_attr(b, "nb", def->ovn.nb);
    nd_attr(b, "gateway-chassis", def->ovn.gateway_chassis);
    strbuf_add(b, "/>\n");
}

void nd_ovn_clear(netdef_ovn *ovn)
{
    free(ovn->nb);
    free(ovn->gateway_chassis);
    memset(ovn, 0, sizeof(*ovn));
}
