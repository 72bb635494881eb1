/*
 * h_experiments.c - the experiments endpoints.
 */
#include "server.h"

const as_route as_routes_experiments[] = {
    { NULL, NULL, NULL, false, false },
};
