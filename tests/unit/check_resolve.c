/* Command resolution: python names, files, #! lines, PATH lookups, entry
 * points, venvs and wrapper scripts, on files made in a scratch directory.
 * struct resolve_env always names its PATH here, so the PATH of the
 * machine running the tests (pyenv shims, say) never decides a result. */
#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "resolve.h"
#include "scratch.h"
#include "unit.h"

#define EMBEDDED_PYTHON "/usr/bin/python3"
#define EMBEDDED_VERSION "3.11.2"

extern char **environ;

static struct resolve_env env_with_path(const char *path)
{
    /* "" for virtual_env: the VIRTUAL_ENV of the machine running the tests
     * never decides a result either. */
    struct resolve_env env = {.path = path, .python = EMBEDDED_PYTHON, .python_version = EMBEDDED_VERSION,
                              .virtual_env = ""};

    return env;
}

static int count_args(char *const *argv)
{
    int argc = 0;

    while (argv[argc] != NULL)
        argc++;
    return argc;
}

static void resolve_ok(char *const *argv, const struct resolve_env *env, struct resolved_command *out)
{
    struct hermetic_error err = {0};
    int rc = resolve_command(count_args(argv), argv, env, out, &err);

    ck_assert_msg(rc == 0, "%s should resolve, got status %d: %s", argv[0], err.status, err.message);
}

static const char *resolve_fails(char *const *argv, const struct resolve_env *env, int status)
{
    static struct hermetic_error err;
    struct resolved_command out;
    int rc;

    memset(&err, 0, sizeof(err));
    rc = resolve_command(count_args(argv), argv, env, &out, &err);
    ck_assert_msg(rc == -1, "%s should not resolve", argv[0]);
    ck_assert_msg(err.status == status, "%s: status %d, expected %d (%s)", argv[0], err.status, status,
                  err.message);
    resolve_free(&out);
    return err.message;
}

