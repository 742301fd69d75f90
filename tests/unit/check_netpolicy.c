/* Network decisions over hand-built policies, hosts tables and records of
 * resolved addresses. */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "netpolicy.h"
#include "unit.h"

#define COUNT(array) ((int)(sizeof(array) / sizeof((array)[0])))

static const char HOSTS[] =
    "127.0.0.1 localhost\n"
    "::1 localhost ip6-localhost\n"
    "127.0.1.1 myhost\n"
    "192.0.2.10 printer\n"
    "127.0.0.1 split\n"
    "192.0.2.11 split\n";

/* Everything one decision reads. */
struct setup {
    struct policy_network policy;
    struct hosts_table hosts;
    struct netrecord_set resolved;
    struct netpolicy_view view;
};

static void add_rule(struct policy_network *policy, const char *text)
{
    struct netrule rule;
    struct hermetic_error err = {0};

    ck_assert_msg(netrule_parse(text, &rule, &err) == 0, "rule \"%s\" should parse: %s", text, err.message);
    netrule_list_add(&policy->allow, &rule);
}

/* Build a policy with `rules` (NULL-terminated, or NULL for none), the
 * HOSTS table read with "files" first, and no resolved addresses. */
static void setup_init(struct setup *s, bool block, bool allow_localhost, const char *const *rules)
{
    memset(s, 0, sizeof(*s));
    s->policy.block = block;
    s->policy.allow_localhost = allow_localhost;
    for (size_t i = 0; rules != NULL && rules[i] != NULL; i++)
        add_rule(&s->policy, rules[i]);
    hosts_parse(&s->hosts, HOSTS, "hosts: files dns\n");
    s->view.policy = &s->policy;
    s->view.hosts = &s->hosts;
    s->view.resolved = &s->resolved;
}

static void setup_free(struct setup *s)
{
    free(s->policy.allow.items);
    hosts_free(&s->hosts);
    netrecord_free(&s->resolved);
}

static struct netaddr addr(const char *text)
{
    struct netaddr a;

    ck_assert_msg(netaddr_parse(text, &a) == 0, "\"%s\" should parse", text);
    return a;
}

static bool connect_allowed(const struct setup *s, const char *text, unsigned int port)
{
    struct netaddr a = addr(text);

    return netpolicy_allows_connect(&s->view, &a, port);
}

static bool bind_allowed(const struct setup *s, const char *text)
{
    struct netaddr a = addr(text);

    return netpolicy_allows_bind(&s->view, &a);
}

static bool reverse_allowed(const struct setup *s, const char *text)
{
    struct netaddr a = addr(text);

    return netpolicy_allows_reverse(&s->view, &a);
}

static void record(struct setup *s, const char *text, unsigned int port)
{
    struct netaddr a = addr(text);

    netrecord_add(&s->resolved, &a, port);
}

START_TEST(test_block_off_allows_all)
{
    static const char *const rules[] = {"example.com:443", NULL};
    struct setup s;

    setup_init(&s, false, false, rules);
    ck_assert_msg(netpolicy_allows_lookup(&s.view, "example.org"), "lookup of example.org should be allowed");
    ck_assert_msg(connect_allowed(&s, "192.0.2.1", 443), "connect to 192.0.2.1:443 should be allowed");
    ck_assert_msg(connect_allowed(&s, "127.0.0.1", 80), "connect to 127.0.0.1:80 should be allowed");
    ck_assert_msg(connect_allowed(&s, "169.254.169.254", 80), "connect to 169.254.169.254:80 should be allowed");
    ck_assert_msg(connect_allowed(&s, "fd00:ec2::254", 80), "connect to [fd00:ec2::254]:80 should be allowed");
    ck_assert_msg(netpolicy_allows_connect_name(&s.view, "example.org", 80),
                  "connect to example.org:80 should be allowed");
    ck_assert_msg(netpolicy_allows_connect_name(&s.view, "example.com", 80),
                  "connect to example.com:80 should be allowed despite the rule's port");
    ck_assert_msg(bind_allowed(&s, "0.0.0.0"), "bind to 0.0.0.0 should be allowed");
    ck_assert_msg(bind_allowed(&s, "192.0.2.1"), "bind to 192.0.2.1 should be allowed");
    ck_assert_msg(netpolicy_allows_bind_name(&s.view, "example.org"), "bind to example.org should be allowed");
    ck_assert_msg(reverse_allowed(&s, "192.0.2.1"), "reverse lookup of 192.0.2.1 should be allowed");
    ck_assert_msg(reverse_allowed(&s, "127.0.0.9"), "reverse lookup of 127.0.0.9 should be allowed");
    setup_free(&s);
}
END_TEST

