#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "resolve.h"

/* Linux reads at most this much of a #! line (BINPRM_BUF_SIZE since 5.1). */
#define SHEBANG_MAX 256

const char RESOLVE_ENTRY_POINT_CODE[] =
    "import sys\n"
    "del sys.argv[0]\n"
    "from importlib import import_module\n"
    "_module, _, _attrs = sys.argv[0].partition(':')\n"
    "try:\n"
    "    _target = import_module(_module)\n"
    "except ModuleNotFoundError as _error:\n"
    "    if _error.name is None or not (_module + '.').startswith(_error.name + '.'):\n"
    "        raise\n"
    "    sys.stderr.write(f'hermetic: {sys.argv[0]}: no module named {_error.name!r} '\n"
    "                     f'(module:function needs a module that python3 can import)\\n')\n"
    "    sys.exit(127)\n"
    "_found = _module\n"
    "for _name in _attrs.split('.'):\n"
    "    try:\n"
    "        _target = getattr(_target, _name)\n"
    "    except AttributeError:\n"
    "        sys.stderr.write(f'hermetic: {sys.argv[0]}: {_found} has no attribute {_name!r}\\n')\n"
    "        sys.exit(127)\n"
    "    _found = f'{_found}.{_name}' if _found != _module else f'{_module}:{_name}'\n"
    "sys.exit(_target())\n";

const char RESOLVE_CONSOLE_SCRIPT_CODE[] =
    "import sys\n"
    "del sys.argv[0]\n"
    "from importlib.metadata import entry_points\n"
    "_found = entry_points(group='console_scripts', name=sys.argv[0])\n"
    "if not _found:\n"
    "    sys.stderr.write(f'hermetic: {sys.argv[0]}: command not found (not a file, not on PATH, '\n"
    "                     f'not a console_scripts entry point)\\n')\n"
    "    sys.exit(127)\n"
    "sys.exit(next(iter(_found)).load()())\n";

bool resolve_is_python_name(const char *name)
{
    const char *base = strrchr(name, '/');

    base = base ? base + 1 : name;
    if (strcmp(base, "python") == 0 || strcmp(base, "python3") == 0)
        return true;
    if (strncmp(base, "python3.", 8) != 0 || base[8] == '\0')
        return false;
    for (const char *s = base + 8; *s != '\0'; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

/* The minor version in a name such as python3.12, or -1. */
static int minor_of_name(const char *name)
{
    const char *base = strrchr(name, '/');

    base = base ? base + 1 : name;
    if (strncmp(base, "python3.", 8) != 0 || !resolve_is_python_name(base))
        return -1;
    return atoi(base + 8);
}

static int minor_of_version(const char *version)
{
    const char *dot = strchr(version, '.');

    return dot ? atoi(dot + 1) : -1;
}

/* Find `name` on `path` the way execvp does. Returns an allocated path. */
static char *search_path(const char *name, const char *path)
{
    char *copy, *dir, *save = NULL, *found = NULL;
    struct stat st;

    if (path == NULL)
        path = getenv("PATH");
    if (path == NULL || path[0] == '\0')
        path = "/usr/local/bin:/usr/bin:/bin";
    copy = xstrdup(path);
    for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char *candidate = xasprintf("%s/%s", dir[0] ? dir : ".", name);

        if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode) && access(candidate, X_OK) == 0)
            found = candidate;
        else
            free(candidate);
    }
    free(copy);
    return found;
}

/* Read the start of a file. Returns the byte count, or -1 with errno. */
static ssize_t read_head(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = read(fd, buf, size);
    close(fd);
    return n;
}

static bool is_elf(const char *path)
{
    char head[4];

    return read_head(path, head, 4) == 4 && memcmp(head, "\177ELF", 4) == 0;
}

