/* Errors reported by the decision code: an exit status and a message that
 * names the value at fault and what to do next. The caller prints it. */
#ifndef HERMETIC_ERROR_H
#define HERMETIC_ERROR_H

#include <stdarg.h>

/* Exit statuses, documented in hermetic(1) under EXIT STATUS. */
enum hermetic_exit {
    HERMETIC_EXIT_OK = 0,
    HERMETIC_EXIT_USAGE = 64,       /* a bad option or option value */
    HERMETIC_EXIT_INTERNAL = 70,    /* hermetic failed, or a feature is missing */
    HERMETIC_EXIT_BLOCKED = 77,     /* a blocked action ended the program */
    HERMETIC_EXIT_PROFILE = 78,     /* a profile could not be loaded */
    HERMETIC_EXIT_NOT_PYTHON = 126, /* the command is not a Python program */
    HERMETIC_EXIT_NOT_FOUND = 127,  /* the command was not found */
};

struct hermetic_error {
    int status;          /* an enum hermetic_exit value */
    char message[1024];  /* without the "hermetic: " prefix */
};

/* Fill `err` and return -1, so callers can write `return error_set(...)`. */
int error_set(struct hermetic_error *err, int status, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
int error_vset(struct hermetic_error *err, int status, const char *format,
               va_list args) __attribute__((format(printf, 3, 0)));
/* Like error_set, followed by ": " and strerror(errnum). */
int error_set_errno(struct hermetic_error *err, int status, int errnum,
                    const char *format, ...) __attribute__((format(printf, 4, 5)));

#endif
