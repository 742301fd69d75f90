#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include "guards.h"
#include "hook.h"
#include "log.h"

/* The real _socket.socket type and its "family" member, so that an event's
 * socket argument is read without running Python code. family_offset is
 * the offset of that C int in the socket object, or -1 to use the
 * descriptor. */
static PyTypeObject *socket_type;
static PyObject *family_member;
static Py_ssize_t family_offset = -1;

void guard_network_set_socket_type(PyTypeObject *type)
{
    if (socket_type != NULL)
        return;
    Py_INCREF(type);
    socket_type = type;
    family_member = PyObject_GetAttrString((PyObject *)type, "family");
    if (family_member == NULL || Py_TYPE(family_member)->tp_descr_get == NULL) {
        PyErr_Clear();
        Py_CLEAR(family_member);
        return;
    }
    if (Py_IS_TYPE(family_member, &PyMemberDescr_Type)) {
        const PyMemberDef *member = ((PyMemberDescrObject *)family_member)->d_member;

        if (member->type == T_INT && member->offset >= (Py_ssize_t)sizeof(PyObject) &&
            member->offset + (Py_ssize_t)sizeof(int) <= type->tp_basicsize)
            family_offset = member->offset;
    }
}

/* The builtin socket type among the bases of `type`: the static type named
 * _socket.socket (a class a program defines is a heap type). */
static PyTypeObject *find_socket_type(PyTypeObject *type)
{
    PyObject *mro = type->tp_mro;

    if (mro == NULL || !PyTuple_Check(mro))
        return NULL;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); i++) {
        PyTypeObject *base = (PyTypeObject *)PyTuple_GET_ITEM(mro, i);

        if (!(base->tp_flags & Py_TPFLAGS_HEAPTYPE) && strcmp(base->tp_name, "_socket.socket") == 0)
            return base;
    }
    return NULL;
}

/* A socket's address family, or -1 if `sock` is not a real socket (the
 * event was raised by sys.audit, and no socket call follows it). */
static int socket_family(PyObject *sock)
{
    PyObject *value;
    long family;

    if (socket_type == NULL) {
        PyTypeObject *found = find_socket_type(Py_TYPE(sock));

        if (found == NULL)
            return -1;
        guard_network_set_socket_type(found);
    }
    if (family_member == NULL || !PyObject_TypeCheck(sock, socket_type))
        return -1;
    if (family_offset >= 0)
        return *(const int *)((const char *)sock + family_offset);
    value = Py_TYPE(family_member)->tp_descr_get(family_member, sock, (PyObject *)socket_type);
    if (value == NULL) {
        PyErr_Clear();
        return -1;
    }
    family = PyLong_Check(value) ? PyLong_AsLong(value) : -1;
    Py_DECREF(value);
    if (family == -1)
        PyErr_Clear();
    return (int)family;
}

static struct netpolicy_view view_of(struct hermetic_runtime *rt)
{
    struct netpolicy_view view = {&rt->effective.network, NULL, &rt->resolved};

    if (rt->effective.network.allow_localhost) {
        if (!rt->hosts_loaded) {
            hosts_load(&rt->hosts, NULL, NULL);
            rt->hosts_loaded = true;
        }
        view.hosts = &rt->hosts;
    }
    return view;
}

/* Printable ASCII text of an untrusted string: control bytes become '?',
 * other bytes outside ASCII \xNN, and long text is cut, so a message stays
 * one readable line of valid UTF-8. */
