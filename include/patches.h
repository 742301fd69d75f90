/* Guard patches: C-level changes for actions that raise no audit event
 * before they take effect. */
#ifndef HERMETIC_PATCHES_H
#define HERMETIC_PATCHES_H

#include "runtime.h"

/* Install the patches the guards in `guards` need (idempotent). Requires
 * an initialised interpreter core. Returns -1 with a Python exception set. */
int patches_install(unsigned int guards);

#endif
