/* The distinct blocked actions of a run and the report printed when the
 * program ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "unit.h"
#include "violations.h"

static void expect_report(const struct violations *v, const char *expected, const char *what)
{
    char *report = violations_report(v);

    ck_assert_msg(strcmp(report, expected) == 0, "%s:\n  got      \"%s\"\n  expected \"%s\"", what, report, expected);
    free(report);
}

START_TEST(test_add_new_and_repeated)
{
    struct violations v = {0};

    ck_assert_msg(!violations_seen(&v, "network disabled: DNS(example.com)"), "an empty set has seen nothing");
    ck_assert_msg(violations_add(&v, "network disabled: DNS(example.com)", false), "the first message is new");
    ck_assert_msg(!violations_add(&v, "network disabled: DNS(example.com)", false), "the same message again is not new");
    ck_assert_msg(!violations_add(&v, "network disabled: DNS(example.com)", true), "printed or not, it is not new");
    ck_assert_msg(violations_add(&v, "network disabled: DNS(example.org)", false), "another message is new");
    ck_assert_msg(violations_seen(&v, "network disabled: DNS(example.com)"), "the first message was seen");
    ck_assert_msg(violations_seen(&v, "network disabled: DNS(example.org)"), "the second message was seen");
    ck_assert_msg(!violations_seen(&v, "network disabled: DNS(example.net)"), "a third message was not seen");
    ck_assert_msg(v.distinct == 2, "2 distinct messages, got %zu", v.distinct);
    violations_free(&v);
}
END_TEST

START_TEST(test_report_empty)
{
    struct violations v = {0};

    expect_report(&v, "", "no violations");
    violations_add(&v, "network disabled: connect(192.0.2.1:443)", true);
    expect_report(&v, "", "every violation already printed");
    violations_free(&v);
}
END_TEST

START_TEST(test_report_unprinted_in_order)
{
    struct violations v = {0};

    violations_add(&v, "network disabled: DNS(b.example)", false);
    violations_add(&v, "network disabled: DNS(a.example)", true);
    violations_add(&v, "network disabled: connect(192.0.2.1:443)", false);
    violations_add(&v, "network disabled: DNS(b.example)", false);
    expect_report(&v,
                  "hermetic: blocked action: network disabled: DNS(b.example)\n"
                  "hermetic: blocked action: network disabled: connect(192.0.2.1:443)\n",
                  "unprinted messages, in the order they first happened");
    violations_free(&v);
}
END_TEST

/* Add `count` distinct messages "blocked NN"; those whose index is in
 * `printed_mask` count as printed already. */
static void add_numbered(struct violations *v, int count, unsigned long printed_mask)
{
    for (int i = 0; i < count; i++) {
        char message[32];

        snprintf(message, sizeof(message), "blocked %02d", i);
        ck_assert_msg(violations_add(v, message, (printed_mask >> i) & 1), "%s should be new", message);
    }
}

/* The report lines for messages first..last-1 that were not printed. */
static char *numbered_lines(int first, int last, unsigned long printed_mask)
{
    char *text = xstrdup("");

    for (int i = first; i < last; i++) {
        char *next;

        if ((printed_mask >> i) & 1)
            continue;
        next = xasprintf("%shermetic: blocked action: blocked %02d\n", text, i);
        free(text);
        text = next;
    }
    return text;
}