static void printable(const char *text, size_t length, char *out, size_t size)
{
    size_t n = 0, i;

    for (i = 0; i < length && n + 8 < size; i++) {
        unsigned char c = (unsigned char)text[i];

        if (c >= 0x80)
            n += (size_t)snprintf(out + n, size - n, "\\x%02x", c);
        else
            out[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (i < length)
        memcpy(out + n, "...", 3), n += 3;
    out[n] = '\0';
}

/* A host as the socket module would pass it to the resolver. */
struct host_text {
    char text[1024];
    size_t length;
    bool valid;   /* false for text the resolver would refuse (a NUL byte) */
};

/*
 * Get the bytes CPython hands to getaddrinfo for `host`: str as ASCII, or
 * IDNA-encoded when it is not ASCII; bytes and bytearray as they are.
 * Returns -1 if `host` is none of these (the call would raise TypeError).
 */
static int host_bytes(PyObject *host, struct host_text *out)
{
    PyObject *encoded = NULL;
    const char *data;
    Py_ssize_t length;

    out->valid = true;
    if (PyUnicode_Check(host)) {
        if (PyUnicode_IS_ASCII(host)) {
            data = PyUnicode_AsUTF8AndSize(host, &length);
        } else {
            encoded = PyUnicode_AsEncodedString(host, "idna", NULL);
            if (encoded == NULL) {
                PyErr_Clear();
                out->valid = false;
                snprintf(out->text, sizeof(out->text), "<not IDNA>");
                out->length = strlen(out->text);
                return 0;
            }
            data = PyBytes_AS_STRING(encoded);
            length = PyBytes_GET_SIZE(encoded);
        }
    } else if (PyBytes_Check(host)) {
        data = PyBytes_AS_STRING(host);
        length = PyBytes_GET_SIZE(host);
    } else if (PyByteArray_Check(host)) {
        data = PyByteArray_AS_STRING(host);
        length = PyByteArray_GET_SIZE(host);
    } else {
        return -1;
    }
    if (data == NULL) {
        PyErr_Clear();
        return -1;
    }
    if ((size_t)length >= sizeof(out->text) || memchr(data, '\0', (size_t)length) != NULL)
        out->valid = false;
    out->length = (size_t)length < sizeof(out->text) ? (size_t)length : sizeof(out->text) - 1;
    memcpy(out->text, data, out->length);
    out->text[out->length] = '\0';
    Py_XDECREF(encoded);
    return 0;
}

/* An AF_INET or AF_INET6 destination, canonical. */
struct inet_target {
    bool is_name;
    bool invalid;               /* a name the resolver would refuse or no rule can hold */
    char name[NETNAME_MAX];     /* normalised, when is_name */
    struct netaddr addr;        /* when !is_name */
    unsigned int port;
    char shown[NETNAME_MAX + NETADDR_TEXT_MAX];   /* for messages, by describe_target */
    char host_shown[NETNAME_MAX + 8];             /* the host alone, for .target */
};

/* Classify host bytes as CPython's setipaddr would: "" is the wildcard
 * address, "<broadcast>" the broadcast address, then numeric forms, then a
 * name. An invalid name is kept as text and matches no rule. */
static void classify_host(const struct host_text *host, int family, struct inet_target *out)
{
    char shown[NETNAME_MAX];

    out->is_name = false;
    if (host->valid && host->text[0] == '[') {
        /* glibc's getaddrinfo does not read "[::1]" as numeric, and CPython
         * passes it on unchanged: a name that no rule can hold. */
        printable(host->text, host->length, shown, sizeof(shown));
        snprintf(out->name, sizeof(out->name), "%s", shown);
        out->is_name = true;
        out->invalid = true;
    } else if (host->valid && host->length == 0) {
        netaddr_parse(family == AF_INET6 ? "::" : "0.0.0.0", &out->addr);
    } else if (host->valid && strcmp(host->text, "<broadcast>") == 0) {
        netaddr_parse("255.255.255.255", &out->addr);
    } else if (!host->valid || netaddr_parse(host->text, &out->addr) != 0) {
        out->is_name = true;
        if (!host->valid || netname_normalize(host->text, out->name, sizeof(out->name)) != 0) {
            printable(host->text, host->length, shown, sizeof(shown));
            snprintf(out->name, sizeof(out->name), "%s", shown[0] ? shown : "?");
            out->invalid = true;
        }
    }
}

/* Fill t->shown and t->host_shown: only for a message, since formatting
 * an address costs more than deciding on it. */
static void describe_target(struct inet_target *t)
{
    if (t->is_name) {
        snprintf(t->host_shown, sizeof(t->host_shown), "%s", t->name);
        if (t->port)
            snprintf(t->shown, sizeof(t->shown), "%s:%u", t->name, t->port);
        else
            snprintf(t->shown, sizeof(t->shown), "%s", t->name);
    } else {
        netaddr_format(&t->addr, t->host_shown, sizeof(t->host_shown));
        netaddr_format_endpoint(&t->addr, t->port, t->shown, sizeof(t->shown));
    }
}

/* Parse an (host, port, ...) address tuple. Returns 0, or -1 if it is not
 * such a tuple (the socket call itself would then fail). */
static int parse_inet_address(PyObject *address, int family, struct inet_target *out)
{
    struct host_text host;
    long port;

    out->is_name = out->invalid = false;
    out->name[0] = out->shown[0] = out->host_shown[0] = '\0';
    if (!PyTuple_Check(address) || PyTuple_GET_SIZE(address) < 2 || PyTuple_GET_SIZE(address) > 4)
        return -1;
    if (host_bytes(PyTuple_GET_ITEM(address, 0), &host) != 0 || !PyLong_Check(PyTuple_GET_ITEM(address, 1)))
        return -1;
    port = PyLong_AsLong(PyTuple_GET_ITEM(address, 1));
    if (port < 0 || port > 65535) {
        PyErr_Clear();
        return -1;
    }
    out->port = (unsigned int)port;
    classify_host(&host, family, out);
    return 0;
}

/* Text of an AF_UNIX address for messages: the path, or @name for an
 * abstract socket. Returns -1 if `address` is not a str or bytes-like. */
static int unix_address_text(PyObject *address, char *out, size_t size)
{
    struct host_text path;

    if (host_bytes(address, &path) != 0)
        return -1;
    if (path.length > 0 && path.text[0] == '\0') {
        char name[512];

        printable(path.text + 1, path.length - 1, name, sizeof(name));
        snprintf(out, size, "@%s", name);
    } else {
        printable(path.text, path.length, out, size);
    }
    return 0;
}

static const char *family_name(int family)
{
    switch (family) {
    case AF_PACKET: return "AF_PACKET";
    case AF_VSOCK: return "AF_VSOCK";
    case AF_BLUETOOTH: return "AF_BLUETOOTH";
    case AF_CAN: return "AF_CAN";
    case AF_TIPC: return "AF_TIPC";
    case AF_RDS: return "AF_RDS";
    default: return "non-IP";
    }
}

enum net_action { ACTION_CONNECT, ACTION_BIND, ACTION_SENDTO, ACTION_SENDMSG };
static const char *const ACTION_NAMES[] = {"connect", "bind", "sendto", "sendmsg"};

static bool inet_allowed(struct hermetic_runtime *rt, enum net_action action, const struct inet_target *t)
{
    struct netpolicy_view view = view_of(rt);

    if (t->invalid)
        return false;
    if (action == ACTION_BIND)
        return t->is_name ? netpolicy_allows_bind_name(&view, t->name) : netpolicy_allows_bind(&view, &t->addr);
    return t->is_name ? netpolicy_allows_connect_name(&view, t->name, t->port)
                      : netpolicy_allows_connect(&view, &t->addr, t->port);
}

/* Decide a connect, bind, sendto or sendmsg to `address` on `sock`. */
static int check_destination(struct hermetic_runtime *rt, PyObject *sock, PyObject *address,
                             enum net_action action)
{
    const char *name = ACTION_NAMES[action];
    int family = socket_family(sock);
    char text[600];
    struct inet_target target;

    if (family == AF_NETLINK || family == AF_ALG)
        return 0;   /* these reach the kernel, not a network */
    if (family == AF_UNIX || (family == -1 && !PyTuple_Check(address))) {
        if (unix_address_text(address, text, sizeof(text)) != 0)
            return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, "?", "network disabled: %s(malformed address)",
                              name);
        if (rt->effective.network.allow_unix_sockets) {
            if (hook_tracing_allowed())
                hook_allowed(GUARD_NETWORK, text, "%s(%s)", name, text);
            return 0;
        }
        return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, text, "network disabled: %s(%s)", name, text);
    }
    if (family != AF_INET && family != AF_INET6 && family != -1)
        return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, family_name(family),
                          "network disabled: %s(%s address)", name, family_name(family));
    if (parse_inet_address(address, family, &target) != 0)
        return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, "?", "network disabled: %s(malformed address)", name);
    if (!inet_allowed(rt, action, &target)) {
        describe_target(&target);
        return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, target.host_shown, "network disabled: %s(%s)", name,
                          target.shown);
    }
    if (hook_tracing_allowed()) {
        describe_target(&target);
        hook_allowed(GUARD_NETWORK, target.host_shown, "%s(%s)", name, target.shown);
    }
    return 0;
}

