/* SPDX-License-Identifier: GPL-2.0 */
/* A run's outputs (src/outputs.c). */
#ifndef URINGLOCKSTAT_OUTPUTS_H
#define URINGLOCKSTAT_OUTPUTS_H

#include <stdio.h>
#include "atomic.h"
#include "config.h"
#include "http.h"
#include "model.h"
#include "report.h"
#include "session.h"

struct outputs {
	/* The output files, opened and checked before anything is attached (see atomic.h). */
	struct out_file text, json, folded, svg, pprof, prom;
	struct http_server *http;	/* the --listen endpoint, NULL without one */
	int prom_error;			/* the last --prom-file failure, said once */
	bool text_begun;		/* the text report's file is being written */
};

/*
 * Open every output file before the run, with the calls that will write it, so that a path
 * that cannot be written fails now. Returns 0, 1 or EXIT_USAGE.
 */
int outputs_open(struct outputs *o, const struct config *cfg);

/*
 * Begin the text report (-o's file is written new, renamed over the old one when whole;
 * *text_out is where it goes, standard error unless -o or no --) and start the --listen
 * endpoint. Returns 0, 1 or EXIT_USAGE.
 */
int outputs_start(struct outputs *o, const struct config *cfg, FILE **text_out);

/*
 * Stop the endpoint and end the text report: kept when text_whole, else the old file stays.
 * Returns 0, or 1 when it could not be written.
 */
int outputs_end(struct outputs *o, FILE *text_out, bool text_whole);

void outputs_close(struct outputs *o);

/*
 * --listen and --prom-file: the model rendered as it stands. Returns 0, or -errno when the
 * metrics file could not be written.
 */
int outputs_metrics(struct outputs *o, const struct config *cfg, const struct run_model *m);

/*
 * What is rendered of a snapshot while the run goes on: its model's metrics and, when
 * interval_s is not 0, the interval table (-i) on text_out. Returns as outputs_metrics(), or
 * -ENOMEM.
 */
int outputs_snapshot(struct outputs *o, const struct config *cfg, const struct report *rep,
		     struct interval_ring *prev, FILE *text_out, double interval_s);

/* --folded, --svg and --pprof: the session's stacks, with the run's model. Returns 0 or 1. */
int outputs_stacks(struct outputs *o, const struct config *cfg, struct session *session,
		   struct run_model *m);

/* --json: the model (with its repeats) written. Returns 0 or 1. */
int outputs_json(struct outputs *o, const struct config *cfg, const struct run_model *m);

#endif
