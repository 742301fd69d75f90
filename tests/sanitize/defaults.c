/*
 * Sanitizer defaults built into hermetic by make check-sanitize, and only
 * there. The sanitizers read ASAN_OPTIONS, LSAN_OPTIONS and UBSAN_OPTIONS
 * from the environment, which a program or --no-environment may empty for
 * a child. Built in, the options and the suppressions of lsan.supp apply in
 * every hermetic process. Options in the environment still add to them.
 */
#include "lsan_supp.h"

#define EXPORTED __attribute__((visibility("default"), used))

EXPORTED const char *__asan_default_options(void);
EXPORTED const char *__lsan_default_options(void);
EXPORTED const char *__lsan_default_suppressions(void);
EXPORTED const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
    return "detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=64:exitcode=86";
}

const char *__lsan_default_options(void)
{
    return "print_suppressions=0:exitcode=86";
}

const char *__lsan_default_suppressions(void)
{
    return LSAN_SUPPRESSIONS;
}

const char *__ubsan_default_options(void)
{
    return "print_stacktrace=1:halt_on_error=1:exitcode=86";
}