/* The (self, address) events share one shape. */
static int destination_event(PyObject *args, enum net_action action, struct hermetic_runtime *rt)
{
    if (PyTuple_GET_SIZE(args) < 2)
        return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, "?", "network disabled: %s(malformed audit event)",
                          ACTION_NAMES[action]);
    return check_destination(rt, PyTuple_GET_ITEM(args, 0), PyTuple_GET_ITEM(args, 1), action);
}

int guard_network_connect(struct hermetic_runtime *rt, PyObject *args)
{
    return destination_event(args, ACTION_CONNECT, rt);
}

/* socket.bind: a network decision, and for an AF_UNIX path also a
 * filesystem write, since binding creates the socket file. */
int guard_network_bind(struct hermetic_runtime *rt, PyObject *args)
{
    PyObject *address;

    if ((rt->guards & GUARD_NETWORK) && destination_event(args, ACTION_BIND, rt) != 0)
        return -1;
    if (!(rt->guards & GUARD_FILESYSTEM) || PyTuple_GET_SIZE(args) < 2)
        return 0;
    address = PyTuple_GET_ITEM(args, 1);
    if (socket_family(PyTuple_GET_ITEM(args, 0)) != AF_UNIX || PyTuple_Check(address))
        return 0;
    if (PyUnicode_Check(address) && PyUnicode_GET_LENGTH(address) > 0 && PyUnicode_READ_CHAR(address, 0) == 0)
        return 0;   /* an abstract socket has no file */
    if (PyBytes_Check(address) && PyBytes_GET_SIZE(address) > 0 && PyBytes_AS_STRING(address)[0] == '\0')
        return 0;
    return guard_filesystem_check(rt, "bind", address, NULL, FS_WRITE, false, NULL);
}

