/* Address parser and matcher. The input is split at newlines into an
 * address (netaddr_parse, netname_normalize), a rule (netrule_parse) and a
 * port. Properties: formatting and parsing again gives the same address or
 * rule, netaddr_parse_quad agrees with inet_pton, and netrule_matches_addr
 * agrees with a bit-by-bit reference. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "netaddr.h"

#define RULE_TEXT_MAX (NETNAME_MAX + NETADDR_TEXT_MAX)

static bool bit_of(const unsigned char *bytes, unsigned int bit)
{
    return (bytes[bit / 8] >> (7 - bit % 8)) & 1;
}

/* Compute the result netrule_matches_addr must give, bit by bit. */
static bool reference_match(const struct netrule *rule, const struct netaddr *a, unsigned int port)
{
    if (rule->kind != NETRULE_NETWORK || rule->addr.family != a->family)
        return false;
    if (port != NETPORT_IGNORE && rule->port != 0 && rule->port != port)
        return false;
    for (unsigned int bit = 0; bit < rule->prefix_len; bit++)
        if (bit_of(rule->addr.bytes, bit) != bit_of(a->bytes, bit))
            return false;
    return true;
}

static void check_address(const char *text, struct netaddr *addr, bool *parsed)
{
    char formatted[NETADDR_TEXT_MAX], endpoint[NETADDR_TEXT_MAX + 8];
    unsigned char quad[4], expected_quad[4];
    unsigned int full;
    struct netaddr again;

    /* The dotted-quad parser accepts exactly what inet_pton accepts. */
    if (netaddr_parse_quad(text, quad) != (inet_pton(AF_INET, text, expected_quad) == 1))
        fuzz_fail("netaddr_parse_quad(\"%s\") disagrees with inet_pton", text);
    if (inet_pton(AF_INET, text, expected_quad) == 1 && memcmp(quad, expected_quad, 4) != 0)
        fuzz_fail("netaddr_parse_quad(\"%s\") gave other bytes than inet_pton", text);
    *parsed = netaddr_parse(text, addr) == 0;
    if (!*parsed)
        return;
    if (addr->family != AF_INET && addr->family != AF_INET6)
        fuzz_fail("netaddr_parse(\"%s\") gave family %d", text, addr->family);
    netaddr_format(addr, formatted, sizeof(formatted));
    if (netaddr_parse(formatted, &again) != 0)
        fuzz_fail("netaddr_parse(\"%s\") gave %s, which does not parse", text, formatted);
    if (!netaddr_equal(addr, &again))
        fuzz_fail("netaddr_parse(\"%s\") gave %s, which parses to another address", text, formatted);
    full = addr->family == AF_INET ? 32 : 128;
    if (!netaddr_in_prefix(addr, addr, full) || !netaddr_in_prefix(addr, addr, 0))
        fuzz_fail("%s is not in its own prefix", formatted);
    if (netaddr_in_prefix(addr, addr, full + 1))
        fuzz_fail("netaddr_in_prefix accepted a prefix length of %u", full + 1);
    netaddr_format_endpoint(addr, 65535, endpoint, sizeof(endpoint));
    (void)netaddr_is_loopback(addr);
    (void)netaddr_is_unspecified(addr);
    (void)netaddr_is_metadata(addr);

    /* The bracketed form of an IPv6 address is the same address. */
    if (addr->family == AF_INET6 && text[0] != '[') {
        char bracketed[NETADDR_TEXT_MAX + 2];

        snprintf(bracketed, sizeof(bracketed), "[%s]", formatted);
        if (netaddr_parse(bracketed, &again) != 0 || !netaddr_equal(addr, &again))
            fuzz_fail("%s parses, but %s does not give the same address", formatted, bracketed);
    }
}

