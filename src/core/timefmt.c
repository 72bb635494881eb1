/*
 * timefmt.c - ISO 8601 formatting and parsing without the C library's
 * locale- and TZ-dependent functions (days-from-civil arithmetic).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "assay/timefmt.h"

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void as_time_iso(int64_t ns, char out[AS_ISO_MAX]) {
    int64_t secs = ns / 1000000000, rem = ns % 1000000000;
    if (rem < 0) { rem += 1000000000; secs--; }
    int64_t days = secs / 86400, sod = secs % 86400;
    if (sod < 0) { sod += 86400; days--; }
    int64_t y; unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(out, AS_ISO_MAX, "%04lld-%02u-%02uT%02d:%02d:%02d.%06d+00:00",
             (long long)y, m, d, (int)(sod / 3600), (int)(sod / 60 % 60),
             (int)(sod % 60), (int)(rem / 1000));
}

static bool digits(const char **p, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i])) return false;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

bool as_time_parse(const char *s, int64_t *unix_ns) {
    const char *p = s;
    int y, mo, d, h = 0, mi = 0, sec = 0;
    int64_t frac = 0;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
        *p++ != '-' || !digits(&p, 2, &d))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return false;
    int offset = 0;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi)) return false;
        if (*p == ':') { p++; if (!digits(&p, 2, &sec)) return false; }
        if (h > 23 || mi > 59 || sec > 60) return false;
        if (*p == '.') {
            p++;
            int nd = 0;
            while (isdigit((unsigned char)*p)) {
                if (nd < 9) { frac = frac * 10 + (*p - '0'); nd++; }
                p++;
            }
            if (nd == 0) return false;
            while (nd++ < 9) frac *= 10;
        }
        if (*p == 'Z' || *p == 'z') p++;
        else if (*p == '+' || *p == '-') {
            int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
            if (!digits(&p, 2, &oh)) return false;
            if (*p == ':') p++;
            if (*p && !digits(&p, 2, &om)) return false;
            offset = sign * (oh * 3600 + om * 60);
        }
    }
    if (*p != '\0') return false;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset;
    *unix_ns = secs * 1000000000 + frac;
    return true;
}

int64_t as_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t as_mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