int guard_network_sendto(struct hermetic_runtime *rt, PyObject *args)
{
    return destination_event(args, ACTION_SENDTO, rt);
}

int guard_network_sendmsg(struct hermetic_runtime *rt, PyObject *args)
{
    /* sendmsg on a connected socket passes no address: its connect was checked. */
    if (PyTuple_GET_SIZE(args) >= 2 && PyTuple_GET_ITEM(args, 1) == Py_None)
        return 0;
    return destination_event(args, ACTION_SENDMSG, rt);
}

/* socket.__new__ (self, family, type, protocol): raw and packet sockets.
 * Unset values arrive as -1 and mean AF_INET and SOCK_STREAM. */
int guard_network_socket(struct hermetic_runtime *rt, PyObject *args)
{
    long family, type;

    if (PyTuple_GET_SIZE(args) < 3 || !PyLong_Check(PyTuple_GET_ITEM(args, 1)) ||
        !PyLong_Check(PyTuple_GET_ITEM(args, 2)))
        return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, "?", "network disabled: socket(malformed audit event)");
    family = PyLong_AsLong(PyTuple_GET_ITEM(args, 1));
    type = PyLong_AsLong(PyTuple_GET_ITEM(args, 2));
    if (PyErr_Occurred()) {
        PyErr_Clear();
        return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, "?", "network disabled: socket(malformed audit event)");
    }
    type &= ~(long)(SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (family == AF_PACKET)
        return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, "AF_PACKET", "network disabled: socket(AF_PACKET)");
    if ((family == AF_INET || family == AF_INET6 || family == -1) && type == SOCK_RAW)
        return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, "SOCK_RAW", "network disabled: socket(%s, SOCK_RAW)",
                          family == AF_INET6 ? "AF_INET6" : "AF_INET");
    /* Under --kernel with no destination allowed, seccomp refuses the
     * socket itself; refusing it here first gives the program and the
     * report hermetic's message rather than a bare EACCES. */
    if (rt->kernel_refuses_ip_sockets && (family == AF_INET || family == AF_INET6 || family == -1))
        return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, family == AF_INET6 ? "AF_INET6" : "AF_INET",
                          "network disabled: socket(%s)", family == AF_INET6 ? "AF_INET6" : "AF_INET");
    return 0;
}