/* Require out->argv to be exactly `expected` (NULL-terminated). */
static void expect_argv(const struct resolved_command *out, const char *const *expected, const char *what)
{
    size_t n = 0;

    while (expected[n] != NULL)
        n++;
    ck_assert_msg(out->argv.len == n, "%s: argv has %zu entries, expected %zu", what, out->argv.len, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(strcmp(out->argv.items[i], expected[i]) == 0, "%s: argv[%zu] is \"%s\", expected \"%s\"", what,
                      i, out->argv.items[i], expected[i]);
}

static void expect_interpreter(const struct resolved_command *out, const char *expected, const char *what)
{
    ck_assert_msg(out->interpreter != NULL, "%s: no interpreter", what);
    ck_assert_msg(strcmp(out->interpreter, expected) == 0, "%s: interpreter is %s, expected %s", what,
                  out->interpreter, expected);
}

/* A file that starts like an ELF executable; resolve reads only the magic. */
static char *write_elf(const char *dir, const char *name)
{
    static const char elf[] = "\177ELF\002\001\001\000\000\000\000\000\000\000\000\000";
    char *path = scratch_path("%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);

    ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
    ck_assert_msg(write(fd, elf, sizeof(elf) - 1) == (ssize_t)(sizeof(elf) - 1), "write %s", path);
    close(fd);
    return path;
}

/* Run `/usr/bin/python3 -m venv --without-pip DIR` and wait for it. */
static void make_venv(const char *dir)
{
    char *argv[] = {EMBEDDED_PYTHON, "-m", "venv", "--without-pip", (char *)dir, NULL};
    pid_t pid;
    int status, rc;

    rc = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
    ck_assert_msg(rc == 0, "cannot start %s -m venv: %s", argv[0], strerror(rc));
    ck_assert_msg(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s -m venv --without-pip %s failed (status %d)",
                  argv[0], dir, status);
}

/* ----- python names ----- */

START_TEST(test_python_names)
{
    static const char *const names[] = {"python", "python3", "python3.11"};
    char *empty = scratch_dir();
    struct resolve_env env = env_with_path(empty);

    for (size_t i = 0; i < 3; i++) {
        char *argv[] = {(char *)names[i], "-c", "print(1)", NULL};
        const char *expected[] = {names[i], "-c", "print(1)", NULL};
        struct resolved_command out;

        resolve_ok(argv, &env, &out);
        ck_assert_msg(out.kind == RESOLVE_PYTHON, "%s: kind %d, expected RESOLVE_PYTHON", names[i], out.kind);
        expect_interpreter(&out, EMBEDDED_PYTHON, names[i]);
        expect_argv(&out, expected, names[i]);
        ck_assert_msg(out.note == NULL, "%s: unexpected note: %s", names[i], out.note);
        resolve_free(&out);
    }
    free(empty);
}
END_TEST

START_TEST(test_python_name_other_version)
{
    char *empty = scratch_dir();
    struct resolve_env env = env_with_path(empty);

    ck_assert_str_eq(resolve_fails((char *[]){"python3.12", "-V", NULL}, &env, HERMETIC_EXIT_NOT_PYTHON),
                     "python3.12: hermetic embeds Python 3.11.2 and cannot run Python 3.12 in-process; use python3 "
                     "or /usr/bin/python3");
    ck_assert_str_eq(resolve_fails((char *[]){"python3.9", NULL}, &env, HERMETIC_EXIT_NOT_PYTHON),
                     "python3.9: hermetic embeds Python 3.11.2 and cannot run Python 3.9 in-process; use python3 or "
                     "/usr/bin/python3");
    free(empty);
}
END_TEST

START_TEST(test_python_names_on_path)
{
    struct resolve_env env = env_with_path("/usr/bin");
    struct resolved_command out;

    resolve_ok((char *[]){"python3", NULL}, &env, &out);
    expect_interpreter(&out, "/usr/bin/python3", "python3 on /usr/bin");
    ck_assert_msg(out.note == NULL, "the embedded python3 on PATH needs no note: %s", out.note);
    resolve_free(&out);

    resolve_ok((char *[]){"python3.11", NULL}, &env, &out);
    expect_interpreter(&out, "/usr/bin/python3.11", "python3.11 on /usr/bin");
    resolve_free(&out);

    resolve_ok((char *[]){"/usr/bin/python3", "-I", NULL}, &env, &out);
    ck_assert_int_eq(out.kind, RESOLVE_PYTHON);
    expect_interpreter(&out, "/usr/bin/python3", "/usr/bin/python3 as a path");
    expect_argv(&out, (const char *[]){"/usr/bin/python3", "-I", NULL}, "/usr/bin/python3 as a path");
    resolve_free(&out);
}
END_TEST

START_TEST(test_python_process_path)
{
    char *bin = scratch_dir();
    char *shim = scratch_file(bin, "python3", "#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n", 0755);
    struct resolve_env env = env_with_path(NULL);
    struct resolved_command out;

    /* With env.path NULL, the process's PATH is searched. */
    scratch_setenv("PATH", bin);
    resolve_ok((char *[]){"python3", NULL}, &env, &out);
    expect_interpreter(&out, EMBEDDED_PYTHON, "python3 with a wrapper on the process PATH");
    ck_assert_msg(out.note != NULL, "the wrapper on the process PATH should be explained");
    resolve_free(&out);
    free(bin), free(shim);
}
END_TEST

START_TEST(test_python_path_missing)
{
    struct resolve_env env = env_with_path("/usr/bin");

    ck_assert_str_eq(resolve_fails((char *[]){"/nonexistent-hermetic-test/python3", NULL}, &env,
                                   HERMETIC_EXIT_NOT_FOUND),
                     "/nonexistent-hermetic-test/python3: No such file or directory");
}
END_TEST

START_TEST(test_is_python_name)
{
    static const char *const yes[] = {"python", "python3", "python3.11", "python3.9", "python3.1234",
                                      "/usr/bin/python3", "./venv/bin/python"};
    static const char *const no[] = {"", "python2", "python3.", "python3.x", "python3.11d", "pythonw", "ipython3",
                                     "python3-config", "/usr/bin/", "python3.11/", "py"};

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        ck_assert_msg(resolve_is_python_name(yes[i]), "\"%s\" is a python name", yes[i]);
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        ck_assert_msg(!resolve_is_python_name(no[i]), "\"%s\" is not a python name", no[i]);
}
END_TEST

/* ----- files ----- */

START_TEST(test_py_file)
{
    char *dir = scratch_dir();
    char *script = scratch_file(dir, "hello.py", "print('hello')\n", 0644);
    struct resolve_env env = env_with_path(dir);
    struct resolved_command out;

    resolve_ok((char *[]){script, "a", "b", NULL}, &env, &out);
    ck_assert_int_eq(out.kind, RESOLVE_SCRIPT);
    expect_interpreter(&out, EMBEDDED_PYTHON, "hello.py");
    expect_argv(&out, (const char *[]){EMBEDDED_PYTHON, script, "a", "b", NULL}, "hello.py by path");
    resolve_free(&out);

    /* A bare name ending in .py that exists is a file, not a PATH lookup. */
    scratch_chdir(dir);
    resolve_ok((char *[]){"hello.py", "a", NULL}, &env, &out);
    ck_assert_int_eq(out.kind, RESOLVE_SCRIPT);
    expect_argv(&out, (const char *[]){EMBEDDED_PYTHON, "hello.py", "a", NULL}, "hello.py by name");
    resolve_free(&out);
    free(dir), free(script);
}
END_TEST

START_TEST(test_zip_application)
{
    char *dir = scratch_dir();
    char *app = scratch_file(dir, "app", "PK\003\004rest of a zip file", 0755);
    struct resolve_env env = env_with_path(dir);
    struct resolved_command out;

    resolve_ok((char *[]){app, NULL}, &env, &out);
    ck_assert_int_eq(out.kind, RESOLVE_SCRIPT);
    expect_argv(&out, (const char *[]){EMBEDDED_PYTHON, app, NULL}, "zip application");
    resolve_free(&out);
    free(dir), free(app);
}
END_TEST

START_TEST(test_shebang_options)
{
    static const struct {
        const char *line;
        const char *options[3];
    } cases[] = {
        {"#!/usr/bin/python3 -E\n", {"-E", NULL}},
        /* Linux passes everything after the interpreter as one argument. */
        {"#!/usr/bin/python3 -E -s\n", {"-E -s", NULL}},
        {"#! /usr/bin/python3\t-u  \r\n", {"-u", NULL}},
        {"#!/usr/bin/python3\n", {NULL}},
        {"#!/usr/bin/python3", {NULL}},
    };
    char *dir = scratch_dir();
    struct resolve_env env = env_with_path(dir);

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool has_newline = strchr(cases[i].line, '\n') != NULL;
        char *text = scratch_path("%s%s", cases[i].line, has_newline ? "print(1)\n" : "");
        char *script = scratch_file(dir, "tool", text, 0755);
        const char *expected[6] = {"/usr/bin/python3"};
        size_t n = 1;
        struct resolved_command out;

        for (size_t k = 0; cases[i].options[k] != NULL; k++)
            expected[n++] = cases[i].options[k];
        expected[n++] = script;
        expected[n++] = "arg";
        expected[n] = NULL;
        resolve_ok((char *[]){script, "arg", NULL}, &env, &out);
        ck_assert_msg(out.kind == RESOLVE_SCRIPT, "case %zu: kind %d", i, out.kind);
        expect_interpreter(&out, "/usr/bin/python3", cases[i].line);
        expect_argv(&out, expected, cases[i].line);
        resolve_free(&out);
        free(text), free(script);
    }
    free(dir);
}
END_TEST

START_TEST(test_shebang_env)
{
    char *dir = scratch_dir();
    char *script = scratch_file(dir, "tool", "#!/usr/bin/env python3\nprint(1)\n", 0755);
    struct resolve_env no_python = env_with_path(dir);
    struct resolve_env usr_bin = env_with_path("/usr/bin");
    struct resolved_command out;

    /* No python3 on PATH: the embedded interpreter, without a note. */
    resolve_ok((char *[]){script, NULL}, &no_python, &out);
    ck_assert_int_eq(out.kind, RESOLVE_SCRIPT);
    expect_interpreter(&out, EMBEDDED_PYTHON, "env python3, none on PATH");
    expect_argv(&out, (const char *[]){EMBEDDED_PYTHON, script, NULL}, "env python3, none on PATH");
    ck_assert_msg(out.note == NULL, "unexpected note: %s", out.note);
    resolve_free(&out);

    resolve_ok((char *[]){script, NULL}, &usr_bin, &out);
    expect_interpreter(&out, "/usr/bin/python3", "env python3 with /usr/bin on PATH");
    resolve_free(&out);
    free(dir), free(script);
}
END_TEST

START_TEST(test_shebang_env_split)
{
    static const struct {
        const char *line;
        const char *options[4];
    } cases[] = {
        {"#!/usr/bin/env -S python3 -u -E\n", {"-u", "-E", NULL}},
        {"#!/usr/bin/env -S python3\n", {NULL}},
        {"#!/usr/bin/env -S python3 -X 'importtime' -W\\_error\n", {"-X", "importtime", "-W error", NULL}},
        {"#!/bin/env -S  python3\t-I\n", {"-I", NULL}},
    };
    char *dir = scratch_dir();
    struct resolve_env env = env_with_path(dir);

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *script = scratch_file(dir, "tool", cases[i].line, 0755);
        const char *expected[8] = {EMBEDDED_PYTHON};
        size_t n = 1;
        struct resolved_command out;

        for (size_t k = 0; cases[i].options[k] != NULL; k++)
            expected[n++] = cases[i].options[k];
        expected[n++] = script;
        expected[n] = NULL;
        resolve_ok((char *[]){script, NULL}, &env, &out);
        expect_argv(&out, expected, cases[i].line);
        resolve_free(&out);
        free(script);
    }
    free(dir);
}
END_TEST

