/*
 * h_queues.c - the queues endpoints.
 */
#include "server.h"

const as_route as_routes_queues[] = {
    { NULL, NULL, NULL, false, false },
};