/* Value of `key` in a pyvenv.cfg text ("key = value" lines), or NULL. */
static char *venv_value(const char *text, const char *key)
{
    size_t key_len = strlen(key);

    for (const char *line = text; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);

        while (len > 0 && isspace((unsigned char)*line))
            line++, len--;
        if (len > key_len && strncmp(line, key, key_len) == 0) {
            const char *v = line + key_len;
            size_t rest = len - key_len;

            while (rest > 0 && isspace((unsigned char)*v))
                v++, rest--;
            if (rest > 0 && *v == '=') {
                v++, rest--;
                while (rest > 0 && isspace((unsigned char)*v))
                    v++, rest--;
                while (rest > 0 && isspace((unsigned char)v[rest - 1]))
                    rest--;
                return xstrndup(v, rest);
            }
        }
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

/* The pyvenv.cfg next to or above the interpreter `path`, as CPython's
 * getpath looks for it. Returns its text, or NULL. */
static char *read_venv_cfg(const char *path)
{
    char *dir = xstrdup(path), *slash = strrchr(dir, '/'), *text = NULL;
    char buf[4096];

    if (slash != NULL) {
        *slash = '\0';
        for (int up = 0; up < 2 && text == NULL; up++) {
            char *cfg = xasprintf("%s/pyvenv.cfg", dir);
            ssize_t n = read_head(cfg, buf, sizeof(buf) - 1);

            if (n >= 0) {
                buf[n] = '\0';
                text = xstrdup(buf);
            }
            free(cfg);
            slash = strrchr(dir, '/');
            if (slash == NULL)
                break;
            *slash = '\0';
        }
    }
    free(dir);
    return text;
}

enum interpreter_status {
    INTERPRETER_EMBEDDED,       /* the embedded interpreter itself */
    INTERPRETER_VENV,           /* a venv made from the embedded interpreter */
    INTERPRETER_OTHER_VERSION,  /* another Python version */
    INTERPRETER_OTHER_INSTALL,  /* the same minor version, installed elsewhere */
    INTERPRETER_WRAPPER,        /* not an ELF binary: a shim or wrapper script */
    INTERPRETER_MISSING,
};

struct interpreter_check {
    enum interpreter_status status;
    char version[32];   /* what is known of its version, "" if nothing */
};

static void check_venv(const char *cfg, const struct resolve_env *env, struct interpreter_check *out)
{
    char *version = venv_value(cfg, "version");
    char *home = venv_value(cfg, "home");
    char embedded_real[PATH_MAX], home_python[PATH_MAX];

    if (version == NULL)
        version = venv_value(cfg, "version_info");
    snprintf(out->version, sizeof(out->version), "%s", version ? version : "");
    out->status = INTERPRETER_VENV;
    if (version != NULL && minor_of_version(version) != minor_of_version(env->python_version)) {
        out->status = INTERPRETER_OTHER_VERSION;
    } else if (home != NULL && realpath(env->python, embedded_real) != NULL) {
        /* The venv's base interpreter must be the embedded one: its home
         * directory holds a python3 that resolves to the same file. */
        char *candidate = xasprintf("%s/python3", home);

        if (realpath(candidate, home_python) == NULL || strcmp(home_python, embedded_real) != 0)
            out->status = INTERPRETER_OTHER_INSTALL;
        free(candidate);
    }
    free(version);
    free(home);
}

static struct interpreter_check check_interpreter(const char *path, const struct resolve_env *env)
{
    struct interpreter_check out = {INTERPRETER_MISSING, ""};
    char real[PATH_MAX], embedded_real[PATH_MAX];
    char *cfg;
    int minor;

    if (realpath(path, real) == NULL)
        return out;
    cfg = read_venv_cfg(path);
    if (cfg != NULL) {
        check_venv(cfg, env, &out);
        free(cfg);
        return out;
    }
    if (realpath(env->python, embedded_real) != NULL && strcmp(real, embedded_real) == 0) {
        out.status = INTERPRETER_EMBEDDED;
        snprintf(out.version, sizeof(out.version), "%s", env->python_version);
        return out;
    }
    if (!is_elf(real)) {
        out.status = INTERPRETER_WRAPPER;
        return out;
    }
    minor = minor_of_name(real);
    if (minor >= 0)
        snprintf(out.version, sizeof(out.version), "3.%d", minor);
    out.status = minor == minor_of_version(env->python_version) ? INTERPRETER_OTHER_INSTALL
                                                                 : INTERPRETER_OTHER_VERSION;
    return out;
}

/* Why `path` cannot be the interpreter, for messages. */
static void describe_unusable(const char *path, const struct interpreter_check *check,
                              const struct resolve_env *env, char *buf, size_t size)
{
    switch (check->status) {
    case INTERPRETER_OTHER_VERSION:
        snprintf(buf, size, "%s is Python %s, but hermetic embeds Python %s", path,
                 check->version[0] ? check->version : "of another version", env->python_version);
        break;
    case INTERPRETER_OTHER_INSTALL:
        snprintf(buf, size, "%s is another Python %s installation, but hermetic embeds Python %s from %s",
                 path, check->version[0] ? check->version : "3", env->python_version, env->python);
        break;
    case INTERPRETER_WRAPPER:
        snprintf(buf, size, "%s is a wrapper script (such as a pyenv shim), not a Python interpreter", path);
        break;
    case INTERPRETER_MISSING:
        snprintf(buf, size, "%s does not exist", path);
        break;
    default:
        snprintf(buf, size, "%s can be used", path);
    }
}

static bool usable(const struct interpreter_check *check)
{
    return check->status == INTERPRETER_EMBEDDED || check->status == INTERPRETER_VENV;
}

/*
 * Choose the interpreter for a bare python name (python3, or a script's
 * "#!/usr/bin/env python3"): the one on PATH if it runs on the embedded
 * library (a venv of it, say), else the embedded one, with a note saying so.
 */
static int choose_named_interpreter(const char *name, const struct resolve_env *env,
                                    struct resolved_command *out, struct hermetic_error *err)
{
    int minor = minor_of_name(name);
    char *found;
    struct interpreter_check check;
    char why[PATH_MAX + 200];

    if (minor >= 0 && minor != minor_of_version(env->python_version))
        return error_set(err, HERMETIC_EXIT_NOT_PYTHON,
                         "%s: hermetic embeds Python %s and cannot run Python 3.%d in-process; "
                         "use python3 or %s", name, env->python_version, minor, env->python);
    found = search_path(name, env->path);
    if (found == NULL) {
        out->interpreter = xstrdup(env->python);
        return 0;
    }
    check = check_interpreter(found, env);
    if (usable(&check)) {
        out->interpreter = found;
        return 0;
    }
    describe_unusable(found, &check, env, why, sizeof(why));
    free(out->note);
    out->note = xasprintf("note: %s on PATH: %s; running the embedded Python %s (%s) instead", name,
                          why, env->python_version, env->python);
    out->interpreter = xstrdup(env->python);
    free(found);
    return 0;
}

/* Use the interpreter at `path` (a shebang or a command path), which must run
 * on the embedded library. `what` names the command in messages. */
static int choose_path_interpreter(const char *path, const char *what, const struct resolve_env *env,
                                   struct resolved_command *out, struct hermetic_error *err)
{
    struct interpreter_check check = check_interpreter(path, env);
    char why[PATH_MAX + 200];

    if (usable(&check)) {
        out->interpreter = xstrdup(path);
        return 0;
    }
    describe_unusable(path, &check, env, why, sizeof(why));
    return error_set(err, HERMETIC_EXIT_NOT_PYTHON,
                     "%s: cannot run it in-process: %s (use %s, or a venv made with %s -m venv)", what, why,
                     env->python, env->python);
}

int resolve_split_args(const char *text, struct strlist *out, struct hermetic_error *err)
{
    struct strlist result = {0};
    char *word = xmalloc(strlen(text) + 1);
    size_t len = 0;
    bool in_word = false;
    char quote = 0;

    for (const char *s = text;; s++) {
        char c = *s;

        if (c == '\0') {
            if (quote != 0) {
                free(word);
                strlist_free(&result);
                return error_set(err, HERMETIC_EXIT_USAGE, "unterminated %c quote in \"%s\"", quote, text);
            }
            break;
        }
        if (quote == '\'') {
            if (c == '\'')
                quote = 0;
            else
                word[len++] = c;
            continue;
        }
        if (c == '\\' && s[1] != '\0') {
            char next = *++s;

            word[len++] = next == '_' ? ' ' : next == 't' ? '\t' : next == 'n' ? '\n' : next;
            in_word = true;
            continue;
        }
        if (quote == '"') {
            if (c == '"')
                quote = 0;
            else
                word[len++] = c;
            continue;
        }
        if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == ' ' || c == '\t') {
            if (in_word) {
                word[len] = '\0';
                strlist_add(&result, word);
                len = 0;
                in_word = false;
            }
        } else {
            word[len++] = c;
            in_word = true;
        }
    }
    if (in_word) {
        word[len] = '\0';
        strlist_add(&result, word);
    }
    free(word);
    strlist_copy_all(out, &result);
    strlist_free(&result);
    return 0;
}