START_TEST(test_shebang_env_rejected)
{
    char *dir = scratch_dir();
    struct resolve_env env = env_with_path(dir);
    char *options = scratch_file(dir, "options", "#!/usr/bin/env -i python3\n", 0755);
    char *assignment = scratch_file(dir, "assignment", "#!/usr/bin/env -S PYTHONHASHSEED=0 python3\n", 0755);
    char *empty = scratch_file(dir, "empty", "#!/usr/bin/env -S\n", 0755);
    char *unterminated = scratch_file(dir, "unterminated", "#!/usr/bin/env -S python3 'x\n", 0755);
    char *expected;

    expected = scratch_path("%s: its #! line uses env options or variable assignments (-i python3), which hermetic does "
                         "not run; use #!/usr/bin/env python3 or #!/usr/bin/python3", options);
    ck_assert_str_eq(resolve_fails((char *[]){options, NULL}, &env, HERMETIC_EXIT_NOT_PYTHON), expected);
    free(expected);
    expected = scratch_path("%s: its #! line uses env options or variable assignments (-S PYTHONHASHSEED=0 python3), "
                         "which hermetic does not run; use #!/usr/bin/env python3 or #!/usr/bin/python3", assignment);
    ck_assert_str_eq(resolve_fails((char *[]){assignment, NULL}, &env, HERMETIC_EXIT_NOT_PYTHON), expected);
    free(expected);
    expected = scratch_path("%s: #!/usr/bin/env -S names no program", empty);
    ck_assert_str_eq(resolve_fails((char *[]){empty, NULL}, &env, HERMETIC_EXIT_NOT_PYTHON), expected);
    free(expected);
    expected = scratch_path("%s: invalid #! line: unterminated ' quote in \" python3 'x\"", unterminated);
    ck_assert_str_eq(resolve_fails((char *[]){unterminated, NULL}, &env, HERMETIC_EXIT_NOT_PYTHON), expected);
    free(expected);
    free(dir), free(options), free(assignment), free(empty), free(unterminated);
}
END_TEST

START_TEST(test_not_python_programs)
{
    char *dir = scratch_dir();
    struct resolve_env env = env_with_path(dir);
    char *shell = scratch_file(dir, "build.sh", "#!/bin/sh\necho hi\n", 0755);
    char *bash = scratch_file(dir, "run", "#!/usr/bin/env bash\necho hi\n", 0755);
    char *elf = write_elf(dir, "tool");
    char *text = scratch_file(dir, "notes", "print('no #! line, no .py')\n", 0644);
    char *expected;

    expected = scratch_path("%s: not a Python program (its #! line runs /bin/sh); hermetic runs Python programs in its "
                         "own process", shell);
    ck_assert_str_eq(resolve_fails((char *[]){shell, NULL}, &env, HERMETIC_EXIT_NOT_PYTHON), expected);
    free(expected);
    expected = scratch_path("%s: not a Python program (its #! line runs bash); hermetic runs Python programs in its own "
                         "process", bash);
    ck_assert_str_eq(resolve_fails((char *[]){bash, NULL}, &env, HERMETIC_EXIT_NOT_PYTHON), expected);
    free(expected);
    expected = scratch_path("%s: not a Python program (an ELF binary); hermetic runs Python programs in its own process",
                         elf);
    ck_assert_str_eq(resolve_fails((char *[]){elf, NULL}, &env, HERMETIC_EXIT_NOT_PYTHON), expected);
    free(expected);
    expected = scratch_path("%s: not a Python program (no python #! line and no .py suffix); hermetic runs Python "
                         "programs in its own process", text);
    ck_assert_str_eq(resolve_fails((char *[]){text, NULL}, &env, HERMETIC_EXIT_NOT_PYTHON), expected);
    free(expected);

    /* The same programs found on PATH by name. */
    ck_assert_msg(strstr(resolve_fails((char *[]){"build.sh", NULL}, &env, HERMETIC_EXIT_NOT_PYTHON), "/bin/sh") != NULL,
                  "build.sh on PATH should be named as a shell script");
    ck_assert_msg(strstr(resolve_fails((char *[]){"tool", NULL}, &env, HERMETIC_EXIT_NOT_PYTHON), "ELF") != NULL,
                  "tool on PATH should be named as an ELF binary");
    free(dir), free(shell), free(bash), free(elf), free(text);
}
END_TEST