static void check_name(const char *text)
{
    char name[NETNAME_MAX], again[NETNAME_MAX], sub[NETNAME_MAX + 2];

    if (netname_normalize(text, name, sizeof(name)) != 0)
        return;
    if (netname_normalize(name, again, sizeof(again)) != 0 || strcmp(name, again) != 0)
        fuzz_fail("netname_normalize(\"%s\") gave \"%s\", which does not normalise to itself", text, name);
    if (!netname_in_domain(name, name))
        fuzz_fail("\"%s\" is not in its own domain", name);
    snprintf(sub, sizeof(sub), "a.%s", name);
    if (!netname_in_domain(sub, name))
        fuzz_fail("\"%s\" is not in the domain \"%s\"", sub, name);
    if (strlen(name) > 2 && netname_in_domain(name + 1, name))
        fuzz_fail("\"%s\" is in the domain \"%s\"", name + 1, name);
}

static void check_rule(const char *text, struct netrule *rule, bool *parsed)
{
    char formatted[RULE_TEXT_MAX];
    struct hermetic_error err;
    struct netrule again;

    err.message[0] = '\0';
    *parsed = netrule_parse(text, rule, &err) == 0;
    if (!*parsed) {
        if (err.message[0] == '\0')
            fuzz_fail("netrule_parse(\"%s\") failed without a message", text);
        return;
    }
    netrule_format(rule, formatted, sizeof(formatted));
    if (strlen(formatted) + 1 >= sizeof(formatted))
        fuzz_fail("netrule_format of \"%s\" filled its buffer", text);
    if (netrule_parse(formatted, &again, &err) != 0)
        fuzz_fail("netrule_parse(\"%s\") formats as \"%s\", which does not parse: %s", text, formatted,
                  err.message);
    if (memcmp(rule, &again, sizeof(again)) != 0)
        fuzz_fail("netrule_parse(\"%s\") formats as \"%s\", which parses to another rule", text, formatted);
    if (rule->port > 65535)
        fuzz_fail("netrule_parse(\"%s\") gave port %u", text, rule->port);
    if (rule->kind == NETRULE_NETWORK) {
        if (rule->prefix_len > (rule->addr.family == AF_INET ? 32u : 128u))
            fuzz_fail("netrule_parse(\"%s\") gave prefix length %u", text, rule->prefix_len);
        if (!netrule_matches_addr(rule, &rule->addr, rule->port ? rule->port : 1))
            fuzz_fail("the rule \"%s\" does not match its own address", formatted);
    } else {
        char sub[NETNAME_MAX + 2];

        if (netrule_matches_name(rule, rule->name) != (rule->kind == NETRULE_DOMAIN))
            fuzz_fail("the rule \"%s\" decides its own name wrongly", formatted);
        snprintf(sub, sizeof(sub), "a.%s", rule->name);
        if (!netrule_matches_name(rule, sub))
            fuzz_fail("the rule \"%s\" does not match the subdomain %s", formatted, sub);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *pieces[3] = {NULL, NULL, NULL};
    size_t count = fuzz_split(data, size, '\n', pieces, 3);
    struct netaddr addr;
    struct netrule rule;
    bool have_addr = false, have_rule = false;
    unsigned int port = 0;

    if (count >= 1) {
        check_address(pieces[0], &addr, &have_addr);
        check_name(pieces[0]);
    }
    if (count >= 2)
        check_rule(pieces[1], &rule, &have_rule);
    if (count >= 3)
        port = (unsigned int)strtoul(pieces[2], NULL, 10) & 0xffffu;
    if (have_addr && have_rule) {
        if (netrule_matches_addr(&rule, &addr, port) != reference_match(&rule, &addr, port))
            fuzz_fail("netrule_matches_addr disagrees with the reference for \"%s\", \"%s\", port %u",
                      pieces[1], pieces[0], port);
        if (netrule_matches_addr(&rule, &addr, NETPORT_IGNORE) != reference_match(&rule, &addr, NETPORT_IGNORE))
            fuzz_fail("netrule_matches_addr disagrees with the reference for \"%s\", \"%s\", any port",
                      pieces[1], pieces[0]);
    }
    fuzz_free_pieces(pieces, count);
    return 0;
}
