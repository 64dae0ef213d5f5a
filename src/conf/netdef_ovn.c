/* The <vnet:ovn nb='unix:PATH' [gateway-chassis='NAME']/> element: parse and
 * format. The rules on what an OVN network may hold are in netdef_validate.c
 * (check_ovn). */
#include <arpa/inet.h>
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

static int ovn_check_name(const nd_ctx *c, xmlNodePtr n, const char *attr, const char *name)
{
    if (!*name)
        return nd_node_err(c, n, attr, "empty");
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return nd_node_err(c, n, attr,
                               "'%s': only letters, digits, '-', '_' and '.' are allowed", name);
    return 0;
}

/* external='ADDR/PREFIX' */
static int ovn_parse_external(const nd_ctx *c, xmlNodePtr n, netdef_ovn *o)
{
    _cleanup_free_ char *v = nd_prop(n, "external");
    if (!v)
        return 0;
    char *slash = strchr(v, '/');
    char *end = NULL;
    unsigned long prefix = slash ? strtoul(slash + 1, &end, 10) : 0;
    if (!slash || !*(slash + 1) || *end || prefix < 1 || prefix > 32)
        return nd_node_err(c, n, "external", "'%s' is not an IPv4 ADDRESS/PREFIX", v);
    *slash = '\0';
    if (vnet_addr_parse_family(v, AF_INET, &o->external) < 0)
        return nd_node_err(c, n, "external", "'%s' is not a valid IPv4 address", v);
    o->external_prefix = (unsigned)prefix;
    return 0;
}

int nd_parse_ovn(const nd_ctx *c, xmlNodePtr n, netdef *def)
{
    if (def->ovn.nb)
        return nd_node_err(c, n, NULL, "only one <vnet:ovn> element is allowed");
    for (xmlAttrPtr a = n->properties; a; a = a->next)
        if (!streq((const char *)a->name, "nb") &&
            !streq((const char *)a->name, "gateway-chassis") &&
            !streq((const char *)a->name, "external") &&
            !streq((const char *)a->name, "external-gateway") &&
            !streq((const char *)a->name, "physnet"))
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
    if (gw && ovn_check_name(c, n, "gateway-chassis", gw) < 0)
        return -1;
    if (ovn_parse_external(c, n, &def->ovn) < 0 ||
        nd_prop_addr(c, n, "external-gateway", AF_INET, &def->ovn.external_gw) < 0)
        return -1;
    _cleanup_free_ char *physnet = nd_prop(n, "physnet");
    if (physnet && ovn_check_name(c, n, "physnet", physnet) < 0)
        return -1;
    def->ovn.nb = TAKE_PTR(nb);
    def->ovn.gateway_chassis = TAKE_PTR(gw);
    def->ovn.physnet = TAKE_PTR(physnet);
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
    char a[VNET_ADDR_STRLEN];
    if (def->ovn.external.family)
        strbuf_addf(b, " external='%s/%u'", vnet_addr_str(&def->ovn.external, a),
                    def->ovn.external_prefix);
    if (def->ovn.external_gw.family)
        strbuf_addf(b, " external-gateway='%s'", vnet_addr_str(&def->ovn.external_gw, a));
    nd_attr(b, "physnet", def->ovn.physnet);
    strbuf_add(b, "/>\n");
}

void nd_ovn_clear(netdef_ovn *ovn)
{
    free(ovn->nb);
    free(ovn->gateway_chassis);
    free(ovn->physnet);
    memset(ovn, 0, sizeof(*ovn));
}