START_TEST(test_missing_files)
{
    char *dir = scratch_dir();
    char *file = scratch_file(dir, "file", "x\n", 0644);
    struct resolve_env env = env_with_path(dir);
    char *missing = scratch_path("%s/missing", dir);
    char *under_file = scratch_path("%s/file/x.py", dir);
    char *expected;

    expected = scratch_path("%s: No such file or directory", missing);
    ck_assert_str_eq(resolve_fails((char *[]){missing, NULL}, &env, HERMETIC_EXIT_NOT_FOUND), expected);
    free(expected);
    expected = scratch_path("%s: Not a directory", under_file);
    ck_assert_str_eq(resolve_fails((char *[]){under_file, NULL}, &env, HERMETIC_EXIT_NOT_FOUND), expected);
    free(expected);
    scratch_chdir(dir);
    ck_assert_str_eq(resolve_fails((char *[]){"./missing.py", NULL}, &env, HERMETIC_EXIT_NOT_FOUND),
                     "./missing.py: No such file or directory");
    ck_assert_str_eq(resolve_fails((char *[]){"", NULL}, &env, HERMETIC_EXIT_NOT_FOUND), "empty command name");
    free(dir), free(file), free(missing), free(under_file);
}
END_TEST

START_TEST(test_directories)
{
    char *dir = scratch_dir();
    char *app = scratch_subdir(dir, "app");
    char *main_py = scratch_file(app, "__main__.py", "print('app')\n", 0644);
    char *plain = scratch_subdir(dir, "plain");
    struct resolve_env env = env_with_path(dir);
    struct resolved_command out;
    char *expected = scratch_path("%s: a directory without __main__.py is not a Python program", plain);

    resolve_ok((char *[]){app, "x", NULL}, &env, &out);
    ck_assert_int_eq(out.kind, RESOLVE_SCRIPT);
    expect_interpreter(&out, EMBEDDED_PYTHON, "directory with __main__.py");
    expect_argv(&out, (const char *[]){EMBEDDED_PYTHON, app, "x", NULL}, "directory with __main__.py");
    resolve_free(&out);
    ck_assert_str_eq(resolve_fails((char *[]){plain, NULL}, &env, HERMETIC_EXIT_NOT_PYTHON), expected);
    free(dir), free(app), free(main_py), free(plain), free(expected);
}
END_TEST

/* ----- PATH, entry points, console scripts ----- */

START_TEST(test_script_on_path)
{
    char *dir = scratch_dir();
    char *first = scratch_subdir(dir, "first");
    char *second = scratch_subdir(dir, "second");
    char *tool = scratch_file(second, "mytool", "#!/usr/bin/python3\nprint(1)\n", 0755);
    char *shadow = scratch_file(dir, "mytool", "#!/bin/sh\n", 0755);   /* not on PATH */
    char *not_executable = scratch_file(first, "quiet", "#!/usr/bin/python3\n", 0644);
    char *directory = scratch_subdir(first, "mytool");
    char *path = scratch_path("/nonexistent-hermetic-test:%s:%s", first, second);
    struct resolve_env env = env_with_path(path);
    struct resolved_command out;

    /* first/mytool is a directory, so the search goes on to second/. */
    resolve_ok((char *[]){"mytool", "--flag", NULL}, &env, &out);
    ck_assert_int_eq(out.kind, RESOLVE_SCRIPT);
    expect_interpreter(&out, "/usr/bin/python3", "mytool on PATH");
    expect_argv(&out, (const char *[]){"/usr/bin/python3", tool, "--flag", NULL}, "mytool on PATH");
    resolve_free(&out);

    /* A file without execute permission is not found on PATH. */
    resolve_ok((char *[]){"quiet", NULL}, &env, &out);
    ck_assert_msg(out.kind == RESOLVE_CONSOLE_SCRIPT, "quiet is not executable: kind %d, expected a console script",
                  out.kind);
    resolve_free(&out);
    free(dir), free(first), free(second), free(tool), free(shadow), free(not_executable), free(directory), free(path);
}
END_TEST

START_TEST(test_entry_points)
{
    static const char *const entry_points[] = {"pkg.mod:main", "mod:main", "a.b:c.d", "_m:_f", "m2:f2"};
    static const char *const not_entry_points[] = {"a:b:c", ":main", "mod:", "1mod:main", "mod:1f", "a..b:c",
                                                   "mod:main.", "no-such-command"};
    char *dir = scratch_dir();
    struct resolve_env env = env_with_path(dir);

    for (size_t i = 0; i < sizeof(entry_points) / sizeof(entry_points[0]); i++) {
        struct resolved_command out;

        resolve_ok((char *[]){(char *)entry_points[i], "x", NULL}, &env, &out);
        ck_assert_msg(out.kind == RESOLVE_ENTRY_POINT, "%s: kind %d, expected RESOLVE_ENTRY_POINT", entry_points[i],
                      out.kind);
        expect_interpreter(&out, EMBEDDED_PYTHON, entry_points[i]);
        expect_argv(&out, (const char *[]){EMBEDDED_PYTHON, "-c", RESOLVE_ENTRY_POINT_CODE, entry_points[i], "x", NULL},
                    entry_points[i]);
        resolve_free(&out);
    }
    for (size_t i = 0; i < sizeof(not_entry_points) / sizeof(not_entry_points[0]); i++) {
        struct resolved_command out;

        resolve_ok((char *[]){(char *)not_entry_points[i], "x", NULL}, &env, &out);
        ck_assert_msg(out.kind == RESOLVE_CONSOLE_SCRIPT, "%s: kind %d, expected RESOLVE_CONSOLE_SCRIPT",
                      not_entry_points[i], out.kind);
        expect_argv(&out,
                    (const char *[]){EMBEDDED_PYTHON, "-c", RESOLVE_CONSOLE_SCRIPT_CODE, not_entry_points[i], "x", NULL},
                    not_entry_points[i]);
        resolve_free(&out);
    }
    free(dir);
}
END_TEST

