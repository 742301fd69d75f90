/* The hosts file and the hosts: line of nsswitch.conf: which names the
 * resolver answers locally, and with which addresses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hosts.h"
#include "unit.h"

#define COUNT(array) ((int)(sizeof(array) / sizeof((array)[0])))

static const char HOSTS[] =
    "# /etc/hosts for the tests\n"
    "127.0.0.1\tlocalhost\n"
    "::1     localhost ip6-localhost ip6-loopback   # trailing comment\n"
    "127.0.1.1 myhost.example.org\tmyhost\n"
    "\n"
    "   # an indented comment\n"
    "192.0.2.10 printer.lan printer\n"
    "2001:db8::5 v6only\n"
    "127.0.0.1 split\n"
    "192.0.2.11 split\n"
    "::ffff:127.0.0.2 mapped-loopback\n"
    "10.0.0.1 crlf\r\n"
    "127.0.0.3 UPPER.Example.COM.\n"
    "127.0.0.4\t\tspaced   \t out\n"
    "#127.0.0.1 commented\n"
    "127.0.0.5 before#comment-after\n"
    "127.0.0.1 bad!name good-name\n"
    "not-an-address orphan\n";

static const char *answer_name(enum hosts_answer answer)
{
    switch (answer) {
    case HOSTS_UNKNOWN: return "HOSTS_UNKNOWN";
    case HOSTS_LOOPBACK_ONLY: return "HOSTS_LOOPBACK_ONLY";
    case HOSTS_OTHER: return "HOSTS_OTHER";
    }
    return "?";
}

static struct netaddr parse_ok(const char *text)
{
    struct netaddr a;

    ck_assert_msg(netaddr_parse(text, &a) == 0, "\"%s\" should parse", text);
    return a;
}

/* Names in HOSTS, read with "files" first, and what the lookup returns. */
static const struct {
    const char *name;
    enum hosts_answer answer;
} FILES_FIRST[] = {
    {"localhost", HOSTS_LOOPBACK_ONLY},       /* 127.0.0.1 and ::1 */
    {"ip6-localhost", HOSTS_LOOPBACK_ONLY},   /* second name on a line */
    {"ip6-loopback", HOSTS_LOOPBACK_ONLY},    /* third name, before a comment */
    {"myhost.example.org", HOSTS_LOOPBACK_ONLY},
    {"myhost", HOSTS_LOOPBACK_ONLY},          /* after a tab */
    {"printer.lan", HOSTS_OTHER},
    {"printer", HOSTS_OTHER},
    {"v6only", HOSTS_OTHER},
    {"split", HOSTS_OTHER},                   /* loopback and another address */
    {"mapped-loopback", HOSTS_LOOPBACK_ONLY},
    {"crlf", HOSTS_OTHER},
    {"upper.example.com", HOSTS_LOOPBACK_ONLY},   /* stored normalised */
    {"spaced", HOSTS_LOOPBACK_ONLY},
    {"out", HOSTS_LOOPBACK_ONLY},
    {"commented", HOSTS_UNKNOWN},
    {"before", HOSTS_LOOPBACK_ONLY},
    {"comment-after", HOSTS_UNKNOWN},
    {"good-name", HOSTS_LOOPBACK_ONLY},
    {"orphan", HOSTS_UNKNOWN},
    {"not-an-address", HOSTS_UNKNOWN},
    {"example.com", HOSTS_UNKNOWN},
    {"host", HOSTS_UNKNOWN},                  /* a suffix of myhost */
};

START_TEST(test_hosts_files_first)
{
    struct hosts_table table;
    enum hosts_answer got;

    hosts_parse(&table, HOSTS, "hosts: files dns\n");
    got = hosts_lookup(&table, FILES_FIRST[_i].name);
    ck_assert_msg(got == FILES_FIRST[_i].answer, "%s should be %s, got %s", FILES_FIRST[_i].name,
                  answer_name(FILES_FIRST[_i].answer), answer_name(got));
    hosts_free(&table);
}
END_TEST

/* With "dns" before "files", no name is answered from the file alone. */
START_TEST(test_hosts_dns_first)
{
    struct hosts_table table;
    enum hosts_answer got;

    hosts_parse(&table, HOSTS, "hosts: dns files\n");
    got = hosts_lookup(&table, FILES_FIRST[_i].name);
    ck_assert_msg(got == HOSTS_UNKNOWN, "%s should be HOSTS_UNKNOWN with dns first, got %s", FILES_FIRST[_i].name,
                  answer_name(got));
    hosts_free(&table);
}
END_TEST

