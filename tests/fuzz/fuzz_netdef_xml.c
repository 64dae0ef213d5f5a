/* Fuzz target: libvirt network XML through vnet's parser. Any input may be
 * refused, none may crash; an accepted one must format, and its formatted
 * text must parse again and format to itself (a definition does not change
 * by being saved and loaded: how a newline in <metadata> and a CR in
 * <description> were found). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/netdef.h"
#include "util/cleanup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    _cleanup_free_ char *xml = malloc(size + 1);
    memcpy(xml, data, size);
    xml[size] = '\0';
    netdef *def = NULL;
    verr err = VERR_INIT;
    if (netdef_parse_string(xml, "fuzz", &def, &err) < 0)
        return 0;
    _cleanup_free_ char *once = netdef_format(def, 0);
    netdef_free(def);
    netdef *again = NULL;
    if (netdef_parse_string(once, "fuzz (formatted)", &again, &err) < 0)
        abort(); /* what vnet wrote, vnet must read */
    _cleanup_free_ char *twice = netdef_format(again, 0);
    netdef_free(again);
    if (strcmp(once, twice) != 0)
        abort(); /* a save and a load changed the definition */
    return 0;
}
