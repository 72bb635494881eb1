/*
 * verdict.c - the as_verdict lifecycle (include/assay/eval.h, "verdicts").
 * Judges and code evaluators both fill verdicts; clearing one frees its
 * explanation and leaves it empty (no label, score NAN), ready for reuse.
 */
#include <math.h>
#include <stdlib.h>

#include "assay/eval.h"

void as_verdict_clear(as_verdict *v) {
    if (!v) return;
    free(v->explanation);
    v->explanation = NULL;
    v->label[0] = '\0';
    v->score = NAN;
}
