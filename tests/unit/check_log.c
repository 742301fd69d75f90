/* JSON escaping for --log-json records, and the records themselves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "unit.h"

/* Escape `text` into a buffer of the size that log_json_escape returns for it. */
static char *escape(const char *text)
{
    size_t needed = log_json_escape(NULL, 0, text);
    char *out = malloc(needed + 1);
    size_t written;

    ck_assert_msg(out != NULL, "out of memory");
    written = log_json_escape(out, needed + 1, text);
    ck_assert_msg(written == needed, "\"%s\": %zu bytes written, %zu announced", text, written, needed);
    ck_assert_msg(strlen(out) == needed, "\"%s\": output is %zu bytes, return value %zu", text, strlen(out), needed);
    return out;
}

struct escape_case {
    const char *text;
    const char *json;
};

static void expect_escapes(const struct escape_case *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        char *got = escape(cases[i].text);

        ck_assert_msg(strcmp(got, cases[i].json) == 0, "case %zu: got %s, expected %s", i, got, cases[i].json);
        free(got);
    }
}

START_TEST(test_escape_plain_and_quotes)
{
    static const struct escape_case cases[] = {
        {"", "\"\""},
        {"network", "\"network\""},
        {"a\"b", "\"a\\\"b\""},
        {"C:\\path", "\"C:\\\\path\""},
        {"\\\"", "\"\\\\\\\"\""},
        {"/etc/passwd 'x' <y> &z", "\"/etc/passwd 'x' <y> &z\""},
    };

    expect_escapes(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_escape_control_characters)
{
    static const struct escape_case cases[] = {
        {"\n", "\"\\u000a\""},
        {"\t", "\"\\u0009\""},
        {"\r", "\"\\u000d\""},
        {"\x01", "\"\\u0001\""},
        {"\x1b[31m", "\"\\u001b[31m\""},
        {"\x1f", "\"\\u001f\""},
        {"\x7f", "\"\\u007f\""},
        {"a\nb", "\"a\\u000ab\""},
        {" ", "\" \""},
    };

    expect_escapes(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_escape_utf8_kept)
{
    static const struct escape_case cases[] = {
        {"caf\xc3\xa9", "\"caf\xc3\xa9\""},                    /* U+00E9 */
        {"\xe2\x82\xac", "\"\xe2\x82\xac\""},                  /* U+20AC */
        {"\xe2\x80\xa8", "\"\xe2\x80\xa8\""},                  /* U+2028, valid in JSON strings */
        {"\xf0\x9d\x84\x9e", "\"\xf0\x9d\x84\x9e\""},          /* U+1D11E */
        {"\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""},          /* U+10FFFF */
        {"\xc2\x80", "\"\xc2\x80\""},                          /* U+0080 */
        {"\xef\xbf\xbd", "\"\xef\xbf\xbd\""},                  /* U+FFFD itself */
    };

    expect_escapes(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_escape_invalid_utf8)
{
    static const struct escape_case cases[] = {
        {"\xff", "\"\\ufffd\""},
        {"a\x80z", "\"a\\ufffdz\""},                           /* stray continuation byte */
        {"\xc3", "\"\\ufffd\""},                               /* truncated at the end */
        {"\xe2\x82z", "\"\\ufffd\\ufffdz\""},                  /* truncated before z */
        {"\xc0\x80", "\"\\ufffd\\ufffd\""},                    /* overlong NUL */
        {"\xc1\xbf", "\"\\ufffd\\ufffd\""},                    /* overlong */
        {"\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\""},         /* overlong / */
        {"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},         /* surrogate U+D800 */
        {"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""}, /* above U+10FFFF */
        {"\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},
        {"ok\xfe\xc3\xa9", "\"ok\\ufffd\xc3\xa9\""},           /* the valid character after is kept */
    };

    expect_escapes(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_escape_truncation)
{
    char out[8];
    size_t n;

    memset(out, 'X', sizeof(out));
    n = log_json_escape(out, 4, "abcdef");
    ck_assert_msg(n == 8, "the return value is the full length, 8; got %zu", n);
    ck_assert_str_eq(out, "\"ab");

    n = log_json_escape(out, 1, "abcdef");
    ck_assert_msg(n == 8, "size 1: return value %zu, expected 8", n);
    ck_assert_str_eq(out, "");

    n = log_json_escape(out, sizeof(out), "abcde");
    ck_assert_msg(n == 7, "\"abcde\" needs 7 bytes; got %zu", n);
    ck_assert_str_eq(out, "\"abcde\"");

    n = log_json_escape(out, sizeof(out), "a\n");
    ck_assert_msg(n == 9, "\"a\\n\" needs 9 bytes; got %zu", n);
    ck_assert_str_eq(out, "\"a\\u000");

    ck_assert_msg(log_json_escape(NULL, 0, "caf\xc3\xa9\xff") == 13,
                  "with size 0, log_json_escape returns the length of \"caf\\u00e9\\ufffd\", 13");
}
END_TEST

START_TEST(test_json_record)
{
    int fds[2];
    char line[1024], expected_tail[512], pid_text[64];
    ssize_t n;

    ck_assert_msg(pipe(fds) == 0, "pipe failed");
    log_json_record(fds[1], "blocked", "network", "exa\"mple.com", "network disabled: DNS(exa\"mple.com)\n\xff");
    close(fds[1]);
    n = read(fds[0], line, sizeof(line) - 1);
    close(fds[0]);
    ck_assert_msg(n > 0, "log_json_record wrote nothing");
    line[n] = '\0';

    ck_assert_msg(strncmp(line, "{\"time\":\"", 9) == 0, "the record starts with the time: %s", line);
    /* "YYYY-MM-DDTHH:MM:SS.mmmZ" */
    ck_assert_msg(strlen(line) > 33 && line[13] == '-' && line[19] == 'T' && line[28] == '.' && line[32] == 'Z' &&
                  line[33] == '"', "the time is ISO 8601 UTC with milliseconds: %s", line);
    snprintf(pid_text, sizeof(pid_text), ",\"pid\":%ld,", (long)getpid());
    ck_assert_msg(strstr(line, pid_text) != NULL, "the record names pid %ld: %s", (long)getpid(), line);
    snprintf(expected_tail, sizeof(expected_tail),
             "\"decision\":\"blocked\",\"guard\":\"network\",\"target\":\"exa\\\"mple.com\","
             "\"message\":\"network disabled: DNS(exa\\\"mple.com)\\u000a\\ufffd\"}\n");
    ck_assert_msg(n >= (ssize_t)strlen(expected_tail) && strcmp(line + n - strlen(expected_tail), expected_tail) == 0,
                  "the record ends with %s\ngot %s", expected_tail, line);
    ck_assert_msg(strchr(line, '\n') == line + n - 1, "the record is one line");
}
END_TEST

Suite *suite_log(void)
{
    Suite *suite = suite_create("log");
    TCase *tc = tcase_create("json");

    tcase_add_test(tc, test_escape_plain_and_quotes);
    tcase_add_test(tc, test_escape_control_characters);
    tcase_add_test(tc, test_escape_utf8_kept);
    tcase_add_test(tc, test_escape_invalid_utf8);
    tcase_add_test(tc, test_escape_truncation);
    tcase_add_test(tc, test_json_record);
    suite_add_tcase(suite, tc);
    return suite;
}
