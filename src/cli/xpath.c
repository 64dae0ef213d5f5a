#include "cli/xpath.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/strbuf.h"

/* libxml2 reports XPath syntax errors through the structured error handler;
 * keep the last message instead of letting it print. */
static void keep_error(void *ctx, const xmlError *e)
{
    char *msg = ctx;
    if (e && e->message && !msg[0]) {
        snprintf(msg, 256, "%s", e->message);
        size_t n = strlen(msg);
        while (n > 0 && msg[n - 1] == '\n')
            msg[--n] = '\0';
    }
}

static void append_node(strbuf *b, xmlDocPtr doc, xmlNodePtr node)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlNodeDump(buf, doc, node, 0, 1);
    strbuf_addn(b, (const char *)xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
    strbuf_addc(b, '\n');
    xmlBufferFree(buf);
}

/* Copy the selected nodes under <nodes> and serialize that element. */
static void append_wrapped(strbuf *b, xmlNodeSetPtr set)
{
    xmlDocPtr out = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = xmlNewDocNode(out, NULL, BAD_CAST "nodes", NULL);
    xmlDocSetRootElement(out, root);
    for (int i = 0; set && i < set->nodeNr; i++) {
        xmlNodePtr n = set->nodeTab[i];
        if (n->type == XML_ATTRIBUTE_NODE) { /* becomes an attribute of <nodes> */
            xmlChar *v = xmlNodeGetContent(n);
            xmlSetProp(root, n->name, v ? v : BAD_CAST "");
            xmlFree(v);
        } else {
            xmlAddChild(root, xmlDocCopyNode(n, out, 1));
        }
    }
    append_node(b, out, root);
    xmlFreeDoc(out);
}

int xpath_select(const char *xml, const char *expr, bool wrap, char **ret, verr *err)
{
    char msg[256] = "";
    xmlSetStructuredErrorFunc(msg, (xmlStructuredErrorFunc)keep_error);
    xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "network.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    int r = -1;
    xmlXPathContextPtr ctx = doc ? xmlXPathNewContext(doc) : NULL;
    xmlXPathObjectPtr obj = ctx ? xmlXPathEvalExpression(BAD_CAST expr, ctx) : NULL;
    if (!doc)
        verr_set(err, VERR_INVALID, "the network's XML does not parse: %s", msg);
    else if (!obj)
        verr_set(err, VERR_INVALID, "invalid XPath expression '%s': %s", expr,
                 msg[0] ? msg : "cannot evaluate it");
    else if (obj->type != XPATH_NODESET)
        verr_set(err, VERR_INVALID,
                 "XPath expression '%s' gives a %s, not nodes; select nodes (e.g. /network/name "
                 "or //ip/@address)",
                 expr,
                 obj->type == XPATH_NUMBER    ? "number"
                 : obj->type == XPATH_BOOLEAN ? "boolean"
                 : obj->type == XPATH_STRING  ? "string"
                                              : "value");
    else
        r = 0;
    if (r == 0) {
        strbuf b = STRBUF_INIT;
        if (wrap)
            append_wrapped(&b, obj->nodesetval);
        else
            for (int i = 0; obj->nodesetval && i < obj->nodesetval->nodeNr; i++)
                append_node(&b, doc, obj->nodesetval->nodeTab[i]);
        *ret = strbuf_take(&b);
    }
    xmlXPathFreeObject(obj);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    xmlSetStructuredErrorFunc(NULL, NULL);
    return r;
}
