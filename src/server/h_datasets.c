/*
 * h_datasets.c - the datasets endpoints.
 */
#include "server.h"

const as_route as_routes_datasets[] = {
    { NULL, NULL, NULL, false, false },
};