START_TEST(test_report_limit)
{
    static const struct {
        int count;
        const char *tail;
    } cases[] = {
        {VIOLATIONS_REPORT_MAX, ""},
        {VIOLATIONS_REPORT_MAX + 1, "hermetic: 1 more blocked action (--trace or --log-json shows each one)\n"},
        {VIOLATIONS_REPORT_MAX + 2, "hermetic: 2 more blocked actions (--trace or --log-json shows each one)\n"},
        {VIOLATIONS_REPORT_MAX + 25, "hermetic: 25 more blocked actions (--trace or --log-json shows each one)\n"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct violations v = {0};
        char *lines = numbered_lines(0, VIOLATIONS_REPORT_MAX, 0);
        char *expected = xasprintf("%s%s", lines, cases[i].tail);
        char what[64];

        add_numbered(&v, cases[i].count, 0);
        snprintf(what, sizeof(what), "%d distinct violations", cases[i].count);
        expect_report(&v, expected, what);
        violations_free(&v);
        free(lines), free(expected);
    }
}
END_TEST

START_TEST(test_report_skips_printed_beyond_limit)
{
    struct violations v = {0};
    /* Messages 1 and 3 are printed among the first ten, 11 and 12 beyond. */
    unsigned long printed = (1ul << 1) | (1ul << 3) | (1ul << 11) | (1ul << 12);
    char *lines = numbered_lines(0, VIOLATIONS_REPORT_MAX, printed);
    char *expected = xasprintf("%shermetic: 2 more blocked actions (--trace or --log-json shows each one)\n", lines);

    add_numbered(&v, VIOLATIONS_REPORT_MAX + 4, printed);
    expect_report(&v, expected, "14 violations, 4 printed");
    violations_free(&v);
    free(lines), free(expected);

    /* Every message beyond the first ten printed: no count line. */
    add_numbered(&v, VIOLATIONS_REPORT_MAX + 2, (1ul << 10) | (1ul << 11));
    lines = numbered_lines(0, VIOLATIONS_REPORT_MAX, 0);
    expect_report(&v, lines, "12 violations, the last 2 printed");
    violations_free(&v);
    free(lines);
}
END_TEST

START_TEST(test_mark_printed)
{
    struct violations v = {0};

    violations_add(&v, "subprocess disabled: exec(/usr/bin/curl)", false);
    violations_add(&v, "network disabled: DNS(example.com)", false);
    violations_mark_printed(&v, "subprocess disabled: exec(/usr/bin/curl)");
    violations_mark_printed(&v, "never recorded");
    expect_report(&v, "hermetic: blocked action: network disabled: DNS(example.com)\n",
                  "the message marked printed is left out");
    violations_free(&v);
}
END_TEST

START_TEST(test_many_distinct_messages)
{
    struct violations v = {0};
    enum { COUNT = 5000 };

    /* Enough to grow the hash set many times over. */
    for (int i = 0; i < COUNT; i++) {
        char message[48];

        snprintf(message, sizeof(message), "network disabled: DNS(host%d.example)", i);
        ck_assert_msg(violations_add(&v, message, false), "%s should be new", message);
    }
    for (int i = 0; i < COUNT; i++) {
        char message[48];

        snprintf(message, sizeof(message), "network disabled: DNS(host%d.example)", i);
        ck_assert_msg(violations_seen(&v, message), "%s should be seen", message);
        ck_assert_msg(!violations_add(&v, message, false), "%s again should not be new", message);
    }
    ck_assert_msg(v.distinct == COUNT, "%d distinct messages, got %zu", COUNT, v.distinct);
    ck_assert_msg(v.len * 2 <= v.cap, "the hash set is more than half full: %zu of %zu", v.len, v.cap);
    violations_free(&v);
}
END_TEST

START_TEST(test_hash_set_limit)
{
    struct violations v = {0};
    char message[128];

    for (int i = 0; i < VIOLATIONS_HASHES_MAX; i++) {
        snprintf(message, sizeof(message), "blocked %d", i);
        violations_add(&v, message, false);
    }
    ck_assert_msg(v.len == VIOLATIONS_HASHES_MAX, "the set holds %zu hashes, expected %d", v.len, VIOLATIONS_HASHES_MAX);
    /* Past the limit, a repeated message counts as new (and is counted). */
    ck_assert_msg(violations_add(&v, "blocked 0", false), "past the limit every message counts as new");
    ck_assert_msg(v.distinct == (size_t)VIOLATIONS_HASHES_MAX + 1, "distinct is %zu", v.distinct);
    snprintf(message, sizeof(message), "hermetic: %d more blocked actions (--trace or --log-json shows each one)\n",
             VIOLATIONS_HASHES_MAX + 1 - VIOLATIONS_REPORT_MAX);
    {
        char *report = violations_report(&v);

        ck_assert_msg(strstr(report, message) != NULL, "the report should end with: %s", message);
        free(report);
    }
    violations_free(&v);
}
END_TEST

START_TEST(test_free_resets)
{
    struct violations v = {0};

    violations_add(&v, "network disabled: DNS(example.com)", false);
    violations_free(&v);
    ck_assert_msg(v.distinct == 0 && v.len == 0 && v.cap == 0 && v.hashes == NULL, "violations_free resets the set");
    ck_assert_msg(violations_add(&v, "network disabled: DNS(example.com)", false),
                  "after violations_free a message is new again");
    violations_free(&v);
}
END_TEST

Suite *suite_violations(void)
{
    Suite *suite = suite_create("violations");
    TCase *tc = tcase_create("report");

    tcase_add_test(tc, test_add_new_and_repeated);
    tcase_add_test(tc, test_report_empty);
    tcase_add_test(tc, test_report_unprinted_in_order);
    tcase_add_test(tc, test_report_limit);
    tcase_add_test(tc, test_report_skips_printed_beyond_limit);
    tcase_add_test(tc, test_mark_printed);
    tcase_add_test(tc, test_many_distinct_messages);
    tcase_add_test(tc, test_hash_set_limit);
    tcase_add_test(tc, test_free_resets);
    suite_add_tcase(suite, tc);
    return suite;
}