/* With the network off, a policy need not come with a hosts table or
 * resolved addresses. */
START_TEST(test_block_off_without_tables)
{
    struct policy_network policy = {.block = false};
    struct netpolicy_view view = {.policy = &policy, .hosts = NULL, .resolved = NULL};
    struct netaddr a = addr("192.0.2.1");

    ck_assert_msg(netpolicy_allows_lookup(&view, "localhost"), "lookup of localhost should be allowed");
    ck_assert_msg(netpolicy_allows_connect(&view, &a, 443), "connect to 192.0.2.1:443 should be allowed");
    ck_assert_msg(netpolicy_allows_bind_name(&view, "localhost"), "bind to localhost should be allowed");
}
END_TEST

START_TEST(test_block_on_denies_all)
{
    struct setup s;

    setup_init(&s, true, false, NULL);
    ck_assert_msg(!netpolicy_allows_lookup(&s.view, "example.com"), "lookup of example.com should be blocked");
    ck_assert_msg(!netpolicy_allows_lookup(&s.view, "localhost"), "lookup of localhost should be blocked");
    ck_assert_msg(!connect_allowed(&s, "192.0.2.1", 443), "connect to 192.0.2.1:443 should be blocked");
    ck_assert_msg(!connect_allowed(&s, "127.0.0.1", 80), "connect to 127.0.0.1:80 should be blocked");
    ck_assert_msg(!netpolicy_allows_connect_name(&s.view, "example.com", 443),
                  "connect to example.com:443 should be blocked");
    ck_assert_msg(!netpolicy_allows_connect_name(&s.view, "localhost", 80), "connect to localhost:80 should be blocked");
    ck_assert_msg(!bind_allowed(&s, "127.0.0.1"), "bind to 127.0.0.1 should be blocked");
    ck_assert_msg(!netpolicy_allows_bind_name(&s.view, "localhost"), "bind to localhost should be blocked");
    ck_assert_msg(!reverse_allowed(&s, "192.0.2.1"), "reverse lookup of 192.0.2.1 should be blocked");
    ck_assert_msg(!reverse_allowed(&s, "127.0.0.1"), "reverse lookup of 127.0.0.1 should be blocked");
    setup_free(&s);
}
END_TEST

/* Destinations that reach this host: loopback in every form, and the
 * unspecified addresses, which connect() sends to the local host. */
static const char *const LOCAL[] = {
    "127.0.0.1", "127.1", "2130706433", "127.0.0.2", "127.255.255.254", "::1", "[::1]", "::ffff:127.0.0.1",
    "0.0.0.0", "0", "::", "::ffff:0.0.0.0",
};

START_TEST(test_local_needs_allow_localhost)
{
    struct setup s;

    setup_init(&s, true, false, NULL);
    ck_assert_msg(!connect_allowed(&s, LOCAL[_i], 8080), "connect to %s should be blocked without allow_localhost",
                  LOCAL[_i]);
    setup_free(&s);
}
END_TEST

START_TEST(test_local_with_allow_localhost)
{
    struct setup s;

    setup_init(&s, true, true, NULL);
    ck_assert_msg(connect_allowed(&s, LOCAL[_i], 8080), "connect to %s should be allowed with allow_localhost",
                  LOCAL[_i]);
    ck_assert_msg(connect_allowed(&s, LOCAL[_i], 1), "connect to %s port 1 should be allowed with allow_localhost",
                  LOCAL[_i]);
    setup_free(&s);
}
END_TEST

START_TEST(test_allow_localhost_only_local)
{
    static const char *const remote[] = {"192.0.2.1", "128.0.0.1", "126.255.255.255", "::2", "fe80::1",
                                         "2001:db8::1", "::ffff:192.0.2.1", "0.0.0.1"};
    struct setup s;

    setup_init(&s, true, true, NULL);
    for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++)
        ck_assert_msg(!connect_allowed(&s, remote[i], 80), "connect to %s should be blocked with allow_localhost",
                      remote[i]);
    setup_free(&s);
}
END_TEST

START_TEST(test_bind_loopback_only)
{
    static const char *const loopback[] = {"127.0.0.1", "127.0.0.2", "127.1", "::1", "::ffff:127.0.0.1"};
    static const char *const other[] = {"0.0.0.0", "::", "::ffff:0.0.0.0", "192.0.2.1", "2001:db8::1",
                                        "255.255.255.255"};
    struct setup s;

    setup_init(&s, true, true, NULL);
    for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++)
        ck_assert_msg(bind_allowed(&s, loopback[i]), "bind to %s should be allowed with allow_localhost",
                      loopback[i]);
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
        ck_assert_msg(!bind_allowed(&s, other[i]), "bind to %s should be blocked with allow_localhost", other[i]);
    setup_free(&s);

    setup_init(&s, true, false, NULL);
    for (size_t i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++)
        ck_assert_msg(!bind_allowed(&s, loopback[i]), "bind to %s should be blocked without allow_localhost",
                      loopback[i]);
    setup_free(&s);
}
END_TEST

