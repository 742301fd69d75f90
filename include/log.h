/* Every message hermetic prints goes through here and starts with
 * "hermetic: ". Each line is written with one write(2), so lines from
 * concurrent threads do not interleave. */
#ifndef HERMETIC_LOG_H
#define HERMETIC_LOG_H

#include <stdarg.h>
#include <stdbool.h>

#include "error.h"

void log_message(const char *format, ...) __attribute__((format(printf, 1, 2)));
void log_vmessage(const char *format, va_list args) __attribute__((format(printf, 1, 0)));
void log_warn(const char *format, ...) __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void log_die(int status, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
/* Print err's message and exit with its status. */
__attribute__((noreturn)) void log_die_error(const struct hermetic_error *err);

/* Write `text` as is to standard output (help, policy) or standard error
 * (text whose lines already carry the prefix). */
void log_write_stdout(const char *text);
void log_write_stderr(const char *text);

/*
 * One JSON object per line for --log-json: an audit record of a decision.
 * `decision` is "blocked" or "allowed"; guard, target and message may hold
 * any bytes, which are escaped (invalid UTF-8 becomes U+FFFD).
 */
void log_json_record(int fd, const char *decision, const char *guard,
                     const char *target, const char *message);
/* Append `text` to `out` (of `size` bytes) as a JSON string, quotes included;
 * return the length it needed, like snprintf. */
size_t log_json_escape(char *out, size_t size, const char *text);

#endif
