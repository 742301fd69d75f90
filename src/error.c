#include <stdio.h>
#include <string.h>

#include "error.h"

int error_vset(struct hermetic_error *err, int status, const char *format, va_list args)
{
    if (err == NULL)
        return -1;
    err->status = status;
    vsnprintf(err->message, sizeof(err->message), format, args);
    return -1;
}

int error_set(struct hermetic_error *err, int status, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    error_vset(err, status, format, args);
    va_end(args);
    return -1;
}

int error_set_errno(struct hermetic_error *err, int status, int errnum, const char *format, ...)
{
    va_list args;
    size_t used;

    if (err == NULL)
        return -1;
    va_start(args, format);
    error_vset(err, status, format, args);
    va_end(args);
    used = strlen(err->message);
    snprintf(err->message + used, sizeof(err->message) - used, ": %s", strerror(errnum));
    return -1;
}