/* Allow rules are for destinations and never open a bind. */
START_TEST(test_bind_ignores_rules)
{
    static const char *const rules[] = {"0.0.0.0/0", "::/0", "192.0.2.1", "example.com", NULL};
    struct setup s;

    setup_init(&s, true, true, rules);
    ck_assert_msg(!bind_allowed(&s, "0.0.0.0"), "bind to 0.0.0.0 should be blocked under 0.0.0.0/0");
    ck_assert_msg(!bind_allowed(&s, "::"), "bind to :: should be blocked under ::/0");
    ck_assert_msg(!bind_allowed(&s, "192.0.2.1"), "bind to 192.0.2.1 should be blocked under a rule for it");
    ck_assert_msg(!netpolicy_allows_bind_name(&s.view, "example.com"),
                  "bind to example.com should be blocked under a rule for it");
    setup_free(&s);
}
END_TEST

START_TEST(test_bind_name)
{
    struct setup s;

    setup_init(&s, true, true, NULL);
    ck_assert_msg(netpolicy_allows_bind_name(&s.view, "localhost"), "bind to localhost should be allowed");
    ck_assert_msg(netpolicy_allows_bind_name(&s.view, "myhost"), "bind to myhost (127.0.1.1) should be allowed");
    ck_assert_msg(!netpolicy_allows_bind_name(&s.view, "printer"), "bind to printer (192.0.2.10) should be blocked");
    ck_assert_msg(!netpolicy_allows_bind_name(&s.view, "split"), "bind to split (loopback and other) should be blocked");
    ck_assert_msg(!netpolicy_allows_bind_name(&s.view, "unknown"), "bind to unknown should be blocked");
    s.view.hosts = NULL;
    ck_assert_msg(!netpolicy_allows_bind_name(&s.view, "localhost"), "bind to localhost should be blocked without hosts");
    setup_free(&s);
}
END_TEST

/* Rules that cover a metadata address without naming it exactly. */
static const struct {
    const char *rule;
    const char *addr;
} METADATA_COVERED[] = {
    {"169.254.0.0/16", "169.254.169.254"},
    {"169.254.169.254/31", "169.254.169.254"},
    {"0.0.0.0/0", "169.254.169.254"},
    {"0.0.0.0/0", "::ffff:169.254.169.254"},
    {"::ffff:169.254.0.0/112", "169.254.169.254"},
    {"169.254.170.0/24", "169.254.170.2"},
    {"168.63.129.0/24", "168.63.129.16"},
    {"100.64.0.0/10", "100.100.100.200"},
    {"fd00:ec2::/32", "fd00:ec2::254"},
    {"fd00:ec2::254/127", "fd00:ec2::254"},
    {"fd00::/8", "fd00:ec2::23"},
    {"::/0", "fd00:ec2::254"},
    {"fe80::/10", "fe80::a9fe:a9fe"},
    {"169.254.169.253", "169.254.169.254"},   /* a literal rule for a neighbour */
};

START_TEST(test_metadata_not_by_cidr)
{
    const char *const rules[] = {METADATA_COVERED[_i].rule, NULL};
    struct setup s;

    setup_init(&s, true, true, rules);
    ck_assert_msg(!connect_allowed(&s, METADATA_COVERED[_i].addr, 80), "rule %s should not open %s",
                  METADATA_COVERED[_i].rule, METADATA_COVERED[_i].addr);
    ck_assert_msg(!reverse_allowed(&s, METADATA_COVERED[_i].addr),
                  "rule %s should not allow a reverse lookup of %s", METADATA_COVERED[_i].rule,
                  METADATA_COVERED[_i].addr);
    setup_free(&s);
}
END_TEST

START_TEST(test_metadata_cidr_opens_rest)
{
    static const char *const rules[] = {"169.254.0.0/16", NULL};
    struct setup s;

    setup_init(&s, true, false, rules);
    ck_assert_msg(connect_allowed(&s, "169.254.1.1", 80), "169.254.0.0/16 should open 169.254.1.1");
    ck_assert_msg(connect_allowed(&s, "169.254.169.253", 80), "169.254.0.0/16 should open 169.254.169.253");
    setup_free(&s);
}
END_TEST