START_TEST(test_entry_points_in_active_venv)
{
    char *dir = scratch_dir();
    char *venv = scratch_path("%s/venv", dir);
    char *venv_python = scratch_path("%s/bin/python3", venv);
    struct resolve_env env = env_with_path(dir);
    struct resolved_command out;

    make_venv(venv);
    env.virtual_env = venv;
    resolve_ok((char *[]){"pkg.mod:main", NULL}, &env, &out);
    expect_interpreter(&out, venv_python, "module:function in an active venv");
    expect_argv(&out, (const char *[]){venv_python, "-c", RESOLVE_ENTRY_POINT_CODE, "pkg.mod:main", NULL},
                "module:function in an active venv");
    resolve_free(&out);
    resolve_ok((char *[]){"some-tool", NULL}, &env, &out);
    expect_interpreter(&out, venv_python, "console script in an active venv");
    resolve_free(&out);

    /* VIRTUAL_ENV naming something that is not a venv: the embedded python. */
    env.virtual_env = dir;
    resolve_ok((char *[]){"pkg.mod:main", NULL}, &env, &out);
    expect_interpreter(&out, EMBEDDED_PYTHON, "VIRTUAL_ENV that is not a venv");
    resolve_free(&out);
    env.virtual_env = "relative/venv";
    resolve_ok((char *[]){"pkg.mod:main", NULL}, &env, &out);
    expect_interpreter(&out, EMBEDDED_PYTHON, "relative VIRTUAL_ENV");
    resolve_free(&out);
}
END_TEST

/* ----- venvs and wrappers ----- */

START_TEST(test_venv_interpreter)
{
    char *dir = scratch_dir();
    char *venv = scratch_path("%s/venv", dir);
    char *venv_python = scratch_path("%s/bin/python3", venv);
    char *venv_python_plain = scratch_path("%s/bin/python", venv);
    char *venv_bin = scratch_path("%s/bin", venv);
    char *shebang = scratch_path("#!%s\nprint(1)\n", venv_python);
    char *script = NULL;
    char *env_script = scratch_file(dir, "env-tool", "#!/usr/bin/env python3\n", 0755);
    struct resolve_env no_python = env_with_path(dir);
    struct resolve_env venv_path = env_with_path(venv_bin);
    struct resolved_command out;

    make_venv(venv);
    script = scratch_file(dir, "tool", shebang, 0755);

    resolve_ok((char *[]){script, NULL}, &no_python, &out);
    expect_interpreter(&out, venv_python, "#! naming the venv's python3");
    expect_argv(&out, (const char *[]){venv_python, script, NULL}, "#! naming the venv's python3");
    resolve_free(&out);

    resolve_ok((char *[]){env_script, NULL}, &venv_path, &out);
    expect_interpreter(&out, venv_python, "#!/usr/bin/env python3 with the venv first on PATH");
    ck_assert_msg(out.note == NULL, "a venv of the embedded python needs no note: %s", out.note);
    resolve_free(&out);

    resolve_ok((char *[]){"python3", "-c", "pass", NULL}, &venv_path, &out);
    ck_assert_int_eq(out.kind, RESOLVE_PYTHON);
    expect_interpreter(&out, venv_python, "python3 with the venv first on PATH");
    resolve_free(&out);

    resolve_ok((char *[]){venv_python_plain, NULL}, &no_python, &out);
    ck_assert_int_eq(out.kind, RESOLVE_PYTHON);
    expect_interpreter(&out, venv_python_plain, "the venv's bin/python by path");
    resolve_free(&out);
    free(dir), free(venv), free(venv_python), free(venv_python_plain), free(venv_bin), free(shebang), free(script),
        free(env_script);
}
END_TEST

/* Make a venv-like directory whose bin/python3 links to the embedded
 * interpreter and whose pyvenv.cfg contains `cfg`. Returns bin/python3. */
static char *fake_venv(const char *dir, const char *name, const char *cfg)
{
    char *venv = scratch_subdir(dir, name);
    char *bin = scratch_subdir(venv, "bin");
    char *python = scratch_symlink(bin, "python3", EMBEDDED_PYTHON);

    free(scratch_file(venv, "pyvenv.cfg", cfg, 0644));
    free(venv), free(bin);
    return python;
}

START_TEST(test_venv_of_other_python)
{
    char *dir = scratch_dir();
    char *other_home = scratch_subdir(dir, "other-install");
    char *other_python = write_elf(other_home, "python3");
    char *cfg = scratch_path("home = %s\nversion = 3.11.9\n", other_home);
    char *newer = fake_venv(dir, "newer", "home = /usr/bin\nversion = 3.12.1\n");
    char *elsewhere = fake_venv(dir, "elsewhere", cfg);
    char *newer_script_text = scratch_path("#!%s\n", newer);
    char *elsewhere_script_text = scratch_path("#!%s\n", elsewhere);
    char *newer_script = scratch_file(dir, "newer-tool", newer_script_text, 0755);
    char *elsewhere_script = scratch_file(dir, "elsewhere-tool", elsewhere_script_text, 0755);
    struct resolve_env env = env_with_path(dir);
    char *expected;

    expected = scratch_path("%s: cannot run it in-process: %s is Python 3.12.1, but hermetic embeds Python 3.11.2 (use "
                         "/usr/bin/python3, or a venv made with /usr/bin/python3 -m venv)", newer_script, newer);
    ck_assert_str_eq(resolve_fails((char *[]){newer_script, NULL}, &env, HERMETIC_EXIT_NOT_PYTHON), expected);
    free(expected);
    expected = scratch_path("%s: cannot run it in-process: %s is another Python 3.11.9 installation, but hermetic embeds "
                         "Python 3.11.2 from /usr/bin/python3 (use /usr/bin/python3, or a venv made with "
                         "/usr/bin/python3 -m venv)", elsewhere_script, elsewhere);
    ck_assert_str_eq(resolve_fails((char *[]){elsewhere_script, NULL}, &env, HERMETIC_EXIT_NOT_PYTHON), expected);
    free(expected);
    free(dir), free(other_home), free(other_python), free(cfg), free(newer), free(elsewhere), free(newer_script_text),
        free(elsewhere_script_text), free(newer_script), free(elsewhere_script);
}
END_TEST

