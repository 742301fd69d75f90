/* Address parsing, canonical forms and rule matching. */
#include <sys/socket.h>

#include "netaddr.h"
#include "unit.h"

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

START_TEST(test_loopback_forms)
{
    static const char *const forms[] = {"127.0.0.1", "127.1", "2130706433", "0x7f000001", "0177.0.0.1",
                                        "::1", "[::1]", "::ffff:127.0.0.1", "127.255.255.254"};

    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        struct netaddr a = parse_ok(forms[i]);

        ck_assert_msg(netaddr_is_loopback(&a), "%s should be loopback", forms[i]);
    }
}
END_TEST

START_TEST(test_canonical_text)
{
    ck_assert_str_eq(canonical("127.1"), "127.0.0.1");
    ck_assert_str_eq(canonical("2130706433"), "127.0.0.1");
    ck_assert_str_eq(canonical("::ffff:10.0.0.1"), "10.0.0.1");
    ck_assert_str_eq(canonical("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
}
END_TEST

START_TEST(test_names_are_not_numeric)
{
    struct netaddr a;

    ck_assert_int_eq(netaddr_parse("example.com", &a), -1);
    ck_assert_int_eq(netaddr_parse("localhost", &a), -1);
    ck_assert_int_eq(netaddr_parse("", &a), -1);
    ck_assert_int_eq(netaddr_parse("[127.0.0.1]", &a), -1);
}
END_TEST

START_TEST(test_rule_short_ipv4_is_not_suffix)
{
    struct netrule rule;
    struct hermetic_error err;
    struct netaddr ten = parse_ok("10.0.0.1");

    ck_assert_int_eq(netrule_parse("0.1", &rule, &err), 0);
    ck_assert(!netrule_matches_addr(&rule, &ten, 80));
}
END_TEST

Suite *suite_netaddr(void)
{
    Suite *suite = suite_create("netaddr");
    TCase *tc = tcase_create("parse");

    tcase_add_test(tc, test_loopback_forms);
    tcase_add_test(tc, test_canonical_text);
    tcase_add_test(tc, test_names_are_not_numeric);
    tcase_add_test(tc, test_rule_short_ipv4_is_not_suffix);
    suite_add_tcase(suite, tc);
    return suite;
}
