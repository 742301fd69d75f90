#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>

#include "api.h"
#include "cli.h"
#include "codepolicy.h"
#include "envscrub.h"
#include "guards.h"
#include "hook.h"
#include "patches.h"
#include "profile.h"

/*
 * The keywords of hermetic_blocker and with_hermetic. Columns: the
 * keyword; the command-line option it stands for, whose parser checks the
 * value; how the value is given. The aliases (no_network, no_env, ...) are
 * those the earlier pure-Python hermetic accepted.
 */
#define LAYER_CAPSULE "hermetic.layer"

enum keyword_kind {
    KEYWORD_FLAG,   /* a truth value; False adds nothing */
    KEYWORD_LIST,   /* a str or an iterable of str, each given to the option */
    KEYWORD_PATH,   /* a str or os.PathLike, or None */
};

static const struct api_keyword {
    const char *keyword;
    const char *option;
    enum keyword_kind kind;
} KEYWORDS[] = {
    {"block_network", "no-network", KEYWORD_FLAG},
    {"no_network", "no-network", KEYWORD_FLAG},
    {"allow_localhost", "allow-localhost", KEYWORD_FLAG},
    {"allow_domains", "allow-domain", KEYWORD_LIST},
    {"allow_unix_sockets", "allow-unix-socket", KEYWORD_FLAG},
    {"block_subprocess", "no-subprocess", KEYWORD_FLAG},
    {"no_subprocess", "no-subprocess", KEYWORD_FLAG},
    {"allow_exec", "allow-exec", KEYWORD_LIST},
    {"fs_readonly", "fs-readonly", KEYWORD_FLAG},
    {"fs_root", "fs-readonly", KEYWORD_PATH},
    {"allow_write", "allow-write", KEYWORD_LIST},
    {"allow_read", "allow-read", KEYWORD_LIST},
    {"block_native", "block-native", KEYWORD_FLAG},
    {"allow_native", "allow-native", KEYWORD_LIST},
    {"block_environment", "no-environment", KEYWORD_FLAG},
    {"no_environment", "no-environment", KEYWORD_FLAG},
    {"no_env", "no-environment", KEYWORD_FLAG},
    {"allow_env", "allow-env", KEYWORD_LIST},
    {"block_code_exec", "no-code-exec", KEYWORD_FLAG},
    {"no_code_exec", "no-code-exec", KEYWORD_FLAG},
    {"deny_imports", "deny-import", KEYWORD_LIST},
    {"block_interpreter_mutation", "no-interpreter-mutation", KEYWORD_FLAG},
    {"no_interpreter_mutation", "no-interpreter-mutation", KEYWORD_FLAG},
    {"trace", "trace", KEYWORD_FLAG},
    {"profile", "profile", KEYWORD_LIST},
};

#define KEYWORD_COUNT (sizeof(KEYWORDS) / sizeof(KEYWORDS[0]))

static PyObject *value_error(const struct hermetic_error *err, const char *keyword)
{
    return PyErr_Format(PyExc_ValueError, "%s: %s", keyword, err->message);
}

/* The text of a str or os.PathLike value, as a new bytes object. */
static PyObject *text_of(PyObject *value, const char *keyword)
{
    PyObject *bytes = NULL;

    if (!PyUnicode_Check(value) && !PyBytes_Check(value) && !PyObject_HasAttrString(value, "__fspath__"))
        return PyErr_Format(PyExc_TypeError, "%s: expected a str, got %.100s", keyword, Py_TYPE(value)->tp_name);
    if (!PyUnicode_FSConverter(value, &bytes))
        return NULL;
    return bytes;
}

static int apply_text(struct hermetic_options *options, const struct api_keyword *k, PyObject *value)
{
    struct hermetic_error err;
    PyObject *bytes = text_of(value, k->keyword);
    int rc;

    if (bytes == NULL)
        return -1;
    rc = cli_apply(options, k->option, PyBytes_AS_STRING(bytes), &err);
    Py_DECREF(bytes);
    if (rc != 0)
        value_error(&err, k->keyword);
    return rc;
}

