/*
 * h_runner.c - the server-side experiment runner's endpoints.
 */
#include "server.h"

const as_route as_routes_runner[] = {
    { NULL, NULL, NULL, false, false },
};