/* A forward lookup of `host` (str, bytes or None). */
static int check_lookup(struct hermetic_runtime *rt, PyObject *host)
{
    struct host_text text;
    struct inet_target target = {.port = 0};
    struct netpolicy_view view;

    if (host == Py_None)
        return 0;   /* a wildcard or loopback address: no query */
    if (host_bytes(host, &text) != 0)
        return 0;   /* not a host: the call raises TypeError itself */
    classify_host(&text, AF_UNSPEC, &target);
    if (!target.is_name)
        return 0;   /* numeric: answered without a query */
    view = view_of(rt);
    if (target.invalid || !netpolicy_allows_lookup(&view, target.name))
        return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, target.name, "network disabled: DNS(%s)", target.name);
    if (hook_tracing_allowed())
        hook_allowed(GUARD_NETWORK, target.name, "DNS(%s)", target.name);
    return 0;
}

/* A reverse lookup of a numeric host, or a forward lookup of a name. */
static int check_reverse(struct hermetic_runtime *rt, PyObject *host)
{
    struct host_text text;
    struct inet_target target = {.port = 0};
    struct netpolicy_view view;

    if (host_bytes(host, &text) != 0)
        return 0;
    classify_host(&text, AF_UNSPEC, &target);
    if (target.is_name)
        return check_lookup(rt, host);
    describe_target(&target);
    view = view_of(rt);
    if (!netpolicy_allows_reverse(&view, &target.addr))
        return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, target.host_shown, "network disabled: DNS(%s)",
                          target.host_shown);
    if (hook_tracing_allowed())
        hook_allowed(GUARD_NETWORK, target.host_shown, "DNS(%s)", target.host_shown);
    return 0;
}

int guard_network_getaddrinfo(struct hermetic_runtime *rt, PyObject *args)
{
    if (PyTuple_GET_SIZE(args) < 1)
        return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, "?", "network disabled: DNS(malformed audit event)");
    return check_lookup(rt, PyTuple_GET_ITEM(args, 0));
}

int guard_network_gethostbyname(struct hermetic_runtime *rt, PyObject *args)
{
    return guard_network_getaddrinfo(rt, args);
}

int guard_network_gethostbyaddr(struct hermetic_runtime *rt, PyObject *args)
{
    if (PyTuple_GET_SIZE(args) < 1)
        return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, "?", "network disabled: DNS(malformed audit event)");
    return check_reverse(rt, PyTuple_GET_ITEM(args, 0));
}

/* getnameinfo (sockaddr,): CPython parses the host with AI_NUMERICHOST, so
 * only the reverse lookup can send a query. */
