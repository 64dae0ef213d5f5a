/* <metadata> elements of a network by namespace (libvirt's
 * virNetworkGetMetadata/SetMetadata with VIR_NETWORK_METADATA_ELEMENT): one
 * element per namespace URI, under the prefix the caller names. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "conf/netdef.h"
#include "util/cleanup.h"
#include "util/strbuf.h"

static xmlDocPtr metadata_doc(const netdef *def)
{
    const char *xml = def->metadata_xml ? def->metadata_xml : "<metadata/>";
    return xmlReadMemory(xml, (int)strlen(xml), "metadata", NULL,
                         XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
                             XML_PARSE_NOWARNING);
}

static xmlNodePtr find_ns(xmlNodePtr root, const char *uri)
{
    for (xmlNodePtr ch = root ? root->children : NULL; ch; ch = ch->next)
        if (ch->type == XML_ELEMENT_NODE && ch->ns && ch->ns->href &&
            streq((const char *)ch->ns->href, uri))
            return ch;
    return NULL;
}

static char *dump(xmlDocPtr doc, xmlNodePtr n, int level)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlNodeDump(buf, doc, n, level, 1);
    char *s = xstrdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    return s;
}

char *netdef_metadata_get(const netdef *def, const char *uri)
{
    xmlDocPtr doc = metadata_doc(def);
    xmlNodePtr n = doc ? find_ns(xmlDocGetRootElement(doc), uri) : NULL;
    char *s = n ? dump(doc, n, 0) : NULL;
    xmlFreeDoc(doc);
    return s;
}

int netdef_metadata_set(netdef *def, const char *xml, const char *key, const char *uri, verr *err)
{
    xmlDocPtr doc = metadata_doc(def);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root) {
        xmlFreeDoc(doc);
        return verr_set(err, VERR_INTERNAL, "network '%s': cannot read its <metadata>", def->name);
    }
    xmlNodePtr old = find_ns(root, uri);
    if (old) {
        xmlUnlinkNode(old);
        xmlFreeNode(old);
    }
    if (xml) {
        xmlDocPtr frag = xmlReadMemory(xml, (int)strlen(xml), "metadata", NULL,
                                       XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
                                           XML_PARSE_NOWARNING);
        xmlNodePtr top = frag ? xmlDocGetRootElement(frag) : NULL;
        if (!top) {
            xmlFreeDoc(frag);
            xmlFreeDoc(doc);
            return verr_set(err, VERR_INVALID, "metadata for namespace '%s' is not well-formed XML",
                            uri);
        }
        xmlNodePtr copy = xmlDocCopyNode(top, doc, 1);
        xmlFreeDoc(frag);
        xmlNsPtr ns = xmlNewNs(copy, (const xmlChar *)uri, (const xmlChar *)key);
        xmlSetNs(copy, ns);
        xmlAddChild(root, copy);
    }
    free(def->metadata_xml);
    def->metadata_xml = root->children ? dump(doc, root, 1) : NULL;
    xmlFreeDoc(doc);
    return 0;
}
