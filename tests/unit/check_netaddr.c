/* Address parsing, canonical forms and rule matching. */
#include <net/if.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "netaddr.h"
#include "unit.h"

#define COUNT(array) ((int)(sizeof(array) / sizeof((array)[0])))

static struct netaddr parse_ok(const char *text)
{
    struct netaddr a;

    ck_assert_msg(netaddr_parse(text, &a) == 0, "\"%s\" should parse", text);
    return a;
}

static const char *canonical(const char *text)
{
    static char buf[NETADDR_TEXT_MAX];
    struct netaddr a = parse_ok(text);

    return netaddr_format(&a, buf, sizeof(buf));
}

static const char *family_name(int family)
{
    if (family == AF_INET)
        return "AF_INET";
    if (family == AF_INET6)
        return "AF_INET6";
    return "no family";
}

/* Numeric hosts: every form glibc's getaddrinfo reads with AI_NUMERICHOST,
 * with the canonical text and family that netaddr_parse must produce. */
static const struct {
    const char *text;
    int family;
    const char *canonical;
} NUMERIC[] = {
    /* IPv4 in the inet_aton forms */
    {"127.0.0.1", AF_INET, "127.0.0.1"},
    {"192.0.2.1", AF_INET, "192.0.2.1"},
    {"255.255.255.255", AF_INET, "255.255.255.255"},
    {"127.1", AF_INET, "127.0.0.1"},
    {"127.0.1", AF_INET, "127.0.0.1"},
    {"1.2.3", AF_INET, "1.2.0.3"},
    {"1.2", AF_INET, "1.0.0.2"},
    {"1.2.65535", AF_INET, "1.2.255.255"},
    {"1.16777215", AF_INET, "1.255.255.255"},
    {"2130706433", AF_INET, "127.0.0.1"},
    {"4294967295", AF_INET, "255.255.255.255"},
    {"0", AF_INET, "0.0.0.0"},
    {"0.1", AF_INET, "0.0.0.1"},
    {"0x7f000001", AF_INET, "127.0.0.1"},
    {"0xffffffff", AF_INET, "255.255.255.255"},
    {"0x7f.1", AF_INET, "127.0.0.1"},
    {"0X7F.1", AF_INET, "127.0.0.1"},
    {"0x7f.0x0.0x0.0x1", AF_INET, "127.0.0.1"},
    {"1.0x10.3", AF_INET, "1.16.0.3"},
    {"0177.0.0.1", AF_INET, "127.0.0.1"},
    {"0177.1", AF_INET, "127.0.0.1"},
    {"010.0.0.1", AF_INET, "8.0.0.1"},
    {"1.2.3.04", AF_INET, "1.2.3.4"},
    {"2852039166", AF_INET, "169.254.169.254"},
    {"169.254.43518", AF_INET, "169.254.169.254"},
    {"0xa9.0xfe.0xa9.0xfe", AF_INET, "169.254.169.254"},
    /* IPv6: full, compressed, leading zeros, upper case, embedded IPv4 */
    {"2001:db8:0:0:0:0:0:1", AF_INET6, "2001:db8::1"},
    {"2001:0db8:0000:0000:0000:0000:0000:0001", AF_INET6, "2001:db8::1"},
    {"2001:DB8::1", AF_INET6, "2001:db8::1"},
    {"::1", AF_INET6, "::1"},
    {"0:0:0:0:0:0:0:1", AF_INET6, "::1"},
    {"::", AF_INET6, "::"},
    {"1::", AF_INET6, "1::"},
    {"fe80::1", AF_INET6, "fe80::1"},
    {"1:2:3:4:5:6:7:8", AF_INET6, "1:2:3:4:5:6:7:8"},
    {"2001:db8::192.0.2.1", AF_INET6, "2001:db8::c000:201"},
    {"64:ff9b::192.0.2.1", AF_INET6, "64:ff9b::c000:201"},
    {"1:2:3:4:5:6:1.2.3.4", AF_INET6, "1:2:3:4:5:6:102:304"},
    /* IPv4-mapped IPv6 becomes IPv4 */
    {"::ffff:127.0.0.1", AF_INET, "127.0.0.1"},
    {"::FFFF:10.0.0.1", AF_INET, "10.0.0.1"},
    {"::ffff:7f00:1", AF_INET, "127.0.0.1"},
    {"0:0:0:0:0:ffff:a00:1", AF_INET, "10.0.0.1"},
    {"::ffff:0.0.0.0", AF_INET, "0.0.0.0"},
    /* zone indices */
    {"fe80::1%1", AF_INET6, "fe80::1"},
    {"fe80::1%lo", AF_INET6, "fe80::1"},
    {"::1%1", AF_INET6, "::1"},
    {"::ffff:192.0.2.1%1", AF_INET, "192.0.2.1"},
    /* brackets, which getaddrinfo itself does not accept */
    {"[::1]", AF_INET6, "::1"},
    {"[2001:db8::1]", AF_INET6, "2001:db8::1"},
    {"[::ffff:10.0.0.1]", AF_INET, "10.0.0.1"},
    {"[fe80::1%1]", AF_INET6, "fe80::1"},
};

/* Text that is not a numeric host: names, near misses, padding. */
static const char *const NOT_NUMERIC[] = {
    "",
    "example.com",
    "localhost",
    "1.2.3.4.5",
    "127.0.0.1 ",
    " 127.0.0.1",
    "::1 ",
    " ",
    "1.2.3.4 x",
    "127.0.0.1:80",
    "1.2.3.4/32",
    "1.2.3.",
    ".1.2.3",
    "1..2",
    "256.1.1.1",
    "1.256.1",
    "1.2.65536",
    "4294967296",
    "0x100000000",
    "09.1.1.1",
    "1.2.3.08",
    "08",
    "0x",
    "0xg",
    "00x1",
    "1e3",
    "-1",
    "+1",
    ":::1",
    "1::2::3",
    "1:2:3:4:5:6:7:8:9",
    "12345::1",
    "g::1",
    "::ffff:1.2.3",
    "::1.2.3.4.5",
    "::1%",
    "1.2.3.4%1",
    "fe80::1%nosuch0",
    "[1.2.3.4]",
    "[example.com]",
    "[]",
    "[:]",
    "[::1",
    "::1]",
    "[ ::1]",
    "[[::1]]",
};

