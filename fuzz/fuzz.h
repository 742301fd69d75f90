/* Shared helpers for the libFuzzer harnesses in this directory. Each
 * harness defines LLVMFuzzerTestOneInput and calls only decision code,
 * which needs no Python. A property that does not hold calls
 * fuzz_fail, which aborts so that libFuzzer saves the input. */
#ifndef HERMETIC_FUZZ_H
#define HERMETIC_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Print "fuzz: property failed: ..." to standard error and abort. */
__attribute__((noreturn, format(printf, 1, 2))) void fuzz_fail(const char *format, ...);

/* A NUL-terminated copy of data[0..size) (allocated). Embedded NUL bytes
 * stay, so C string functions see only the text before the first one. */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* Split data at `separator` into at most `max` allocated NUL-terminated
 * pieces; returns how many. Free them with fuzz_free_pieces. */
size_t fuzz_split(const uint8_t *data, size_t size, uint8_t separator, char **pieces, size_t max);
void fuzz_free_pieces(char **pieces, size_t count);

/* Compare two policies field by field; on a difference, describe the
 * first one in `why` and return false. */
bool fuzz_policy_equal(const struct hermetic_policy *a, const struct hermetic_policy *b, char *why,
                       size_t size);

/* Check that `policy`, written by policy_format_yaml, reads back through
 * profile_parse as an equal policy; `source` names the input in messages. */
void fuzz_check_yaml_round_trip(const struct hermetic_policy *policy, const char *source);

#endif
