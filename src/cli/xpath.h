/* dumpxml --xpath: select nodes of a network's XML with libxml2's XPath. */
#pragma once

#include <stdbool.h>

#include "util/error.h"

/* Evaluate `expr` on `xml` and return (malloc'd) what virsh prints: each
 * selected node serialized, one per line, in document order (nothing for an
 * empty selection); with `wrap`, all of them inside one <nodes> element.
 * VERR_INVALID for an invalid expression, one that selects no node set
 * (count(), string(), ...) or XML that does not parse. */
int xpath_select(const char *xml, const char *expr, bool wrap, char **ret, verr *err);