int guard_network_getnameinfo(struct hermetic_runtime *rt, PyObject *args)
{
    PyObject *sockaddr;

    if (PyTuple_GET_SIZE(args) < 1)
        return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, "?", "network disabled: DNS(malformed audit event)");
    sockaddr = PyTuple_GET_ITEM(args, 0);
    if (!PyTuple_Check(sockaddr) || PyTuple_GET_SIZE(sockaddr) < 1)
        return 0;   /* the call raises TypeError itself */
    return check_reverse(rt, PyTuple_GET_ITEM(sockaddr, 0));
}

/* Resolve an allowed name as CPython's setipaddr would (the first address
 * of getaddrinfo for the socket's family), with the GIL released. */
static int resolve_first(const char *name, int family, struct netaddr *out)
{
    struct addrinfo hints, *res = NULL;
    int rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = family;
    Py_BEGIN_ALLOW_THREADS
    rc = getaddrinfo(name, NULL, &hints, &res);
    Py_END_ALLOW_THREADS
    if (rc != 0 || res == NULL)
        return -1;
    rc = -1;
    if (res->ai_family == AF_INET) {
        char text[INET_ADDRSTRLEN];
        const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)res->ai_addr;

        if (inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text)) != NULL)
            rc = netaddr_parse(text, out);
    } else if (res->ai_family == AF_INET6) {
        char text[INET6_ADDRSTRLEN];
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)res->ai_addr;

        if (inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text)) != NULL)
            rc = netaddr_parse(text, out);
    }
    freeaddrinfo(res);
    return rc;
}

/* `address` with its host replaced by the numeric text of `addr`. */
static PyObject *with_numeric_host(PyObject *address, const struct netaddr *addr)
{
    char text[NETADDR_TEXT_MAX];
    PyObject *copy = PyTuple_New(PyTuple_GET_SIZE(address)), *host;

    if (copy == NULL)
        return NULL;
    host = PyUnicode_FromString(netaddr_format(addr, text, sizeof(text)));
    if (host == NULL) {
        Py_DECREF(copy);
        return NULL;
    }
    PyTuple_SET_ITEM(copy, 0, host);
    for (Py_ssize_t i = 1; i < PyTuple_GET_SIZE(address); i++) {
        Py_INCREF(PyTuple_GET_ITEM(address, i));
        PyTuple_SET_ITEM(copy, i, PyTuple_GET_ITEM(address, i));
    }
    return copy;
}

/* Return true if CPython parses the host of `address` for `family` itself
 * (inet_pton, and for IPv6 no scope), so the call makes no lookup. The
 * audit event that follows then decides, without a second parse here. */
static bool parsed_without_lookup(PyObject *address, int family)
{
    PyObject *host;
    const char *text;
    unsigned char bytes[16];

    if (!PyTuple_Check(address) || PyTuple_GET_SIZE(address) < 2)
        return false;
    host = PyTuple_GET_ITEM(address, 0);
    if (!PyUnicode_Check(host) || !PyUnicode_IS_COMPACT_ASCII(host))
        return false;
    text = (const char *)PyUnicode_1BYTE_DATA(host);
    if (strlen(text) != (size_t)PyUnicode_GET_LENGTH(host))
        return false;   /* an embedded NUL: leave it to the full parse */
    if (family == AF_INET)
        return netaddr_parse_quad(text, bytes);
    return strchr(text, '%') == NULL && inet_pton(AF_INET6, text, bytes) == 1;
}

