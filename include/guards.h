/* The guard adapters: each turns an audit event's arguments into calls of
 * the decision functions. They return 0 to allow, or -1 with a Python
 * exception set to block. Arguments are untrusted: any code can raise any
 * event with any arguments through sys.audit. */
#ifndef HERMETIC_GUARDS_H
#define HERMETIC_GUARDS_H

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

/* The check the socket-method patches run before a call resolves a host
 * name: `action` is "connect", "bind" or "sendto". */
int guard_network_check_name(struct hermetic_runtime *rt, PyObject *sock, PyObject *address,
                             const char *action);
/* Record the addresses in a getaddrinfo, gethostbyname or gethostbyname_ex
 * result for `host`, when a rule allows that name. */
void guard_network_record(struct hermetic_runtime *rt, PyObject *host, PyObject *result);
/* Tell the network adapter about the _socket.socket type (from patches.c). */
void guard_network_set_socket_type(PyTypeObject *type);

#endif