START_TEST(test_metadata_not_by_record)
{
    struct setup s;

    setup_init(&s, true, true, NULL);
    record(&s, "169.254.169.254", 0);
    record(&s, "fd00:ec2::254", 0);
    ck_assert_msg(!connect_allowed(&s, "169.254.169.254", 80), "a recorded 169.254.169.254 should stay blocked");
    ck_assert_msg(!connect_allowed(&s, "::ffff:169.254.169.254", 80),
                  "a recorded 169.254.169.254 should stay blocked as ::ffff:169.254.169.254");
    ck_assert_msg(!connect_allowed(&s, "fd00:ec2::254", 80), "a recorded fd00:ec2::254 should stay blocked");
    ck_assert_msg(!reverse_allowed(&s, "169.254.169.254"),
                  "a reverse lookup of a recorded 169.254.169.254 should stay blocked");
    setup_free(&s);
}
END_TEST

/* Literal rules that open one metadata address. */
static const struct {
    const char *rule;
    const char *addr;
} METADATA_LITERAL[] = {
    {"169.254.169.254", "169.254.169.254"},
    {"169.254.169.254/32", "169.254.169.254"},
    {"169.254.169.254", "::ffff:169.254.169.254"},
    {"::ffff:169.254.169.254", "169.254.169.254"},
    {"::ffff:169.254.169.254/128", "169.254.169.254"},
    {"2852039166", "169.254.169.254"},
    {"169.254.170.2", "169.254.170.2"},
    {"fd00:ec2::254", "fd00:ec2::254"},
    {"[fd00:ec2::254]", "fd00:ec2::254"},
    {"fd00:ec2::254/128", "fd00:ec2::254"},
    {"fe80::a9fe:a9fe", "fe80::a9fe:a9fe%1"},
};

START_TEST(test_metadata_by_literal)
{
    const char *const rules[] = {METADATA_LITERAL[_i].rule, NULL};
    struct setup s;

    setup_init(&s, true, false, rules);
    ck_assert_msg(connect_allowed(&s, METADATA_LITERAL[_i].addr, 80), "rule %s should open %s port 80",
                  METADATA_LITERAL[_i].rule, METADATA_LITERAL[_i].addr);
    ck_assert_msg(reverse_allowed(&s, METADATA_LITERAL[_i].addr), "rule %s should allow a reverse lookup of %s",
                  METADATA_LITERAL[_i].rule, METADATA_LITERAL[_i].addr);
    setup_free(&s);
}
END_TEST

START_TEST(test_metadata_literal_scope)
{
    static const char *const rules[] = {"169.254.169.254:80", NULL};
    struct setup s;

    setup_init(&s, true, false, rules);
    ck_assert_msg(connect_allowed(&s, "169.254.169.254", 80), "169.254.169.254:80 should open port 80");
    ck_assert_msg(!connect_allowed(&s, "169.254.169.254", 443), "169.254.169.254:80 should not open port 443");
    ck_assert_msg(!connect_allowed(&s, "169.254.170.2", 80), "169.254.169.254:80 should not open 169.254.170.2");
    ck_assert_msg(!connect_allowed(&s, "fd00:ec2::254", 80), "169.254.169.254:80 should not open fd00:ec2::254");
    ck_assert_msg(reverse_allowed(&s, "169.254.169.254"),
                  "169.254.169.254:80 should allow a reverse lookup, which has no port");
    setup_free(&s);
}
END_TEST

START_TEST(test_metadata_not_by_localhost)
{
    struct setup s;

    setup_init(&s, true, true, NULL);
    ck_assert_msg(!connect_allowed(&s, "169.254.169.254", 80), "allow_localhost should not open 169.254.169.254");
    setup_free(&s);
}
END_TEST

