/*
 * h_analysis.c - the analysis endpoints.
 */
#include "server.h"

const as_route as_routes_analysis[] = {
    { NULL, NULL, NULL, false, false },
};
