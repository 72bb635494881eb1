/*
 * h_annotations.c - the annotations endpoints.
 */
#include "server.h"

const as_route as_routes_annotations[] = {
    { NULL, NULL, NULL, false, false },
};