START_TEST(test_address_rules)
{
    static const char *const rules[] = {"192.0.2.1", "198.51.100.0/24:443", "[2001:db8::/32]:8443", "0.1", NULL};
    struct setup s;

    setup_init(&s, true, false, rules);
    ck_assert_msg(connect_allowed(&s, "192.0.2.1", 1), "192.0.2.1 should open port 1");
    ck_assert_msg(connect_allowed(&s, "::ffff:192.0.2.1", 80), "192.0.2.1 should open ::ffff:192.0.2.1");
    ck_assert_msg(!connect_allowed(&s, "192.0.2.2", 80), "192.0.2.1 should not open 192.0.2.2");
    ck_assert_msg(connect_allowed(&s, "198.51.100.255", 443), "198.51.100.0/24:443 should open 198.51.100.255:443");
    ck_assert_msg(!connect_allowed(&s, "198.51.100.1", 80), "198.51.100.0/24:443 should not open port 80");
    ck_assert_msg(!connect_allowed(&s, "198.51.101.1", 443), "198.51.100.0/24:443 should not open 198.51.101.1");
    ck_assert_msg(connect_allowed(&s, "2001:db8:1::1", 8443), "[2001:db8::/32]:8443 should open 2001:db8:1::1:8443");
    ck_assert_msg(!connect_allowed(&s, "2001:db8:1::1", 443), "[2001:db8::/32]:8443 should not open port 443");
    ck_assert_msg(!connect_allowed(&s, "10.0.0.1", 80), "0.1 should not open 10.0.0.1");
    ck_assert_msg(connect_allowed(&s, "0.0.0.1", 80), "0.1 should open 0.0.0.1");
    ck_assert_msg(!netpolicy_allows_lookup(&s.view, "example.com"), "address rules should not allow lookups");
    ck_assert_msg(!netpolicy_allows_connect_name(&s.view, "example.com", 443),
                  "address rules should not allow a connect to a name");
    setup_free(&s);
}
END_TEST

START_TEST(test_recorded_addresses)
{
    struct setup s;

    setup_init(&s, true, false, NULL);
    record(&s, "192.0.2.1", 0);
    record(&s, "192.0.2.2", 443);
    record(&s, "2001:db8::1", 443);
    ck_assert_msg(connect_allowed(&s, "192.0.2.1", 80), "192.0.2.1 recorded for every port should open port 80");
    ck_assert_msg(connect_allowed(&s, "192.0.2.1", 443), "192.0.2.1 recorded for every port should open port 443");
    ck_assert_msg(connect_allowed(&s, "::ffff:192.0.2.1", 80), "a recorded 192.0.2.1 should open ::ffff:192.0.2.1");
    ck_assert_msg(connect_allowed(&s, "192.0.2.2", 443), "192.0.2.2 recorded for 443 should open port 443");
    ck_assert_msg(!connect_allowed(&s, "192.0.2.2", 80), "192.0.2.2 recorded for 443 should not open port 80");
    ck_assert_msg(connect_allowed(&s, "2001:db8::1", 443), "2001:db8::1 recorded for 443 should open port 443");
    ck_assert_msg(!connect_allowed(&s, "2001:db8::1", 80), "2001:db8::1 recorded for 443 should not open port 80");
    ck_assert_msg(!connect_allowed(&s, "192.0.2.3", 443), "192.0.2.3 was not recorded");
    ck_assert_msg(reverse_allowed(&s, "192.0.2.2"), "a reverse lookup of a recorded 192.0.2.2 should be allowed");
    ck_assert_msg(!reverse_allowed(&s, "192.0.2.3"), "a reverse lookup of 192.0.2.3 should be blocked");
    s.view.resolved = NULL;
    ck_assert_msg(!connect_allowed(&s, "192.0.2.1", 80), "without a record set 192.0.2.1 should be blocked");
    setup_free(&s);
}
END_TEST

START_TEST(test_record_add_match)
{
    struct netrecord_set set = {0};
    struct netaddr a = addr("192.0.2.1"), b = addr("192.0.2.2"), mapped = addr("::ffff:192.0.2.1");

    netrecord_add(&set, &a, 443);
    netrecord_add(&set, &a, 443);
    ck_assert_msg(set.len == 1, "192.0.2.1:443 added twice should be stored once, got %zu", set.len);
    netrecord_add(&set, &mapped, 443);
    ck_assert_msg(set.len == 1, "::ffff:192.0.2.1:443 should be the same record as 192.0.2.1:443, got %zu", set.len);
    netrecord_add(&set, &a, 0);
    ck_assert_msg(set.len == 2, "192.0.2.1 for every port should be a new record after 192.0.2.1:443, got %zu",
                  set.len);
    netrecord_add(&set, &a, 8443);
    ck_assert_msg(set.len == 2, "192.0.2.1:8443 is covered by 192.0.2.1 for every port, got %zu records", set.len);
    ck_assert_msg(netrecord_match(&set, &a, 8443), "192.0.2.1:8443 should match");
    ck_assert_msg(netrecord_match(&set, &a, NETPORT_IGNORE), "192.0.2.1 should match NETPORT_IGNORE");
    ck_assert_msg(!netrecord_match(&set, &b, NETPORT_IGNORE), "192.0.2.2 should not match");
    netrecord_free(&set);
    ck_assert_msg(set.len == 0, "netrecord_free should empty the set");
    ck_assert_msg(set.items == NULL, "netrecord_free should release the items");
    ck_assert_msg(!netrecord_match(&set, &a, 443), "an empty set should match nothing");
}
END_TEST

