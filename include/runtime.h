/* The state the audit hook reads: plain C, no Python objects, so the hook
 * can run before the interpreter exists and while it is torn down. */
#ifndef HERMETIC_RUNTIME_H
#define HERMETIC_RUNTIME_H

#include <stdbool.h>

#include "fscache.h"
#include "hosts.h"
#include "netpolicy.h"
#include "policy.h"
#include "violations.h"

/* A guard bit for events watched whatever the policy (reporting). */
#define GUARD_ALWAYS (1u << 31)

struct hermetic_runtime {
    struct hermetic_policy base;       /* the policy hermetic started with; never weakened */
    struct hermetic_policy effective;  /* what the hook enforces now */
    unsigned int guards;               /* policy_guards(&effective) | GUARD_ALWAYS, once active */
    bool armed;                        /* the guard patches are in place */
    bool active;                       /* enforcing: from the first import of the main phase */
    struct violations violations;      /* for the report when the program ends */
    int log_fd;                        /* --log-json file, or -1 */
    bool uncaught_violation;           /* a PolicyViolation ended the program */
    struct netrecord_set resolved;     /* addresses that allowed names resolved to */
    struct hosts_table hosts;          /* loaded on first use */
    bool hosts_loaded;
    struct strlist fs_trusted;         /* the interpreter's library directories */
    struct strlist fs_readable;        /* the program's script and its directory */
    struct strlist fs_devices;         /* /dev/null and other data-less devices */
    struct fscache fs_cache;           /* reads allowed before, under a read root */
    struct strlist code_trusted;       /* the standard library, whose code may compile */
    char *libdynload;                  /* the standard library's lib-dynload, a real path */
    struct strlist profile_dirs;       /* where the Python API's profile= looks */
    bool kernel_refuses_ip_sockets;    /* seccomp refuses socket() for IP families */
    char *self_exe;                    /* hermetic's real path, NULL in plain python3 */
    char *python_executable;           /* hermetic-python, for sys.executable; NULL in plain python3 */
};

#endif