START_TEST(test_numeric_forms)
{
    struct netaddr a;
    char buf[NETADDR_TEXT_MAX];
    const char *text = NUMERIC[_i].text;

    ck_assert_msg(netaddr_parse(text, &a) == 0, "\"%s\" should parse as numeric", text);
    ck_assert_msg(a.family == NUMERIC[_i].family, "\"%s\" should be %s, got %s", text,
                  family_name(NUMERIC[_i].family), family_name(a.family));
    netaddr_format(&a, buf, sizeof(buf));
    ck_assert_msg(strcmp(buf, NUMERIC[_i].canonical) == 0, "\"%s\" should format as %s, got %s", text,
                  NUMERIC[_i].canonical, buf);
}
END_TEST

START_TEST(test_not_numeric_forms)
{
    struct netaddr a;
    const char *text = NOT_NUMERIC[_i];

    ck_assert_msg(netaddr_parse(text, &a) == -1, "\"%s\" should not parse as numeric", text);
}
END_TEST

/* Parse `text` with getaddrinfo(AI_NUMERICHOST), which never sends a query. */
static int glibc_numeric(const char *text, struct netaddr *out)
{
    struct addrinfo hints, *res = NULL;
    const unsigned char *bytes;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = AI_NUMERICHOST;
    if (getaddrinfo(text, NULL, &hints, &res) != 0)
        return -1;
    memset(out, 0, sizeof(*out));
    out->family = res->ai_family;
    if (res->ai_family == AF_INET) {
        bytes = (const unsigned char *)&((const struct sockaddr_in *)(const void *)res->ai_addr)->sin_addr;
        memcpy(out->bytes, bytes, 4);
    } else {
        bytes = (const unsigned char *)&((const struct sockaddr_in6 *)(const void *)res->ai_addr)->sin6_addr;
        memcpy(out->bytes, bytes, 16);
    }
    freeaddrinfo(res);
    return 0;
}

/* Without brackets, netaddr_parse must agree with glibc on every input:
 * same verdict, and the same address once IPv4-mapped is turned into IPv4. */
START_TEST(test_agrees_with_getaddrinfo)
{
    static const unsigned char mapped_prefix[12] = {[10] = 0xff, [11] = 0xff};
    const char *text = _i < COUNT(NUMERIC) ? NUMERIC[_i].text : NOT_NUMERIC[_i - COUNT(NUMERIC)];
    struct netaddr ours, theirs;
    int ours_rc, theirs_rc;

    if (text[0] == '[')
        return;
    ours_rc = netaddr_parse(text, &ours);
    theirs_rc = glibc_numeric(text, &theirs);
    ck_assert_msg(ours_rc == theirs_rc, "\"%s\": netaddr_parse returned %d, getaddrinfo(AI_NUMERICHOST) %d", text,
                  ours_rc, theirs_rc);
    if (ours_rc != 0)
        return;
    if (theirs.family == AF_INET6 && memcmp(theirs.bytes, mapped_prefix, 12) == 0) {
        memmove(theirs.bytes, theirs.bytes + 12, 4);
        memset(theirs.bytes + 4, 0, 12);
        theirs.family = AF_INET;
    }
    ck_assert_msg(netaddr_equal(&ours, &theirs), "\"%s\": netaddr_parse and getaddrinfo disagree on the address",
                  text);
}
END_TEST

START_TEST(test_zone_index_kept)
{
    struct netaddr a;

    a = parse_ok("fe80::1%1");
    ck_assert_msg(a.scope_id == 1, "fe80::1%%1 should have scope 1, got %u", a.scope_id);
    a = parse_ok("[fe80::1%7]");
    ck_assert_msg(a.scope_id == 7, "[fe80::1%%7] should have scope 7, got %u", a.scope_id);
    a = parse_ok("fe80::1%lo");
    ck_assert_msg(a.scope_id == if_nametoindex("lo"), "fe80::1%%lo should have the scope of lo (%u), got %u",
                  if_nametoindex("lo"), a.scope_id);
    a = parse_ok("fe80::1");
    ck_assert_msg(a.scope_id == 0, "fe80::1 should have no scope, got %u", a.scope_id);
}
END_TEST

/* A zone index selects the link and is not part of the address. */
START_TEST(test_zone_index_dropped_on_mapped)
{
    struct netaddr a = parse_ok("::ffff:192.0.2.1%1");

    ck_assert_msg(a.family == AF_INET, "::ffff:192.0.2.1%%1 should be IPv4");
    ck_assert_msg(a.scope_id == 0, "::ffff:192.0.2.1%%1 should have no scope as IPv4, got %u", a.scope_id);
}
END_TEST

START_TEST(test_equal_ignores_zone)
{
    struct netaddr a = parse_ok("fe80::1%1"), b = parse_ok("fe80::1%2"), c = parse_ok("fe80::2%1");

    ck_assert_msg(netaddr_equal(&a, &b), "fe80::1%%1 should equal fe80::1%%2");
    ck_assert_msg(!netaddr_equal(&a, &c), "fe80::1%%1 should not equal fe80::2%%1");
}
END_TEST

START_TEST(test_equal_compares_family)
{
    struct netaddr v4 = parse_ok("0.0.0.1"), v6 = parse_ok("::1"), mapped = parse_ok("::ffff:0.0.0.1");

    ck_assert_msg(!netaddr_equal(&v4, &v6), "0.0.0.1 should not equal ::1");
    ck_assert_msg(netaddr_equal(&v4, &mapped), "0.0.0.1 should equal ::ffff:0.0.0.1");
}
END_TEST

/* Canonical IPv6 text as RFC 5952 section 4 defines it. */
static const struct {
    const char *text;
    const char *canonical;
} RFC5952[] = {
    {"2001:DB8::ABCD", "2001:db8::abcd"},                         /* 4.3: lower case */
    {"2001:0db8::0001", "2001:db8::1"},                           /* 4.1: no leading zeros */
    {"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},                    /* 4.2.1: shorten as much as possible */
    {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},             /* 4.2.2: not one 16-bit 0 field */
    {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},                      /* 4.2.3: the longest run */
    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},                /* 4.2.3: the first of equal runs */
    {"2001:db8:0:0:1:0:0:0", "2001:db8:0:0:1::"},                 /* 4.2.3: the longest run, at the end */
    {"0:0:0:0:0:0:0:0", "::"},
    {"1:0:0:0:0:0:0:0", "1::"},
    {"fe80:0:0:0:0:0:0:1", "fe80::1"},
    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
    {"::ffff:192.0.2.1", "192.0.2.1"},                            /* stored as IPv4 */
    {"010.000.000.001", "8.0.0.1"},                               /* octal parts */
};

START_TEST(test_canonical_text)
{
    const char *got = canonical(RFC5952[_i].text);

    ck_assert_msg(strcmp(got, RFC5952[_i].canonical) == 0, "\"%s\" should format as %s, got %s", RFC5952[_i].text,
                  RFC5952[_i].canonical, got);
}
END_TEST

