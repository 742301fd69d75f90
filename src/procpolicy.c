#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "procpolicy.h"

/* The PATH that execvp uses when the environment has none (glibc). */
#define DEFAULT_PATH "/bin:/usr/bin"

static char *real_executable(const char *path)
{
    char real[PATH_MAX];
    struct stat st;

    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || access(path, X_OK) != 0)
        return NULL;
    return realpath(path, real) ? xstrdup(real) : NULL;
}

static bool is_executable_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *procpolicy_search_program(const char *program, const char *path_env)
{
    char *copy, *rest, *found = NULL;

    if (program[0] == '\0')
        return NULL;
    if (strchr(program, '/') != NULL)
        return is_executable_file(program) ? xstrdup(program) : NULL;
    copy = xstrdup(path_env != NULL ? path_env : DEFAULT_PATH);
    rest = copy;
    for (char *dir = strsep(&rest, ":"); dir != NULL && found == NULL; dir = strsep(&rest, ":")) {
        char *candidate = xasprintf("%s/%s", dir[0] ? dir : ".", program);

        if (is_executable_file(candidate))
            found = candidate;
        else
            free(candidate);
    }
    free(copy);
    return found;
}

char *procpolicy_find_program(const char *program, const char *path_env)
{
    char *copy, *rest, *found = NULL;

    if (program[0] == '\0')
        return NULL;
    if (strchr(program, '/') != NULL)
        return real_executable(program);
    copy = xstrdup(path_env != NULL ? path_env : DEFAULT_PATH);
    rest = copy;
    /* strsep, unlike strtok, keeps empty entries: execvp and Python's
     * os.get_exec_path search the current directory for each. */
    for (char *dir = strsep(&rest, ":"); dir != NULL && found == NULL; dir = strsep(&rest, ":")) {
        char *candidate = xasprintf("%s/%s", dir[0] ? dir : ".", program);

        found = real_executable(candidate);
        free(candidate);
    }
    free(copy);
    return found;
}

char *procpolicy_first_executable(const char *const *candidates, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        char *real = real_executable(candidates[i]);

        if (real != NULL)
            return real;
    }
    return NULL;
}

bool procpolicy_allows_exec(const struct hermetic_policy *policy, const char *real_path)
{
    if (!policy->subprocess.block)
        return true;
    return real_path != NULL && strlist_contains(&policy->subprocess.allow_exec, real_path);
}

char *procpolicy_self(void)
{
    char real[PATH_MAX];

    return realpath("/proc/self/exe", real) ? xstrdup(real) : NULL;
}
