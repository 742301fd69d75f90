#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "guards.h"
#include "hook.h"
#include "log.h"
#include "module.h"
#include "paths.h"

static struct hermetic_runtime runtime = {.log_fd = -1, .guards = GUARD_ALWAYS};

/* Nesting of the hook on this thread: a guard may run Python code (the
 * IDNA codec), whose own events come back here. Bounded, to fail closed
 * rather than recurse without end. */
static _Thread_local int hook_depth;
/* Nesting of hermetic's own code that compiles and runs Python (its API
 * source) on this thread: the code-execution guard allows it. */
static _Thread_local int trusted_depth;
#define HOOK_DEPTH_MAX 16

static int hook_excepthook(struct hermetic_runtime *rt, PyObject *args);

/*
 * The guard table. Columns: the audit event's name; the guards that watch
 * it (the adapter runs only while one of them is on, GUARD_ALWAYS for
 * every run); the adapter that decides. Event names and argument tuples
 * are those of CPython 3.11 (see the audit events table in its docs).
 */
static const struct guard_event {
    const char *name;
    unsigned int guards;
    guard_fn *check;
} EVENTS[] = {
    {"socket.__new__", GUARD_NETWORK, guard_network_socket},
    {"socket.bind", GUARD_NETWORK | GUARD_FILESYSTEM, guard_network_bind},
    {"socket.connect", GUARD_NETWORK, guard_network_connect},
    {"socket.sendmsg", GUARD_NETWORK, guard_network_sendmsg},
    {"socket.sendto", GUARD_NETWORK, guard_network_sendto},
    {"socket.getaddrinfo", GUARD_NETWORK, guard_network_getaddrinfo},
    {"socket.gethostbyname", GUARD_NETWORK, guard_network_gethostbyname},
    {"socket.gethostbyaddr", GUARD_NETWORK, guard_network_gethostbyaddr},
    {"socket.getnameinfo", GUARD_NETWORK, guard_network_getnameinfo},
    {"open", GUARD_FILESYSTEM, guard_filesystem_open},
    {"os.listdir", GUARD_FILESYSTEM, guard_filesystem_listdir},
    {"os.scandir", GUARD_FILESYSTEM, guard_filesystem_listdir},
    {"os.remove", GUARD_FILESYSTEM, guard_filesystem_remove},
    {"os.rmdir", GUARD_FILESYSTEM, guard_filesystem_rmdir},
    {"os.mkdir", GUARD_FILESYSTEM, guard_filesystem_mkdir},
    {"os.rename", GUARD_FILESYSTEM, guard_filesystem_rename},
    {"os.chmod", GUARD_FILESYSTEM, guard_filesystem_chmod},
    {"os.chown", GUARD_FILESYSTEM, guard_filesystem_chown},
    {"os.utime", GUARD_FILESYSTEM, guard_filesystem_utime},
    {"os.symlink", GUARD_FILESYSTEM, guard_filesystem_symlink},
    {"os.link", GUARD_FILESYSTEM, guard_filesystem_link},
    {"os.truncate", GUARD_FILESYSTEM, guard_filesystem_truncate},
    {"os.setxattr", GUARD_FILESYSTEM, guard_filesystem_setxattr},
    {"os.removexattr", GUARD_FILESYSTEM, guard_filesystem_removexattr},
    {"os.getxattr", GUARD_FILESYSTEM, guard_filesystem_getxattr},
    {"os.listxattr", GUARD_FILESYSTEM, guard_filesystem_getxattr},
    {"sqlite3.connect", GUARD_FILESYSTEM, guard_filesystem_sqlite_connect},
    {"mmap.__new__", GUARD_FILESYSTEM, guard_filesystem_mmap},
    {"subprocess.Popen", GUARD_SUBPROCESS | GUARD_ALWAYS, guard_subprocess_popen},
    {"os.system", GUARD_SUBPROCESS | GUARD_ALWAYS, guard_subprocess_system},
    {"os.exec", GUARD_SUBPROCESS | GUARD_ALWAYS, guard_subprocess_exec},
    {"os.posix_spawn", GUARD_SUBPROCESS | GUARD_ALWAYS, guard_subprocess_exec},
    {"os.fork", GUARD_SUBPROCESS | GUARD_ALWAYS, guard_subprocess_fork},
    {"os.forkpty", GUARD_SUBPROCESS | GUARD_ALWAYS, guard_subprocess_fork},
    {"import", GUARD_NATIVE | GUARD_FILESYSTEM | GUARD_IMPORTS | GUARD_INTERPRETER, guard_import_event},
    {"ctypes.dlopen", GUARD_NATIVE, guard_native_dlopen},
    {"sqlite3.enable_load_extension", GUARD_NATIVE, guard_native_sqlite_enable},
    {"sqlite3.load_extension", GUARD_NATIVE, guard_native_sqlite_load},
    {"compile", GUARD_CODE_EXEC, guard_code_compile},
    {"exec", GUARD_CODE_EXEC | GUARD_IMPORTS, guard_code_exec},
    {"code.__new__", GUARD_CODE_EXEC, guard_code_new},
    {"marshal.loads", GUARD_CODE_EXEC, guard_code_marshal},
    {"marshal.load", GUARD_CODE_EXEC, guard_code_marshal},
    {"pickle.find_class", GUARD_CODE_EXEC, guard_code_pickle},
    {"os.chdir", GUARD_INTERPRETER, guard_interpreter_chdir},
    {"cpython.run_command", GUARD_INTERPRETER | GUARD_IMPORTS, guard_program_start},
    {"cpython.run_file", GUARD_INTERPRETER | GUARD_IMPORTS, guard_program_start},
    {"cpython.run_module", GUARD_INTERPRETER | GUARD_IMPORTS, guard_program_start},
    {"cpython.run_stdin", GUARD_INTERPRETER | GUARD_IMPORTS, guard_program_start},
    {"sys.addaudithook", GUARD_SEAL, guard_seal_addaudithook},
    {"gc.get_objects", GUARD_SEAL, guard_seal_gc},
    {"gc.get_referrers", GUARD_SEAL, guard_seal_gc},
    {"gc.get_referents", GUARD_SEAL, guard_seal_gc},
    {"sys.settrace", GUARD_SEAL, guard_seal_trace},
    {"sys.setprofile", GUARD_SEAL, guard_seal_trace},
    {"sys._current_frames", GUARD_SEAL, guard_seal_frames},
    {"sys._getframe", GUARD_SEAL, guard_seal_getframe},
    {"sys.excepthook", GUARD_ALWAYS, hook_excepthook},
};