START_TEST(test_format_reparses)
{
    struct netaddr a, again;
    char buf[NETADDR_TEXT_MAX];
    const char *text = NUMERIC[_i].text;

    a = parse_ok(text);
    netaddr_format(&a, buf, sizeof(buf));
    ck_assert_msg(netaddr_parse(buf, &again) == 0, "\"%s\" formats as %s, which should parse", text, buf);
    ck_assert_msg(netaddr_equal(&a, &again), "\"%s\" formats as %s, which should parse to the same address", text,
                  buf);
}
END_TEST

static const char *const LOOPBACK[] = {
    "127.0.0.1", "127.0.0.0", "127.255.255.255", "127.255.255.254", "127.1", "2130706433", "0x7f000001",
    "0177.0.0.1", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::0.0.0.1", "::ffff:127.0.0.1", "::ffff:127.255.255.255",
    "[::ffff:127.0.0.1]",
};

static const char *const NOT_LOOPBACK[] = {
    "126.255.255.255", "128.0.0.0", "0.0.0.0", "10.0.0.1", "::", "::2", "1::1", "fe80::1",
    "::ffff:128.0.0.1", "::ffff:0.0.0.1",
};

START_TEST(test_loopback)
{
    struct netaddr a = parse_ok(LOOPBACK[_i]);

    ck_assert_msg(netaddr_is_loopback(&a), "%s should be loopback", LOOPBACK[_i]);
}
END_TEST

START_TEST(test_not_loopback)
{
    struct netaddr a = parse_ok(NOT_LOOPBACK[_i]);

    ck_assert_msg(!netaddr_is_loopback(&a), "%s should not be loopback", NOT_LOOPBACK[_i]);
}
END_TEST

START_TEST(test_unspecified)
{
    static const char *const yes[] = {"0.0.0.0", "0", "0x0", "::", "[::]", "0:0:0:0:0:0:0:0", "::ffff:0.0.0.0"};
    static const char *const no[] = {"0.0.0.1", "1.0.0.0", "::1", "1::", "127.0.0.1", "::ffff:0.0.0.1"};

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        struct netaddr a = parse_ok(yes[i]);

        ck_assert_msg(netaddr_is_unspecified(&a), "%s should be unspecified", yes[i]);
    }
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        struct netaddr a = parse_ok(no[i]);

        ck_assert_msg(!netaddr_is_unspecified(&a), "%s should not be unspecified", no[i]);
    }
}
END_TEST

static const char *const METADATA[] = {
    "169.254.169.254", "2852039166", "0xa9.0xfe.0xa9.0xfe", "169.254.43518", "::ffff:169.254.169.254",
    "::ffff:a9fe:a9fe", "[::ffff:169.254.169.254]", "169.254.170.2", "169.254.170.23", "168.63.129.16",
    "100.100.100.200", "fd00:ec2::254", "[fd00:ec2::254]", "FD00:EC2:0:0:0:0:0:254", "fd00:ec2::23",
    "fe80::a9fe:a9fe", "fe80::a9fe:a9fe%1",
};

static const char *const NOT_METADATA[] = {
    "169.254.169.253", "169.254.169.255", "169.254.0.1", "169.254.170.3", "168.63.129.17", "100.100.100.201",
    "fd00:ec2::253", "fd00:ec2::255", "fd00:ec3::254", "fe80::a9fe:a9ff", "127.0.0.1", "0.0.0.0", "::",
};

/* ----- netaddr_parse_quad ----- */

/* netaddr_parse_quad must agree with inet_pton(AF_INET) on `text`,
 * bytes included. */
static void expect_quad_as_inet_pton(const char *text)
{
    unsigned char mine[4] = {0}, theirs[4] = {0};
    bool parsed = netaddr_parse_quad(text, mine);
    bool expected = inet_pton(AF_INET, text, theirs) == 1;

    ck_assert_msg(parsed == expected, "\"%s\": netaddr_parse_quad says %s, inet_pton says %s", text,
                  parsed ? "yes" : "no", expected ? "yes" : "no");
    if (expected)
        ck_assert_msg(memcmp(mine, theirs, 4) == 0, "\"%s\": the bytes differ from inet_pton's", text);
}