/* nsswitch.conf texts, and whether each puts "files", and a local answer
 * for "localhost", before every source that may send a query. */
static const struct {
    const char *nsswitch;
    bool files_first;
    bool localhost_synthesized;
} NSSWITCH[] = {
    {"hosts: files dns\n", true, false},
    {"hosts: files\n", true, false},
    {"hosts: dns files\n", false, false},
    {"hosts: dns\n", false, false},
    {"hosts: files mdns4_minimal [NOTFOUND=return] dns\n", true, false},
    {"hosts: mdns4_minimal [NOTFOUND=return] files dns\n", false, false},
    {"hosts: nis files\n", false, false},
    {"hosts: mymachines resolve [!UNAVAIL=return] files myhostname dns\n", true, true},
    {"hosts: files myhostname dns\n", true, true},
    {"hosts: myhostname dns\n", false, true},
    {"hosts: resolve [!UNAVAIL=return] dns\n", false, true},
    {"hosts: dns myhostname files\n", false, false},
    {"hosts: files dns myhostname\n", true, false},
    {"", false, false},
    {"passwd: files\ngroup: files\n", false, false},
    {"#hosts: files dns\n", false, false},
    {"hosts: # files dns\n", false, false},
    {"   hosts:   files dns   # comment\n", true, false},
    {"hosts:\tfiles\tdns\n", true, false},
    {"hosts:files dns\n", true, false},
    {"hosts: files dns\r\n", true, false},
    {"passwd: files systemd\nhosts: files dns\nnetworks: files\n", true, false},
    {"hosts: files dns", true, false},                /* no final newline */
    {"hostsx: files dns\n", false, false},
    {"networks: files\n", false, false},
    /* glibc uses the last hosts: line */
    {"hosts: dns files\nhosts: files dns\n", true, false},
    {"hosts: files dns\nhosts: dns files\n", false, false},
    {"hosts: myhostname\nhosts: dns\n", false, false},
};

/* `text` on one line, with \n and \r written as escapes, for messages. */
static const char *escaped(const char *text)
{
    static char buf[256];
    size_t n = 0;

    for (; *text != '\0' && n + 3 < sizeof(buf); text++) {
        if (*text == '\n' || *text == '\r') {
            buf[n++] = '\\';
            buf[n++] = *text == '\n' ? 'n' : 'r';
        } else {
            buf[n++] = *text;
        }
    }
    buf[n] = '\0';
    return buf;
}

START_TEST(test_nsswitch_line)
{
    struct hosts_table table;
    const char *text = escaped(NSSWITCH[_i].nsswitch);

    hosts_parse(&table, HOSTS, NSSWITCH[_i].nsswitch);
    ck_assert_msg(table.files_first == NSSWITCH[_i].files_first, "\"%s\" should %sput files first", text,
                  NSSWITCH[_i].files_first ? "" : "not ");
    ck_assert_msg(table.localhost_synthesized == NSSWITCH[_i].localhost_synthesized,
                  "\"%s\" should %sanswer localhost locally", text, NSSWITCH[_i].localhost_synthesized ? "" : "not ");
    hosts_free(&table);
}
END_TEST

START_TEST(test_nsswitch_missing)
{
    struct hosts_table table;

    hosts_parse(&table, HOSTS, NULL);
    ck_assert_msg(!table.files_first, "a missing nsswitch.conf should mean dns first");
    ck_assert_msg(!table.localhost_synthesized, "a missing nsswitch.conf should not answer localhost locally");
    ck_assert_msg(hosts_lookup(&table, "localhost") == HOSTS_UNKNOWN,
                  "localhost should be HOSTS_UNKNOWN without nsswitch.conf");
    hosts_free(&table);
}
END_TEST

START_TEST(test_systemd_localhost)
{
    static const char nsswitch[] = "hosts: mymachines resolve [!UNAVAIL=return] files myhostname dns\n";
    struct hosts_table table;

    hosts_parse(&table, "", nsswitch);
    ck_assert_msg(hosts_lookup(&table, "localhost") == HOSTS_LOOPBACK_ONLY,
                  "localhost should be answered by resolve with an empty hosts file");
    ck_assert_msg(hosts_lookup(&table, "myhost") == HOSTS_UNKNOWN,
                  "myhost should be HOSTS_UNKNOWN with an empty hosts file");
    hosts_free(&table);

    hosts_parse(&table, NULL, nsswitch);
    ck_assert_msg(hosts_lookup(&table, "localhost") == HOSTS_LOOPBACK_ONLY,
                  "localhost should be answered by resolve without a hosts file");
    hosts_free(&table);
}
END_TEST