#define EVENT_COUNT (sizeof(EVENTS) / sizeof(EVENTS[0]))

/* Events are found through a small hash of their length and three of their
 * bytes: most events (builtins.id, object.__getattr__, ...) are rejected
 * after one strlen and one empty bucket, without a string compare. */
#define BUCKET_COUNT 256
#define BUCKET_DEPTH 4

static const struct guard_event *buckets[BUCKET_COUNT][BUCKET_DEPTH];
static unsigned char event_lengths[EVENT_COUNT];

/* One bit per pair of first two bytes that starts a watched event:
 * builtins.id, object.__getattr__ and the other frequent unwatched events
 * are rejected with one load, before strlen. */
static uint64_t first_pairs[65536 / 64];

static unsigned int first_pair(const char *name)
{
    return (unsigned char)name[0] | (name[0] != '\0' ? (unsigned int)(unsigned char)name[1] << 8 : 0u);
}

static unsigned int bucket_of(const char *name, size_t len)
{
    unsigned int h = (unsigned int)len;

    if (len == 0)
        return 0;
    h = h * 31u + (unsigned char)name[len - 1];
    h = h * 31u + (unsigned char)name[len / 2];
    h = h * 31u + (unsigned char)name[len > 4 ? 4 : 0];
    return h & (BUCKET_COUNT - 1);
}

static int build_buckets(void)
{
    for (size_t i = 0; i < EVENT_COUNT; i++) {
        size_t len = strlen(EVENTS[i].name);
        unsigned int b = bucket_of(EVENTS[i].name, len);
        size_t slot = 0;

        event_lengths[i] = (unsigned char)len;
        first_pairs[first_pair(EVENTS[i].name) / 64] |= 1ull << (first_pair(EVENTS[i].name) % 64);
        while (slot < BUCKET_DEPTH && buckets[b][slot] != NULL)
            slot++;
        if (slot == BUCKET_DEPTH)
            return -1;
        buckets[b][slot] = &EVENTS[i];
    }
    return 0;
}

