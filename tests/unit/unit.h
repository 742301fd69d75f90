/* Included by every Check suite: Check itself and the suite prototypes. */
#ifndef HERMETIC_UNIT_H
#define HERMETIC_UNIT_H

#include <check.h>

#define SUITE(name) Suite *suite_##name(void);
#include "suites.inc"
#undef SUITE

#endif