START_TEST(test_other_version_binary)
{
    char *dir = scratch_dir();
    char *bin = scratch_subdir(dir, "bin");
    char *python312 = write_elf(bin, "python3.12");
    char *text = scratch_path("#!%s\n", python312);
    char *script = scratch_file(dir, "tool", text, 0755);
    struct resolve_env env = env_with_path(bin);
    char *expected = scratch_path("%s: cannot run it in-process: %s is Python 3.12, but hermetic embeds Python 3.11.2 "
                               "(use /usr/bin/python3, or a venv made with /usr/bin/python3 -m venv)", script,
                               python312);

    ck_assert_str_eq(resolve_fails((char *[]){script, NULL}, &env, HERMETIC_EXIT_NOT_PYTHON), expected);
    free(dir), free(bin), free(python312), free(text), free(script), free(expected);
}
END_TEST

START_TEST(test_pyenv_shim)
{
    char *dir = scratch_dir();
    char *shims = scratch_subdir(dir, "shims");
    char *shim = scratch_file(shims, "python3",
                              "#!/usr/bin/env bash\nset -e\nexport PYENV_ROOT=\"$HOME/.pyenv\"\n"
                              "exec \"$PYENV_ROOT/libexec/pyenv\" exec \"${0##*/}\" \"$@\"\n",
                              0755);
    char *env_script = scratch_file(dir, "tool", "#!/usr/bin/env python3\n", 0755);
    char *direct_text = scratch_path("#!%s\n", shim);
    char *direct_script = scratch_file(dir, "direct", direct_text, 0755);
    char *path = scratch_path("%s:/usr/bin", shims);
    struct resolve_env env = env_with_path(path);
    struct resolved_command out;
    char *note = scratch_path("note: python3 on PATH: %s is a wrapper script (such as a pyenv shim), not a Python "
                           "interpreter; running the embedded Python 3.11.2 (/usr/bin/python3) instead", shim);
    char *expected;

    resolve_ok((char *[]){"python3", "-V", NULL}, &env, &out);
    ck_assert_int_eq(out.kind, RESOLVE_PYTHON);
    expect_interpreter(&out, EMBEDDED_PYTHON, "python3 with a shim first on PATH");
    ck_assert_msg(out.note != NULL, "the shim should be explained in a note");
    ck_assert_str_eq(out.note, note);
    resolve_free(&out);

    resolve_ok((char *[]){env_script, NULL}, &env, &out);
    expect_interpreter(&out, EMBEDDED_PYTHON, "#!/usr/bin/env python3 with a shim first on PATH");
    ck_assert_msg(out.note != NULL, "the shim should be explained in a note");
    ck_assert_str_eq(out.note, note);
    resolve_free(&out);

    /* A #! line that names the shim itself cannot fall back. */
    expected = scratch_path("%s: cannot run it in-process: %s is a wrapper script (such as a pyenv shim), not a Python "
                         "interpreter (use /usr/bin/python3, or a venv made with /usr/bin/python3 -m venv)",
                         direct_script, shim);
    ck_assert_str_eq(resolve_fails((char *[]){direct_script, NULL}, &env, HERMETIC_EXIT_NOT_PYTHON), expected);
    free(dir), free(shims), free(shim), free(env_script), free(direct_text), free(direct_script), free(path), free(note),
        free(expected);
}
END_TEST

/* ----- resolve_split_args ----- */

START_TEST(test_split_args)
{
    static const struct {
        const char *text;
        const char *words[5];
    } cases[] = {
        {"", {NULL}},
        {"   \t ", {NULL}},
        {"a", {"a", NULL}},
        {"a b", {"a", "b", NULL}},
        {"  a \t b  ", {"a", "b", NULL}},
        {"'a b' c", {"a b", "c", NULL}},
        {"\"a b\" c", {"a b", "c", NULL}},
        {"a\\ b", {"a b", NULL}},
        {"a\\_b", {"a b", NULL}},
        {"a\\tb", {"a\tb", NULL}},
        {"a\\nb", {"a\nb", NULL}},
        {"''", {"", NULL}},
        {"\"\" x", {"", "x", NULL}},
        {"pre'in side'post", {"prein sidepost", NULL}},
        {"'a\\b'", {"a\\b", NULL}},
        {"\"a\\\"b\"", {"a\"b", NULL}},
        {"\"it's\"", {"it's", NULL}},
        {"'say \"hi\"'", {"say \"hi\"", NULL}},
        {"--profile=block-all --trace", {"--profile=block-all", "--trace", NULL}},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct strlist words = {0};
        struct hermetic_error err = {0};
        size_t n = 0;

        ck_assert_msg(resolve_split_args(cases[i].text, &words, &err) == 0, "\"%s\" should split: %s", cases[i].text,
                      err.message);
        while (cases[i].words[n] != NULL)
            n++;
        ck_assert_msg(words.len == n, "\"%s\" splits into %zu words, expected %zu", cases[i].text, words.len, n);
        for (size_t k = 0; k < n; k++)
            ck_assert_msg(strcmp(words.items[k], cases[i].words[k]) == 0, "\"%s\": word %zu is \"%s\", expected \"%s\"",
                          cases[i].text, k, words.items[k], cases[i].words[k]);
        strlist_free(&words);
    }
}
END_TEST

