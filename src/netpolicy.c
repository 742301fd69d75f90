#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "alloc.h"
#include "netpolicy.h"

void netrecord_add(struct netrecord_set *set, const struct netaddr *addr, unsigned int port)
{
    if (netrecord_match(set, addr, port) || set->len >= NETRECORD_MAX)
        return;
    set->items = xgrow(set->items, &set->cap, set->len + 1, sizeof(*set->items));
    set->items[set->len].addr = *addr;
    set->items[set->len].port = port;
    set->len++;
}

bool netrecord_match(const struct netrecord_set *set, const struct netaddr *addr, unsigned int port)
{
    for (size_t i = 0; i < set->len; i++) {
        const struct netrecord *r = &set->items[i];

        if (netaddr_equal(&r->addr, addr) &&
            (port == NETPORT_IGNORE || r->port == 0 || r->port == port))
            return true;
    }
    return false;
}

void netrecord_free(struct netrecord_set *set)
{
    free(set->items);
    memset(set, 0, sizeof(*set));
}

/* True if the hosts file answers `name` with loopback addresses only. */
static bool is_loopback_name(const struct netpolicy_view *view, const char *name)
{
    return view->policy->allow_localhost && view->hosts != NULL &&
           hosts_lookup(view->hosts, name) == HOSTS_LOOPBACK_ONLY;
}

bool netpolicy_allows_lookup(const struct netpolicy_view *view, const char *name)
{
    const struct netrule_list *rules = &view->policy->allow;

    if (!view->policy->block)
        return true;
    for (size_t i = 0; i < rules->len; i++)
        if (netrule_matches_name(&rules->items[i], name))
            return true;
    return is_loopback_name(view, name);
}

/* A literal rule for exactly this address: the only way to reach a cloud
 * metadata service, so that a CIDR block or a name cannot open it by chance. */
static bool has_literal_rule(const struct policy_network *policy, const struct netaddr *addr,
                             unsigned int port)
{
    unsigned int full = addr->family == AF_INET ? 32 : 128;

    for (size_t i = 0; i < policy->allow.len; i++) {
        const struct netrule *r = &policy->allow.items[i];

        if (r->kind == NETRULE_NETWORK && r->prefix_len == full && netrule_matches_addr(r, addr, port))
            return true;
    }
    return false;
}

bool netpolicy_allows_connect(const struct netpolicy_view *view, const struct netaddr *addr,
                              unsigned int port)
{
    const struct policy_network *policy = view->policy;

    if (!policy->block)
        return true;
    if (netaddr_is_metadata(addr))
        return has_literal_rule(policy, addr, port);
    if (policy->allow_localhost && (netaddr_is_loopback(addr) || netaddr_is_unspecified(addr)))
        return true;
    for (size_t i = 0; i < policy->allow.len; i++)
        if (netrule_matches_addr(&policy->allow.items[i], addr, port))
            return true;
    return view->resolved != NULL && netrecord_match(view->resolved, addr, port);
}

bool netpolicy_allows_reverse(const struct netpolicy_view *view, const struct netaddr *addr)
{
    if (!view->policy->block)
        return true;
    if (netaddr_is_loopback(addr) || netaddr_is_unspecified(addr))
        return view->policy->allow_localhost && view->hosts != NULL && hosts_has_address(view->hosts, addr);
    return netpolicy_allows_connect(view, addr, NETPORT_IGNORE);
}

bool netpolicy_allows_connect_name(const struct netpolicy_view *view, const char *name,
                                   unsigned int port)
{
    const struct netrule_list *rules = &view->policy->allow;

    if (!view->policy->block)
        return true;
    for (size_t i = 0; i < rules->len; i++)
        if (netrule_matches_name(&rules->items[i], name) && netrule_matches_port(&rules->items[i], port))
            return true;
    return is_loopback_name(view, name);
}

bool netpolicy_allows_bind(const struct netpolicy_view *view, const struct netaddr *addr)
{
    if (!view->policy->block)
        return true;
    return view->policy->allow_localhost && netaddr_is_loopback(addr);
}

bool netpolicy_allows_bind_name(const struct netpolicy_view *view, const char *name)
{
    if (!view->policy->block)
        return true;
    return is_loopback_name(view, name);
}

size_t netpolicy_name_ports(const struct policy_network *policy, const char *name, unsigned int *ports,
                            size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < policy->allow.len && n < max; i++)
        if (netrule_matches_name(&policy->allow.items[i], name))
            ports[n++] = policy->allow.items[i].port;
    return n;
}
