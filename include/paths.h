/* The interpreter's own paths, read from sys once the path configuration
 * is computed: readable under a read root, and where trusted extension
 * modules live. */
#ifndef HERMETIC_PATHS_H
#define HERMETIC_PATHS_H

#include "runtime.h"

/* Fill rt->fs_trusted and rt->libdynload from sys.path and the prefixes. */
void paths_collect(struct hermetic_runtime *rt);

#endif
