/* hermetic: parse the command line, build the policy, run the program. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "cli.h"
#include "host.h"
#include "log.h"
#include "profile.h"
#include "resolve.h"

/* Only the version macros of the embedded Python; main.c needs no Python API. */
#include <patchlevel.h>

/* The profile directories shipped with hermetic: profiles/ beside the
 * binary (the build directory links it to the source tree), then
 * ../share/hermetic/profiles from it, which is where `make install` puts
 * them for any PREFIX, then the data directory fixed at build time. */
static void data_dirs(char *beside, char *installed, size_t size, const char *dirs[4])
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    size_t used = 0;
    char *slash;

    if (n > 0) {
        exe[n] = '\0';
        *strrchr(exe, '/') = '\0';                  /* PREFIX/bin */
        snprintf(beside, size, "%s/profiles", exe);
        dirs[used++] = beside;
        slash = strrchr(exe, '/');
        if (slash != NULL && slash != exe) {
            *slash = '\0';                          /* PREFIX */
            snprintf(installed, size, "%s/share/hermetic/profiles", exe);
            dirs[used++] = installed;
        }
    }
    dirs[used++] = HERMETIC_DATADIR;
    dirs[used] = NULL;
}

static void list_profiles(const struct profile_search *search)
{
    struct profile_entry *entries;
    size_t count = profile_list(search, &entries);

    if (count == 0) {
        printf("No profiles found. Searched:\n");
        for (size_t i = 0; i < search->dirs.len; i++)
            printf("  %s\n", search->dirs.items[i]);
    }
    for (size_t i = 0; i < count; i++) {
        const struct profile_entry *e = &entries[i];

        printf("%-16s %s%s\n%-16s %s\n", e->name, e->problem ? "(does not load) " : "",
               e->problem ? e->problem : e->description, "", e->file);
        if (e->shadowed)
            printf("%-16s (shadowed by the profile of the same name listed earlier)\n", "");
    }
    profile_list_free(entries, count);
}

/*
 * A parent hermetic passes its policy to Python children in HERMETIC_POLICY
 * (a profile). Returns true if there is one; a policy that does not parse
 * stops hermetic, as any profile would.
 */
static bool inherited_policy(struct hermetic_policy *policy)
{
    const char *text = getenv(HERMETIC_POLICY_VARIABLE);
    struct profile_doc doc;
    struct hermetic_error err;

    if (text == NULL || text[0] == '\0')
        return false;
    if (profile_parse(text, strlen(text), HERMETIC_POLICY_VARIABLE, &doc, &err) != 0 ||
        policy_merge(policy, &doc.policy, HERMETIC_POLICY_VARIABLE, &err) != 0)
        log_die(HERMETIC_EXIT_PROFILE, "%s (the policy inherited from the parent process)", err.message);
    profile_doc_free(&doc);
    return true;
}

/*
 * Build the policy: the profiles in the order given (or "default" for a
 * bare hermetic-python), then the flags. Under an inherited policy these
 * can only restrict it further: the child starts from its parent's policy,
 * and its own options add restrictions but lift none.
 */
static void build_policy(const struct hermetic_options *options, const struct profile_search *search,
                         struct hermetic_policy *policy)
{
    struct hermetic_policy own, parent;
    struct hermetic_error err;
    bool inherited;

    policy_init(&parent);
    inherited = inherited_policy(&parent);
    policy_init(&own);
    if (options->program == CLI_HERMETIC_PYTHON && !options->policy_given && !inherited &&
        profile_load(search, "default", &own, &err) != 0)
        log_die_error(&err);
    for (size_t i = 0; i < options->profiles.len; i++)
        if (profile_load(search, options->profiles.items[i], &own, &err) != 0)
            log_die_error(&err);
    if (policy_merge(&own, &options->policy, "the command line", &err) != 0 || policy_validate(&own, &err) != 0)
        log_die_error(&err);
    if (inherited) {
        if (policy_restrict(&parent, &own, &err) != 0)
            log_die_error(&err);
        policy_free(&own);
        *policy = parent;
    } else {
        policy_free(&parent);
        *policy = own;
    }
}

/*
 * Linux passes everything after the interpreter of a #! line as one
 * argument: "#!/usr/bin/hermetic-python --profile=block-all --trace" gives
 * argv[1] "--profile=block-all --trace". Split such an argument the way
 * env -S does.
 */
static void split_shebang_argument(int *argc, char ***argv, struct strlist *storage)
{
    struct hermetic_error err;
    struct strlist words = {0};

    if (*argc < 2 || strncmp((*argv)[1], "--", 2) != 0 || strpbrk((*argv)[1], " \t") == NULL)
        return;
    if (resolve_split_args((*argv)[1], &words, &err) != 0)
        log_die(HERMETIC_EXIT_USAGE, "#! line options: %s", err.message);
    strlist_add(storage, (*argv)[0]);
    strlist_copy_all(storage, &words);
    for (int i = 2; i < *argc; i++)
        strlist_add(storage, (*argv)[i]);
    strlist_free(&words);
    *argc = (int)storage->len;
    *argv = storage->items;
}

int main(int argc, char **argv)
{
    const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    enum cli_program program = strcmp(name, "hermetic-python") == 0 ? CLI_HERMETIC_PYTHON : CLI_HERMETIC;
    const struct resolve_env env = {NULL, HERMETIC_PYTHON, PY_VERSION, NULL};
    struct hermetic_options options;
    struct hermetic_policy policy;
    struct profile_search search;
    struct resolved_command command;
    struct hermetic_error err;
    char beside[PATH_MAX + 32], installed[PATH_MAX + 32];
    const char *dirs[4];
    struct strlist split = {0};
    int status = 0;

    if (program == CLI_HERMETIC_PYTHON)
        split_shebang_argument(&argc, &argv, &split);
    if (cli_parse(argc, argv, program, &options, &err) != 0)
        log_die_error(&err);
    if (options.mode == CLI_HELP) {
        char *help = cli_help_text(program);
        log_write_stdout(help);
        free(help);
        goto done_options;
    }
    if (options.mode == CLI_VERSION) {
        printf("hermetic %s (Python %s)\n", HERMETIC_VERSION, PY_VERSION);
        goto done_options;
    }
    data_dirs(beside, installed, sizeof(beside), dirs);
    profile_search_init(&search, dirs);
    if (options.mode == CLI_LIST_PROFILES) {
        list_profiles(&search);
        goto done_search;
    }
    build_policy(&options, &search, &policy);
    if (options.mode == CLI_SHOW_POLICY) {
        char *yaml = policy_format_yaml(&policy, "# The effective policy, as a profile.\n");
        log_write_stdout(yaml);
        free(yaml);
        goto done_policy;
    }
    if (program == CLI_HERMETIC_PYTHON)
        resolve_python_command(argv[0], options.command_argc, options.command_argv,
                               getenv(HERMETIC_INTERPRETER_VARIABLE), &env, &command);
    else if (resolve_command(options.command_argc, options.command_argv, &env, &command, &err) != 0)
        log_die_error(&err);
    status = host_run(&command, &policy, &search.dirs);
    resolve_free(&command);

    /* Everything is freed before returning, so that a leak checker run on
     * the tests (make check-sanitize) reports only real leaks. */
done_policy:
    policy_free(&policy);
done_search:
    profile_search_free(&search);
done_options:
    cli_options_free(&options);
    strlist_free(&split);
    return status;
}
