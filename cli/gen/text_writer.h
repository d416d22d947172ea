/*
 * text_writer.h - the request records of a generated fleet as text logs
 * (text_writer.c): records-000.csv ... (SPEC 3, "Request records": CSV
 * with a header, or NDJSON), optionally zstd-compressed.
 */
#ifndef SLAGG_GEN_TEXT_WRITER_H
#define SLAGG_GEN_TEXT_WRITER_H

#include <stdint.h>

#include "cli/gen/fleet.h"
#include "cli/gen/out_file.h"

/* Writes o->files record files into o->out_dir, file i holding windows
 * [windows * i / files, windows * (i + 1) / files) of the month, all drawn
 * from one RNG stream in time order; tz is the service offset as "+08:00".
 * Adds the records written to *records and the files to *acc. Memory is
 * one window's records, whatever o->records is. On failure the file being
 * written is removed; files already renamed stay. */
slagg_status slagg_gen_write_logs(const slagg_gen_fleet *f, const slagg_gen_opts *o,
                                  const char *tz, uint64_t *records, slagg_gen_tally *acc,
                                  slagg_err *err);

#endif
