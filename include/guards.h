/* The guard adapters: each turns an audit event's arguments into calls of
 * the decision functions. They return 0 to allow, or -1 with a Python
 * exception set to block. Arguments are untrusted: any code can raise any
 * event with any arguments through sys.audit. */
#ifndef HERMETIC_GUARDS_H
#define HERMETIC_GUARDS_H

#include <stdbool.h>

#include "fspolicy.h"
#include "resolve.h"
#include "runtime.h"

typedef int guard_fn(struct hermetic_runtime *rt, PyObject *args);

/* network.c */
guard_fn guard_network_socket;
guard_fn guard_network_connect;
guard_fn guard_network_bind;
guard_fn guard_network_sendto;
guard_fn guard_network_sendmsg;
guard_fn guard_network_getaddrinfo;
guard_fn guard_network_gethostbyname;
guard_fn guard_network_gethostbyaddr;
guard_fn guard_network_getnameinfo;

/* filesystem.c */
guard_fn guard_filesystem_open;
guard_fn guard_filesystem_listdir;
guard_fn guard_filesystem_remove;
guard_fn guard_filesystem_rmdir;
guard_fn guard_filesystem_mkdir;
guard_fn guard_filesystem_rename;
guard_fn guard_filesystem_chmod;
guard_fn guard_filesystem_chown;
guard_fn guard_filesystem_utime;
guard_fn guard_filesystem_symlink;
guard_fn guard_filesystem_link;
guard_fn guard_filesystem_truncate;
guard_fn guard_filesystem_setxattr;
guard_fn guard_filesystem_removexattr;
guard_fn guard_filesystem_getxattr;
guard_fn guard_filesystem_sqlite_connect;
guard_fn guard_filesystem_mmap;

/* Decide an access to the path in `path_object` (str, bytes, os.PathLike
 * or a descriptor), relative to `dir_fd` (NULL or None for the current
 * directory). `action` names the call in messages; `note` is appended to
 * the path in write messages (", write"). */
int guard_filesystem_check(struct hermetic_runtime *rt, const char *action, PyObject *path_object,
                           PyObject *dir_fd, enum fs_access access, bool follow_last, const char *note);

/* subprocess.c */
guard_fn guard_subprocess_popen;
guard_fn guard_subprocess_system;
guard_fn guard_subprocess_exec;
guard_fn guard_subprocess_fork;
/* The check of the _posixsubprocess.fork_exec patch: `executable_list` is
 * the tuple of paths the child tries in turn. */
int guard_subprocess_fork_exec(struct hermetic_runtime *rt, PyObject *executable_list);
/* The fork_exec arguments to use: `args` itself (a new reference), or, when
 * the child is hermetic or Python that hermetic can run, a copy that runs
 * hermetic-python with an environment carrying the current policy and the
 * interpreter. NULL with an exception on error. */
PyObject *guard_subprocess_child_args(struct hermetic_runtime *rt, PyObject *args);
/* 1 if a child that executes `program` (a path) with environment `env` (a
 * mapping, a fork_exec list of b"NAME=value", or None for this process's)
 * runs Python hermetic can run, other than hermetic itself: `child` then
 * says how hermetic-python runs it (free it with
 * resolve_python_child_free). 0 otherwise. */
int guard_subprocess_python_child(struct hermetic_runtime *rt, const char *program, PyObject *env,
                                  struct python_child *child);
/* The argv that runs `child` through hermetic-python, from the child's
 * original argv (whose first item it replaces). */
PyObject *guard_subprocess_python_argv(struct hermetic_runtime *rt, const struct python_child *child,
                                       PyObject *argv);

/* native.c */
guard_fn guard_native_import;
guard_fn guard_native_dlopen;
guard_fn guard_native_sqlite_enable;
guard_fn guard_native_sqlite_load;

/* interpreter.c */
/* Replace sys.path, sys.meta_path and sys.path_hooks by guarded lists and
 * note what they hold. */
int guard_interpreter_install(void);
/* Find a change the guarded lists did not see (list.append(sys.path, x),
 * a rebound sys.path), undo it and block. */
int guard_interpreter_check(struct hermetic_runtime *rt, PyObject *args);
guard_fn guard_interpreter_chdir;

/* imports.c */
guard_fn guard_import_event;
guard_fn guard_program_start;
int guard_imports_check_name(struct hermetic_runtime *rt, const char *module);
int guard_imports_exec(struct hermetic_runtime *rt, PyObject *code);
int guard_imports_forget(struct hermetic_runtime *rt);

/* code.c */
/* True if the Python code that called into C right now belongs to the
 * interpreter (see code.c); `file` gets its file name for messages. */
bool guard_caller_trusted(struct hermetic_runtime *rt, char *file, size_t size);
guard_fn guard_code_compile;
guard_fn guard_code_exec;
guard_fn guard_code_new;
guard_fn guard_code_marshal;
guard_fn guard_code_pickle;

/* seal.c */
guard_fn guard_seal_addaudithook;
guard_fn guard_seal_gc;
guard_fn guard_seal_trace;
guard_fn guard_seal_frames;
guard_fn guard_seal_getframe;

/*
 * The check the socket-method patches run before a call would resolve a
 * host name ("connect", "bind", "sendto", "sendmsg"): a blocked name is
 * refused before any query; an allowed one is resolved here and checked as
 * an address, and *replacement gets the address tuple with the numeric
 * host to call with (NULL to use `address` as it is).
 */
int guard_network_prepare_address(struct hermetic_runtime *rt, PyObject *sock, PyObject *address,
                                   const char *action, PyObject **replacement);
/* Record the addresses in a getaddrinfo, gethostbyname or gethostbyname_ex
 * result for `host`, when a rule allows that name. */
void guard_network_record(struct hermetic_runtime *rt, PyObject *host, PyObject *result);
/* Tell the network adapter about the _socket.socket type (from patches.c). */
void guard_network_set_socket_type(PyTypeObject *type);

#endif
