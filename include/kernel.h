/* --kernel: the policy backed by seccomp-bpf and Landlock, applied while
 * the process has one thread, before the interpreter starts. What the
 * kernel enforces holds against native code and every child process. */
#ifndef HERMETIC_KERNEL_H
#define HERMETIC_KERNEL_H

#include <stdbool.h>

#include "error.h"
#include "policy.h"
#include "strlist.h"

/* Paths the process itself needs under a Landlock read root, besides the
 * policy's own: the interpreter's installation, the program's file, the
 * hermetic binary (children run it). */
struct kernel_paths {
    struct strlist readable;
};

/* What was applied and what was not, for --trace and for required mode. */
struct kernel_report {
    char applied[512];
    char skipped[1024];   /* parts that could not be applied on this kernel */
    int landlock_abi;     /* 0 if Landlock is unavailable */
    bool ip_sockets_refused;   /* seccomp refuses socket() for IP families */
};

/* The running kernel's Landlock ABI version, or 0. */
int kernel_landlock_abi(void);

/*
 * Apply the kernel layer for `policy` (its kernel mode must not be off).
 * In auto mode, parts the kernel cannot apply are listed in the report; in
 * required mode they are an error (status 78) and nothing is applied.
 * Returns 0 or -1 with err set.
 */
int kernel_apply(const struct hermetic_policy *policy, const struct kernel_paths *paths,
                 struct kernel_report *report, struct hermetic_error *err);

#endif
