/* Fuzz target: one control-socket request, as vnetd reads it from any local
 * user. Any input may be refused, none may crash; an accepted one must
 * serialize, and its fields be readable through the handlers' accessors. */
#include <stdint.h>
#include <stdlib.h>

#include "proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *req = NULL;
    verr err = VERR_INIT;
    if (proto_parse_request((const char *)data, size, &req, &err) < 0)
        return 0;
    size_t len = 0;
    free(proto_dump(req, &len));
    verr e = VERR_INIT;
    (void)proto_get_str(req, "name", &e);
    (void)proto_get_str_opt(req, "xml");
    (void)proto_get_bool(req, "live", false);
    (void)proto_get_int(req, "port", -1);
    json_decref(req);
    return 0;
}
