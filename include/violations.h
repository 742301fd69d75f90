/* The distinct blocked actions of a run, for the report printed when the
 * program ends: programs often catch the exception and go on. */
#ifndef HERMETIC_VIOLATIONS_H
#define HERMETIC_VIOLATIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The report lists this many messages, then a count of the rest. */
#define VIOLATIONS_REPORT_MAX 10
/* Distinct messages remembered; past this every message counts as new. */
#define VIOLATIONS_HASHES_MAX 100000

struct violations {
    uint64_t *hashes;                        /* of the distinct messages */
    size_t len, cap;
    char *messages[VIOLATIONS_REPORT_MAX];   /* the first distinct messages */
    bool printed[VIOLATIONS_REPORT_MAX];     /* already printed when they happened */
    size_t distinct;
    size_t printed_beyond;                   /* distinct messages past the first ten already printed */
};

/* Record a blocked action; `printed` says whether it was printed already
 * (by --trace). Returns true if the message is new. */
bool violations_add(struct violations *v, const char *message, bool printed);
/* True if `message` was recorded. */
bool violations_seen(const struct violations *v, const char *message);
/* Note that `message` has been printed (by the uncaught-violation handler). */
void violations_mark_printed(struct violations *v, const char *message);
/* The report: one "hermetic: blocked action: MESSAGE" line per distinct
 * message not yet printed, at most ten, then "hermetic: N more blocked
 * actions". Allocated; empty if there is nothing to report. */
char *violations_report(const struct violations *v);
void violations_free(struct violations *v);

#endif
