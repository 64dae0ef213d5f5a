/* XML text in another encoding than UTF-8 (an ISO-8859-1 file, say): the
 * control protocol carries UTF-8 only, so such a document is decoded by
 * libxml2 per its own declaration and re-serialized as UTF-8 before it is
 * sent. A document that is not UTF-8 and does not say what it is gets
 * libxml2's own error, with its line. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlstring.h>
#include <string.h>

#include "conf/netdef.h"
#include "conf/netdef_priv.h"
#include "util/strbuf.h"

int netdef_xml_to_utf8(const char *text, const char *source, char **ret, verr *err)
{
    if (xmlCheckUTF8((const xmlChar *)text)) {
        *ret = xstrdup(text);
        return 0;
    }
    xmlDocPtr doc = nd_read_doc(text, strlen(text), source, err);
    if (!doc)
        return -1;
    xmlChar *mem = NULL;
    int size = 0;
    xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
    xmlFreeDoc(doc);
    if (!mem)
        return verr_set(err, VERR_INTERNAL, "%s: cannot convert the document to UTF-8", source);
    *ret = xstrndup((const char *)mem, (size_t)size);
    xmlFree(mem);
    return 0;
}
