/* Option parser: bytes split at NUL into argv -> cli_parse. The first
 * byte picks hermetic or hermetic-python. Options that parse to a valid
 * policy must give one that reads back equal through its profile
 * (--show-policy), and the command must lie inside argv. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fuzz.h"
#include "policy.h"

#define ARGS_MAX 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *argv[ARGS_MAX + 2];
    struct hermetic_options options;
    struct hermetic_error err;
    enum cli_program program;
    size_t argc;

    if (size == 0)
        return 0;
    program = (data[0] & 1) ? CLI_HERMETIC_PYTHON : CLI_HERMETIC;
    argv[0] = strdup(program == CLI_HERMETIC ? "hermetic" : "hermetic-python");
    argc = 1 + fuzz_split(data + 1, size - 1, '\0', argv + 1, ARGS_MAX);
    argv[argc] = NULL;

    err.message[0] = '\0';
    if (cli_parse((int)argc, argv, program, &options, &err) != 0) {
        if (err.message[0] == '\0')
            fuzz_fail("cli_parse failed without a message");
    } else {
        if (options.command_argc < 0 || (size_t)options.command_argc > argc - 1 ||
            options.command_argv != argv + argc - options.command_argc)
            fuzz_fail("cli_parse returned a command outside argv (argc %zu, command_argc %d)", argc,
                      options.command_argc);
        if (program == CLI_HERMETIC && options.mode == CLI_RUN && options.command_argc == 0)
            fuzz_fail("cli_parse accepted hermetic with no command");
        /* hermetic validates the policy before it uses it, as here: only a
         * valid policy must read back through its profile. */
        err.message[0] = '\0';
        if (policy_validate(&options.policy, &err) == 0)
            fuzz_check_yaml_round_trip(&options.policy, "the options");
        else if (err.message[0] == '\0')
            fuzz_fail("policy_validate failed without a message");
    }
    cli_options_free(&options);
    fuzz_free_pieces(argv, argc);
    return 0;
}
