/* The embedding lifecycle: pre-initialise, install the hook, initialise,
 * patch, run the program, report. */
#ifndef HERMETIC_HOST_H
#define HERMETIC_HOST_H

#include "policy.h"
#include "resolve.h"

/* The environment variables that carry the policy and the interpreter to
 * Python children started through sys.executable (hermetic-python). */
#define HERMETIC_POLICY_VARIABLE "HERMETIC_POLICY"
#define HERMETIC_INTERPRETER_VARIABLE "HERMETIC_INTERPRETER"

/* Run `command` under `policy`; returns the exit status. `profile_dirs`
 * is where the Python API's profile= keyword looks. */
int host_run(const struct resolved_command *command, const struct hermetic_policy *policy,
             const struct strlist *profile_dirs);

#endif
