#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netaddr.h"

static void set_v4(struct netaddr *out, const unsigned char bytes[4])
{
    memset(out, 0, sizeof(*out));
    out->family = AF_INET;
    memcpy(out->bytes, bytes, 4);
}

/* Store an IPv6 address, turning an IPv4-mapped one into IPv4. */
static void set_v6(struct netaddr *out, const unsigned char bytes[16], unsigned int scope_id)
{
    static const unsigned char mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    if (memcmp(bytes, mapped_prefix, sizeof(mapped_prefix)) == 0) {
        set_v4(out, bytes + 12);
        return;
    }
    memset(out, 0, sizeof(*out));
    out->family = AF_INET6;
    memcpy(out->bytes, bytes, 16);
    out->scope_id = scope_id;
}

/* glibc's own numeric parser, so that "numeric" means what it means to the
 * getaddrinfo call that CPython makes next. AI_NUMERICHOST never queries. */
static int parse_with_getaddrinfo(const char *text, struct netaddr *out)
{
    struct addrinfo hints, *res = NULL;
    int rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = AI_NUMERICHOST;
    rc = getaddrinfo(text, NULL, &hints, &res);
    if (rc != 0 || res == NULL)
        return -1;
    if (res->ai_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)res->ai_addr;
        set_v4(out, (const unsigned char *)&sin->sin_addr);
    } else if (res->ai_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)(const void *)res->ai_addr;
        set_v6(out, (const unsigned char *)&sin6->sin6_addr, sin6->sin6_scope_id);
    } else {
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    return 0;
}

bool netaddr_parse_quad(const char *text, unsigned char bytes[4])
{
    for (int part = 0; part < 4; part++) {
        unsigned int value = 0;
        int digits = 0;

        if (part > 0 && *text++ != '.')
            return false;
        for (; *text >= '0' && *text <= '9'; text++, digits++) {
            if (digits > 0 && value == 0)
                return false;   /* a leading zero */
            value = value * 10 + (unsigned int)(*text - '0');
            if (value > 255)
                return false;
        }
        if (digits == 0)
            return false;
        bytes[part] = (unsigned char)value;
    }
    return *text == '\0';
}

int netaddr_parse(const char *text, struct netaddr *out)
{
    unsigned char bytes[16];
    char inner[NETADDR_TEXT_MAX];
    size_t len;

    if (text == NULL || text[0] == '\0')
        return -1;
    len = strlen(text);
    if (text[0] == '[') {
        if (len < 3 || text[len - 1] != ']' || len - 2 >= sizeof(inner))
            return -1;
        memcpy(inner, text + 1, len - 2);
        inner[len - 2] = '\0';
        if (strchr(inner, ':') == NULL)
            return -1;  /* brackets are for IPv6 only */
        if (inner[0] == '[')
            return -1;  /* one pair of brackets: "[[::1]]" is not an address */
        return netaddr_parse(inner, out);
    }
    /* Fast paths for the common forms; both are subsets of what glibc's
     * getaddrinfo accepts as numeric. */
    if (netaddr_parse_quad(text, bytes)) {
        set_v4(out, bytes);
        return 0;
    }
    if (strchr(text, '%') == NULL && inet_pton(AF_INET6, text, bytes) == 1) {
        set_v6(out, bytes, 0);
        return 0;
    }
    return parse_with_getaddrinfo(text, out);
}

bool netaddr_equal(const struct netaddr *a, const struct netaddr *b)
{
    size_t n = a->family == AF_INET ? 4 : 16;

    return a->family == b->family && memcmp(a->bytes, b->bytes, n) == 0;
}

bool netaddr_is_loopback(const struct netaddr *a)
{
    static const unsigned char v6_loopback[16] = {[15] = 1};

    if (a->family == AF_INET)
        return a->bytes[0] == 127;
    return memcmp(a->bytes, v6_loopback, 16) == 0;
}

bool netaddr_is_unspecified(const struct netaddr *a)
{
    static const unsigned char zero[16];

    return memcmp(a->bytes, zero, a->family == AF_INET ? 4 : 16) == 0;
}

