#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "envscrub.h"

static const char *const SAFE[] = {
    "PATH", "HOME", "LANG", "LC_*", "TERM", "TZ", "TMPDIR", "USER", "LOGNAME", "SHELL", "PWD",
    "HERMETIC_POLICY", "HERMETIC_INTERPRETER",
};

bool envscrub_keeps(const char *name, const struct strlist *allow)
{
    for (size_t i = 0; i < sizeof(SAFE) / sizeof(SAFE[0]); i++)
        if (fnmatch(SAFE[i], name, 0) == 0)
            return true;
    for (size_t i = 0; allow != NULL && i < allow->len; i++)
        if (fnmatch(allow->items[i], name, 0) == 0)
            return true;
    return false;
}

int envscrub_apply(const struct strlist *allow)
{
    extern char **environ;
    struct strlist doomed = {0};
    char **entries = NULL;
    size_t entry_count = 0, entry_capacity = 0;
    int removed;

    /* Collect first: unsetenv changes environ while it is walked. */
    for (char **entry = environ; entry != NULL && *entry != NULL; entry++) {
        const char *eq = strchr(*entry, '=');
        char *name = xstrndup(*entry, eq ? (size_t)(eq - *entry) : strlen(*entry));

        if (!envscrub_keeps(name, allow)) {
            strlist_add_unique(&doomed, name);
            entries = xgrow(entries, &entry_capacity, entry_count + 1, sizeof(*entries));
            entries[entry_count++] = *entry;
        }
        free(name);
    }
    for (size_t i = 0; i < doomed.len; i++)
        unsetenv(doomed.items[i]);
    /* unsetenv only drops the pointers. The strings stay in the block the
     * process started with, which /proc/self/environ shows to the program:
     * wipe them there. No environ entry points to them any more. */
    for (size_t i = 0; i < entry_count; i++)
        memset(entries[i], 0, strlen(entries[i]));
    removed = (int)doomed.len;
    free(entries);
    strlist_free(&doomed);
    return removed;
}
