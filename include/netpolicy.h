/* Network decisions: may the program look up this name, connect to this
 * address, bind there? Pure C over the policy, the hosts file and the
 * addresses that allowed names resolved to. */
#ifndef HERMETIC_NETPOLICY_H
#define HERMETIC_NETPOLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "hosts.h"
#include "netaddr.h"
#include "policy.h"

/* Addresses that names allowed by a rule resolved to in this process, with
 * the port the rule allows (0 for every port). A connect to one of them is
 * allowed, which is what makes --allow-domain work for real clients. */
struct netrecord_set {
    struct netrecord {
        struct netaddr addr;
        unsigned int port;
    } *items;
    size_t len, cap;
};

/* Records kept at most; past this, new addresses are not recorded and
 * connects to them are blocked (fail closed). */
#define NETRECORD_MAX 65536

void netrecord_add(struct netrecord_set *set, const struct netaddr *addr, unsigned int port);
bool netrecord_match(const struct netrecord_set *set, const struct netaddr *addr, unsigned int port);
void netrecord_free(struct netrecord_set *set);

/* Everything a decision reads. `hosts` may be NULL when the policy does not
 * allow loopback. */
struct netpolicy_view {
    const struct policy_network *policy;
    const struct hosts_table *hosts;
    const struct netrecord_set *resolved;
};

/* A DNS lookup of `name` (normalised, not numeric). */
bool netpolicy_allows_lookup(const struct netpolicy_view *view, const char *name);
/* A reverse lookup (gethostbyaddr, getnameinfo) of `addr`. */
bool netpolicy_allows_reverse(const struct netpolicy_view *view, const struct netaddr *addr);
/* connect, sendto or sendmsg to a numeric address. */
bool netpolicy_allows_connect(const struct netpolicy_view *view, const struct netaddr *addr,
                              unsigned int port);
/* connect, sendto or sendmsg to a name (resolved inside the call). */
bool netpolicy_allows_connect_name(const struct netpolicy_view *view, const char *name,
                                   unsigned int port);
/* bind: only loopback, and only with allow_localhost. */
bool netpolicy_allows_bind(const struct netpolicy_view *view, const struct netaddr *addr);
bool netpolicy_allows_bind_name(const struct netpolicy_view *view, const char *name);

/* The ports (0 for all) that name rules allow for `name`; returns how many
 * were stored in `ports` (at most `max`). Used to record resolved addresses. */
size_t netpolicy_name_ports(const struct policy_network *policy, const char *name, unsigned int *ports,
                            size_t max);

#endif