static int audit_hook(const char *event, PyObject *args, void *data)
{
    struct hermetic_runtime *rt = data;
    unsigned int pair = first_pair(event);
    const struct guard_event *const *bucket;
    size_t len;
    int rc = 0;

    if (!(first_pairs[pair / 64] & (1ull << (pair % 64))))
        return 0;
    len = strlen(event);
    bucket = buckets[bucket_of(event, len)];
    if (!rt->active && rt->armed && len == 6 && memcmp(event, "import", 6) == 0)
        hook_activate();

    for (size_t slot = 0; slot < BUCKET_DEPTH && bucket[slot] != NULL; slot++) {
        const struct guard_event *e = bucket[slot];

        if (event_lengths[e - EVENTS] != len || memcmp(e->name, event, len) != 0)
            continue;
        if ((rt->guards & e->guards) == 0)
            return 0;
        if (hook_depth >= HOOK_DEPTH_MAX) {
            PyErr_Format(PyExc_RuntimeError, "hermetic: audit hook nested too deeply at %s", event);
            return -1;
        }
        if (!PyTuple_Check(args))
            return 0;  /* CPython always passes a tuple; guards may rely on it */
        hook_depth++;
        rc = e->check(rt, args);
        hook_depth--;
        return rc;
    }
    return 0;
}

struct hermetic_runtime *hook_runtime(void)
{
    return &runtime;
}