START_TEST(test_split_args_appends)
{
    struct strlist words = {0};
    struct hermetic_error err;

    strlist_add(&words, "first");
    ck_assert_int_eq(resolve_split_args("second third", &words, &err), 0);
    ck_assert_msg(words.len == 3, "resolve_split_args appends to the list; got %zu words", words.len);
    ck_assert_str_eq(words.items[0], "first");
    ck_assert_str_eq(words.items[2], "third");
    strlist_free(&words);
}
END_TEST

START_TEST(test_split_args_unterminated)
{
    static const struct {
        const char *text, *message;
    } cases[] = {
        {"'open", "unterminated ' quote in \"'open\""},
        {"a \"open", "unterminated \" quote in \"a \"open\""},
        {"'it\\'s'", "unterminated ' quote in \"'it\\'s'\""},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct strlist words = {0};
        struct hermetic_error err = {0};

        strlist_add(&words, "kept");
        ck_assert_msg(resolve_split_args(cases[i].text, &words, &err) == -1, "\"%s\" should be rejected",
                      cases[i].text);
        ck_assert_int_eq(err.status, HERMETIC_EXIT_USAGE);
        ck_assert_str_eq(err.message, cases[i].message);
        ck_assert_msg(words.len == 1, "\"%s\": a failed split should leave the list as it was", cases[i].text);
        strlist_free(&words);
    }
}
END_TEST

/* ----- Python children started by the program ----- */

static bool python_child(const char *program, const struct resolve_env *env, struct python_child *child)
{
    return resolve_python_child(program, env, child);
}

