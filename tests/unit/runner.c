/* One Check runner for every decision module. The Makefile generates
 * suites.inc with a SUITE(name) line per tests/unit/check_<name>.c, whose
 * file defines Suite *suite_<name>(void). Check's fork mode stays on:
 * each test runs in a child process. CK_RUN_SUITE=NAME runs one suite. */
#include <stdlib.h>

#include "unit.h"

int main(void)
{
    Suite *(*const factories[])(void) = {
#define SUITE(name) suite_##name,
#include "suites.inc"
#undef SUITE
    };
    SRunner *runner = srunner_create(NULL);
    int failed;

    for (size_t i = 0; i < sizeof(factories) / sizeof(factories[0]); i++)
        srunner_add_suite(runner, factories[i]());
    srunner_run_all(runner, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