static int apply_keyword(struct hermetic_options *options, const struct api_keyword *k, PyObject *value)
{
    struct hermetic_error err;

    if (k->kind == KEYWORD_FLAG) {
        int truth = PyObject_IsTrue(value);

        if (truth <= 0)
            return truth;
        if (cli_apply(options, k->option, NULL, &err) != 0) {
            value_error(&err, k->keyword);
            return -1;
        }
        return 0;
    }
    if (value == Py_None)
        return 0;
    if (k->kind == KEYWORD_PATH || PyUnicode_Check(value) || PyBytes_Check(value))
        return apply_text(options, k, value);
    PyObject *iterator = PyObject_GetIter(value), *item;

    if (iterator == NULL)
        return -1;
    while ((item = PyIter_Next(iterator)) != NULL) {
        int rc = apply_text(options, k, item);

        Py_DECREF(item);
        if (rc != 0) {
            Py_DECREF(iterator);
            return -1;
        }
    }
    Py_DECREF(iterator);
    return PyErr_Occurred() ? -1 : 0;
}

/* Build a policy from keyword arguments. */
static int policy_from_keywords(PyObject *kwargs, struct hermetic_policy *policy)
{
    struct hermetic_options options;
    struct hermetic_error err;
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    int rc = -1;

    memset(&options, 0, sizeof(options));
    policy_init(&options.policy);
    while (kwargs != NULL && PyDict_Next(kwargs, &pos, &key, &value)) {
        const char *name = PyUnicode_Check(key) ? PyUnicode_AsUTF8(key) : NULL;
        size_t i;

        if (name == NULL)
            goto done;
        if (strcmp(name, "sealed") == 0)
            continue;
        for (i = 0; i < KEYWORD_COUNT && strcmp(KEYWORDS[i].keyword, name) != 0; i++)
            ;
        if (i == KEYWORD_COUNT) {
            PyErr_Format(PyExc_TypeError, "hermetic_blocker() got an unexpected keyword argument '%s'", name);
            goto done;
        }
        if (apply_keyword(&options, &KEYWORDS[i], value) != 0)
            goto done;
    }
    policy_copy(policy, &options.policy);
    for (size_t i = 0; i < options.profiles.len; i++) {
        struct profile_search search = {hook_runtime()->profile_dirs};

        if (profile_load(&search, options.profiles.items[i], policy, &err) != 0) {
            PyErr_Format(PyExc_ValueError, "profile: %s", err.message);
            goto done;
        }
    }
    for (size_t i = 0; i < policy->imports.deny.len; i++) {
        if (codepolicy_essential(policy->imports.deny.items[i])) {
            PyErr_Format(PyExc_ValueError, "deny_imports: the interpreter needs %s to run; it cannot be denied",
                         policy->imports.deny.items[i]);
            goto done;
        }
    }
    if (policy_check_implemented(policy, &err) != 0) {
        api_raise_error(err.message);
        goto done;
    }
    rc = 0;
done:
    cli_options_free(&options);
    return rc;
}

/* _push(**options) -> id: apply a policy layer. */
static PyObject *api_push(PyObject *module, PyObject *args, PyObject *kwargs)
{
    struct hermetic_policy policy;
    struct hermetic_error err;
    PyObject *sealed_value = kwargs ? PyDict_GetItemString(kwargs, "sealed") : NULL;
    int sealed = sealed_value ? PyObject_IsTrue(sealed_value) : 0;
    unsigned long id;

    (void)module;
    if (sealed < 0)
        return NULL;
    if (PyTuple_GET_SIZE(args) != 0)
        return PyErr_Format(PyExc_TypeError, "hermetic_blocker() takes keyword arguments only");
    policy_init(&policy);
    if (policy_from_keywords(kwargs, &policy) != 0) {
        policy_free(&policy);
        return NULL;
    }
    id = hook_push_layer(&policy, sealed, &err);
    policy_free(&policy);
    if (id == 0)
        return PyErr_Format(PyExc_ValueError, "%s", err.message);
    if (patches_install(hook_runtime()->guards) != 0 ||
        ((hook_runtime()->guards & GUARD_INTERPRETER) && guard_interpreter_install() != 0) ||
        ((hook_runtime()->guards & GUARD_IMPORTS) && guard_imports_forget(hook_runtime()) != 0)) {
        hook_pop_layer(id);
        return NULL;
    }
    /* An opaque handle rather than the number: Python cannot make one, so
     * code that did not enter a block cannot guess its way to leaving it. */
    return PyCapsule_New((void *)(uintptr_t)id, LAYER_CAPSULE, NULL);
}

/* _check(**options): validate keywords without applying them. */
static PyObject *api_check(PyObject *module, PyObject *args, PyObject *kwargs)
{
    struct hermetic_policy policy;
    int rc;

    (void)module;
    if (PyTuple_GET_SIZE(args) != 0)
        return PyErr_Format(PyExc_TypeError, "hermetic_blocker() takes keyword arguments only");
    policy_init(&policy);
    rc = policy_from_keywords(kwargs, &policy);
    policy_free(&policy);
    if (rc != 0)
        return NULL;
    Py_RETURN_NONE;
}