static void expect_prefix(const struct python_child *child, const char *const *expected, const char *what)
{
    size_t n = 0;

    while (expected[n] != NULL)
        n++;
    ck_assert_msg(child->prefix.len == n, "%s: prefix has %zu entries, expected %zu", what, child->prefix.len, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(strcmp(child->prefix.items[i], expected[i]) == 0, "%s: prefix[%zu] is \"%s\", expected \"%s\"",
                      what, i, child->prefix.items[i], expected[i]);
}

START_TEST(test_child_interpreters)
{
    char *dir = scratch_dir();
    char *venv = scratch_path("%s/venv", dir);
    char *venv_python, *relative_dir;
    struct resolve_env env = env_with_path(dir);
    struct python_child child;
    static const char *const none[] = {NULL};

    ck_assert_msg(python_child(EMBEDDED_PYTHON, &env, &child), "the embedded python3 is a Python child");
    ck_assert_str_eq(child.interpreter, EMBEDDED_PYTHON);
    expect_prefix(&child, none, "python3");
    resolve_python_child_free(&child);

    make_venv(venv);
    venv_python = scratch_path("%s/bin/python3", venv);
    ck_assert_msg(python_child(venv_python, &env, &child), "a venv's python3 is a Python child");
    ck_assert_str_eq(child.interpreter, venv_python);   /* the venv's own path, not /usr/bin/python3.11 */
    expect_prefix(&child, none, "venv python3");
    resolve_python_child_free(&child);

    /* A relative path becomes absolute, still through the venv. */
    scratch_chdir(venv);
    relative_dir = scratch_path("%s/bin/python3", scratch_realpath(venv));
    ck_assert_msg(python_child("bin/python3", &env, &child), "a relative venv python3 is a Python child");
    ck_assert_str_eq(child.interpreter, relative_dir);
    resolve_python_child_free(&child);

    ck_assert_msg(!python_child(write_elf(dir, "python3.12"), &env, &child), "another Python version");
    ck_assert_msg(!python_child("/bin/true", &env, &child), "an ELF program that is not Python");
    ck_assert_msg(!python_child(scratch_path("%s/missing", dir), &env, &child), "a missing program");
}
END_TEST

/* A program named for the embedded Python that cannot run on it gives
 * way to the embedded python3, as hermetic's own command does. */
START_TEST(test_child_replaced_by_embedded)
{
    char *dir = scratch_dir();
    char *shims = scratch_subdir(dir, "shims");
    char *other = scratch_subdir(dir, "other");
    struct resolve_env env = env_with_path(dir);
    struct python_child child;
    static const char *const none[] = {NULL};
    const char *replaced[] = {
        scratch_file(shims, "python3", "#!/usr/bin/env bash\nexec pyenv exec python3 \"$@\"\n", 0755),
        scratch_file(shims, "python", "#!/bin/sh\nexec python3 \"$@\"\n", 0755),
        scratch_file(shims, "python3.11", "#!/bin/sh\nexec python3 \"$@\"\n", 0755),
        write_elf(other, "python3"),
    };
    const char *kept[] = {
        scratch_file(shims, "python3.12", "#!/bin/sh\nexec python3.12 \"$@\"\n", 0755),
        write_elf(other, "python3.10"),
        scratch_file(shims, "pythonw", "#!/bin/sh\nexec python3 \"$@\"\n", 0755),
    };

    for (size_t i = 0; i < sizeof(replaced) / sizeof(replaced[0]); i++) {
        ck_assert_msg(python_child(replaced[i], &env, &child), "%s should give way to the embedded python3",
                      replaced[i]);
        ck_assert_str_eq(child.interpreter, EMBEDDED_PYTHON);
        expect_prefix(&child, none, replaced[i]);
        ck_assert_msg(child.note != NULL && strstr(child.note, replaced[i]) != NULL,
                      "the note should name %s, got \"%s\"", replaced[i], child.note ? child.note : "(none)");
        resolve_python_child_free(&child);
    }
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
        ck_assert_msg(!python_child(kept[i], &env, &child), "%s should run as it is", kept[i]);
}
END_TEST

START_TEST(test_child_scripts)
{
    char *dir = scratch_dir();
    char *bin = scratch_subdir(dir, "bin");
    struct resolve_env env = env_with_path(bin);
    struct python_child child;
    char *direct = scratch_file(dir, "direct", "#!/usr/bin/python3\nprint(1)\n", 0755);
    char *options = scratch_file(dir, "options", "#!/usr/bin/python3 -I -s\nprint(1)\n", 0755);
    char *via_env = scratch_file(dir, "via-env", "#!/usr/bin/env python3\nprint(1)\n", 0755);
    char *split = scratch_file(dir, "split", "#!/usr/bin/env -S python3 -I\nprint(1)\n", 0755);
    char *shell = scratch_file(dir, "shell", "#!/bin/sh\necho 1\n", 0755);
    char *other = scratch_file(dir, "other", "#!/usr/bin/python3.12\nprint(1)\n", 0755);
    char *plain = scratch_file(dir, "plain.py", "print(1)\n", 0755);
    const char *direct_prefix[] = {direct, NULL};
    const char *options_prefix[] = {"-I -s", options, NULL};
    const char *via_env_prefix[] = {via_env, NULL};
    const char *split_prefix[] = {"-I", split, NULL};

    scratch_symlink(bin, "python3", EMBEDDED_PYTHON);
    ck_assert_msg(python_child(direct, &env, &child), "#!/usr/bin/python3");
    ck_assert_str_eq(child.interpreter, "/usr/bin/python3");
    expect_prefix(&child, direct_prefix, "direct");
    resolve_python_child_free(&child);

    /* Linux passes the rest of the #! line as one argument. */
    ck_assert_msg(python_child(options, &env, &child), "#!/usr/bin/python3 -I -s");
    expect_prefix(&child, options_prefix, "options");
    resolve_python_child_free(&child);

    ck_assert_msg(python_child(via_env, &env, &child), "#!/usr/bin/env python3, python3 on PATH");
    ck_assert_str_eq(child.interpreter, scratch_path("%s/python3", bin));
    expect_prefix(&child, via_env_prefix, "via env");
    resolve_python_child_free(&child);

    ck_assert_msg(python_child(split, &env, &child), "#!/usr/bin/env -S python3 -I");
    expect_prefix(&child, split_prefix, "env -S");
    resolve_python_child_free(&child);

    ck_assert_msg(!python_child(shell, &env, &child), "a shell script");
    ck_assert_msg(!python_child(other, &env, &child), "a script for another Python version");
    ck_assert_msg(!python_child(plain, &env, &child), "a file without a #! line: exec would fail");
}
END_TEST

START_TEST(test_child_script_env_not_usable)
{
    char *dir = scratch_dir();
    char *bin = scratch_subdir(dir, "bin");
    struct resolve_env env = env_with_path(bin);
    struct python_child child;
    char *via_env = scratch_file(dir, "via-env", "#!/usr/bin/env python3\nprint(1)\n", 0755);

    /* python3 on PATH is a pyenv-style shim: the child would not run the
     * embedded interpreter, so it is left alone. */
    scratch_file(bin, "python3", "#!/bin/sh\nexec /usr/bin/python3 \"$@\"\n", 0755);
    ck_assert_msg(!python_child(via_env, &env, &child), "python3 on PATH is a wrapper");
    /* Nothing on PATH at all. */
    env = env_with_path(dir);
    ck_assert_msg(!python_child(via_env, &env, &child), "no python3 on PATH");
}
END_TEST

Suite *suite_resolve(void)
{
    Suite *suite = suite_create("resolve");
    TCase *python = tcase_create("python names");
    TCase *files = tcase_create("files");
    TCase *lookup = tcase_create("lookup");
    TCase *interpreters = tcase_create("interpreters");
    TCase *split = tcase_create("split");

    scratch_add_fixture(python);
    tcase_add_test(python, test_python_names);
    tcase_add_test(python, test_python_name_other_version);
    tcase_add_test(python, test_python_names_on_path);
    tcase_add_test(python, test_python_process_path);
    tcase_add_test(python, test_python_path_missing);
    tcase_add_test(python, test_is_python_name);
    suite_add_tcase(suite, python);

    scratch_add_fixture(files);
    tcase_add_test(files, test_py_file);
    tcase_add_test(files, test_zip_application);
    tcase_add_test(files, test_shebang_options);
    tcase_add_test(files, test_shebang_env);
    tcase_add_test(files, test_shebang_env_split);
    tcase_add_test(files, test_shebang_env_rejected);
    tcase_add_test(files, test_not_python_programs);
    tcase_add_test(files, test_missing_files);
    tcase_add_test(files, test_directories);
    suite_add_tcase(suite, files);

    scratch_add_fixture(lookup);
    tcase_add_test(lookup, test_script_on_path);
    tcase_add_test(lookup, test_entry_points);
    suite_add_tcase(suite, lookup);

    scratch_add_fixture(interpreters);
    tcase_set_timeout(interpreters, 30);   /* python3 -m venv takes a moment on a slow disk */
    tcase_add_test(interpreters, test_venv_interpreter);
    tcase_add_test(interpreters, test_entry_points_in_active_venv);
    tcase_add_test(interpreters, test_venv_of_other_python);
    tcase_add_test(interpreters, test_other_version_binary);
    tcase_add_test(interpreters, test_pyenv_shim);
    tcase_add_test(interpreters, test_child_interpreters);
    tcase_add_test(interpreters, test_child_replaced_by_embedded);
    tcase_add_test(interpreters, test_child_scripts);
    tcase_add_test(interpreters, test_child_script_env_not_usable);
    suite_add_tcase(suite, interpreters);

    tcase_add_test(split, test_split_args);
    tcase_add_test(split, test_split_args_appends);
    tcase_add_test(split, test_split_args_unterminated);
    suite_add_tcase(suite, split);
    return suite;
}