START_TEST(test_record_port_specific)
{
    struct netrecord_set set = {0};
    struct netaddr a = addr("2001:db8::1");

    netrecord_add(&set, &a, 443);
    ck_assert_msg(netrecord_match(&set, &a, 443), "[2001:db8::1]:443 should match");
    ck_assert_msg(!netrecord_match(&set, &a, 80), "[2001:db8::1]:80 should not match a record for 443");
    ck_assert_msg(!netrecord_match(&set, &a, 0), "port 0 should not match a record for 443");
    ck_assert_msg(netrecord_match(&set, &a, NETPORT_IGNORE), "NETPORT_IGNORE should match a record for 443");
    netrecord_free(&set);
}
END_TEST

/* The set stops at NETRECORD_MAX records. The first NETRECORD_MAX - 1 are
 * written directly, because each add scans the whole set and filling it
 * that way takes seconds. */
START_TEST(test_record_max)
{
    struct netrecord_set set = {0};
    struct netaddr last = addr("10.255.255.254"), over = addr("10.255.255.255"), first;

    set.cap = NETRECORD_MAX;
    set.items = calloc(NETRECORD_MAX, sizeof(*set.items));
    ck_assert_msg(set.items != NULL, "cannot allocate %d records", NETRECORD_MAX);
    for (size_t i = 0; i < NETRECORD_MAX - 1; i++) {
        struct netaddr *a = &set.items[i].addr;

        a->family = AF_INET;
        a->bytes[0] = 10;
        a->bytes[1] = (unsigned char)(i >> 16);
        a->bytes[2] = (unsigned char)(i >> 8);
        a->bytes[3] = (unsigned char)i;
    }
    set.len = NETRECORD_MAX - 1;
    first = set.items[0].addr;

    netrecord_add(&set, &last, 0);
    ck_assert_msg(set.len == NETRECORD_MAX, "record %d should be stored, got %zu records", NETRECORD_MAX, set.len);
    ck_assert_msg(netrecord_match(&set, &last, 80), "10.255.255.254, record %d, should match", NETRECORD_MAX);
    netrecord_add(&set, &over, 0);
    ck_assert_msg(set.len == NETRECORD_MAX, "a record past %d should not be stored, got %zu records", NETRECORD_MAX,
                  set.len);
    ck_assert_msg(!netrecord_match(&set, &over, 80), "10.255.255.255, past the maximum, should not match");
    ck_assert_msg(netrecord_match(&set, &first, 80), "10.0.0.0, the first record, should still match");
    netrecord_free(&set);
}
END_TEST

START_TEST(test_name_rules_with_ports)
{
    static const char *const rules[] = {"example.com:443", "*.api.example.org", NULL};
    struct setup s;

    setup_init(&s, true, false, rules);
    ck_assert_msg(netpolicy_allows_connect_name(&s.view, "example.com", 443), "example.com:443 should be allowed");
    ck_assert_msg(!netpolicy_allows_connect_name(&s.view, "example.com", 80), "example.com:80 should be blocked");
    ck_assert_msg(netpolicy_allows_connect_name(&s.view, "www.example.com", 443),
                  "www.example.com:443 should be allowed");
    ck_assert_msg(!netpolicy_allows_connect_name(&s.view, "badexample.com", 443),
                  "badexample.com:443 should be blocked");
    ck_assert_msg(netpolicy_allows_connect_name(&s.view, "v1.api.example.org", 80),
                  "v1.api.example.org:80 should be allowed");
    ck_assert_msg(!netpolicy_allows_connect_name(&s.view, "api.example.org", 80),
                  "api.example.org:80 should be blocked by *.api.example.org");
    ck_assert_msg(!connect_allowed(&s, "192.0.2.1", 443),
                  "name rules should not open an address that was not recorded");
    setup_free(&s);
}
END_TEST

START_TEST(test_lookup_ignores_ports)
{
    static const char *const rules[] = {"example.com:443", "*.api.example.org:8443", NULL};
    struct setup s;

    setup_init(&s, true, false, rules);
    ck_assert_msg(netpolicy_allows_lookup(&s.view, "example.com"), "lookup of example.com should be allowed");
    ck_assert_msg(netpolicy_allows_lookup(&s.view, "www.example.com"), "lookup of www.example.com should be allowed");
    ck_assert_msg(!netpolicy_allows_lookup(&s.view, "badexample.com"), "lookup of badexample.com should be blocked");
    ck_assert_msg(!netpolicy_allows_lookup(&s.view, "com"), "lookup of com should be blocked");
    ck_assert_msg(netpolicy_allows_lookup(&s.view, "v1.api.example.org"),
                  "lookup of v1.api.example.org should be allowed");
    ck_assert_msg(!netpolicy_allows_lookup(&s.view, "api.example.org"),
                  "lookup of api.example.org should be blocked by *.api.example.org");
    ck_assert_msg(!netpolicy_allows_lookup(&s.view, "example.org"), "lookup of example.org should be blocked");
    setup_free(&s);
}
END_TEST

