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

/* Check for leaks now instead of at exit. LeakSanitizer's check at exit
 * runs a tracer in a new process and reads its suppressions file, which
 * the kernel layer forbids: call this before applying it. Leaks after
 * this point go unseen. */
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