int hook_init(const struct hermetic_policy *policy, struct hermetic_error *err)
{
    policy_copy(&runtime.base, policy);
    hook_set_effective(policy);
    if (policy->log_json != NULL) {
        runtime.log_fd = open(policy->log_json, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (runtime.log_fd < 0)
            return error_set_errno(err, HERMETIC_EXIT_USAGE, errno, "--log-json: cannot open %s",
                                   policy->log_json);
    }
    return 0;
}

int hook_install(void)
{
    static int built;

    if (!built && build_buckets() != 0)
        return -1;
    built = 1;
    return PySys_AddAuditHook(audit_hook, &runtime);
}

void hook_set_effective(const struct hermetic_policy *policy)
{
    if (policy != &runtime.effective)
        policy_copy(&runtime.effective, policy);
    fscache_invalidate(&runtime.fs_cache);
    if (runtime.active)
        runtime.guards = policy_guards(&runtime.effective) | GUARD_ALWAYS;
}

/* A policy pushed by the Python API (hermetic_blocker). The effective
 * policy is the base policy merged with every layer, recomputed once per
 * push or pop so the hook itself reads one struct. */
struct layer {
    unsigned long id;
    bool sealed;
    struct hermetic_policy policy;
};

static struct layer *layers;
static size_t layer_count, layer_capacity;
static unsigned long last_layer_id;

static int recompute(struct hermetic_error *err)
{
    struct hermetic_policy merged;

    policy_init(&merged);
    policy_copy(&merged, &runtime.base);
    for (size_t i = 0; i < layer_count; i++) {
        if (policy_restrict(&merged, &layers[i].policy, err) != 0) {
            policy_free(&merged);
            return -1;
        }
    }
    policy_free(&runtime.effective);
    runtime.effective = merged;
    hook_set_effective(&runtime.effective);
    if (runtime.self_exe != NULL) {
        /* Children that inherit the process environment (os.execv, the
         * shell of os.system) start under the policy in force now. */
        char *text = policy_format_yaml(&runtime.effective, NULL);

        setenv("HERMETIC_POLICY", text, 1);
        free(text);
    }
    return 0;
}

unsigned long hook_push_layer(const struct hermetic_policy *policy, bool sealed, struct hermetic_error *err)
{
    struct layer *layer;

    layers = xgrow(layers, &layer_capacity, layer_count + 1, sizeof(*layers));
    layer = &layers[layer_count++];
    layer->id = ++last_layer_id;
    layer->sealed = sealed;
    policy_init(&layer->policy);
    policy_copy(&layer->policy, policy);
    if (recompute(err) != 0) {
        policy_free(&layer->policy);
        layer_count--;
        return 0;
    }
    return layer->id;
}

int hook_pop_layer(unsigned long id)
{
    struct hermetic_error err;

    for (size_t i = 0; i < layer_count; i++) {
        if (layers[i].id != id)
            continue;
        if (layers[i].sealed)
            return 0;
        policy_free(&layers[i].policy);
        memmove(&layers[i], &layers[i + 1], (layer_count - i - 1) * sizeof(*layers));
        layer_count--;
        return recompute(&err);   /* removing a layer cannot create a conflict */
    }
    return 0;
}

void hook_arm(void)
{
    runtime.armed = true;
}

void hook_activate(void)
{
    if (runtime.active)
        return;
    paths_collect(&runtime);
    runtime.active = true;
    hook_set_effective(&runtime.effective);
}

/* Flush Python's standard streams, then end the process at once: the
 * program must not get a chance to catch anything. */
__attribute__((noreturn)) static void exit_on_violation(void)
{
    if (Py_IsInitialized()) {
        static const char *const streams[] = {"stdout", "stderr"};

        for (size_t i = 0; i < 2; i++) {
            PyObject *stream = PySys_GetObject(streams[i]);
            PyObject *rc = stream ? PyObject_CallMethod(stream, "flush", NULL) : NULL;

            Py_XDECREF(rc);
            PyErr_Clear();
        }
    }
    _exit(HERMETIC_EXIT_BLOCKED);
}

int hook_block(enum guard guard, enum violation_kind kind, const char *target, const char *format, ...)
{
    struct hermetic_runtime *rt = &runtime;
    char message[1024];
    bool traced = rt->effective.trace != TRACE_OFF;
    va_list args;

    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    violations_add(&rt->violations, message, traced || rt->effective.on_violation == ON_VIOLATION_EXIT);
    if (rt->log_fd >= 0)
        log_json_record(rt->log_fd, "blocked", guard_name(guard), target, message);
    if (traced || rt->effective.on_violation == ON_VIOLATION_EXIT)
        log_message("blocked action: %s", message);
    if (rt->effective.on_violation == ON_VIOLATION_EXIT)
        exit_on_violation();
    module_set_violation(guard, kind, target, message);
    return -1;
}

void hook_trust_begin(void)
{
    trusted_depth++;
}

void hook_trust_end(void)
{
    trusted_depth--;
}

bool hook_trusted(void)
{
    return trusted_depth > 0;
}

bool hook_tracing_allowed(void)
{
    return runtime.effective.trace == TRACE_ALL;
}

void hook_allowed(enum guard guard, const char *target, const char *format, ...)
{
    char message[1024];
    va_list args;

    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    if (runtime.log_fd >= 0)
        log_json_record(runtime.log_fd, "allowed", guard_name(guard), target, message);
    log_message("allowed action: %s", message);
}

/*
 * An uncaught exception reaches the top level. For a PolicyViolation, print
 * "hermetic: blocked action: MESSAGE" and remember to exit with 77. Raising
 * RuntimeError from this event makes CPython skip sys.excepthook, which
 * hides the traceback; with --trace the traceback is shown after the line.
 */
static int hook_excepthook(struct hermetic_runtime *rt, PyObject *args)
{
    PyObject *value, *text, *encoded;
    const char *message;

    if (rt->self_exe == NULL)
        return 0;   /* plain python3 with the module: its exit status is not hermetic's to change */

    if (PyTuple_GET_SIZE(args) < 3)
        return 0;
    value = PyTuple_GET_ITEM(args, 2);
    if (module_is_violation(value) != 1)
        return 0;
    text = PyObject_Str(value);
    encoded = text ? PyUnicode_AsEncodedString(text, "utf-8", "surrogateescape") : NULL;
    Py_XDECREF(text);
    if (encoded == NULL || !PyBytes_Check(encoded)) {
        PyErr_Clear();
        Py_XDECREF(encoded);
        return 0;
    }
    text = encoded;
    message = PyBytes_AS_STRING(encoded);
    if (!violations_seen(&rt->violations, message)) {
        /* Not an action hermetic blocked: a PolicyViolation the program
         * made itself, or a forged event. It ends the program as any
         * exception does. */
        PyErr_Clear();
        Py_DECREF(text);
        return 0;
    }
    if (!Py_InspectFlag)
        rt->uncaught_violation = true;
    /* With --trace the line was printed when the action was blocked. */
    if (rt->effective.trace == TRACE_OFF)
        log_message("blocked action: %s", message);
    violations_mark_printed(&rt->violations, message);
    Py_DECREF(text);
    if (rt->effective.trace != TRACE_OFF)
        return 0;
    PyErr_SetString(PyExc_RuntimeError, "hermetic: traceback of a blocked action hidden");
    return -1;
}

void hook_report(void)
{
    char *report = violations_report(&runtime.violations);

    if (report[0] != '\0')
        log_write_stderr(report);
    free(report);
}
