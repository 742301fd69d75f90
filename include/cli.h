/* The command line: argv into a plain options struct. No globals; every
 * error names the option and the value. */
#ifndef HERMETIC_CLI_H
#define HERMETIC_CLI_H

#include <stdbool.h>

#include "error.h"
#include "policy.h"
#include "strlist.h"

enum cli_program {
    CLI_HERMETIC,         /* hermetic [OPTIONS] -- COMMAND [ARGS...] */
    CLI_HERMETIC_PYTHON,  /* hermetic-python [OPTIONS] [PYTHON-ARGS...] */
};

enum cli_mode {
    CLI_RUN,
    CLI_HELP,
    CLI_VERSION,
    CLI_SHOW_POLICY,
    CLI_LIST_PROFILES,
};

struct hermetic_options {
    enum cli_program program;
    enum cli_mode mode;
    struct hermetic_policy policy;  /* what the flags ask for */
    bool policy_given;              /* true if any policy option or --profile was given */
    struct strlist profiles;        /* --profile values, in the order given */
    int command_argc;               /* the command and its arguments, after -- */
    char **command_argv;            /* points into the argv given to cli_parse */
};

int cli_parse(int argc, char **argv, enum cli_program program, struct hermetic_options *out,
              struct hermetic_error *err);
void cli_options_free(struct hermetic_options *options);
/* Apply one option by its long name ("allow-domain") with `value` (NULL for
 * a flag), as if it were given on the command line. The Python API maps
 * its keywords onto the options this way. */
int cli_apply(struct hermetic_options *options, const char *option, const char *value, struct hermetic_error *err);
/* The --help text, generated from the option table. Allocated. */
char *cli_help_text(enum cli_program program);
/* Every long option name, NULL-terminated, for checks against the man page. */
const char *const *cli_option_names(void);

#endif