START_TEST(test_quad_cases)
{
    static const char *const cases[] = {
        "127.0.0.1", "0.0.0.0", "255.255.255.255", "256.0.0.1", "1.2.3.256", "1.2.3.4.", ".1.2.3.4",
        "1..2.3", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.00", "00.0.0.0", "1.2.3.4 ", " 1.2.3.4",
        "1.2.3.4/8", "0x7f.0.0.1", "127.1", "2130706433", "", ".", "...", "1.2.3.-4", "+1.2.3.4",
        "1000.1.1.1", "9999999999.1.1.1", "199.255.249.100", "10.0.011.1",
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_quad_as_inet_pton(cases[i]);
}
END_TEST

START_TEST(test_quad_exhaustive)
{
    /* Every string of up to 7 characters over digits that matter (0, 1,
     * 2, 5, 6), a dot and a letter: about a million, a few seconds under
     * AddressSanitizer. Longer forms are in test_quad_cases. */
    static const char alphabet[] = "01256.a";
    const size_t base = sizeof(alphabet) - 1;
    char text[8];

    for (size_t length = 0; length <= 7; length++) {
        size_t total = 1;

        for (size_t i = 0; i < length; i++)
            total *= base;
        for (size_t n = 0; n < total; n++) {
            size_t rest = n;

            for (size_t i = 0; i < length; i++, rest /= base)
                text[i] = alphabet[rest % base];
            text[length] = '\0';
            expect_quad_as_inet_pton(text);
        }
    }
}
END_TEST

START_TEST(test_metadata)
{
    struct netaddr a = parse_ok(METADATA[_i]);

    ck_assert_msg(netaddr_is_metadata(&a), "%s should be a metadata address", METADATA[_i]);
}
END_TEST

START_TEST(test_not_metadata)
{
    struct netaddr a = parse_ok(NOT_METADATA[_i]);

    ck_assert_msg(!netaddr_is_metadata(&a), "%s should not be a metadata address", NOT_METADATA[_i]);
}
END_TEST

/* netaddr_in_prefix at the edges of each block: first and last address
 * inside, and the neighbours just outside. */
static const struct {
    const char *addr;
    const char *network;
    unsigned int prefix_len;
    bool inside;
} PREFIXES[] = {
    {"0.0.0.0", "0.0.0.0", 0, true},
    {"255.255.255.255", "0.0.0.0", 0, true},
    {"::", "::", 0, true},
    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::", 0, true},
    {"127.255.255.255", "0.0.0.0", 1, true},
    {"128.0.0.0", "0.0.0.0", 1, false},
    {"128.0.0.0", "128.0.0.0", 1, true},
    {"255.255.255.255", "128.0.0.0", 1, true},
    {"127.255.255.255", "128.0.0.0", 1, false},
    {"7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::", 1, true},
    {"8000::", "::", 1, false},
    {"10.0.0.0", "10.0.0.0", 7, true},
    {"11.255.255.255", "10.0.0.0", 7, true},
    {"9.255.255.255", "10.0.0.0", 7, false},
    {"12.0.0.0", "10.0.0.0", 7, false},
    {"fc00::", "fc00::", 7, true},
    {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fc00::", 7, true},
    {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fc00::", 7, false},
    {"fe00::", "fc00::", 7, false},
    {"10.0.0.0", "10.0.0.0", 8, true},
    {"10.255.255.255", "10.0.0.0", 8, true},
    {"9.255.255.255", "10.0.0.0", 8, false},
    {"11.0.0.0", "10.0.0.0", 8, false},
    {"172.16.0.0", "172.16.0.0", 12, true},
    {"172.31.255.255", "172.16.0.0", 12, true},
    {"172.15.255.255", "172.16.0.0", 12, false},
    {"172.32.0.0", "172.16.0.0", 12, false},
    {"192.0.2.0", "192.0.2.0", 31, true},
    {"192.0.2.1", "192.0.2.0", 31, true},
    {"192.0.1.255", "192.0.2.0", 31, false},
    {"192.0.2.2", "192.0.2.0", 31, false},
    {"192.0.2.1", "192.0.2.1", 32, true},
    {"192.0.2.0", "192.0.2.1", 32, false},
    {"192.0.2.2", "192.0.2.1", 32, false},
    {"2001:db8:0:1::", "2001:db8:0:1::", 64, true},
    {"2001:db8:0:1:ffff:ffff:ffff:ffff", "2001:db8:0:1::", 64, true},
    {"2001:db8:0:0:ffff:ffff:ffff:ffff", "2001:db8:0:1::", 64, false},
    {"2001:db8:0:2::", "2001:db8:0:1::", 64, false},
    {"2001:db8::", "2001:db8::", 127, true},
    {"2001:db8::1", "2001:db8::", 127, true},
    {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db8::", 127, false},
    {"2001:db8::2", "2001:db8::", 127, false},
    {"2001:db8::1", "2001:db8::1", 128, true},
    {"2001:db8::", "2001:db8::1", 128, false},
    {"2001:db8::2", "2001:db8::1", 128, false},
    /* IPv4-mapped addresses are IPv4 */
    {"::ffff:10.1.2.3", "10.0.0.0", 8, true},
    {"::ffff:10.1.2.3", "::", 96, false},
    /* one family never falls in a prefix of the other */
    {"192.0.2.1", "::", 0, false},
    {"::1", "0.0.0.0", 0, false},
    {"0.0.0.1", "::", 96, false},
    /* lengths past the family's size match nothing */
    {"192.0.2.1", "192.0.2.1", 33, false},
    {"2001:db8::1", "2001:db8::1", 129, false},
};

START_TEST(test_in_prefix)
{
    struct netaddr a = parse_ok(PREFIXES[_i].addr);
    struct netaddr network = parse_ok(PREFIXES[_i].network);
    bool inside = netaddr_in_prefix(&a, &network, PREFIXES[_i].prefix_len);

    ck_assert_msg(inside == PREFIXES[_i].inside, "%s should %sbe in %s/%u", PREFIXES[_i].addr,
                  PREFIXES[_i].inside ? "" : "not ", PREFIXES[_i].network, PREFIXES[_i].prefix_len);
}
END_TEST

START_TEST(test_format_endpoint)
{
    static const struct {
        const char *addr;
        unsigned int port;
        const char *endpoint;
    } cases[] = {
        {"192.0.2.1", 443, "192.0.2.1:443"},
        {"192.0.2.1", 0, "192.0.2.1"},
        {"127.1", 65535, "127.0.0.1:65535"},
        {"2001:db8::1", 443, "[2001:db8::1]:443"},
        {"2001:db8::1", 0, "2001:db8::1"},
        {"[::1]", 1, "[::1]:1"},
        {"::ffff:192.0.2.1", 80, "192.0.2.1:80"},
        {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct netaddr a = parse_ok(cases[i].addr);
        char buf[NETADDR_TEXT_MAX];

        netaddr_format_endpoint(&a, cases[i].port, buf, sizeof(buf));
        ck_assert_msg(strcmp(buf, cases[i].endpoint) == 0, "%s port %u should format as %s, got %s", cases[i].addr,
                      cases[i].port, cases[i].endpoint, buf);
    }
}
END_TEST

/* A name of `length` bytes: labels of 63 bytes, the last one shorter. */
static void make_name(char *out, size_t length)
{
    size_t i;

    for (i = 0; i < length; i++)
        out[i] = (i + 1) % 64 == 0 ? '.' : 'a';
    out[length] = '\0';
}

START_TEST(test_name_normalize_ok)
{
    static const struct {
        const char *text;
        const char *normalized;
    } cases[] = {
        {"example.com", "example.com"},
        {"EXAMPLE.Com", "example.com"},
        {"example.com.", "example.com"},
        {"Example.COM.", "example.com"},
        {"localhost", "localhost"},
        {"a", "a"},
        {"a-b.c_d", "a-b.c_d"},
        {"_dmarc.example.com", "_dmarc.example.com"},
        {"xn--bcher-kva.example", "xn--bcher-kva.example"},
        {"123.example", "123.example"},
        {"1.2.3.4.5", "1.2.3.4.5"},
    };
    char out[NETNAME_MAX];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(netname_normalize(cases[i].text, out, sizeof(out)) == 0, "\"%s\" should be a valid name",
                      cases[i].text);
        ck_assert_msg(strcmp(out, cases[i].normalized) == 0, "\"%s\" should normalise to %s, got %s",
                      cases[i].text, cases[i].normalized, out);
    }
}
END_TEST

START_TEST(test_name_normalize_invalid)
{
    static const char *const invalid[] = {
        "", ".", "..", ".example.com", "example..com", "example.com..", "exa mple.com", "example.com/",
        "ex!ample.com", "b\303\274cher.example", "*.example.com", "*", "example.com:80", "[::1]", "a\tb",
        "example.com ", " example.com",
    };
    char out[NETNAME_MAX];

    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
        ck_assert_msg(netname_normalize(invalid[i], out, sizeof(out)) == -1, "\"%s\" should be an invalid name",
                      invalid[i]);
}
END_TEST

START_TEST(test_name_label_length)
{
    char name[80], out[NETNAME_MAX];

    memset(name, 'a', 63);
    strcpy(name + 63, ".example");
    ck_assert_msg(netname_normalize(name, out, sizeof(out)) == 0, "a 63-byte label should be valid");
    memset(name, 'a', 64);
    strcpy(name + 64, ".example");
    ck_assert_msg(netname_normalize(name, out, sizeof(out)) == -1, "a 64-byte label should be invalid");
    memset(name, 'a', 64);
    name[64] = '\0';
    ck_assert_msg(netname_normalize(name, out, sizeof(out)) == -1, "a 64-byte single label should be invalid");
    strcpy(name, "example.");
    memset(name + 8, 'a', 64);
    name[72] = '\0';
    ck_assert_msg(netname_normalize(name, out, sizeof(out)) == -1, "a 64-byte last label should be invalid");
}
END_TEST

START_TEST(test_name_total_length)
{
    char name[NETNAME_MAX + 2], out[NETNAME_MAX];

    make_name(name, 253);
    ck_assert_msg(netname_normalize(name, out, sizeof(out)) == 0, "a 253-byte name should be valid");
    ck_assert_msg(strlen(out) == 253, "a 253-byte name should stay 253 bytes, got %zu", strlen(out));
    strcat(name, ".");
    ck_assert_msg(netname_normalize(name, out, sizeof(out)) == 0,
                  "a 253-byte name with a trailing dot should be valid");
    ck_assert_msg(strlen(out) == 253, "the trailing dot should be removed, got %zu bytes", strlen(out));
    make_name(name, 254);
    ck_assert_msg(netname_normalize(name, out, sizeof(out)) == -1, "a 254-byte name should be invalid");
}
END_TEST

START_TEST(test_name_output_size)
{
    char out[12];

    ck_assert_msg(netname_normalize("example.com", out, 12) == 0, "example.com should fit in 12 bytes");
    ck_assert_msg(netname_normalize("example.com", out, 11) == -1, "example.com should not fit in 11 bytes");
    ck_assert_msg(netname_normalize("example.com.", out, 12) == 0,
                  "example.com. should fit in 12 bytes once its dot is removed");
}
END_TEST

START_TEST(test_name_in_domain)
{
    static const struct {
        const char *name;
        const char *domain;
        bool inside;
    } cases[] = {
        {"example.com", "example.com", true},
        {"www.example.com", "example.com", true},
        {"a.b.example.com", "example.com", true},
        {"example.com", "com", true},
        {"badexample.com", "example.com", false},
        {"xexample.com", "example.com", false},
        {"example.com", "www.example.com", false},
        {"com", "example.com", false},
        {"example.co", "example.com", false},
        {"example.com.evil", "example.com", false},
        {"example.community", "example.com", false},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(netname_in_domain(cases[i].name, cases[i].domain) == cases[i].inside,
                      "%s should %sbe in %s", cases[i].name, cases[i].inside ? "" : "not ", cases[i].domain);
}
END_TEST

/* Rules that parse, with the fields they must produce. `addr` is the
 * address of a NETWORK rule, compared after parsing, so its family counts. */
static const struct {
    const char *text;
    enum netrule_kind kind;
    const char *name;
    const char *addr;
    unsigned int prefix_len;
    unsigned int port;
} RULES[] = {
    {"example.com", NETRULE_DOMAIN, "example.com", NULL, 0, 0},
    {"Example.COM.", NETRULE_DOMAIN, "example.com", NULL, 0, 0},
    {"_dmarc.example.com", NETRULE_DOMAIN, "_dmarc.example.com", NULL, 0, 0},
    {"example.com:443", NETRULE_DOMAIN, "example.com", NULL, 0, 443},
    {"example.com:1", NETRULE_DOMAIN, "example.com", NULL, 0, 1},
    {"example.com:65535", NETRULE_DOMAIN, "example.com", NULL, 0, 65535},
    {"*.example.com", NETRULE_SUBDOMAINS, "example.com", NULL, 0, 0},
    {"*.Example.COM:443", NETRULE_SUBDOMAINS, "example.com", NULL, 0, 443},
    {"192.0.2.1", NETRULE_NETWORK, NULL, "192.0.2.1", 32, 0},
    {"192.0.2.1:443", NETRULE_NETWORK, NULL, "192.0.2.1", 32, 443},
    {"127.1", NETRULE_NETWORK, NULL, "127.0.0.1", 32, 0},
    {"127.1:8080", NETRULE_NETWORK, NULL, "127.0.0.1", 32, 8080},
    {"0.1", NETRULE_NETWORK, NULL, "0.0.0.1", 32, 0},
    {"2130706433", NETRULE_NETWORK, NULL, "127.0.0.1", 32, 0},
    {"2001:db8::1", NETRULE_NETWORK, NULL, "2001:db8::1", 128, 0},
    {"2001:DB8:0:0:0:0:0:1", NETRULE_NETWORK, NULL, "2001:db8::1", 128, 0},
    {"[2001:db8::1]", NETRULE_NETWORK, NULL, "2001:db8::1", 128, 0},
    {"[2001:db8::1]:443", NETRULE_NETWORK, NULL, "2001:db8::1", 128, 443},
    {"::1:80", NETRULE_NETWORK, NULL, "::1:80", 128, 0},   /* a bare IPv6 address takes no port */
    {"10.0.0.0/8", NETRULE_NETWORK, NULL, "10.0.0.0", 8, 0},
    {"10.0.0.0/8:443", NETRULE_NETWORK, NULL, "10.0.0.0", 8, 443},
    {"0.0.0.0/0", NETRULE_NETWORK, NULL, "0.0.0.0", 0, 0},
    {"192.0.2.1/32", NETRULE_NETWORK, NULL, "192.0.2.1", 32, 0},
    {"192.0.2.0/31", NETRULE_NETWORK, NULL, "192.0.2.0", 31, 0},
    {"2001:db8::/32", NETRULE_NETWORK, NULL, "2001:db8::", 32, 0},
    {"::/0", NETRULE_NETWORK, NULL, "::", 0, 0},
    {"2001:db8::1/128", NETRULE_NETWORK, NULL, "2001:db8::1", 128, 0},
    {"2001:db8::/127", NETRULE_NETWORK, NULL, "2001:db8::", 127, 0},
    {"[2001:db8::/32]", NETRULE_NETWORK, NULL, "2001:db8::", 32, 0},
    {"[2001:db8::/32]:443", NETRULE_NETWORK, NULL, "2001:db8::", 32, 443},
    {"[2001:db8::]/32", NETRULE_NETWORK, NULL, "2001:db8::", 32, 0},
    {"[2001:db8::]/32:443", NETRULE_NETWORK, NULL, "2001:db8::", 32, 443},
    {"[::1]/128", NETRULE_NETWORK, NULL, "::1", 128, 0},
    {"::ffff:192.0.2.1", NETRULE_NETWORK, NULL, "192.0.2.1", 32, 0},
    {"[::ffff:192.0.2.1]:80", NETRULE_NETWORK, NULL, "192.0.2.1", 32, 80},
    {"::ffff:10.0.0.0/104", NETRULE_NETWORK, NULL, "10.0.0.0", 8, 0},
    {"::ffff:0.0.0.0/96", NETRULE_NETWORK, NULL, "0.0.0.0", 0, 0},
    {"::ffff:192.0.2.1/128", NETRULE_NETWORK, NULL, "192.0.2.1", 32, 0},
};

START_TEST(test_rule_parse)
{
    struct netrule rule;
    struct hermetic_error err = {0};
    const char *text = RULES[_i].text;
    char addr[NETADDR_TEXT_MAX];

    ck_assert_msg(netrule_parse(text, &rule, &err) == 0, "\"%s\" should parse: %s", text, err.message);
    ck_assert_msg(rule.kind == RULES[_i].kind, "\"%s\" should be kind %d, got %d", text, (int)RULES[_i].kind,
                  (int)rule.kind);
    ck_assert_msg(rule.port == RULES[_i].port, "\"%s\" should have port %u, got %u", text, RULES[_i].port, rule.port);
    if (RULES[_i].name != NULL)
        ck_assert_msg(strcmp(rule.name, RULES[_i].name) == 0, "\"%s\" should have name %s, got %s", text,
                      RULES[_i].name, rule.name);
    if (RULES[_i].addr != NULL) {
        struct netaddr expected = parse_ok(RULES[_i].addr);

        netaddr_format(&rule.addr, addr, sizeof(addr));
        ck_assert_msg(netaddr_equal(&rule.addr, &expected), "\"%s\" should have address %s, got %s", text,
                      RULES[_i].addr, addr);
        ck_assert_msg(rule.prefix_len == RULES[_i].prefix_len, "\"%s\" should have prefix /%u, got /%u", text,
                      RULES[_i].prefix_len, rule.prefix_len);
    }
}
END_TEST

/* Rules that are rejected, with a part of the message that must name the
 * problem. Every message must also quote the rule. */
static const struct {
    const char *text;
    const char *message;
} BAD_RULES[] = {
    {"", "empty host"},
    {":443", "empty host"},
    {"example.com:", "invalid port \"\""},
    {"example.com:0", "invalid port \"0\""},
    {"example.com:65536", "invalid port \"65536\""},
    {"example.com:99999999999999999999", "invalid port"},
    {"example.com:http", "invalid port \"http\""},
    {"example.com:+80", "invalid port"},
    {"example.com:-1", "invalid port"},
    {"example.com: 80", "invalid port"},
    {"example.com:80 ", "invalid port"},
    {"example.com:8o", "invalid port"},
    {"192.0.2.1:0", "invalid port"},
    {"192.0.2.1:65536", "invalid port"},
    {"[::1]:", "invalid port"},
    {"[::1]:0", "invalid port"},
    {"[::1]:https", "invalid port"},
    {"10.0.0.0/8:0", "invalid port"},
    {"10.0.0.1/8", "host bits are set (did you mean 10.0.0.0/8?)"},
    {"192.0.2.1/31", "host bits are set (did you mean 192.0.2.0/31?)"},
    {"192.0.2.1/0", "host bits are set (did you mean 0.0.0.0/0?)"},
    {"2001:db8::1/32", "host bits are set (did you mean 2001:db8::/32?)"},
    {"2001:db8::1/127", "host bits are set (did you mean 2001:db8::/127?)"},
    {"[2001:db8::1/64]:443", "host bits are set (did you mean 2001:db8::/64?)"},
    {"::ffff:10.0.0.1/104", "host bits are set (did you mean 10.0.0.0/8?)"},
    {"10.0.0.0/33", "invalid prefix length"},
    {"10.0.0.0/", "invalid prefix length"},
    {"10.0.0.0/8x", "invalid prefix length"},
    {"10.0.0.0/-1", "invalid prefix length"},
    {"10.0.0.0/ 8", "invalid prefix length"},
    {"2001:db8::/129", "invalid prefix length"},
    {"::ffff:10.0.0.0/8", "/96 to /128"},
    {"::ffff:10.0.0.0/129", "/96 to /128"},
    {"/8", "invalid address"},
    {"example.com/8", "invalid address"},
    {"example.com:80:90", "invalid address"},
    {"*", "invalid host"},
    {"*.", "invalid host"},
    {"*.*.example", "invalid host"},
    {"**.example.com", "invalid host"},
    {"*example.com", "invalid host"},
    {"www.*.example.com", "invalid host"},
    {"exa mple.com", "invalid host"},
    {"example..com", "invalid host"},
    {".example.com", "invalid host"},
    {"ex!ample.com", "invalid host"},
    {"b\303\274cher.example", "xn--"},     /* "bücher.example" in UTF-8 */
    {"[1.2.3.4]", "invalid IPv6 address"},
    {"[1.2.3.4]:80", "invalid IPv6 address"},
    {"[example.com]:443", "invalid IPv6 address"},
    {"[]", "invalid IPv6 address"},
    {"[::1", "missing ]"},
    {"[::1]80", "unexpected text after ]"},
    {"[::1]/x", "unexpected text after ]"},
    {"10/8", "four numbers"},
    {"127.1/32", "four numbers"},
    {"fe80::1%1", "zone indices"},
    {"fe80::1%lo", "zone indices"},
    {"fe80::1%nosuch0", "zone indices"},   /* an interface that does not exist */
    {"[fe80::1%nosuch0]:80", "zone indices"},
    {"[fe80::1%1]:80", "zone indices"},
    {"[fe80::1%1/128]", "zone indices"},
    /* A trailing dot keeps getaddrinfo from reading these as numeric, but
     * the rule's name without the dot would be an address (found by
     * fuzz/fuzz_profile.c). */
    {"10.0.011.", "without the trailing dot it is the IP address 10.0.0.9"},
    {"192.0.2.1.", "without the trailing dot it is the IP address 192.0.2.1"},
    {"2130706433.:80", "without the trailing dot it is the IP address 127.0.0.1"},
};

START_TEST(test_rule_parse_invalid)
{
    struct netrule rule;
    struct hermetic_error err = {0};
    const char *text = BAD_RULES[_i].text;

    ck_assert_msg(netrule_parse(text, &rule, &err) == -1, "\"%s\" should be rejected", text);
    ck_assert_msg(err.status == HERMETIC_EXIT_USAGE, "\"%s\" should be a usage error, got status %d", text,
                  err.status);
    ck_assert_msg(strstr(err.message, BAD_RULES[_i].message) != NULL, "the error for \"%s\" should contain \"%s\": %s",
                  text, BAD_RULES[_i].message, err.message);
    if (text[0] != '\0')
        ck_assert_msg(strstr(err.message, text) != NULL, "the error for \"%s\" should quote it: %s", text,
                      err.message);
}
END_TEST

START_TEST(test_rule_name_lengths)
{
    char text[NETNAME_MAX + 16];
    struct netrule rule;
    struct hermetic_error err = {0};

    make_name(text, 253);
    strcat(text, ":443");
    ck_assert_msg(netrule_parse(text, &rule, &err) == 0, "a 253-byte name with a port should parse: %s",
                  err.message);
    ck_assert_msg(rule.port == 443, "a 253-byte name should keep its port 443, got %u", rule.port);
    make_name(text, 253);
    text[0] = '*';
    text[1] = '.';
    ck_assert_msg(netrule_parse(text, &rule, &err) == 0, "*. and a 251-byte name should parse: %s", err.message);
    make_name(text, 254);
    ck_assert_msg(netrule_parse(text, &rule, &err) == -1, "a 254-byte name should be rejected");
    memset(text, 'a', 64);
    strcpy(text + 64, ".example");
    ck_assert_msg(netrule_parse(text, &rule, &err) == -1, "a 64-byte label should be rejected");
}
END_TEST

START_TEST(test_rule_host_too_long)
{
    char text[400];
    struct netrule rule;
    struct hermetic_error err = {0};

    memset(text, 'a', 300);
    strcpy(text + 300, ":443");
    ck_assert_msg(netrule_parse(text, &rule, &err) == -1, "a 300-byte host should be rejected");
    ck_assert_msg(strstr(err.message, "host too long") != NULL, "a 300-byte host should be too long: %s",
                  err.message);
}
END_TEST

START_TEST(test_rule_format)
{
    static const struct {
        const char *text;
        const char *formatted;
    } cases[] = {
        {"Example.COM.", "example.com"},
        {"example.com:443", "example.com:443"},
        {"*.Example.com:443", "*.example.com:443"},
        {"127.1", "127.0.0.1"},
        {"192.0.2.1/32:80", "192.0.2.1:80"},
        {"10.0.0.0/8:443", "10.0.0.0/8:443"},
        {"2001:DB8::/32", "2001:db8::/32"},
        {"[2001:db8::1]", "2001:db8::1"},
        {"[2001:db8::1]:443", "[2001:db8::1]:443"},
        {"[2001:db8::/32]:443", "[2001:db8::/32]:443"},
        {"2001:db8::1/128", "2001:db8::1"},
        {"::ffff:10.0.0.0/104", "10.0.0.0/8"},
        {"[::ffff:192.0.2.1]:80", "192.0.2.1:80"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct netrule rule;
        struct hermetic_error err = {0};
        char buf[NETNAME_MAX + NETADDR_TEXT_MAX];

        ck_assert_msg(netrule_parse(cases[i].text, &rule, &err) == 0, "\"%s\" should parse: %s", cases[i].text,
                      err.message);
        netrule_format(&rule, buf, sizeof(buf));
        ck_assert_msg(strcmp(buf, cases[i].formatted) == 0, "\"%s\" should format as %s, got %s", cases[i].text,
                      cases[i].formatted, buf);
    }
}
END_TEST

START_TEST(test_rule_format_round_trip)
{
    struct netrule rule, again;
    struct hermetic_error err = {0};
    char buf[NETNAME_MAX + NETADDR_TEXT_MAX], second[NETNAME_MAX + NETADDR_TEXT_MAX];
    const char *text = RULES[_i].text;

    ck_assert_msg(netrule_parse(text, &rule, &err) == 0, "\"%s\" should parse: %s", text, err.message);
    netrule_format(&rule, buf, sizeof(buf));
    ck_assert_msg(netrule_parse(buf, &again, &err) == 0, "\"%s\" formats as \"%s\", which should parse: %s", text,
                  buf, err.message);
    ck_assert_msg(again.kind == rule.kind, "\"%s\" via \"%s\" should keep its kind", text, buf);
    ck_assert_msg(strcmp(again.name, rule.name) == 0, "\"%s\" via \"%s\" should keep its name", text, buf);
    if (rule.kind == NETRULE_NETWORK)
        ck_assert_msg(netaddr_equal(&again.addr, &rule.addr), "\"%s\" via \"%s\" should keep its address", text,
                      buf);
    ck_assert_msg(again.prefix_len == rule.prefix_len, "\"%s\" via \"%s\" should keep its prefix", text, buf);
    ck_assert_msg(again.port == rule.port, "\"%s\" via \"%s\" should keep its port", text, buf);
    netrule_format(&again, second, sizeof(second));
    ck_assert_msg(strcmp(second, buf) == 0, "\"%s\" should format the same twice: \"%s\", then \"%s\"", text, buf,
                  second);
}
END_TEST

static struct netrule rule_ok(const char *text)
{
    struct netrule rule;
    struct hermetic_error err = {0};

    ck_assert_msg(netrule_parse(text, &rule, &err) == 0, "rule \"%s\" should parse: %s", text, err.message);
    return rule;
}

START_TEST(test_rule_matches_name)
{
    static const struct {
        const char *rule;
        const char *name;
        bool matches;
    } cases[] = {
        {"example.com", "example.com", true},
        {"example.com", "www.example.com", true},
        {"example.com", "a.b.example.com", true},
        {"example.com", "badexample.com", false},
        {"example.com", "example.com.evil", false},
        {"example.com", "com", false},
        {"www.example.com", "example.com", false},
        {"*.example.com", "example.com", false},
        {"*.example.com", "www.example.com", true},
        {"*.example.com", "a.b.example.com", true},
        {"*.example.com", "wwwexample.com", false},
        {"example.com:443", "example.com", true},     /* lookups ignore ports */
        {"*.example.com:443", "api.example.com", true},
        {"192.0.2.1", "192.0.2.1", false},            /* address rules allow no names */
        {"10.0.0.0/8", "example.com", false},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct netrule rule = rule_ok(cases[i].rule);

        ck_assert_msg(netrule_matches_name(&rule, cases[i].name) == cases[i].matches, "rule %s should %smatch %s",
                      cases[i].rule, cases[i].matches ? "" : "not ", cases[i].name);
    }
}
END_TEST

START_TEST(test_rule_matches_port)
{
    struct netrule any = rule_ok("example.com"), https = rule_ok("example.com:443");

    ck_assert_msg(netrule_matches_port(&any, 1), "example.com should allow port 1");
    ck_assert_msg(netrule_matches_port(&any, 65535), "example.com should allow port 65535");
    ck_assert_msg(netrule_matches_port(&https, 443), "example.com:443 should allow port 443");
    ck_assert_msg(!netrule_matches_port(&https, 80), "example.com:443 should not allow port 80");
    ck_assert_msg(!netrule_matches_port(&https, 0), "example.com:443 should not allow port 0");
    ck_assert_msg(netrule_matches_port(&https, NETPORT_IGNORE), "example.com:443 should match NETPORT_IGNORE");
}
END_TEST

START_TEST(test_rule_matches_addr)
{
    static const struct {
        const char *rule;
        const char *addr;
        unsigned int port;
        bool matches;
    } cases[] = {
        {"0.1", "10.0.0.1", 80, false},
        {"0.1", "0.0.0.1", 80, true},
        {"127.1", "127.0.0.1", 80, true},
        {"192.0.2.1", "192.0.2.1", 443, true},
        {"192.0.2.1", "192.0.2.2", 443, false},
        {"192.0.2.1", "::ffff:192.0.2.1", 443, true},
        {"192.0.2.1:443", "192.0.2.1", 443, true},
        {"192.0.2.1:443", "192.0.2.1", 80, false},
        {"192.0.2.1:443", "192.0.2.1", NETPORT_IGNORE, true},
        {"10.0.0.0/8", "10.1.2.3", 80, true},
        {"10.0.0.0/8", "11.0.0.0", 80, false},
        {"10.0.0.0/8:443", "10.1.2.3", 443, true},
        {"10.0.0.0/8:443", "10.1.2.3", 80, false},
        {"::ffff:10.0.0.0/104", "10.0.0.1", 80, true},
        {"::ffff:10.0.0.0/104", "::ffff:10.255.255.255", 80, true},
        {"2001:db8::1", "2001:db8::1", 80, true},
        {"2001:db8::1", "2001:db8::2", 80, false},
        {"[2001:db8::/32]:443", "2001:db8:ffff::1", 443, true},
        {"[2001:db8::/32]:443", "2001:db8:ffff::1", 80, false},
        {"[2001:db8::/32]:443", "2001:db9::", 443, false},
        {"2001:db8::1", "192.0.2.1", 80, false},
        {"::/0", "192.0.2.1", 80, false},
        {"0.0.0.0/0", "2001:db8::1", 80, false},
        {"example.com", "192.0.2.1", 80, false},      /* name rules allow no addresses */
        {"*.example.com", "192.0.2.1", 80, false},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct netrule rule = rule_ok(cases[i].rule);
        struct netaddr a = parse_ok(cases[i].addr);

        ck_assert_msg(netrule_matches_addr(&rule, &a, cases[i].port) == cases[i].matches,
                      "rule %s should %smatch %s port %u", cases[i].rule, cases[i].matches ? "" : "not ",
                      cases[i].addr, cases[i].port);
    }
}
END_TEST

Suite *suite_netaddr(void)
{
    Suite *suite = suite_create("netaddr");
    TCase *parse = tcase_create("parse");
    TCase *classify = tcase_create("classify");
    TCase *quad = tcase_create("quad");
    TCase *names = tcase_create("names");
    TCase *rules = tcase_create("rules");

    tcase_add_loop_test(parse, test_numeric_forms, 0, COUNT(NUMERIC));
    tcase_add_loop_test(parse, test_not_numeric_forms, 0, COUNT(NOT_NUMERIC));
    tcase_add_loop_test(parse, test_agrees_with_getaddrinfo, 0, COUNT(NUMERIC) + COUNT(NOT_NUMERIC));
    tcase_add_test(parse, test_zone_index_kept);
    tcase_add_test(parse, test_zone_index_dropped_on_mapped);
    tcase_add_test(parse, test_equal_ignores_zone);
    tcase_add_test(parse, test_equal_compares_family);
    tcase_add_loop_test(parse, test_canonical_text, 0, COUNT(RFC5952));
    tcase_add_loop_test(parse, test_format_reparses, 0, COUNT(NUMERIC));
    tcase_add_test(parse, test_format_endpoint);
    suite_add_tcase(suite, parse);

    tcase_add_loop_test(classify, test_loopback, 0, COUNT(LOOPBACK));
    tcase_add_loop_test(classify, test_not_loopback, 0, COUNT(NOT_LOOPBACK));
    tcase_add_test(classify, test_unspecified);
    tcase_add_test(quad, test_quad_cases);
    tcase_add_test(quad, test_quad_exhaustive);
    tcase_set_timeout(quad, 120);
    suite_add_tcase(suite, quad);

    tcase_add_loop_test(classify, test_metadata, 0, COUNT(METADATA));
    tcase_add_loop_test(classify, test_not_metadata, 0, COUNT(NOT_METADATA));
    tcase_add_loop_test(classify, test_in_prefix, 0, COUNT(PREFIXES));
    suite_add_tcase(suite, classify);

    tcase_add_test(names, test_name_normalize_ok);
    tcase_add_test(names, test_name_normalize_invalid);
    tcase_add_test(names, test_name_label_length);
    tcase_add_test(names, test_name_total_length);
    tcase_add_test(names, test_name_output_size);
    tcase_add_test(names, test_name_in_domain);
    suite_add_tcase(suite, names);

    tcase_add_loop_test(rules, test_rule_parse, 0, COUNT(RULES));
    tcase_add_loop_test(rules, test_rule_parse_invalid, 0, COUNT(BAD_RULES));
    tcase_add_test(rules, test_rule_name_lengths);
    tcase_add_test(rules, test_rule_host_too_long);
    tcase_add_test(rules, test_rule_format);
    tcase_add_loop_test(rules, test_rule_format_round_trip, 0, COUNT(RULES));
    tcase_add_test(rules, test_rule_matches_name);
    tcase_add_test(rules, test_rule_matches_port);
    tcase_add_test(rules, test_rule_matches_addr);
    suite_add_tcase(suite, rules);
    return suite;
}