bool netaddr_is_metadata(const struct netaddr *a)
{
    /* Instance metadata services of AWS, GCP, Azure, Oracle, OpenStack
     * (169.254.169.254), ECS and EKS task credentials (169.254.170.2 and
     * .23), Azure's WireServer (168.63.129.16), Alibaba (100.100.100.200),
     * and the IPv6 endpoints of AWS (fd00:ec2::254, fd00:ec2::23 and
     * fe80::a9fe:a9fe). As bytes: this runs on every connect. */
    static const unsigned char ipv4[][4] = {
        {169, 254, 169, 254}, {169, 254, 170, 2}, {169, 254, 170, 23}, {168, 63, 129, 16}, {100, 100, 100, 200},
    };
    static const unsigned char ipv6[][16] = {
        {0xfd, 0x00, 0x0e, 0xc2, [14] = 0x02, 0x54},
        {0xfd, 0x00, 0x0e, 0xc2, [15] = 0x23},
        {0xfe, 0x80, [12] = 0xa9, 0xfe, 0xa9, 0xfe},
    };

    if (a->family == AF_INET) {
        for (size_t i = 0; i < sizeof(ipv4) / sizeof(ipv4[0]); i++)
            if (memcmp(a->bytes, ipv4[i], 4) == 0)
                return true;
    } else if (a->family == AF_INET6) {
        for (size_t i = 0; i < sizeof(ipv6) / sizeof(ipv6[0]); i++)
            if (memcmp(a->bytes, ipv6[i], 16) == 0)
                return true;
    }
    return false;
}

bool netaddr_in_prefix(const struct netaddr *a, const struct netaddr *network,
                       unsigned int prefix_len)
{
    unsigned int full = prefix_len / 8, rest = prefix_len % 8;

    if (a->family != network->family)
        return false;
    if (prefix_len > (a->family == AF_INET ? 32u : 128u))
        return false;
    if (memcmp(a->bytes, network->bytes, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a->bytes[full] & mask) == (network->bytes[full] & mask);
}

const char *netaddr_format(const struct netaddr *a, char *buf, size_t size)
{
    if (inet_ntop(a->family, a->bytes, buf, (socklen_t)size) == NULL)
        snprintf(buf, size, "?");
    return buf;
}

const char *netaddr_format_endpoint(const struct netaddr *a, unsigned int port,
                                    char *buf, size_t size)
{
    char text[NETADDR_TEXT_MAX];

    netaddr_format(a, text, sizeof(text));
    if (port == 0)
        snprintf(buf, size, "%s", text);
    else if (a->family == AF_INET6)
        snprintf(buf, size, "[%s]:%u", text, port);
    else
        snprintf(buf, size, "%s:%u", text, port);
    return buf;
}

int netname_normalize(const char *text, char *out, size_t size)
{
    size_t len = strlen(text), label = 0;

    if (len > 0 && text[len - 1] == '.')
        len--;
    if (len == 0 || len > NETNAME_MAX - 1 || len >= size)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];

        if (c == '.') {
            if (label == 0)
                return -1;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                   c == '_') {
            if (++label > 63)
                return -1;
        } else {
            return -1;
        }
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    if (label == 0)
        return -1;
    out[len] = '\0';
    return 0;
}

bool netname_in_domain(const char *name, const char *domain)
{
    size_t n = strlen(name), d = strlen(domain);

    if (n == d)
        return memcmp(name, domain, n) == 0;
    return n > d && name[n - d - 1] == '.' && memcmp(name + n - d, domain, d) == 0;
}

static const char RULE_FORMS[] =
    "expected a DNS name, *.name, an IP address or a CIDR block, optionally "
    "followed by :PORT, with IPv6 in brackets before a port: [2001:db8::1]:443";

static int parse_port(const char *text, const char *value, unsigned int *port,
                      struct hermetic_error *err)
{
    char *end;
    unsigned long n;

    if (text[0] < '0' || text[0] > '9')
        return error_set(err, HERMETIC_EXIT_USAGE, "invalid port \"%s\" in \"%s\" (expected 1 to 65535)",
                         text, value);
    n = strtoul(text, &end, 10);
    if (*end != '\0' || n < 1 || n > 65535)
        return error_set(err, HERMETIC_EXIT_USAGE, "invalid port \"%s\" in \"%s\" (expected 1 to 65535)",
                         text, value);
    *port = (unsigned int)n;
    return 0;
}

/* Parse "ADDR" or "ADDR/LEN" into a NETWORK rule. */
static int parse_network(const char *host, const char *value, struct netrule *out,
                         struct hermetic_error *err)
{
    char addr_text[NETADDR_TEXT_MAX];
    const char *slash = strchr(host, '/');
    size_t addr_len = slash ? (size_t)(slash - host) : strlen(host);
    unsigned int max_len;
    struct netaddr masked;

