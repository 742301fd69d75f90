/* The embedding lifecycle: pre-initialise, install the hook, initialise,
 * patch, run the program, report. */
#ifndef HERMETIC_HOST_H
#define HERMETIC_HOST_H

#include "policy.h"
#include "resolve.h"

/* Run `command` under `policy`; returns the exit status. */
int host_run(const struct resolved_command *command, const struct hermetic_policy *policy);

#endif