START_TEST(test_loopback_names)
{
    static const struct {
        const char *name;
        bool allowed;
    } cases[] = {
        {"localhost", true},
        {"ip6-localhost", true},
        {"myhost", true},        /* 127.0.1.1 */
        {"printer", false},      /* 192.0.2.10 */
        {"split", false},        /* 127.0.0.1 and 192.0.2.11 */
        {"unknown", false},
    };
    struct setup s;

    setup_init(&s, true, true, NULL);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(netpolicy_allows_lookup(&s.view, cases[i].name) == cases[i].allowed,
                      "lookup of %s should be %s with allow_localhost", cases[i].name,
                      cases[i].allowed ? "allowed" : "blocked");
        ck_assert_msg(netpolicy_allows_connect_name(&s.view, cases[i].name, 8080) == cases[i].allowed,
                      "connect to %s:8080 should be %s with allow_localhost", cases[i].name,
                      cases[i].allowed ? "allowed" : "blocked");
    }
    setup_free(&s);
}
END_TEST

START_TEST(test_loopback_names_need_flag)
{
    struct setup s;

    setup_init(&s, true, false, NULL);
    ck_assert_msg(!netpolicy_allows_lookup(&s.view, "localhost"), "lookup of localhost should need allow_localhost");
    ck_assert_msg(!netpolicy_allows_connect_name(&s.view, "localhost", 80),
                  "connect to localhost should need allow_localhost");
    setup_free(&s);
}
END_TEST

START_TEST(test_loopback_names_need_hosts)
{
    struct setup s;

    setup_init(&s, true, true, NULL);
    s.view.hosts = NULL;
    ck_assert_msg(!netpolicy_allows_lookup(&s.view, "localhost"), "lookup of localhost should need a hosts table");
    setup_free(&s);

    setup_init(&s, true, true, NULL);
    hosts_free(&s.hosts);
    hosts_parse(&s.hosts, HOSTS, "hosts: dns files\n");
    ck_assert_msg(!netpolicy_allows_lookup(&s.view, "localhost"),
                  "lookup of localhost should be blocked when dns comes before files");
    ck_assert_msg(!netpolicy_allows_bind_name(&s.view, "localhost"),
                  "bind to localhost should be blocked when dns comes before files");
    setup_free(&s);
}
END_TEST

START_TEST(test_reverse_loopback)
{
    struct setup s;

    setup_init(&s, true, true, NULL);
    ck_assert_msg(reverse_allowed(&s, "127.0.0.1"), "reverse lookup of 127.0.0.1 (in hosts) should be allowed");
    ck_assert_msg(reverse_allowed(&s, "::1"), "reverse lookup of ::1 (in hosts) should be allowed");
    ck_assert_msg(reverse_allowed(&s, "127.0.1.1"), "reverse lookup of 127.0.1.1 (in hosts) should be allowed");
    ck_assert_msg(reverse_allowed(&s, "::ffff:127.0.0.1"),
                  "reverse lookup of ::ffff:127.0.0.1 (127.0.0.1 in hosts) should be allowed");
    ck_assert_msg(!reverse_allowed(&s, "127.0.0.2"), "reverse lookup of 127.0.0.2 (not in hosts) should be blocked");
    ck_assert_msg(!reverse_allowed(&s, "0.0.0.0"), "reverse lookup of 0.0.0.0 (not in hosts) should be blocked");
    ck_assert_msg(!reverse_allowed(&s, "::"), "reverse lookup of :: (not in hosts) should be blocked");
    ck_assert_msg(!reverse_allowed(&s, "192.0.2.10"),
                  "reverse lookup of 192.0.2.10 (in hosts, not loopback) should be blocked without a rule");
    s.view.hosts = NULL;
    ck_assert_msg(!reverse_allowed(&s, "127.0.0.1"), "reverse lookup of 127.0.0.1 should need a hosts table");
    setup_free(&s);

    setup_init(&s, true, false, NULL);
    ck_assert_msg(!reverse_allowed(&s, "127.0.0.1"), "reverse lookup of 127.0.0.1 should need allow_localhost");
    setup_free(&s);
}
END_TEST