/* A hosts file entry wins over the local answer for "localhost". */
START_TEST(test_hosts_localhost_elsewhere)
{
    struct hosts_table table;

    hosts_parse(&table, "192.0.2.1 localhost\n", "hosts: files myhostname dns\n");
    ck_assert_msg(hosts_lookup(&table, "localhost") == HOSTS_OTHER,
                  "localhost mapped to 192.0.2.1 should be HOSTS_OTHER");
    hosts_free(&table);
}
END_TEST

/* glibc's files backend reads addresses with inet_pton, so it skips lines
 * whose address is in another numeric form. Such names are not answered
 * from the file and must not count as loopback. */
START_TEST(test_hosts_address_forms)
{
    static const char hosts[] =
        "127.1 short-form\n"
        "2130706433 decimal-form\n"
        "0x7f.1 hex-form\n"
        "0177.0.0.1 octal-form\n"
        "fe80::1%1 zoned\n"
        "[::1] bracketed\n"
        "127.0.0.1 dotted-quad\n"
        "::1 plain-v6\n";
    static const char *const skipped[] = {"short-form", "decimal-form", "hex-form", "octal-form", "zoned",
                                          "bracketed"};
    struct hosts_table table;

    hosts_parse(&table, hosts, "hosts: files dns\n");
    for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++)
        ck_assert_msg(hosts_lookup(&table, skipped[i]) == HOSTS_UNKNOWN, "%s should be HOSTS_UNKNOWN, got %s",
                      skipped[i], answer_name(hosts_lookup(&table, skipped[i])));
    ck_assert_msg(hosts_lookup(&table, "dotted-quad") == HOSTS_LOOPBACK_ONLY,
                  "dotted-quad should be HOSTS_LOOPBACK_ONLY");
    ck_assert_msg(hosts_lookup(&table, "plain-v6") == HOSTS_LOOPBACK_ONLY, "plain-v6 should be HOSTS_LOOPBACK_ONLY");
    hosts_free(&table);
}
END_TEST

START_TEST(test_hosts_entries_stored)
{
    struct hosts_table table;
    size_t names = 0;

    hosts_parse(&table, "127.0.0.1 a b c\n::1 d\n", "hosts: files\n");
    ck_assert_msg(table.len == 4, "\"127.0.0.1 a b c\" and \"::1 d\" should store 4 entries, got %zu", table.len);
    for (size_t i = 0; i < table.len; i++)
        if (strcmp(table.entries[i].name, "b") == 0)
            names++;
    ck_assert_msg(names == 1, "name b should be stored once, got %zu", names);
    hosts_free(&table);
    ck_assert_msg(table.len == 0, "hosts_free should empty the table");
    ck_assert_msg(table.entries == NULL, "hosts_free should release the entries");
}
END_TEST

START_TEST(test_hosts_empty_input)
{
    struct hosts_table table;

    hosts_parse(&table, NULL, "hosts: files dns\n");
    ck_assert_msg(table.len == 0, "a missing hosts file should give no entries, got %zu", table.len);
    ck_assert_msg(hosts_lookup(&table, "localhost") == HOSTS_UNKNOWN,
                  "localhost should be HOSTS_UNKNOWN without a hosts file");
    hosts_free(&table);

    hosts_parse(&table, "", "hosts: files dns\n");
    ck_assert_msg(table.len == 0, "an empty hosts file should give no entries, got %zu", table.len);
    hosts_free(&table);

    hosts_parse(&table, "# only a comment\n\n\n", "hosts: files dns\n");
    ck_assert_msg(table.len == 0, "a hosts file of comments should give no entries, got %zu", table.len);
    hosts_free(&table);
}
END_TEST

START_TEST(test_has_address)
{
    static const struct {
        const char *addr;
        bool present;
    } cases[] = {
        {"127.0.0.1", true},
        {"::1", true},
        {"127.0.1.1", true},
        {"192.0.2.10", true},
        {"2001:db8::5", true},
        {"::ffff:127.0.0.1", true},     /* the same address as 127.0.0.1 */
        {"127.0.0.2", true},            /* written ::ffff:127.0.0.2 in the file */
        {"127.0.0.9", false},
        {"192.0.2.99", false},
        {"0.0.0.0", false},
        {"::", false},
        {"2001:db8::6", false},
    };
    struct hosts_table table;

    hosts_parse(&table, HOSTS, "hosts: files dns\n");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct netaddr a = parse_ok(cases[i].addr);

        ck_assert_msg(hosts_has_address(&table, &a) == cases[i].present, "%s should %sbe in the hosts file",
                      cases[i].addr, cases[i].present ? "" : "not ");
    }
    hosts_free(&table);
}
END_TEST

