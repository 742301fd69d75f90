/* Numeric addresses, DNS names and network allow rules: parsing,
 * canonical forms and matching. Pure C; no name is ever looked up here. */
#ifndef HERMETIC_NETADDR_H
#define HERMETIC_NETADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

/* An IPv4 or IPv6 address in canonical form: IPv4-mapped IPv6 addresses
 * (::ffff:a.b.c.d) are stored as IPv4, because that is where they go. */
struct netaddr {
    int family;                /* AF_INET or AF_INET6 */
    unsigned char bytes[16];   /* network byte order; 4 bytes used for AF_INET */
    unsigned int scope_id;     /* IPv6 zone index, 0 if none */
};

#define NETADDR_TEXT_MAX 64    /* "[v6]:port" fits, with room for a %zone */
#define NETNAME_MAX 254        /* a DNS name of at most 253 bytes, and its NUL */

/*
 * Parse `text` as a numeric host exactly where glibc's getaddrinfo treats
 * it as numeric (AI_NUMERICHOST): IPv4 in every inet_aton form ("127.1",
 * "2130706433", "0x7f.1"), IPv6 with an optional %zone, and "[v6]".
 * Return 0, or -1 if `text` is not numeric.
 */
int netaddr_parse(const char *text, struct netaddr *out);

/* True if `text` is four decimal numbers from 0 to 255 joined by dots,
 * without leading zeros: exactly the IPv4 text that inet_pton accepts, and
 * that CPython connects to without a lookup. The bytes go to `bytes`. */
bool netaddr_parse_quad(const char *text, unsigned char bytes[4]);
bool netaddr_equal(const struct netaddr *a, const struct netaddr *b);
bool netaddr_is_loopback(const struct netaddr *a);
/* 0.0.0.0 or ::, which as a destination reach the local host. */
bool netaddr_is_unspecified(const struct netaddr *a);
/* A cloud instance metadata service address (169.254.169.254, ...). */
bool netaddr_is_metadata(const struct netaddr *a);
bool netaddr_in_prefix(const struct netaddr *a, const struct netaddr *network,
                       unsigned int prefix_len);
/* "192.0.2.1" or "2001:db8::1" (RFC 5952); returns buf. */
const char *netaddr_format(const struct netaddr *a, char *buf, size_t size);
/* "192.0.2.1:443" or "[2001:db8::1]:443"; port 0 leaves the port out. */
const char *netaddr_format_endpoint(const struct netaddr *a, unsigned int port,
                                    char *buf, size_t size);

/*
 * Normalise a DNS name for matching: lowercase, one trailing dot removed.
 * Labels hold letters, digits, '-' and '_', 1 to 63 bytes each, 253 bytes
 * in all. Return 0, or -1 if `text` is not such a name.
 */
int netname_normalize(const char *text, char *out, size_t size);
/* True if `name` is `domain` or one of its subdomains (both normalised). */
bool netname_in_domain(const char *name, const char *domain);

enum netrule_kind {
    NETRULE_DOMAIN,      /* "example.com": the name and its subdomains */
    NETRULE_SUBDOMAINS,  /* "*.example.com": subdomains only */
    NETRULE_NETWORK,     /* "192.0.2.1", "10.0.0.0/8", "2001:db8::/32", "[2001:db8::/32]:443" */
};

/* One --allow-domain value or network.allow entry. */
struct netrule {
    enum netrule_kind kind;
    char name[NETNAME_MAX];      /* DOMAIN and SUBDOMAINS, normalised */
    struct netaddr addr;         /* NETWORK */
    unsigned int prefix_len;     /* NETWORK: 32 or 128 for a single address */
    unsigned int port;           /* 0 for every port */
};

/* Parse `text` ("name", "*.name", IP, CIDR, each with an optional :PORT,
 * "[v6]:PORT" for IPv6). On error, err names the value and the forms. */
int netrule_parse(const char *text, struct netrule *out, struct hermetic_error *err);
/* Format a rule back into the form netrule_parse reads. */
const char *netrule_format(const struct netrule *rule, char *buf, size_t size);
/* True if the rule allows looking up `name` (normalised); ports do not matter. */
bool netrule_matches_name(const struct netrule *rule, const char *name);
bool netrule_matches_port(const struct netrule *rule, unsigned int port);
/* A port argument that matches every rule's port, for reverse lookups. */
#define NETPORT_IGNORE 0xffffffffu

/* True if the rule allows `a` on `port`. */
bool netrule_matches_addr(const struct netrule *rule, const struct netaddr *a,
                          unsigned int port);

#endif