/* The interpreter and its options from a #! line. */
struct shebang {
    bool present;
    char interpreter[SHEBANG_MAX];
    struct strlist args;   /* options for the interpreter, already split */
    bool via_env;          /* the interpreter is a name to find on PATH */
};

static int parse_shebang(const char *path, struct shebang *out, struct hermetic_error *err)
{
    char head[SHEBANG_MAX + 1], *line, *end, *arg;
    ssize_t n = read_head(path, head, SHEBANG_MAX);

    memset(out, 0, sizeof(*out));
    if (n < 2 || head[0] != '#' || head[1] != '!')
        return 0;
    head[n] = '\0';
    line = head + 2;
    end = strchr(line, '\n');
    if (end != NULL)
        *end = '\0';
    while (*line == ' ' || *line == '\t')
        line++;
    arg = line + strcspn(line, " \t");
    if (*arg != '\0')
        *arg++ = '\0';
    while (*arg == ' ' || *arg == '\t')
        arg++;
    for (size_t len = strlen(arg); len > 0 && (arg[len - 1] == ' ' || arg[len - 1] == '\t' ||
                                               arg[len - 1] == '\r');)
        arg[--len] = '\0';
    out->present = true;
    snprintf(out->interpreter, sizeof(out->interpreter), "%s", line);
    if (strcmp(strrchr(line, '/') ? strrchr(line, '/') + 1 : line, "env") != 0) {
        if (*arg != '\0')
            strlist_add(&out->args, arg);  /* Linux passes the rest as one argument */
        return 0;
    }
    /* #!/usr/bin/env NAME, or #!/usr/bin/env -S NAME ARGS... */
    out->via_env = true;
    if (strncmp(arg, "-S", 2) == 0 && (arg[2] == ' ' || arg[2] == '\t' || arg[2] == '\0')) {
        struct strlist words = {0};
        struct hermetic_error inner;

        if (resolve_split_args(arg + 2, &words, &inner) != 0)
            return error_set(err, HERMETIC_EXIT_NOT_PYTHON, "%s: invalid #! line: %s", path, inner.message);
        if (words.len == 0) {
            strlist_free(&words);
            return error_set(err, HERMETIC_EXIT_NOT_PYTHON, "%s: #!/usr/bin/env -S names no program", path);
        }
        snprintf(out->interpreter, sizeof(out->interpreter), "%s", words.items[0]);
        for (size_t i = 1; i < words.len; i++)
            strlist_add(&out->args, words.items[i]);
        strlist_free(&words);
    } else {
        snprintf(out->interpreter, sizeof(out->interpreter), "%s", arg);
    }
    if (out->interpreter[0] == '-' || strchr(out->interpreter, '=') != NULL) {
        strlist_free(&out->args);   /* on error, nothing stays allocated */
        return error_set(err, HERMETIC_EXIT_NOT_PYTHON,
                         "%s: its #! line uses env options or variable assignments (%s), which hermetic "
                         "does not run; use #!/usr/bin/env python3 or #!/usr/bin/python3", path, arg);
    }
    return 0;
}

