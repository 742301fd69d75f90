/* What /etc/hosts and /etc/nsswitch.conf say about names that resolve
 * without a DNS query: with --allow-localhost, a name is allowed when the
 * resolver answers it from the hosts file with loopback addresses only. */
#ifndef HERMETIC_HOSTS_H
#define HERMETIC_HOSTS_H

#include <stdbool.h>
#include <stddef.h>

#include "netaddr.h"

struct hosts_entry {
    char name[NETNAME_MAX];
    struct netaddr addr;
};

struct hosts_table {
    struct hosts_entry *entries;
    size_t len, cap;
    /* True when no source that can send queries over the network (dns,
     * mdns, nis, ldap, ...) comes before "files" in the hosts: line, so a
     * name in the table is answered from the file alone. */
    bool files_first;
    /* True when a local source that answers "localhost" itself
     * (myhostname, resolve) comes before any network source. */
    bool localhost_synthesized;
};

enum hosts_answer {
    HOSTS_UNKNOWN,         /* not answered locally: a lookup may send a query */
    HOSTS_LOOPBACK_ONLY,   /* answered locally, with loopback addresses only */
    HOSTS_OTHER,           /* answered locally, with some other address */
};

/* Parse hosts-file text and the hosts: line of nsswitch.conf text (NULL if
 * the file is missing, which means glibc's default "dns files"). */
void hosts_parse(struct hosts_table *table, const char *hosts_text, const char *nsswitch_text);
/* Read /etc/hosts and /etc/nsswitch.conf (or the given paths). */
void hosts_load(struct hosts_table *table, const char *hosts_path, const char *nsswitch_path);
enum hosts_answer hosts_lookup(const struct hosts_table *table, const char *name);
/* True if a reverse lookup of `a` is answered from the hosts file. */
bool hosts_has_address(const struct hosts_table *table, const struct netaddr *a);
void hosts_free(struct hosts_table *table);

#endif
