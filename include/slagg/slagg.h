/*
 * slagg.h - public API of the slagg library.
 *
 * slagg computes SLA availability, credit tiers and finance exports from
 * API request records (../shared/SPEC.md). This header exposes only opaque
 * handles and a pinned status enum; internals live in core/ and io/.
 */
#ifndef SLAGG_SLAGG_H
#define SLAGG_SLAGG_H

#ifdef __cplusplus
extern "C" {
#endif

#define SLAGG_VERSION_MAJOR 0
#define SLAGG_VERSION_MINOR 1
#define SLAGG_VERSION_PATCH 0
#define SLAGG_VERSION_STRING "0.1.0"

/* Pinned values: never renumber, only append. The CLI's exit code is
 * slagg_status_exit_code(status) (SPEC section 6). */
typedef enum slagg_status {
    SLAGG_OK = 0,
    SLAGG_E_USAGE = 1,    /* bad command line: exit 1 */
    SLAGG_E_INPUT = 2,    /* bad or corrupt input, rejects over the limit: exit 2 */
    SLAGG_E_IO = 3,       /* cannot read or write a file: exit 3 */
    SLAGG_E_NOMEM = 4,    /* allocation failed: exit 3 */
    SLAGG_E_INTERNAL = 5  /* a bug: exit 3 */
} slagg_status;

/* Short fixed name of a status ("input error"), never NULL. */
const char *slagg_status_name(slagg_status s);
/* The process exit code for a status: 0, 1, 2 or 3. */
int slagg_status_exit_code(slagg_status s);
/* "0.1.0" */
const char *slagg_version(void);

#ifdef __cplusplus
}
#endif
#endif
