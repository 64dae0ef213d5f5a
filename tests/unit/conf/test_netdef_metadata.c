/* conf/netdef_metadata.c: <metadata> elements by namespace. */
#include <stdlib.h>
#include <string.h>

#include "conf/netdef.h"
#include "tests/unit/testlib.h"

static const char *const base = "<network><name>m</name>"
                                "<metadata><a:x xmlns:a='http://a/'>1</a:x></metadata>"
                                "<bridge name='vm0'/></network>";

int main(void)
{
    netdef *def = NULL;
    verr err = VERR_INIT;
    CHECK(netdef_parse_string(base, "t", &def, &err) == 0);
    if (!def)
        return testlib_done("conf-metadata");
    char *s = netdef_metadata_get(def, "http://a/");
    CHECK_STR(s, "<a:x xmlns:a=\"http://a/\">1</a:x>");
    free(s);
    CHECK(netdef_metadata_get(def, "http://b/") == NULL);
    /* add a second namespace, replace the first */
    CHECK(netdef_metadata_set(def, "<y z='1'/>", "b", "http://b/", &err) == 0);
    s = netdef_metadata_get(def, "http://b/");
    CHECK_STR(s, "<b:y xmlns:b=\"http://b/\" z=\"1\"/>");
    free(s);
    CHECK(netdef_metadata_set(def, "<x>2</x>", "a", "http://a/", &err) == 0);
    s = netdef_metadata_get(def, "http://a/");
    CHECK_STR(s, "<a:x xmlns:a=\"http://a/\">2</a:x>");
    free(s);
    /* the formatted definition carries both */
    char *xml = netdef_format(def, NETDEF_FORMAT_INACTIVE);
    CHECK(xml && strstr(xml, "http://b/") && strstr(xml, ">2</a:x>"));
    free(xml);
    /* bad XML changes nothing */
    verr_clear(&err);
    CHECK(netdef_metadata_set(def, "<oops", "c", "http://c/", &err) < 0 &&
          err.kind == VERR_INVALID);
    CHECK(netdef_metadata_get(def, "http://c/") == NULL);
    /* removing both leaves no <metadata> */
    CHECK(netdef_metadata_set(def, NULL, NULL, "http://a/", &err) == 0);
    CHECK(netdef_metadata_set(def, NULL, NULL, "http://b/", &err) == 0);
    CHECK(def->metadata_xml == NULL);
    netdef_free(def);
    return testlib_done("conf-metadata");
}
