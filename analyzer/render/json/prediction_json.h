/* prediction_json.h: the predicted saving's parts, interval and memory of a candidate in
 * `report --json` (prediction_json.c). */
#ifndef ARENAPROF_PREDICTION_JSON_H
#define ARENAPROF_PREDICTION_JSON_H

#include "candidates.h"

struct json_writer;
/* est_cpu_saving_ci90, est_cpu_saving_with_walk(_ci90), est_cpu_saving_parts, memory */
void prediction_json(struct json_writer *w, const struct an_candidate *c);
/* calibration.inplace and calibration.arena_cost_fraction_sd */
void calibration_inplace_json(struct json_writer *w, const struct an_candidates *c);

#endif