int guard_network_prepare_address(struct hermetic_runtime *rt, PyObject *sock, PyObject *address,
                                   const char *action, PyObject **replacement)
{
    int family = socket_family(sock);
    struct inet_target target;
    struct netaddr resolved;
    struct netpolicy_view view;
    enum net_action kind = ACTION_CONNECT;
    unsigned int ports[16];
    size_t count;

    *replacement = NULL;
    if (!(rt->guards & GUARD_NETWORK) || (family != AF_INET && family != AF_INET6))
        return 0;
    if (parsed_without_lookup(address, family))
        return 0;
    if (parse_inet_address(address, family, &target) != 0 || !target.is_name)
        return 0;   /* numeric or malformed: no lookup, and the audit event decides */
    for (size_t i = 0; i < sizeof(ACTION_NAMES) / sizeof(ACTION_NAMES[0]); i++)
        if (strcmp(ACTION_NAMES[i], action) == 0)
            kind = (enum net_action)i;
    if (!inet_allowed(rt, kind, &target)) {
        describe_target(&target);
        return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, target.host_shown, "network disabled: %s(%s)",
                          action, target.shown);
    }
    if (resolve_first(target.name, family, &resolved) != 0)
        return 0;   /* the call resolves the name itself, and fails the same way */
    /* The name is allowed: its address counts as resolved from an allowed
     * name, which still excludes metadata services, and the call goes to
     * exactly the address that was checked. */
    count = netpolicy_name_ports(&rt->effective.network, target.name, ports, 16);
    for (size_t i = 0; i < count; i++)
        netrecord_add(&rt->resolved, &resolved, ports[i]);
    view = view_of(rt);
    target.is_name = false;
    target.addr = resolved;
    if (kind == ACTION_BIND ? !netpolicy_allows_bind(&view, &resolved)
                            : !netpolicy_allows_connect(&view, &resolved, target.port)) {
        char shown[NETADDR_TEXT_MAX];

        netaddr_format_endpoint(&resolved, target.port, shown, sizeof(shown));
        return hook_block(GUARD_NETWORK, VIOLATION_PERMISSION, target.name, "network disabled: %s(%s via %s)",
                          action, shown, target.name);
    }
    *replacement = with_numeric_host(address, &resolved);
    return *replacement != NULL ? 0 : -1;
}

/* Record one numeric address string from a resolver result. */
static void record_address(struct hermetic_runtime *rt, PyObject *text, const unsigned int *ports, size_t count)
{
    struct netaddr addr;
    const char *utf8;

    if (!PyUnicode_Check(text) || (utf8 = PyUnicode_AsUTF8(text)) == NULL) {
        PyErr_Clear();
        return;
    }
    if (netaddr_parse(utf8, &addr) != 0)
        return;
    for (size_t i = 0; i < count; i++)
        netrecord_add(&rt->resolved, &addr, ports[i]);
}

void guard_network_record(struct hermetic_runtime *rt, PyObject *host, PyObject *result)
{
    struct host_text text;
    struct inet_target target = {.port = 0};
    unsigned int ports[16];
    size_t count;

    if (!(rt->guards & GUARD_NETWORK) || host == NULL || host_bytes(host, &text) != 0)
        return;
    classify_host(&text, AF_UNSPEC, &target);
    if (!target.is_name)
        return;
    count = netpolicy_name_ports(&rt->effective.network, target.name, ports, 16);
    if (count == 0)
        return;
    if (PyUnicode_Check(result)) {                 /* gethostbyname */
        record_address(rt, result, ports, count);
    } else if (PyTuple_Check(result) && PyTuple_GET_SIZE(result) == 3 &&
               PyList_Check(PyTuple_GET_ITEM(result, 2))) {   /* gethostbyname_ex */
        PyObject *list = PyTuple_GET_ITEM(result, 2);

        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++)
            record_address(rt, PyList_GET_ITEM(list, i), ports, count);
    } else if (PyList_Check(result)) {             /* getaddrinfo: (family, type, proto, canonname, sockaddr) */
        for (Py_ssize_t i = 0; i < PyList_GET_SIZE(result); i++) {
            PyObject *entry = PyList_GET_ITEM(result, i), *sockaddr;

            if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 5)
                continue;
            sockaddr = PyTuple_GET_ITEM(entry, 4);
            if (PyTuple_Check(sockaddr) && PyTuple_GET_SIZE(sockaddr) >= 1)
                record_address(rt, PyTuple_GET_ITEM(sockaddr, 0), ports, count);
        }
    }
}