static bool has_suffix(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);

    return n >= m && strcmp(text + n - m, suffix) == 0;
}

static bool is_zip(const char *path)
{
    char head[4];

    return read_head(path, head, 4) == 4 && memcmp(head, "PK\003\004", 4) == 0;
}

/* Set up `out` to run the Python file at `path` (as the user or PATH named it). */
static int resolve_file(const char *path, int argc, char *const *argv, const struct resolve_env *env,
                        struct resolved_command *out, struct hermetic_error *err)
{
    struct stat st;
    struct shebang shebang;

    if (stat(path, &st) != 0)
        return error_set_errno(err, errno == ENOENT || errno == ENOTDIR ? HERMETIC_EXIT_NOT_FOUND
                                                                        : HERMETIC_EXIT_NOT_PYTHON,
                               errno, "%s", path);
    if (S_ISDIR(st.st_mode)) {
        char *main_py = xasprintf("%s/__main__.py", path);
        bool runnable = access(main_py, R_OK) == 0;

        free(main_py);
        if (!runnable)
            return error_set(err, HERMETIC_EXIT_NOT_PYTHON,
                             "%s: a directory without __main__.py is not a Python program", path);
    } else if (is_elf(path)) {
        return error_set(err, HERMETIC_EXIT_NOT_PYTHON,
                         "%s: not a Python program (an ELF binary); hermetic runs Python programs "
                         "in its own process", path);
    }
    if (!S_ISDIR(st.st_mode) && parse_shebang(path, &shebang, err) != 0)
        return -1;
    if (S_ISDIR(st.st_mode) || !shebang.present) {
        if (!S_ISDIR(st.st_mode) && !has_suffix(path, ".py") && !has_suffix(path, ".pyw") &&
            !has_suffix(path, ".pyc") && !has_suffix(path, ".pyz") && !is_zip(path))
            return error_set(err, HERMETIC_EXIT_NOT_PYTHON,
                             "%s: not a Python program (no python #! line and no .py suffix); hermetic "
                             "runs Python programs in its own process", path);
        out->interpreter = xstrdup(env->python);
    } else {
        int rc;

        if (!resolve_is_python_name(shebang.interpreter)) {
            strlist_free(&shebang.args);
            return error_set(err, HERMETIC_EXIT_NOT_PYTHON,
                             "%s: not a Python program (its #! line runs %s); hermetic runs Python "
                             "programs in its own process", path, shebang.interpreter);
        }
        if (shebang.via_env || strchr(shebang.interpreter, '/') == NULL)
            rc = choose_named_interpreter(shebang.interpreter, env, out, err);
        else
            rc = choose_path_interpreter(shebang.interpreter, path, env, out, err);
        if (rc != 0) {
            strlist_free(&shebang.args);
            return -1;
        }
    }
    out->kind = RESOLVE_SCRIPT;
    strlist_add(&out->argv, out->interpreter);
    if (!S_ISDIR(st.st_mode)) {
        strlist_copy_all(&out->argv, &shebang.args);
        strlist_free(&shebang.args);
    }
    strlist_add(&out->argv, path);
    for (int i = 1; i < argc; i++)
        strlist_add(&out->argv, argv[i]);
    return 0;
}