    if (addr_len == 0 || addr_len >= sizeof(addr_text))
        return error_set(err, HERMETIC_EXIT_USAGE, "invalid address \"%s\" (%s)", value, RULE_FORMS);
    memcpy(addr_text, host, addr_len);
    addr_text[addr_len] = '\0';
    if (strchr(addr_text, '%') != NULL)
        return error_set(err, HERMETIC_EXIT_USAGE,
                         "invalid address \"%s\": zone indices (%%eth0) are not supported in rules", value);
    if (netaddr_parse(addr_text, &out->addr) != 0)
        return error_set(err, HERMETIC_EXIT_USAGE, "invalid address \"%s\" (%s)", value, RULE_FORMS);
    /* A rule written as ::ffff:a.b.c.d/LEN is an IPv4 rule of LEN-96 bits. */
    bool mapped = out->addr.family == AF_INET && strchr(addr_text, ':') != NULL;
    unsigned char quad[4];
    if (slash != NULL && out->addr.family == AF_INET && !mapped && inet_pton(AF_INET, addr_text, quad) != 1)
        return error_set(err, HERMETIC_EXIT_USAGE,
                         "invalid CIDR block \"%s\": write the network as four numbers, such as 10.0.0.0/8",
                         value);
    max_len = out->addr.family == AF_INET ? 32 : 128;
    out->kind = NETRULE_NETWORK;
    out->prefix_len = max_len;
    if (slash != NULL) {
        char *end;
        unsigned long n;

        if (slash[1] < '0' || slash[1] > '9')
            return error_set(err, HERMETIC_EXIT_USAGE, "invalid prefix length in \"%s\" (expected /0 to /%u)",
                             value, mapped ? 128 : max_len);
        n = strtoul(slash + 1, &end, 10);
        if (mapped) {
            if (*end != '\0' || n < 96 || n > 128)
                return error_set(err, HERMETIC_EXIT_USAGE,
                                 "invalid prefix length in \"%s\" (expected /96 to /128 for an IPv4-mapped address)",
                                 value);
            n -= 96;
        }
        if (*end != '\0' || n > max_len)
            return error_set(err, HERMETIC_EXIT_USAGE, "invalid prefix length in \"%s\" (expected /0 to /%u)",
                             value, max_len);
        out->prefix_len = (unsigned int)n;
    }
    masked = out->addr;
    for (unsigned int bit = out->prefix_len; bit < max_len; bit++)
        masked.bytes[bit / 8] &= (unsigned char)~(0x80u >> (bit % 8));
    if (!netaddr_equal(&masked, &out->addr)) {
        char fixed[NETADDR_TEXT_MAX];

        netaddr_format(&masked, fixed, sizeof(fixed));
        return error_set(err, HERMETIC_EXIT_USAGE,
                         "invalid CIDR block \"%s\": host bits are set (did you mean %s/%u?)",
                         value, fixed, out->prefix_len);
    }
    return 0;
}

static int parse_host(const char *host, const char *value, struct netrule *out,
                      struct hermetic_error *err)
{
    struct netaddr probe;

    if (host[0] == '\0')
        return error_set(err, HERMETIC_EXIT_USAGE, "empty host in \"%s\" (%s)", value, RULE_FORMS);
    /* Names contain no ':', so a host with one goes to parse_network as
     * IPv6. There a zone index gets its own error, even when its interface
     * does not exist here and netaddr_parse rejects the address. */
    if (strchr(host, '/') != NULL || strchr(host, ':') != NULL || netaddr_parse(host, &probe) == 0)
        return parse_network(host, value, out, err);
    if (strncmp(host, "*.", 2) == 0) {
        out->kind = NETRULE_SUBDOMAINS;
        host += 2;
    } else {
        out->kind = NETRULE_DOMAIN;
    }
    if (netname_normalize(host, out->name, sizeof(out->name)) != 0)
        return error_set(err, HERMETIC_EXIT_USAGE,
                         "invalid host \"%s\" (%s; names are ASCII, so write internationalised "
                         "names in their xn-- form)", value, RULE_FORMS);
    /* "10.0.011." is not numeric to getaddrinfo, but its normalised name
     * is, so the rule would change meaning when written back out. */
    if (out->kind == NETRULE_DOMAIN && netaddr_parse(out->name, &probe) == 0) {
        char text[NETADDR_TEXT_MAX];

        return error_set(err, HERMETIC_EXIT_USAGE,
                         "invalid host \"%s\": without the trailing dot it is the IP address %s; "
                         "write the address", value, netaddr_format(&probe, text, sizeof(text)));
    }
    return 0;
}

