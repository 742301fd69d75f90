#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dlfcn.h>
#include <pthread.h>

#include "fspolicy.h"
#include "guards.h"
#include "hook.h"

/*
 * SQLite's ATTACH and VACUUM INTO open database files inside SQLite, with
 * no audit event. hermetic defines sqlite3_open_v2, sqlite3_set_authorizer
 * and sqlite3_close_v2 in its own executable; exported with -Wl,-E, they
 * take precedence over libsqlite3's for the _sqlite3 extension module. Each
 * connection gets hermetic's authorizer, which decides ATTACH (also what
 * VACUUM INTO asks for) by the filesystem policy and then calls the
 * program's own authorizer, if it set one. A program cannot remove it
 * from Python. This works in the hermetic executable only, not in the
 * module built for plain python3.
 *
 * The declarations below are those of sqlite3.h (SQLite 3), which Debian's
 * libsqlite3 provides; the header itself is not needed to build hermetic.
 */
typedef struct sqlite3 sqlite3;
typedef int authorizer_fn(void *, int, const char *, const char *, const char *, const char *);

#define SQLITE_OK 0
#define SQLITE_DENY 1
#define SQLITE_ATTACH 24

int sqlite3_open_v2(const char *filename, sqlite3 **db, int flags, const char *vfs);
int sqlite3_set_authorizer(sqlite3 *db, authorizer_fn *callback, void *data);
int sqlite3_close_v2(sqlite3 *db);

static int (*real_open_v2)(const char *, sqlite3 **, int, const char *);
static int (*real_set_authorizer)(sqlite3 *, authorizer_fn *, void *);
static int (*real_close_v2)(sqlite3 *);

/* The program's authorizer for one connection. */
struct chained {
    sqlite3 *db;
    authorizer_fn *callback;
    void *data;
    struct chained *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t resolved_once = PTHREAD_ONCE_INIT;
static struct chained *connections;

/* libsqlite3 is loaded with RTLD_LOCAL as a dependency of _sqlite3, so it
 * is found by name rather than with RTLD_NEXT. */
static void resolve_real(void)
{
    void *library = dlopen("libsqlite3.so.0", RTLD_NOW | RTLD_NOLOAD);

    if (library == NULL)
        library = dlopen("libsqlite3.so.0", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL)
        return;
    *(void **)&real_open_v2 = dlsym(library, "sqlite3_open_v2");
    *(void **)&real_set_authorizer = dlsym(library, "sqlite3_set_authorizer");
    *(void **)&real_close_v2 = dlsym(library, "sqlite3_close_v2");
}

/* The entry for `db`, created on first use. Call with `lock` held. */
static struct chained *entry_for(sqlite3 *db)
{
    struct chained *entry;

    for (entry = connections; entry != NULL; entry = entry->next)
        if (entry->db == db)
            return entry;
    entry = calloc(1, sizeof(*entry));
    if (entry == NULL)
        return NULL;
    entry->db = db;
    entry->next = connections;
    connections = entry;
    return entry;
}

/* Decide an ATTACH of `name` with the GIL held: a write (SQLite opens it
 * read-write and creates it), and a read under a read root. */
static int decide_attach(const char *name)
{
    struct hermetic_runtime *rt = hook_runtime();
    char path[4096];
    bool read_only;
    PyObject *object;
    int rc = 0;

    if (!(rt->guards & GUARD_FILESYSTEM) || fspolicy_sqlite_target(name, path, sizeof(path), &read_only) != 0)
        return 0;
    object = PyBytes_FromString(path);
    if (object == NULL) {
        PyErr_Clear();
        return -1;
    }
    if (!read_only)
        rc = guard_filesystem_check(rt, "sqlite3 ATTACH", object, NULL, FS_WRITE, true, NULL);
    if (rc == 0)
        rc = guard_filesystem_check(rt, "sqlite3 ATTACH", object, NULL, FS_READ, true, NULL);
    Py_DECREF(object);
    PyErr_Clear();   /* recorded and reported; SQLite raises "not authorized" */
    return rc;
}

static int hermetic_authorizer(void *data, int action, const char *arg1, const char *arg2, const char *database,
                               const char *trigger)
{
    struct chained *entry = data;

    if (action == SQLITE_ATTACH && arg1 != NULL && Py_IsInitialized()) {
        PyGILState_STATE gil = PyGILState_Ensure();
        int rc = decide_attach(arg1);

        PyGILState_Release(gil);
        if (rc != 0)
            return SQLITE_DENY;
    }
    if (entry != NULL && entry->callback != NULL)
        return entry->callback(entry->data, action, arg1, arg2, database, trigger);
    return SQLITE_OK;
}

int sqlite3_open_v2(const char *filename, sqlite3 **db, int flags, const char *vfs)
{
    struct chained *entry;
    int rc;

    pthread_once(&resolved_once, resolve_real);
    if (real_open_v2 == NULL || real_set_authorizer == NULL)
        return SQLITE_DENY;   /* cannot guard ATTACH: refuse rather than open unguarded */
    rc = real_open_v2(filename, db, flags, vfs);
    if (rc != SQLITE_OK || db == NULL || *db == NULL)
        return rc;
    pthread_mutex_lock(&lock);
    entry = entry_for(*db);
    if (entry != NULL) {
        entry->callback = NULL;
        real_set_authorizer(*db, hermetic_authorizer, entry);
    }
    pthread_mutex_unlock(&lock);
    return entry != NULL ? SQLITE_OK : SQLITE_DENY;
}

int sqlite3_set_authorizer(sqlite3 *db, authorizer_fn *callback, void *data)
{
    struct chained *entry;

    pthread_once(&resolved_once, resolve_real);
    if (real_set_authorizer == NULL)
        return SQLITE_DENY;
    pthread_mutex_lock(&lock);
    entry = entry_for(db);
    if (entry != NULL) {
        entry->callback = callback;
        entry->data = data;
    }
    pthread_mutex_unlock(&lock);
    return entry != NULL ? real_set_authorizer(db, hermetic_authorizer, entry) : SQLITE_DENY;
}

int sqlite3_close_v2(sqlite3 *db)
{
    struct chained **link, *entry;

    pthread_once(&resolved_once, resolve_real);
    pthread_mutex_lock(&lock);
    for (link = &connections; *link != NULL; link = &(*link)->next) {
        if ((*link)->db == db) {
            entry = *link;
            *link = entry->next;
            free(entry);
            break;
        }
    }
    pthread_mutex_unlock(&lock);
    return real_close_v2 != NULL ? real_close_v2(db) : SQLITE_DENY;
}
