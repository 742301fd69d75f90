/* The one C audit hook: dispatch on the event name, then the guard. */
#ifndef HERMETIC_HOOK_H
#define HERMETIC_HOOK_H

#include <stdbool.h>

#include "runtime.h"

/* How a blocked action surfaces in Python. */
enum violation_kind {
    VIOLATION_PLAIN,       /* hermetic.PolicyViolation */
    VIOLATION_PERMISSION,  /* also a PermissionError, as the kernel would refuse it */
    VIOLATION_IMPORT,      /* also an ImportError, so import fallbacks engage */
};

/* The runtime state the hook reads (one per process). */
struct hermetic_runtime *hook_runtime(void);

/* Set the base policy and open the --log-json file. Call once, before
 * hook_install. Returns -1 with err set if the log cannot be opened. */
int hook_init(const struct hermetic_policy *policy, struct hermetic_error *err);

/* Register the audit hook. Call after Py_PreInitialize and before
 * Py_InitializeFromConfig, so it sees every event from the first one. */
int hook_install(void);

/* Replace the effective policy (the base policy plus API layers). */
void hook_set_effective(const struct hermetic_policy *policy);

/*
 * Add a policy layer (the Python API's hermetic_blocker) on top of the base
 * policy; the effective policy becomes their union. Returns the layer's id,
 * or 0 with err set when the layers conflict (two read roots that do not
 * nest). A sealed layer stays when popped.
 */
unsigned long hook_push_layer(const struct hermetic_policy *policy, bool sealed, struct hermetic_error *err);
/* Remove a layer, whichever its place in the stack, and recompute. */
int hook_pop_layer(unsigned long id);

/*
 * Start enforcing the policy. Until then the hook only watches. The main
 * phase of initialisation first recomputes the path configuration (frozen
 * getpath code, which reads pyvenv.cfg and landmark files and cannot take
 * an exception from a hook), then imports the first module. hook_arm,
 * called once the guard patches are in place, makes that first import
 * event activate the guards: before encodings, site or any .pth file runs.
 */
void hook_arm(void);
void hook_activate(void);

/*
 * Block an action: record it, trace and log it, then either end the
 * process (--on-violation=exit) or set a PolicyViolation and return -1.
 * `target` is the host, path, module or program; the message follows
 * `format`.
 */
int hook_block(enum guard guard, enum violation_kind kind, const char *target, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* Mark hermetic's own compiling of Python source on this thread, which
 * the code-execution guard allows. */
void hook_trust_begin(void);
void hook_trust_end(void);
bool hook_trusted(void);

/* True if allowed decisions are traced or logged (--trace=all). */
bool hook_tracing_allowed(void);
/* Trace and log an allowed action (only call when hook_tracing_allowed). */
void hook_allowed(enum guard guard, const char *target, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Print the report of blocked actions the program did not see end it. */
void hook_report(void);

#endif
