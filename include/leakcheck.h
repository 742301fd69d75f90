/* LeakSanitizer hooks for builds with AddressSanitizer (make
 * check-sanitize); in other builds they do nothing. */
#ifndef HERMETIC_LEAKCHECK_H
#define HERMETIC_LEAKCHECK_H

#if defined(__SANITIZE_ADDRESS__)
#define HERMETIC_LEAK_CHECK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HERMETIC_LEAK_CHECK 1
#endif
#endif

#ifdef HERMETIC_LEAK_CHECK
#include <sanitizer/lsan_interface.h>
#endif

/* Check for leaks now instead of at exit, and call it before applying the
 * kernel layer. The check at exit starts a tracer process and reads the
 * suppressions file, which the kernel layer forbids. Later leaks go
 * unreported. */
static inline void leakcheck_now(void)
{
#ifdef HERMETIC_LEAK_CHECK
    __lsan_do_leak_check();
#endif
}

/* Report no leak for `object`, an allocation that lives until exit by
 * design. */
static inline void leakcheck_ignore(const void *object)
{
#ifdef HERMETIC_LEAK_CHECK
    __lsan_ignore_object(object);
#else
    (void)object;
#endif
}

#endif