/* Fill `out` to start the embedded python3 in place of `program`, a Python
 * of the embedded version that cannot run on the embedded library. */
static bool replace_with_embedded(const char *program, const struct resolve_env *env, struct python_child *out)
{
    struct interpreter_check check = check_interpreter(program, env);
    char why[PATH_MAX + 200];

    describe_unusable(program, &check, env, why, sizeof(why));
    out->interpreter = xstrdup(env->python);
    out->note = xasprintf("note: %s; a child that runs it starts as hermetic-python on the embedded Python %s "
                          "(%s) instead", why, env->python_version, env->python);
    return true;
}

bool resolve_python_child(const char *program, const struct resolve_env *env, struct python_child *out)
{
    struct interpreter_check check;
    struct shebang shebang;
    struct hermetic_error ignored;
    char *interpreter = NULL;
    const char *base = strrchr(program, '/') != NULL ? strrchr(program, '/') + 1 : program;
    int minor = minor_of_name(base);
    bool named_embedded = resolve_is_python_name(base) && (minor < 0 || minor == minor_of_version(env->python_version));

    memset(out, 0, sizeof(*out));
    if (is_elf(program)) {
        /* Only an interpreter: a venv's console scripts sit beside its
         * pyvenv.cfg too, but are scripts. */
        char cwd[PATH_MAX];

        check = check_interpreter(program, env);
        if (!usable(&check))
            return named_embedded && replace_with_embedded(program, env, out);
        /* Absolute but not resolved: Python finds a venv from the path of
         * its python3 symlink. */
        if (program[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
            out->interpreter = xasprintf("%s/%s", cwd, program);
        else
            out->interpreter = xstrdup(program);
        return true;
    }
    if (parse_shebang(program, &shebang, &ignored) != 0)
        return false;
    if (shebang.present && resolve_is_python_name(shebang.interpreter)) {
        if (shebang.via_env || strchr(shebang.interpreter, '/') == NULL)
            interpreter = search_path(shebang.interpreter, env->path);
        else
            interpreter = xstrdup(shebang.interpreter);
        if (interpreter != NULL) {
            check = check_interpreter(interpreter, env);
            if (!usable(&check)) {
                free(interpreter);
                interpreter = NULL;
            }
        }
    }
    if (interpreter == NULL) {
        strlist_free(&shebang.args);
        return named_embedded && replace_with_embedded(program, env, out);
    }
    out->interpreter = interpreter;
    strlist_copy_all(&out->prefix, &shebang.args);
    strlist_add(&out->prefix, program);
    strlist_free(&shebang.args);
    return true;
}

void resolve_python_child_free(struct python_child *child)
{
    free(child->interpreter);
    strlist_free(&child->prefix);
    free(child->note);
    memset(child, 0, sizeof(*child));
}

/* True if `path` is a script whose #! line names a Python interpreter. */
static bool is_python_script(const char *path)
{
    struct shebang shebang;
    struct hermetic_error ignored;
    bool python;

    if (parse_shebang(path, &shebang, &ignored) != 0)
        return false;
    python = shebang.present && resolve_is_python_name(shebang.interpreter);
    strlist_free(&shebang.args);
    return python;
}

/* When the first `name` on PATH is not a Python program (a pyenv shim, a
 * wrapper), point at a Python script of that name further down PATH. */
static void hint_python_alternative(const char *name, const char *first, const struct resolve_env *env,
                                    struct hermetic_error *err)
{
    const char *path = env->path ? env->path : getenv("PATH");
    char *copy, *save = NULL;
    bool past_first = false;

    if (path == NULL)
        return;
    copy = xstrdup(path);
    for (char *dir = strtok_r(copy, ":", &save); dir != NULL; dir = strtok_r(NULL, ":", &save)) {
        char *candidate = xasprintf("%s/%s", dir[0] ? dir : ".", name);

        if (strcmp(candidate, first) == 0) {
            past_first = true;
        } else if (past_first && access(candidate, X_OK) == 0 && is_python_script(candidate)) {
            size_t used = strlen(err->message);

            snprintf(err->message + used, sizeof(err->message) - used,
                     "; %s further down PATH is a Python script: hermetic [OPTIONS] -- %s", candidate, candidate);
            free(candidate);
            break;
        }
        free(candidate);
    }
    free(copy);
}

/* module:function, with dotted names on both sides. */
static bool is_entry_point(const char *text)
{
    const char *colon = strchr(text, ':');
    bool start = true;

    if (colon == NULL || colon == text || colon[1] == '\0' || strchr(colon + 1, ':') != NULL)
        return false;
    for (const char *s = text; *s != '\0'; s++) {
        if (s == colon || *s == '.') {
            if (start)
                return false;
            start = true;
        } else if (isalpha((unsigned char)*s) || *s == '_' || (!start && isdigit((unsigned char)*s))) {
            start = false;
        } else {
            return false;
        }
    }
    return !start;
}

/* module:function and console_scripts run in the activated venv, if it
 * runs on the embedded library, as they would there; else on the
 * embedded interpreter. */
static void run_with_code(const char *code, enum resolve_kind kind, int argc, char *const *argv,
                          const struct resolve_env *env, struct resolved_command *out)
{
    const char *venv = env->virtual_env != NULL ? env->virtual_env : getenv("VIRTUAL_ENV");
    char *venv_python = venv != NULL && venv[0] == '/' ? xasprintf("%s/bin/python3", venv) : NULL;

    if (venv_python != NULL) {
        struct interpreter_check check = check_interpreter(venv_python, env);

        if (check.status != INTERPRETER_VENV) {
            free(venv_python);
            venv_python = NULL;
        }
    }
    out->kind = kind;
    out->interpreter = venv_python != NULL ? venv_python : xstrdup(env->python);
    strlist_add(&out->argv, out->interpreter);
    strlist_add(&out->argv, "-c");
    strlist_add(&out->argv, code);
    for (int i = 0; i < argc; i++)
        strlist_add(&out->argv, argv[i]);
}

int resolve_command(int argc, char *const *argv, const struct resolve_env *env,
                    struct resolved_command *out, struct hermetic_error *err)
{
    const char *command = argv[0];
    char *found;
    int rc;

    memset(out, 0, sizeof(*out));
    if (command[0] == '\0')
        return error_set(err, HERMETIC_EXIT_NOT_FOUND, "empty command name");
    if (resolve_is_python_name(command)) {
        struct stat st;

        /* A missing interpreter path is a command not found, as for files. */
        if (strchr(command, '/') != NULL && stat(command, &st) != 0)
            return error_set_errno(err, errno == ENOENT || errno == ENOTDIR ? HERMETIC_EXIT_NOT_FOUND
                                                                            : HERMETIC_EXIT_NOT_PYTHON,
                                   errno, "%s", command);
        if (strchr(command, '/') != NULL)
            rc = choose_path_interpreter(command, command, env, out, err);
        else
            rc = choose_named_interpreter(command, env, out, err);
        if (rc != 0)
            return -1;
        out->kind = RESOLVE_PYTHON;
        for (int i = 0; i < argc; i++)
            strlist_add(&out->argv, argv[i]);
        return 0;
    }
    if (strchr(command, '/') != NULL || (has_suffix(command, ".py") && access(command, F_OK) == 0))
        return resolve_file(command, argc, argv, env, out, err);
    found = search_path(command, env->path);
    if (found != NULL) {
        rc = resolve_file(found, argc, argv, env, out, err);
        if (rc != 0 && err->status == HERMETIC_EXIT_NOT_PYTHON)
            hint_python_alternative(command, found, env, err);
        free(found);
        return rc;
    }
    if (is_entry_point(command))
        run_with_code(RESOLVE_ENTRY_POINT_CODE, RESOLVE_ENTRY_POINT, argc, argv, env, out);
    else
        run_with_code(RESOLVE_CONSOLE_SCRIPT_CODE, RESOLVE_CONSOLE_SCRIPT, argc, argv, env, out);
    return 0;
}

void resolve_free(struct resolved_command *resolved)
{
    free(resolved->interpreter);
    free(resolved->note);
    strlist_free(&resolved->argv);
    memset(resolved, 0, sizeof(*resolved));
}

void resolve_python_command(const char *argv0, int argc, char *const *argv, const char *interpreter,
                            const struct resolve_env *env, struct resolved_command *out)
{
    struct interpreter_check check = {INTERPRETER_MISSING, ""};

    memset(out, 0, sizeof(*out));
    if (interpreter != NULL && interpreter[0] == '/')
        check = check_interpreter(interpreter, env);
    out->kind = RESOLVE_PYTHON;
    out->interpreter = xstrdup(usable(&check) ? interpreter : env->python);
    strlist_add(&out->argv, argv0);
    for (int i = 0; i < argc; i++)
        strlist_add(&out->argv, argv[i]);
}