/* _pop(handle): remove the layer of a _push handle; a sealed one stays. */
static PyObject *api_pop(PyObject *module, PyObject *handle)
{
    void *id = PyCapsule_GetPointer(handle, LAYER_CAPSULE);

    (void)module;
    if (id == NULL)
        return NULL;
    hook_pop_layer((unsigned long)(uintptr_t)id);
    Py_RETURN_NONE;
}

static int set_item(PyObject *dict, const char *key, PyObject *value)
{
    int rc = value != NULL ? PyDict_SetItemString(dict, key, value) : -1;

    Py_XDECREF(value);
    return rc;
}

static PyObject *list_of(const struct strlist *list)
{
    PyObject *result = PyList_New((Py_ssize_t)list->len);

    for (size_t i = 0; result != NULL && i < list->len; i++) {
        PyObject *item = PyUnicode_DecodeFSDefault(list->items[i]);

        if (item == NULL) {
            Py_CLEAR(result);
            break;
        }
        PyList_SET_ITEM(result, (Py_ssize_t)i, item);
    }
    return result;
}

static PyObject *section(const char *format, ...)
{
    va_list args;
    PyObject *dict;

    va_start(args, format);
    dict = Py_VaBuildValue(format, args);
    va_end(args);
    return dict;
}

/* policy() -> dict: the effective policy, keyed like a profile. */
static PyObject *api_policy(PyObject *module, PyObject *unused)
{
    static const char *const kernel_modes[] = {"off", "auto", "required"};
    static const char *const trace_levels[] = {"off", "blocked", "all"};
    const struct hermetic_policy *p = &hook_runtime()->effective;
    PyObject *dict = PyDict_New(), *rules;
    char rule[NETNAME_MAX + NETADDR_TEXT_MAX];

    (void)module, (void)unused;
    if (dict == NULL)
        return NULL;
    rules = PyList_New(0);
    for (size_t i = 0; rules != NULL && i < p->network.allow.len; i++) {
        PyObject *text = PyUnicode_FromString(netrule_format(&p->network.allow.items[i], rule, sizeof(rule)));

        if (text == NULL || PyList_Append(rules, text) != 0)
            Py_CLEAR(rules);
        Py_XDECREF(text);
    }
    if (set_item(dict, "version", PyLong_FromLong(1)) != 0 ||
        set_item(dict, "network", section("{s:O,s:O,s:O,s:N}", "block", p->network.block ? Py_True : Py_False,
                                          "allow_localhost", p->network.allow_localhost ? Py_True : Py_False,
                                          "allow_unix_sockets", p->network.allow_unix_sockets ? Py_True : Py_False,
                                          "allow", rules)) != 0 ||
        set_item(dict, "subprocess", section("{s:O,s:N}", "block", p->subprocess.block ? Py_True : Py_False,
                                             "allow_exec", list_of(&p->subprocess.allow_exec))) != 0 ||
        set_item(dict, "filesystem",
                 section("{s:O,s:s,s:N,s:N}", "readonly", p->filesystem.readonly ? Py_True : Py_False, "root",
                         p->filesystem.root, "allow_read", list_of(&p->filesystem.allow_read), "allow_write",
                         list_of(&p->filesystem.allow_write))) != 0 ||
        set_item(dict, "native", section("{s:O,s:N}", "block", p->native.block ? Py_True : Py_False, "allow",
                                         list_of(&p->native.allow))) != 0 ||
        set_item(dict, "environment", section("{s:O,s:N}", "scrub", p->environment.scrub ? Py_True : Py_False,
                                              "allow", list_of(&p->environment.allow))) != 0 ||
        set_item(dict, "code_exec", section("{s:O}", "block", p->code_exec.block ? Py_True : Py_False)) != 0 ||
        set_item(dict, "imports", section("{s:N}", "deny", list_of(&p->imports.deny))) != 0 ||
        set_item(dict, "interpreter",
                 section("{s:O}", "block_mutation", p->interpreter.block_mutation ? Py_True : Py_False)) != 0 ||
        set_item(dict, "seal", PyBool_FromLong(p->seal)) != 0 ||
        set_item(dict, "kernel", PyUnicode_FromString(kernel_modes[p->kernel])) != 0 ||
        set_item(dict, "on_violation", PyUnicode_FromString(p->on_violation == ON_VIOLATION_EXIT ? "exit" : "raise")) != 0 ||
        set_item(dict, "trace", PyUnicode_FromString(trace_levels[p->trace])) != 0) {
        Py_DECREF(dict);
        return NULL;
    }
    return dict;
}