START_TEST(test_has_address_dns_first)
{
    struct hosts_table table;
    struct netaddr loopback = parse_ok("127.0.0.1");

    hosts_parse(&table, HOSTS, "hosts: dns files\n");
    ck_assert_msg(!hosts_has_address(&table, &loopback),
                  "127.0.0.1 should not be answered from the file with dns first");
    hosts_free(&table);
    hosts_parse(&table, HOSTS, NULL);
    ck_assert_msg(!hosts_has_address(&table, &loopback),
                  "127.0.0.1 should not be answered from the file without nsswitch.conf");
    hosts_free(&table);
}
END_TEST

/* Write `text` to the file `name` in `dir` and store its path in `path`. */
static void write_file(const char *dir, const char *name, const char *text, char *path, size_t size)
{
    FILE *f;

    snprintf(path, size, "%s/%s", dir, name);
    f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot create %s", path);
    ck_assert_msg(fputs(text, f) >= 0, "cannot write %s", path);
    ck_assert_msg(fclose(f) == 0, "cannot close %s", path);
}

START_TEST(test_load_files)
{
    char dir[] = "/tmp/hermetic-hosts-XXXXXX";
    char hosts_path[64], nsswitch_path[64];
    struct hosts_table table;

    ck_assert_msg(mkdtemp(dir) != NULL, "cannot create a directory from %s", dir);
    write_file(dir, "hosts", "127.0.0.1 localhost\n192.0.2.1 printer\n", hosts_path, sizeof(hosts_path));
    write_file(dir, "nsswitch.conf", "hosts: files dns\n", nsswitch_path, sizeof(nsswitch_path));

    hosts_load(&table, hosts_path, nsswitch_path);
    ck_assert_msg(table.files_first, "%s should put files first", nsswitch_path);
    ck_assert_msg(hosts_lookup(&table, "localhost") == HOSTS_LOOPBACK_ONLY,
                  "localhost in %s should be HOSTS_LOOPBACK_ONLY", hosts_path);
    ck_assert_msg(hosts_lookup(&table, "printer") == HOSTS_OTHER, "printer in %s should be HOSTS_OTHER", hosts_path);
    hosts_free(&table);

    unlink(nsswitch_path);
    hosts_load(&table, hosts_path, nsswitch_path);
    ck_assert_msg(!table.files_first, "a missing %s should mean dns first", nsswitch_path);
    hosts_free(&table);

    unlink(hosts_path);
    hosts_load(&table, hosts_path, nsswitch_path);
    ck_assert_msg(table.len == 0, "a missing %s should give no entries, got %zu", hosts_path, table.len);
    hosts_free(&table);
    rmdir(dir);
}
END_TEST

Suite *suite_hosts(void)
{
    Suite *suite = suite_create("hosts");
    TCase *lookup = tcase_create("lookup");
    TCase *nsswitch = tcase_create("nsswitch");
    TCase *reverse = tcase_create("reverse");

    tcase_add_loop_test(lookup, test_hosts_files_first, 0, COUNT(FILES_FIRST));
    tcase_add_loop_test(lookup, test_hosts_dns_first, 0, COUNT(FILES_FIRST));
    tcase_add_test(lookup, test_hosts_localhost_elsewhere);
    tcase_add_test(lookup, test_hosts_address_forms);
    tcase_add_test(lookup, test_hosts_entries_stored);
    tcase_add_test(lookup, test_hosts_empty_input);
    tcase_add_test(lookup, test_load_files);
    suite_add_tcase(suite, lookup);

    tcase_add_loop_test(nsswitch, test_nsswitch_line, 0, COUNT(NSSWITCH));
    tcase_add_test(nsswitch, test_nsswitch_missing);
    tcase_add_test(nsswitch, test_systemd_localhost);
    suite_add_tcase(suite, nsswitch);

    tcase_add_test(reverse, test_has_address);
    tcase_add_test(reverse, test_has_address_dns_first);
    suite_add_tcase(suite, reverse);
    return suite;
}
