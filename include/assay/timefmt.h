/*
 * timefmt.h - timestamps: unix nanoseconds <-> ISO 8601.
 *
 * Output form is Phoenix's: "2024-05-01T12:00:00.123456+00:00"
 * (microseconds, explicit UTC offset).  Parsing accepts RFC 3339 /
 * ISO 8601 with 'Z' or +hh:mm offsets, optional fraction (up to 9
 * digits), and a date alone ("2024-05-01" = midnight UTC).
 */
#ifndef ASSAY_TIMEFMT_H
#define ASSAY_TIMEFMT_H

#include "assay/common.h"

#define AS_ISO_MAX 64

void as_time_iso(int64_t unix_ns, char out[AS_ISO_MAX]);
bool as_time_parse(const char *s, int64_t *unix_ns);
int64_t as_now_ns(void);          /* CLOCK_REALTIME */
int64_t as_mono_ns(void);         /* CLOCK_MONOTONIC */

#endif
