/* prediction_text.h: the predicted saving and memory lines of a text report's candidate
 * (prediction_text.c). */
#ifndef ARENAPROF_PREDICTION_TEXT_H
#define ARENAPROF_PREDICTION_TEXT_H

#include <stdio.h>

#include "candidates.h"

void prediction_text(FILE *f, const struct an_candidate *c);

#endif