START_TEST(test_reverse_by_rule)
{
    static const char *const rules[] = {"192.0.2.0/24:443", "2001:db8::1", "example.com", NULL};
    struct setup s;

    setup_init(&s, true, false, rules);
    ck_assert_msg(reverse_allowed(&s, "192.0.2.7"), "192.0.2.0/24:443 should allow a reverse lookup of 192.0.2.7");
    ck_assert_msg(reverse_allowed(&s, "2001:db8::1"), "2001:db8::1 should allow its reverse lookup");
    ck_assert_msg(!reverse_allowed(&s, "198.51.100.1"), "reverse lookup of 198.51.100.1 should be blocked");
    ck_assert_msg(!reverse_allowed(&s, "2001:db8::2"), "reverse lookup of 2001:db8::2 should be blocked");
    setup_free(&s);
}
END_TEST

START_TEST(test_name_ports)
{
    static const char *const rules[] = {"example.com:443", "*.example.com:8443", "example.com", "192.0.2.1:80",
                                        "example.org:25", NULL};
    struct setup s;
    unsigned int ports[8];
    size_t n;

    setup_init(&s, true, false, rules);
    n = netpolicy_name_ports(&s.policy, "www.example.com", ports, 8);
    ck_assert_msg(n == 3, "www.example.com should match 3 rules, got %zu", n);
    ck_assert_msg(ports[0] == 443, "the first port for www.example.com should be 443, got %u", ports[0]);
    ck_assert_msg(ports[1] == 8443, "the second port for www.example.com should be 8443, got %u", ports[1]);
    ck_assert_msg(ports[2] == 0, "the third port for www.example.com should be 0 (every port), got %u", ports[2]);

    n = netpolicy_name_ports(&s.policy, "example.com", ports, 8);
    ck_assert_msg(n == 2, "example.com should match 2 rules, got %zu", n);
    ck_assert_msg(ports[0] == 443, "the first port for example.com should be 443, got %u", ports[0]);
    ck_assert_msg(ports[1] == 0, "the second port for example.com should be 0, got %u", ports[1]);

    n = netpolicy_name_ports(&s.policy, "www.example.com", ports, 1);
    ck_assert_msg(n == 1, "a maximum of 1 should store 1 port, got %zu", n);
    n = netpolicy_name_ports(&s.policy, "example.net", ports, 8);
    ck_assert_msg(n == 0, "example.net should match no rule, got %zu", n);
    setup_free(&s);
}
END_TEST

Suite *suite_netpolicy(void)
{
    Suite *suite = suite_create("netpolicy");
    TCase *general = tcase_create("general");
    TCase *local = tcase_create("local");
    TCase *metadata = tcase_create("metadata");
    TCase *rules = tcase_create("rules");

    tcase_add_test(general, test_block_off_allows_all);
    tcase_add_test(general, test_block_off_without_tables);
    tcase_add_test(general, test_block_on_denies_all);
    suite_add_tcase(suite, general);

    tcase_add_loop_test(local, test_local_needs_allow_localhost, 0, COUNT(LOCAL));
    tcase_add_loop_test(local, test_local_with_allow_localhost, 0, COUNT(LOCAL));
    tcase_add_test(local, test_allow_localhost_only_local);
    tcase_add_test(local, test_bind_loopback_only);
    tcase_add_test(local, test_bind_ignores_rules);
    tcase_add_test(local, test_bind_name);
    tcase_add_test(local, test_loopback_names);
    tcase_add_test(local, test_loopback_names_need_flag);
    tcase_add_test(local, test_loopback_names_need_hosts);
    tcase_add_test(local, test_reverse_loopback);
    suite_add_tcase(suite, local);

    tcase_add_loop_test(metadata, test_metadata_not_by_cidr, 0, COUNT(METADATA_COVERED));
    tcase_add_test(metadata, test_metadata_cidr_opens_rest);
    tcase_add_test(metadata, test_metadata_not_by_record);
    tcase_add_loop_test(metadata, test_metadata_by_literal, 0, COUNT(METADATA_LITERAL));
    tcase_add_test(metadata, test_metadata_literal_scope);
    tcase_add_test(metadata, test_metadata_not_by_localhost);
    suite_add_tcase(suite, metadata);

    tcase_add_test(rules, test_address_rules);
    tcase_add_test(rules, test_recorded_addresses);
    tcase_add_test(rules, test_record_add_match);
    tcase_add_test(rules, test_record_port_specific);
    tcase_add_test(rules, test_record_max);
    tcase_add_test(rules, test_name_rules_with_ports);
    tcase_add_test(rules, test_lookup_ignores_ports);
    tcase_add_test(rules, test_reverse_by_rule);
    tcase_add_test(rules, test_name_ports);
    suite_add_tcase(suite, rules);
    return suite;
}