int netrule_parse(const char *text, struct netrule *out, struct hermetic_error *err)
{
    char host[NETNAME_MAX + 8];
    const char *port_text = NULL;
    size_t host_len;

    memset(out, 0, sizeof(*out));
    if (text[0] == '[') {
        const char *close = strchr(text, ']');

        if (close == NULL)
            return error_set(err, HERMETIC_EXIT_USAGE, "missing ] in \"%s\" (%s)", text, RULE_FORMS);
        const char *after = close + 1;
        size_t prefix_len = 0;

        /* [2001:db8::]/32 as well as [2001:db8::/32]. */
        if (after[0] == '/') {
            prefix_len = strspn(after + 1, "0123456789") + 1;
            after += prefix_len;
        }
        if (after[0] == ':')
            port_text = after + 1;
        else if (after[0] != '\0')
            return error_set(err, HERMETIC_EXIT_USAGE, "unexpected text after ] in \"%s\" (%s)", text,
                             RULE_FORMS);
        host_len = (size_t)(close - text - 1);
        if (host_len + prefix_len >= sizeof(host) || memchr(text + 1, ':', host_len) == NULL)
            return error_set(err, HERMETIC_EXIT_USAGE, "invalid IPv6 address in \"%s\" (%s)", text,
                             RULE_FORMS);
        memcpy(host, text + 1, host_len);
        memcpy(host + host_len, close + 1, prefix_len);
        host[host_len + prefix_len] = '\0';
        if (parse_network(host, text, out, err) != 0)
            return -1;
    } else {
        const char *colon = strchr(text, ':');

        if (colon != NULL && strchr(colon + 1, ':') != NULL) {
            host_len = strlen(text);   /* a bare IPv6 address: no port possible */
        } else {
            host_len = colon ? (size_t)(colon - text) : strlen(text);
            port_text = colon ? colon + 1 : NULL;
        }
        if (host_len >= sizeof(host))
            return error_set(err, HERMETIC_EXIT_USAGE, "host too long in \"%.64s...\" (%s)", text,
                             RULE_FORMS);
        memcpy(host, text, host_len);
        host[host_len] = '\0';
        if (parse_host(host, text, out, err) != 0)
            return -1;
    }
    if (port_text != NULL && parse_port(port_text, text, &out->port, err) != 0)
        return -1;
    return 0;
}

const char *netrule_format(const struct netrule *rule, char *buf, size_t size)
{
    char host[NETNAME_MAX + NETADDR_TEXT_MAX];
    char addr[NETADDR_TEXT_MAX];
    bool v6 = rule->kind == NETRULE_NETWORK && rule->addr.family == AF_INET6;
    bool whole = rule->prefix_len == (v6 ? 128u : 32u);

    if (rule->kind == NETRULE_DOMAIN)
        snprintf(host, sizeof(host), "%s", rule->name);
    else if (rule->kind == NETRULE_SUBDOMAINS)
        snprintf(host, sizeof(host), "*.%s", rule->name);
    else if (whole)
        snprintf(host, sizeof(host), v6 && rule->port ? "[%s]" : "%s",
                 netaddr_format(&rule->addr, addr, sizeof(addr)));
    else
        snprintf(host, sizeof(host), v6 && rule->port ? "[%s/%u]" : "%s/%u",
                 netaddr_format(&rule->addr, addr, sizeof(addr)), rule->prefix_len);
    if (rule->port)
        snprintf(buf, size, "%s:%u", host, rule->port);
    else
        snprintf(buf, size, "%s", host);
    return buf;
}

bool netrule_matches_name(const struct netrule *rule, const char *name)
{
    if (rule->kind == NETRULE_DOMAIN)
        return netname_in_domain(name, rule->name);
    if (rule->kind == NETRULE_SUBDOMAINS)
        return strcmp(name, rule->name) != 0 && netname_in_domain(name, rule->name);
    return false;
}

bool netrule_matches_port(const struct netrule *rule, unsigned int port)
{
    return port == NETPORT_IGNORE || rule->port == 0 || rule->port == port;
}

bool netrule_matches_addr(const struct netrule *rule, const struct netaddr *a, unsigned int port)
{
    return rule->kind == NETRULE_NETWORK && netrule_matches_port(rule, port) &&
           netaddr_in_prefix(a, &rule->addr, rule->prefix_len);
}