/* Values hidden by block_environment, to put back when no block hides
 * them any more (name -> value). Kept here, out of Python's reach: a
 * module attribute would hand them to the program. */
static PyObject *hidden_environment;

static bool env_keeps(const char *name)
{
    const struct hermetic_policy *p = &hook_runtime()->effective;

    return !p->environment.scrub || envscrub_keeps(name, &p->environment.allow);
}

/* Hide or restore one variable in os.environ and posix.environ. */
static int sync_variable(PyObject *os_environ, PyObject *posix_environ, PyObject *name, PyObject *value, bool hide)
{
    PyObject *key = PyUnicode_EncodeFSDefault(name), *bytes_value = NULL;
    int rc = -1;

    if (key == NULL)
        return -1;
    if (hide) {
        if (PyDict_SetItem(hidden_environment, name, value) == 0 && PyObject_DelItem(os_environ, name) == 0) {
            rc = 0;
            if (PyDict_Check(posix_environ) && PyDict_DelItem(posix_environ, key) != 0)
                PyErr_Clear();
        }
    } else {
        bytes_value = PyUnicode_EncodeFSDefault(value);
        if (bytes_value != NULL && PyObject_SetItem(os_environ, name, value) == 0 &&
            (!PyDict_Check(posix_environ) || PyDict_SetItem(posix_environ, key, bytes_value) == 0) &&
            PyDict_DelItem(hidden_environment, name) == 0)
            rc = 0;
    }
    Py_DECREF(key);
    Py_XDECREF(bytes_value);
    return rc;
}

/* _sync_environment(): hide the variables the policy scrubs from
 * os.environ and posix.environ (which os.environ does not update), and
 * restore the others. */
static PyObject *api_sync_environment(PyObject *module, PyObject *unused)
{
    PyObject *os = PyImport_ImportModule("os"), *posix = PyImport_ImportModule("posix");
    PyObject *os_environ = os ? PyObject_GetAttrString(os, "environ") : NULL;
    PyObject *posix_environ = posix ? PyObject_GetAttrString(posix, "environ") : NULL;
    PyObject *names = NULL, *result = NULL;

    (void)module, (void)unused;
    if (hidden_environment == NULL && (hidden_environment = PyDict_New()) == NULL)
        goto done;
    if (os_environ == NULL || posix_environ == NULL || (names = PySequence_List(os_environ)) == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(names); i++) {
        PyObject *name = PyList_GET_ITEM(names, i), *value;
        const char *text = PyUnicode_Check(name) ? PyUnicode_AsUTF8(name) : NULL;

        if (text == NULL || env_keeps(text))
            continue;
        value = PyObject_GetItem(os_environ, name);
        if (value == NULL || sync_variable(os_environ, posix_environ, name, value, true) != 0) {
            Py_XDECREF(value);
            goto done;
        }
        Py_DECREF(value);
    }
    Py_SETREF(names, PyDict_Items(hidden_environment));
    for (Py_ssize_t i = 0; names != NULL && i < PyList_GET_SIZE(names); i++) {
        PyObject *pair = PyList_GET_ITEM(names, i);
        const char *text = PyUnicode_AsUTF8(PyTuple_GET_ITEM(pair, 0));

        if (text != NULL && env_keeps(text) &&
            sync_variable(os_environ, posix_environ, PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1), false) != 0)
            goto done;
    }
    if (names != NULL)
        result = Py_NewRef(Py_None);
done:
    Py_XDECREF(names);
    Py_XDECREF(os_environ);
    Py_XDECREF(posix_environ);
    Py_XDECREF(os);
    Py_XDECREF(posix);
    return result;
}

PyMethodDef api_methods[] = {
    {"_sync_environment", api_sync_environment, METH_NOARGS,
     "_sync_environment()\n\nHide the variables the policy scrubs, and restore the others."},
    {"_push", (PyCFunction)(void (*)(void))api_push, METH_VARARGS | METH_KEYWORDS,
     "_push(**options) -> handle\n\nApply a policy layer; returns the handle _pop takes."},
    {"_pop", api_pop, METH_O, "_pop(handle)\n\nRemove a policy layer (a sealed one stays)."},
    {"_check", (PyCFunction)(void (*)(void))api_check, METH_VARARGS | METH_KEYWORDS,
     "_check(**options)\n\nValidate hermetic_blocker keywords without applying them."},
    {"policy", api_policy, METH_NOARGS,
     "policy() -> dict\n\nThe effective policy, with the keys of a profile."},
    {NULL, NULL, 0, NULL},
};
