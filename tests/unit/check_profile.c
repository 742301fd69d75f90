/* Profiles: the fixtures in tests/data/valid and tests/data/invalid, file
 * edge cases generated here (size limit, directory, FIFO, unreadable),
 * extends chains, path expansion, the search path, --list-profiles and the
 * shipped profiles. See tests/data/README.md for the fixture conventions. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile.h"
#include "scratch.h"
#include "textbuf.h"
#include "unit.h"

#define VALID_DIR TEST_DATA_DIR "/valid"
#define INVALID_DIR TEST_DATA_DIR "/invalid"
#define SHIPPED_DIR TEST_DATA_DIR "/../../profiles"

/* What the fixture directory's real path becomes in .expected files. */
#define DIR_PLACEHOLDER "@DIR@"

/* ----- helpers ----- */

static bool has_suffix(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);

    return n >= m && strcmp(text + n - m, suffix) == 0;
}

static bool is_profile_name(const char *name)
{
    return name[0] != '.' && (has_suffix(name, ".yaml") || has_suffix(name, ".yml"));
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The file names in `dir` for which `keep` is true, sorted. */
static size_t list_names(const char *dir, bool (*keep)(const char *), char ***names)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    struct strlist found = {0};

    if (d == NULL) {
        fprintf(stderr, "check_profile: cannot open %s: %s\n", dir, strerror(errno));
        abort();
    }
    while ((ent = readdir(d)) != NULL)
        if (keep(ent->d_name))
            strlist_add(&found, ent->d_name);
    closedir(d);
    qsort(found.items, found.len, sizeof(*found.items), compare_strings);
    *names = found.items;
    return found.len;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text;
    long size;

    ck_assert_msg(f != NULL, "cannot open %s: %s", path, strerror(errno));
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    rewind(f);
    text = xmalloc((size_t)size + 1);
    ck_assert_msg(fread(text, 1, (size_t)size, f) == (size_t)size, "cannot read %s", path);
    text[size] = '\0';
    fclose(f);
    return text;
}

/* Replace every occurrence of `from` in `text` with `to`. Allocated. */
static char *replace_all(const char *text, const char *from, const char *to)
{
    struct textbuf out = {0};
    size_t from_len = strlen(from);
    const char *s = text, *hit;

    textbuf_append(&out, "");
    while ((hit = strstr(s, from)) != NULL) {
        textbuf_printf(&out, "%.*s%s", (int)(hit - s), s, to);
        s = hit + from_len;
    }
    textbuf_append(&out, s);
    return textbuf_take(&out);
}

/* A search path of the given directories only, independent of the
 * environment. */
static void search_of(struct profile_search *search, const char *first, const char *second)
{
    memset(search, 0, sizeof(*search));
    if (first != NULL)
        strlist_add(&search->dirs, first);
    if (second != NULL)
        strlist_add(&search->dirs, second);
}

static void load_ok(const struct profile_search *search, const char *name, struct hermetic_policy *policy)
{
    struct hermetic_error err = {0};
    int rc;

    policy_init(policy);
    rc = profile_load(search, name, policy, &err);
    ck_assert_msg(rc == 0, "profile %s should load, got status %d: %s", name, err.status, err.message);
}

/* Load `name`, require status 78 and return the message. */
static const char *load_fails(const struct profile_search *search, const char *name)
{
    static struct hermetic_error err;
    struct hermetic_policy policy;
    int rc;

    memset(&err, 0, sizeof(err));
    policy_init(&policy);
    rc = profile_load(search, name, &policy, &err);
    ck_assert_msg(rc == -1, "profile %s should be rejected", name);
    ck_assert_msg(err.status == HERMETIC_EXIT_PROFILE, "profile %s: status %d, expected 78 (%s)", name,
                  err.status, err.message);
    policy_free(&policy);
    return err.message;
}

static void parse_ok(const char *text, struct profile_doc *doc)
{
    struct hermetic_error err = {0};
    int rc = profile_parse(text, strlen(text), "test.yaml", doc, &err);

    ck_assert_msg(rc == 0, "profile text should parse:\n%s\ngot: %s", text, err.message);
}

static const char *parse_fails(const char *text)
{
    static struct hermetic_error err;
    struct profile_doc doc;
    int rc;

    memset(&err, 0, sizeof(err));
    rc = profile_parse(text, strlen(text), "test.yaml", &doc, &err);
    ck_assert_msg(rc == -1, "profile text should be rejected:\n%s", text);
    ck_assert_msg(err.status == HERMETIC_EXIT_PROFILE, "status %d, expected 78 (%s)", err.status, err.message);
    return err.message;
}

/* ----- fixtures ----- */

static char **invalid_fixtures, **valid_fixtures;
static size_t invalid_count, valid_count;

START_TEST(test_invalid_fixture)
{
    const char *name = invalid_fixtures[_i];
    char *dir = scratch_realpath(INVALID_DIR);
    char *path = xasprintf("%s/%s", dir, name);
    char *expected_path = xasprintf("%s/%.*s.expected", dir, (int)(strrchr(name, '.') - name), name);
    char *expected, *message;
    struct profile_search search;
    size_t len;

    /* variable-unset.yaml names a variable that must stay unset. */
    unsetenv("HERMETIC_TEST_UNSET");
    search_of(&search, dir, NULL);
    message = replace_all(load_fails(&search, path), dir, DIR_PLACEHOLDER);
    expected = read_text(expected_path);
    len = strlen(expected);
    if (len > 0 && expected[len - 1] == '\n')
        expected[len - 1] = '\0';
    ck_assert_msg(strcmp(message, expected) == 0, "%s:\n  got      %s\n  expected %s", name, message, expected);
    free(dir), free(path), free(expected_path), free(expected), free(message);
    profile_search_free(&search);
}
END_TEST

static bool is_expected_file(const char *name)
{
    return has_suffix(name, ".expected");
}

START_TEST(test_invalid_fixtures_paired)
{
    char **expected;
    size_t count = list_names(INVALID_DIR, is_expected_file, &expected);

    ck_assert_msg(invalid_count > 0, "no fixtures found in %s", INVALID_DIR);
    for (size_t i = 0; i < invalid_count; i++) {
        const char *name = invalid_fixtures[i];
        char *stem = xstrndup(name, (size_t)(strrchr(name, '.') - name));
        char *wanted = xasprintf("%s.expected", stem);
        bool found = false;

        for (size_t k = 0; k < count; k++)
            found = found || strcmp(expected[k], wanted) == 0;
        ck_assert_msg(found, "invalid/%s has no %s beside it", name, wanted);
        free(stem), free(wanted);
    }
    ck_assert_msg(count == invalid_count, "%zu .expected files for %zu invalid profiles: one has no profile", count,
                  invalid_count);
    for (size_t k = 0; k < count; k++)
        free(expected[k]);
    free(expected);
}
END_TEST

/* Scratch directory for the valid fixtures: their relative paths resolve
 * against it, and ~ is it. */
static char *enter_valid_scratch(void)
{
    char *dir = scratch_dir();

    free(scratch_subdir(dir, "sandbox"));
    free(scratch_subdir(dir, "sandbox/data"));
    scratch_chdir(dir);
    scratch_setenv("HOME", dir);
    unsetenv("HERMETIC_TEST_TMP");
    return dir;
}

START_TEST(test_valid_fixture)
{
    const char *name = valid_fixtures[_i];
    char *dir = enter_valid_scratch();
    char *path = xasprintf("%s/%s", VALID_DIR, name);
    struct profile_search search;
    struct hermetic_policy policy;

    search_of(&search, VALID_DIR, NULL);
    load_ok(&search, path, &policy);
    policy_free(&policy);
    profile_search_free(&search);
    free(dir), free(path);
}
END_TEST

static bool has_rule(const struct hermetic_policy *p, const char *text)
{
    char formatted[NETNAME_MAX + NETADDR_TEXT_MAX];

    for (size_t i = 0; i < p->network.allow.len; i++)
        if (strcmp(netrule_format(&p->network.allow.items[i], formatted, sizeof(formatted)), text) == 0)
            return true;
    return false;
}

START_TEST(test_valid_full)
{
    char *dir = enter_valid_scratch();
    char *sandbox = xasprintf("%s/sandbox", dir);
    char *data = xasprintf("%s/sandbox/data", dir);
    char *build = xasprintf("%s/sandbox/build", dir);
    char *out = xasprintf("%s/out", dir);
    char *audit = xasprintf("%s/audit.jsonl", dir);
    char *sh = scratch_realpath("/bin/sh");
    char *usr_lib = scratch_realpath("/usr/lib");
    char *tmp = scratch_realpath("/tmp");
    struct profile_search search;
    struct hermetic_policy p;
    static const char *const rules[] = {"pypi.internal.example", "10.0.0.0/8", "api.example:443", "*.example.org",
                                        "[2001:db8::1]:8443"};

    search_of(&search, VALID_DIR, NULL);
    load_ok(&search, VALID_DIR "/full.yaml", &p);

    ck_assert_msg(p.network.block, "network.block");
    ck_assert_msg(p.network.allow_localhost, "network.allow_localhost");
    ck_assert_msg(p.network.allow_unix_sockets, "network.allow_unix_sockets");
    ck_assert_msg(p.network.allow.len == 5, "network.allow has %zu rules, expected 5", p.network.allow.len);
    for (size_t i = 0; i < 5; i++)
        ck_assert_msg(has_rule(&p, rules[i]), "network.allow lacks %s", rules[i]);

    ck_assert_msg(p.subprocess.block, "subprocess.block");
    ck_assert_msg(p.subprocess.allow_exec.len == 1, "subprocess.allow_exec has %zu entries", p.subprocess.allow_exec.len);
    ck_assert_str_eq(p.subprocess.allow_exec.items[0], sh);

    ck_assert_msg(p.filesystem.readonly, "filesystem.readonly");
    ck_assert_msg(p.filesystem.root != NULL, "filesystem.root should be set");
    ck_assert_str_eq(p.filesystem.root, sandbox);
    ck_assert_msg(p.filesystem.allow_read.len == 2, "filesystem.allow_read has %zu entries", p.filesystem.allow_read.len);
    ck_assert_str_eq(p.filesystem.allow_read.items[0], data);
    ck_assert_str_eq(p.filesystem.allow_read.items[1], usr_lib);
    ck_assert_msg(p.filesystem.allow_write.len == 3, "filesystem.allow_write has %zu entries",
                  p.filesystem.allow_write.len);
    ck_assert_str_eq(p.filesystem.allow_write.items[0], build);
    ck_assert_str_eq(p.filesystem.allow_write.items[1], tmp);
    ck_assert_str_eq(p.filesystem.allow_write.items[2], out);

    ck_assert_msg(p.native.block, "native.block");
    ck_assert_msg(p.native.allow.len == 2, "native.allow has %zu entries", p.native.allow.len);
    ck_assert_str_eq(p.native.allow.items[0], "numpy");
    ck_assert_str_eq(p.native.allow.items[1], "lxml.etree");
    ck_assert_msg(p.environment.scrub, "environment.scrub");
    ck_assert_msg(p.environment.allow.len == 2, "environment.allow has %zu entries", p.environment.allow.len);
    ck_assert_str_eq(p.environment.allow.items[0], "CI");
    ck_assert_str_eq(p.environment.allow.items[1], "GITHUB_*");
    ck_assert_msg(p.code_exec.block, "code_exec.block");
    ck_assert_msg(p.imports.deny.len == 2, "imports.deny has %zu entries", p.imports.deny.len);
    ck_assert_str_eq(p.imports.deny.items[0], "pickle");
    ck_assert_str_eq(p.imports.deny.items[1], "xml.etree");
    ck_assert_msg(p.interpreter.block_mutation, "interpreter.block_mutation");
    ck_assert_msg(p.seal, "seal");
    ck_assert_int_eq(p.kernel, KERNEL_REQUIRED);
    ck_assert_int_eq(p.on_violation, ON_VIOLATION_EXIT);
    ck_assert_int_eq(p.trace, TRACE_ALL);
    ck_assert_msg(p.log_json != NULL, "log_json should be set");
    ck_assert_str_eq(p.log_json, audit);

    policy_free(&p);
    profile_search_free(&search);
    free(dir), free(sandbox), free(data), free(build), free(out), free(audit), free(sh), free(usr_lib), free(tmp);
}
END_TEST

START_TEST(test_valid_styles)
{
    char *dir = enter_valid_scratch();
    struct profile_search search;
    struct hermetic_policy p;

    search_of(&search, VALID_DIR, NULL);

    load_ok(&search, VALID_DIR "/flow.yaml", &p);
    ck_assert_msg(p.network.block, "flow.yaml: network.block");
    ck_assert_msg(has_rule(&p, "example.com"), "flow.yaml: network.allow lacks example.com");
    ck_assert_msg(p.subprocess.block, "flow.yaml: subprocess.block");
    ck_assert_int_eq(p.kernel, KERNEL_AUTO);
    ck_assert_int_eq(p.trace, TRACE_BLOCKED);
    policy_free(&p);

    load_ok(&search, VALID_DIR "/booleans.yaml", &p);
    ck_assert_msg(p.network.block, "booleans.yaml: True is true");
    ck_assert_msg(p.network.allow_localhost, "booleans.yaml: TRUE is true");
    ck_assert_msg(!p.network.allow_unix_sockets, "booleans.yaml: False is false");
    ck_assert_msg(!p.subprocess.block, "booleans.yaml: FALSE is false");
    ck_assert_msg(p.seal, "booleans.yaml: true is true");
    ck_assert_int_eq(p.trace, TRACE_OFF);
    policy_free(&p);

    load_ok(&search, VALID_DIR "/quoted-strings.yaml", &p);
    ck_assert_msg(has_rule(&p, "*.example.org"), "quoted-strings.yaml: network.allow lacks *.example.org");
    ck_assert_int_eq(p.kernel, KERNEL_OFF);
    ck_assert_int_eq(p.on_violation, ON_VIOLATION_EXIT);
    ck_assert_int_eq(p.trace, TRACE_ALL);
    policy_free(&p);

    load_ok(&search, VALID_DIR "/nulls.yaml", &p);
    ck_assert_msg(p.network.allow.len == 0, "nulls.yaml: a null list is empty");
    ck_assert_msg(p.filesystem.root == NULL, "nulls.yaml: a null root is no root");
    ck_assert_msg(p.filesystem.allow_write.len == 0, "nulls.yaml: an empty value is an empty list");
    ck_assert_msg(p.log_json == NULL, "nulls.yaml: a null log_json is none");
    policy_free(&p);

    load_ok(&search, VALID_DIR "/document-markers.yaml", &p);
    ck_assert_msg(p.seal, "document-markers.yaml: seal");
    policy_free(&p);

    load_ok(&search, VALID_DIR "/version-not-first.yaml", &p);
    ck_assert_msg(p.seal, "version-not-first.yaml: seal");
    policy_free(&p);

    profile_search_free(&search);
    free(dir);
}
END_TEST

START_TEST(test_valid_extends)
{
    char *dir = enter_valid_scratch();
    struct profile_search search;
    struct hermetic_policy p;

    search_of(&search, VALID_DIR, NULL);

    /* extends-base.yaml is applied first; the child's allow-list adds to it
     * and its kernel: off cannot weaken the base's auto. */
    load_ok(&search, VALID_DIR "/extends-child.yaml", &p);
    ck_assert_msg(p.network.block, "extends-child: network.block comes from the base");
    ck_assert_msg(p.network.allow_localhost, "extends-child: its own allow_localhost");
    ck_assert_msg(p.network.allow.len == 2, "extends-child: base.example once and child.example; got %zu rules",
                  p.network.allow.len);
    ck_assert_msg(has_rule(&p, "base.example"), "extends-child: rule from the base");
    ck_assert_msg(has_rule(&p, "child.example"), "extends-child: its own rule");
    ck_assert_int_eq(p.kernel, KERNEL_AUTO);
    policy_free(&p);

    load_ok(&search, VALID_DIR "/extends-scalar.yaml", &p);
    ck_assert_msg(p.network.block, "extends-scalar: a single name extends like a list of one");
    policy_free(&p);

    /* A profile reached twice through different branches is no cycle. */
    load_ok(&search, VALID_DIR "/diamond-top.yaml", &p);
    ck_assert_msg(p.network.block, "diamond-top: from diamond-bottom");
    ck_assert_msg(p.network.allow_localhost, "diamond-top: from diamond-left");
    ck_assert_msg(p.subprocess.block, "diamond-top: from diamond-right");
    policy_free(&p);

    /* By name: extends-child through the search path. */
    load_ok(&search, "extends-child", &p);
    ck_assert_msg(p.network.allow_localhost, "extends-child by name");
    policy_free(&p);

    load_ok(&search, "yml-extension", &p);
    ck_assert_msg(p.seal, "yml-extension found as NAME.yml");
    policy_free(&p);

    profile_search_free(&search);
    free(dir);
}
END_TEST

/* ----- profile_parse ----- */

START_TEST(test_parse_keeps_extends_unapplied)
{
    struct profile_doc doc;

    parse_ok("version: 1\ndescription: Test suites.\nextends: [net-hermetic, ./local.yaml]\nseal: true\n", &doc);
    ck_assert_msg(doc.description != NULL, "description should be set");
    ck_assert_str_eq(doc.description, "Test suites.");
    ck_assert_msg(doc.extends.len == 2, "extends has %zu entries, expected 2", doc.extends.len);
    ck_assert_str_eq(doc.extends.items[0], "net-hermetic");
    ck_assert_str_eq(doc.extends.items[1], "./local.yaml");
    ck_assert_msg(doc.policy.seal, "seal should be set");
    ck_assert_msg(!doc.policy.network.block, "net-hermetic is not applied by profile_parse");
    profile_doc_free(&doc);
}
END_TEST

START_TEST(test_parse_description_forms)
{
    struct profile_doc doc;

    parse_ok("version: 1\ndescription: 42\n", &doc);
    ck_assert_str_eq(doc.description, "42");
    profile_doc_free(&doc);
    parse_ok("version: 1\ndescription: >\n  Folded\n  text.\n", &doc);
    ck_assert_str_eq(doc.description, "Folded text.\n");
    profile_doc_free(&doc);
    parse_ok("version: 1\ndescription: \"tab\\there\"\n", &doc);
    ck_assert_str_eq(doc.description, "tab\there");
    profile_doc_free(&doc);
    parse_ok("version: 1\ndescription: ~\n", &doc);
    ck_assert_msg(doc.description == NULL, "a null description is none");
    profile_doc_free(&doc);
}
END_TEST

START_TEST(test_parse_error_frees_doc)
{
    struct profile_doc doc;
    struct hermetic_error err;
    const char *text = "version: 1\ndescription: set before the error\nextends: [a]\nnetwork: {block: maybe}\n";

    ck_assert_int_eq(profile_parse(text, strlen(text), "test.yaml", &doc, &err), -1);
    ck_assert_msg(doc.description == NULL, "a failed parse should leave no description");
    ck_assert_msg(doc.extends.len == 0, "a failed parse should leave no extends");
    ck_assert_msg(!doc.policy.network.block, "a failed parse should leave an empty policy");
}
END_TEST

START_TEST(test_parse_size_limit)
{
    size_t size = PROFILE_SIZE_MAX;
    char *text = xmalloc(size + 2);
    struct profile_doc doc;
    struct hermetic_error err = {0};
    char expected[128];

    /* version: 1, then a comment that fills the text up to the limit. */
    memset(text, '#', size + 1);
    memcpy(text, "version: 1\n", 11);
    text[size - 1] = '\n';
    text[size] = '\0';
    ck_assert_msg(profile_parse(text, size, "test.yaml", &doc, &err) == 0,
                  "a profile of exactly PROFILE_SIZE_MAX bytes should parse: %s", err.message);
    profile_doc_free(&doc);

    text[size] = '\n';
    text[size + 1] = '\0';
    ck_assert_int_eq(profile_parse(text, size + 1, "test.yaml", &doc, &err), -1);
    snprintf(expected, sizeof(expected), "test.yaml: profile is larger than %d bytes", PROFILE_SIZE_MAX);
    ck_assert_str_eq(err.message, expected);
    ck_assert_int_eq(err.status, HERMETIC_EXIT_PROFILE);
    free(text);
}
END_TEST

START_TEST(test_parse_long_string)
{
    char *text = xmalloc(PATH_MAX + 64);

    snprintf(text, PATH_MAX + 64, "version: 1\ndescription: %0*d\n", PATH_MAX, 0);
    ck_assert_str_eq(parse_fails(text), "test.yaml:2:14: description: invalid string (too long, or contains a NUL byte)");
    free(text);
}
END_TEST

START_TEST(test_parse_nul_byte_in_text)
{
    static const char text[] = "version: 1\nseal: true\0\n";
    struct profile_doc doc;
    struct hermetic_error err = {0};

    ck_assert_int_eq(profile_parse(text, sizeof(text) - 1, "test.yaml", &doc, &err), -1);
    ck_assert_str_eq(err.message, "test.yaml:2:11: invalid YAML: control characters are not allowed");
}
END_TEST

/* ----- files given to profile_load ----- */

START_TEST(test_load_oversized_file)
{
    char *dir = scratch_dir();
    char *path = xasprintf("%s/big.yaml", dir);
    char *text = xmalloc(PROFILE_SIZE_MAX + 2);
    char *expected = xasprintf("%s: profile is larger than %d bytes", path, PROFILE_SIZE_MAX);
    struct profile_search search;
    struct hermetic_policy p;

    search_of(&search, NULL, NULL);
    memset(text, '#', PROFILE_SIZE_MAX + 1);
    memcpy(text, "version: 1\n", 11);
    text[PROFILE_SIZE_MAX - 1] = '\n';
    text[PROFILE_SIZE_MAX] = '\0';
    scratch_write(path, text, 0644);
    load_ok(&search, path, &p);
    policy_free(&p);

    text[PROFILE_SIZE_MAX] = '\n';
    text[PROFILE_SIZE_MAX + 1] = '\0';
    scratch_write(path, text, 0644);
    ck_assert_str_eq(load_fails(&search, path), expected);
    free(dir), free(path), free(text), free(expected);
}
END_TEST

START_TEST(test_load_directory)
{
    char *dir = scratch_dir();
    char *profile_dir = scratch_subdir(dir, "dir.yaml");
    char *expected = xasprintf("cannot read profile %s: not a regular file", profile_dir);
    struct profile_search search;

    search_of(&search, dir, NULL);
    ck_assert_str_eq(load_fails(&search, profile_dir), expected);
    ck_assert_str_eq(load_fails(&search, "dir"), expected);
    free(dir), free(profile_dir), free(expected);
    profile_search_free(&search);
}
END_TEST

START_TEST(test_load_fifo)
{
    char *dir = scratch_dir();
    char *fifo = xasprintf("%s/fifo.yaml", dir);
    char *expected = xasprintf("cannot read profile %s: not a regular file", fifo);
    struct profile_search search;

    /* No process writes to the FIFO: a blocking open would hang here
     * until Check's timeout ends the test. */
    ck_assert_msg(mkfifo(fifo, 0644) == 0, "mkfifo %s: %s", fifo, strerror(errno));
    search_of(&search, dir, NULL);
    ck_assert_str_eq(load_fails(&search, fifo), expected);
    free(dir), free(fifo), free(expected);
    profile_search_free(&search);
}
END_TEST

START_TEST(test_load_unreadable_file)
{
    char *dir, *path, *expected;
    struct profile_search search;

    if (geteuid() == 0) {
        /* root reads a file whatever its mode, so there is nothing to test. */
        fprintf(stderr, "check_profile: skipped test_load_unreadable_file: running as root\n");
        return;
    }
    dir = scratch_dir();
    path = scratch_file(dir, "secret.yaml", "version: 1\n", 0000);
    expected = xasprintf("cannot read profile %s: Permission denied", path);
    search_of(&search, dir, NULL);
    ck_assert_str_eq(load_fails(&search, path), expected);
    profile_search_free(&search);
    free(dir), free(path), free(expected);
}
END_TEST

/* A file that opens and then fails to read: a read error is a profile
 * error too. This works as root, unlike a file without read permission. */
START_TEST(test_load_read_error)
{
    char *expected = xasprintf("cannot read profile /proc/%d/mem: Input/output error", (int)getpid());
    struct profile_search search;

    search_of(&search, NULL, NULL);
    ck_assert_str_eq(load_fails(&search, "/proc/self/mem"), expected);
    profile_search_free(&search);
    free(expected);
}
END_TEST

START_TEST(test_load_missing_file)
{
    struct profile_search search;

    search_of(&search, NULL, NULL);
    ck_assert_str_eq(load_fails(&search, "/nonexistent-hermetic-test.yaml"),
                     "profile file /nonexistent-hermetic-test.yaml: No such file or directory");
}
END_TEST

START_TEST(test_load_merges_into_existing)
{
    char *dir = scratch_dir();
    char *path = scratch_file(dir, "p.yaml", "version: 1\nnetwork: {block: true}\nkernel: off\n", 0644);
    struct profile_search search;
    struct hermetic_policy p;
    struct hermetic_error err = {0};

    search_of(&search, NULL, NULL);
    policy_init(&p);
    p.seal = true;
    p.kernel = KERNEL_REQUIRED;
    ck_assert_msg(profile_load(&search, path, &p, &err) == 0, "%s", err.message);
    ck_assert_msg(p.network.block, "the profile's network.block is merged in");
    ck_assert_msg(p.seal, "seal, set before, stays");
    ck_assert_int_eq(p.kernel, KERNEL_REQUIRED);
    policy_free(&p);
    free(dir), free(path);
}
END_TEST

/* ----- extends ----- */

/* Write DIR/link-NN.yaml for NN in 1..count, each extending the next. */
static void write_chain(const char *dir, int count)
{
    for (int i = 1; i <= count; i++) {
        char name[32];
        char *text;

        snprintf(name, sizeof(name), "link-%02d.yaml", i);
        if (i < count)
            text = xasprintf("version: 1\nextends: link-%02d.yaml\n", i + 1);
        else
            text = xstrdup("version: 1\nseal: true\n");
        free(scratch_file(dir, name, text, 0644));
        free(text);
    }
}

START_TEST(test_extends_depth_limit)
{
    char *within = scratch_dir();
    char *beyond = scratch_dir();
    char *first_within = xasprintf("%s/link-01.yaml", within);
    char *first_beyond = xasprintf("%s/link-01.yaml", beyond);
    char *expected = xasprintf("%s: extends chain deeper than %d profiles", first_beyond, PROFILE_DEPTH_MAX);
    struct profile_search search;
    struct hermetic_policy p;

    search_of(&search, NULL, NULL);
    write_chain(within, PROFILE_DEPTH_MAX);
    write_chain(beyond, PROFILE_DEPTH_MAX + 1);
    load_ok(&search, first_within, &p);
    ck_assert_msg(p.seal, "a chain of PROFILE_DEPTH_MAX profiles loads to its end");
    policy_free(&p);
    ck_assert_str_eq(load_fails(&search, first_beyond), expected);
    free(within), free(beyond), free(first_within), free(first_beyond), free(expected);
}
END_TEST

START_TEST(test_extends_cycle_through_symlink)
{
    char *dir = scratch_dir();
    char *a = scratch_file(dir, "a.yaml", "version: 1\nextends: [b.yaml]\n", 0644);
    char *b = scratch_file(dir, "b.yaml", "version: 1\nextends: [alias-of-a.yaml]\n", 0644);
    char *alias = scratch_symlink(dir, "alias-of-a.yaml", "a.yaml");
    char *expected = xasprintf("%s: extends cycle: %s extends %s again", a, b, a);
    struct profile_search search;

    search_of(&search, NULL, NULL);
    ck_assert_str_eq(load_fails(&search, a), expected);
    free(dir), free(a), free(b), free(alias), free(expected);
}
END_TEST

START_TEST(test_extends_relative_to_profile)
{
    char *dir = scratch_dir();
    char *elsewhere = scratch_subdir(dir, "elsewhere");
    char *profiles = scratch_subdir(dir, "profiles");
    char *shared = scratch_subdir(dir, "shared");
    char *top = scratch_file(profiles, "top.yaml", "version: 1\nextends: [../shared/base.yaml, sub/extra.yml]\n", 0644);
    char *sub = scratch_subdir(profiles, "sub");
    char *base = scratch_file(shared, "base.yaml",
                              "version: 1\nnetwork: {block: true}\nfilesystem: {readonly: true, allow_write: [./out]}\n",
                              0644);
    char *extra = scratch_file(sub, "extra.yml", "version: 1\nseal: true\n", 0644);
    char *out = xasprintf("%s/out", elsewhere);
    struct profile_search search;
    struct hermetic_policy p;

    /* extends resolves against the profile's directory, while paths inside
     * a profile resolve against the current directory. */
    scratch_chdir(elsewhere);
    search_of(&search, NULL, NULL);
    load_ok(&search, top, &p);
    ck_assert_msg(p.network.block, "../shared/base.yaml should be found beside profiles/");
    ck_assert_msg(p.seal, "sub/extra.yml should be found below profiles/");
    ck_assert_msg(p.filesystem.allow_write.len == 1, "allow_write has %zu entries", p.filesystem.allow_write.len);
    ck_assert_str_eq(p.filesystem.allow_write.items[0], out);
    policy_free(&p);

    /* The same profile given by a relative path from the current directory. */
    scratch_chdir(profiles);
    load_ok(&search, "top.yaml", &p);
    ck_assert_msg(p.network.block, "top.yaml relative to the current directory");
    policy_free(&p);
    free(dir), free(elsewhere), free(profiles), free(shared), free(top), free(sub), free(base), free(extra), free(out);
}
END_TEST

START_TEST(test_extends_name_from_file)
{
    char *dir = scratch_dir();
    char *named = scratch_subdir(dir, "named");
    char *local = scratch_file(dir, "local.yaml", "version: 1\nextends: offline\nseal: true\n", 0644);
    char *offline = scratch_file(named, "offline.yml", "version: 1\nnetwork: {block: true}\n", 0644);
    struct profile_search search;
    struct hermetic_policy p;

    search_of(&search, named, NULL);
    load_ok(&search, local, &p);
    ck_assert_msg(p.network.block, "a name in extends is looked up in the search path");
    ck_assert_msg(p.seal, "the file's own keys apply");
    policy_free(&p);
    free(dir), free(named), free(local), free(offline);
    profile_search_free(&search);
}
END_TEST

/* ----- $VAR, ${VAR:-default}, ~ and relative paths ----- */

START_TEST(test_path_expansion)
{
    char *dir = scratch_dir();
    char *home = scratch_subdir(dir, "home");
    char *tool = scratch_file(dir, "tool", "#!/bin/sh\n", 0755);
    char *a = xasprintf("%s/a", dir), *b = xasprintf("%s/b", dir), *d = xasprintf("%s/d", home);
    char *tmp = scratch_realpath("/tmp");
    char *c = xasprintf("%s/c", tmp);
    struct profile_doc doc;

    scratch_setenv("HERMETIC_TEST_DIR", dir);
    scratch_setenv("HERMETIC_TEST_TOOL", tool);
    scratch_setenv("HERMETIC_TEST_EMPTY", "");
    scratch_setenv("HOME", home);
    unsetenv("HERMETIC_TEST_UNSET");
    /* The last entry quotes ~ because a plain ~ is YAML null. */
    parse_ok("version: 1\n"
             "subprocess: {block: true, allow_exec: [$HERMETIC_TEST_TOOL]}\n"
             "filesystem:\n"
             "  readonly: true\n"
             "  root: ${HERMETIC_TEST_DIR}\n"
             "  allow_write:\n"
             "    - $HERMETIC_TEST_DIR/a\n"
             "    - ${HERMETIC_TEST_DIR}/b\n"
             "    - ${HERMETIC_TEST_UNSET:-/tmp}/c\n"
             "    - ${HERMETIC_TEST_EMPTY:-/tmp}/c\n"
             "    - ${HERMETIC_TEST_DIR:-/nonexistent}/a\n"
             "    - ~/d\n"
             "    - \"~\"\n",
             &doc);
    ck_assert_msg(doc.policy.subprocess.allow_exec.len == 1, "allow_exec: [$VAR] should give one program");
    ck_assert_str_eq(doc.policy.subprocess.allow_exec.items[0], tool);
    ck_assert_str_eq(doc.policy.filesystem.root, dir);
    ck_assert_msg(doc.policy.filesystem.allow_write.len == 5, "allow_write has %zu entries, expected 5",
                  doc.policy.filesystem.allow_write.len);
    ck_assert_str_eq(doc.policy.filesystem.allow_write.items[0], a);
    ck_assert_str_eq(doc.policy.filesystem.allow_write.items[1], b);
    ck_assert_str_eq(doc.policy.filesystem.allow_write.items[2], c);
    ck_assert_str_eq(doc.policy.filesystem.allow_write.items[3], d);
    ck_assert_str_eq(doc.policy.filesystem.allow_write.items[4], home);
    profile_doc_free(&doc);
    free(dir), free(home), free(tool), free(a), free(b), free(c), free(d), free(tmp);
}
END_TEST

START_TEST(test_path_expansion_errors)
{
    unsetenv("HERMETIC_TEST_UNSET");
    scratch_setenv("HERMETIC_TEST_EMPTY", "");
    ck_assert_str_eq(parse_fails("version: 1\nlog_json: $HERMETIC_TEST_UNSET/audit.jsonl\n"),
                     "test.yaml:2:11: log_json: $HERMETIC_TEST_UNSET in \"$HERMETIC_TEST_UNSET/audit.jsonl\" is not "
                     "set or empty (set it, or write ${HERMETIC_TEST_UNSET:-DEFAULT})");
    ck_assert_str_eq(parse_fails("version: 1\nfilesystem:\n  root: ${HERMETIC_TEST_EMPTY}\n"),
                     "test.yaml:3:9: filesystem.root: $HERMETIC_TEST_EMPTY in \"${HERMETIC_TEST_EMPTY}\" is not set or empty "
                     "(set it, or write ${HERMETIC_TEST_EMPTY:-DEFAULT})");
    ck_assert_str_eq(parse_fails("version: 1\nsubprocess:\n  allow_exec: [\"/usr/bin/$\"]\n"),
                     "test.yaml:3:16: subprocess.allow_exec: invalid variable reference in \"/usr/bin/$\" (expected "
                     "$NAME or ${NAME})");
}
END_TEST

START_TEST(test_relative_paths)
{
    char *dir = scratch_dir();
    char *sub = scratch_subdir(dir, "sub");
    char *build = xasprintf("%s/build", dir);
    char *audit = xasprintf("%s/audit.jsonl", dir);
    struct profile_doc doc;

    scratch_chdir(dir);
    parse_ok("version: 1\n"
             "filesystem:\n"
             "  readonly: true\n"
             "  root: .\n"
             "  allow_read: [sub, ./sub/, sub/../sub]\n"
             "  allow_write: [build, ./build, sub/../build, .//build]\n"
             "log_json: sub/../audit.jsonl\n",
             &doc);
    ck_assert_str_eq(doc.policy.filesystem.root, dir);
    ck_assert_msg(doc.policy.filesystem.allow_read.len == 1, "three spellings of sub are one path; got %zu",
                  doc.policy.filesystem.allow_read.len);
    ck_assert_str_eq(doc.policy.filesystem.allow_read.items[0], sub);
    ck_assert_msg(doc.policy.filesystem.allow_write.len == 1, "four spellings of build are one path; got %zu",
                  doc.policy.filesystem.allow_write.len);
    ck_assert_str_eq(doc.policy.filesystem.allow_write.items[0], build);
    ck_assert_msg(doc.policy.log_json != NULL, "log_json should be set");
    ck_assert_str_eq(doc.policy.log_json, audit);
    profile_doc_free(&doc);
    free(dir), free(sub), free(build), free(audit);
}
END_TEST

/* ----- the search path ----- */

START_TEST(test_search_init_order)
{
    static const char *const data_dirs[] = {"/data/one", "/data/two", NULL};
    static const char *const expected[] = {"/p/one", "/p/two", "/xdg/hermetic/profiles", "/etc/hermetic/profiles",
                                           "/data/one", "/data/two"};
    struct profile_search search;

    scratch_setenv("HERMETIC_PROFILE_PATH", "/p/one::/p/two:/p/one:");
    scratch_setenv("XDG_CONFIG_HOME", "/xdg");
    scratch_setenv("HOME", "/home/user");
    profile_search_init(&search, data_dirs);
    ck_assert_msg(search.dirs.len == 6, "expected 6 directories, got %zu", search.dirs.len);
    for (size_t i = 0; i < 6; i++)
        ck_assert_msg(strcmp(search.dirs.items[i], expected[i]) == 0, "directory %zu is %s, expected %s", i,
                      search.dirs.items[i], expected[i]);
    profile_search_free(&search);
}
END_TEST

START_TEST(test_search_init_home_fallback)
{
    struct profile_search search;

    unsetenv("HERMETIC_PROFILE_PATH");
    scratch_setenv("XDG_CONFIG_HOME", "relative/xdg");   /* not absolute: ignored, as the XDG spec says */
    scratch_setenv("HOME", "/home/user");
    profile_search_init(&search, NULL);
    ck_assert_msg(search.dirs.len == 2, "expected 2 directories, got %zu", search.dirs.len);
    ck_assert_str_eq(search.dirs.items[0], "/home/user/.config/hermetic/profiles");
    ck_assert_str_eq(search.dirs.items[1], "/etc/hermetic/profiles");
    profile_search_free(&search);

    unsetenv("XDG_CONFIG_HOME");
    unsetenv("HOME");
    profile_search_init(&search, NULL);
    ck_assert_msg(search.dirs.len == 1, "without HOME only /etc is left; got %zu", search.dirs.len);
    ck_assert_str_eq(search.dirs.items[0], "/etc/hermetic/profiles");
    profile_search_free(&search);
}
END_TEST

START_TEST(test_find_by_name)
{
    char *first = scratch_dir();
    char *second = scratch_dir();
    char *net = scratch_file(second, "net.yaml", "version: 1\n", 0644);
    char *other = scratch_file(first, "other.yml", "version: 1\n", 0644);
    char *both_yaml = scratch_file(first, "both.yaml", "version: 1\n", 0644);
    char *both_yml = scratch_file(first, "both.yml", "version: 1\n", 0644);
    char *early_yml = scratch_file(first, "early.yml", "version: 1\n", 0644);
    char *late_yaml = scratch_file(second, "early.yaml", "version: 1\n", 0644);
    char *link = scratch_symlink(first, "alias.yaml", net);
    struct profile_search search;
    struct hermetic_error err;
    char *found;

    search_of(&search, first, second);
    found = profile_find(&search, "net", NULL, &err);
    ck_assert_msg(found != NULL, "net: %s", err.message);
    ck_assert_str_eq(found, net);
    free(found);
    found = profile_find(&search, "other", NULL, &err);
    ck_assert_msg(found != NULL, "other: %s", err.message);
    ck_assert_str_eq(found, other);
    free(found);
    found = profile_find(&search, "both", NULL, &err);
    ck_assert_msg(found != NULL, "both: %s", err.message);
    ck_assert_msg(strcmp(found, both_yaml) == 0, "both: NAME.yaml comes before NAME.yml, got %s", found);
    free(found);
    found = profile_find(&search, "early", NULL, &err);
    ck_assert_msg(found != NULL, "early: %s", err.message);
    ck_assert_msg(strcmp(found, early_yml) == 0, "early: an earlier directory wins over .yaml, got %s", found);
    free(found);
    found = profile_find(&search, "alias", NULL, &err);
    ck_assert_msg(found != NULL, "alias: %s", err.message);
    ck_assert_msg(strcmp(found, net) == 0, "alias: profile_find returns the real path, got %s", found);
    free(found);
    free(first), free(second), free(net), free(other), free(both_yaml), free(both_yml), free(early_yml),
        free(late_yaml), free(link);
    profile_search_free(&search);
}
END_TEST

START_TEST(test_find_through_environment)
{
    char *first = scratch_dir();
    char *second = scratch_dir();
    char *path_value = xasprintf("%s:%s", first, second);
    char *profile = scratch_file(second, "ci.yaml", "version: 1\nnetwork: {block: true}\n", 0644);
    struct profile_search search;
    struct hermetic_policy p;
    struct hermetic_error err;
    char *found;

    scratch_setenv("HERMETIC_PROFILE_PATH", path_value);
    scratch_setenv("XDG_CONFIG_HOME", first);
    profile_search_init(&search, NULL);
    found = profile_find(&search, "ci", NULL, &err);
    ck_assert_msg(found != NULL, "ci through HERMETIC_PROFILE_PATH: %s", err.message);
    ck_assert_str_eq(found, profile);
    free(found);
    load_ok(&search, "ci", &p);
    ck_assert_msg(p.network.block, "ci.yaml should be applied");
    policy_free(&p);
    profile_search_free(&search);
    free(first), free(second), free(path_value), free(profile);
}
END_TEST

START_TEST(test_find_path_forms)
{
    char *dir = scratch_dir();
    char *named = scratch_dir();
    char *sub = scratch_subdir(dir, "sub");
    char *in_dir = scratch_file(dir, "local.yaml", "version: 1\n", 0644);
    char *in_named = scratch_file(named, "local.yaml", "version: 1\n", 0644);
    char *no_suffix = scratch_file(sub, "plain", "version: 1\n", 0644);
    char *in_sub = scratch_file(sub, "p.yml", "version: 1\n", 0644);
    struct profile_search search;
    struct hermetic_error err;
    char *found;

    search_of(&search, named, NULL);
    scratch_chdir(dir);
    /* A value ending in .yaml is a file, never a name to search for. */
    found = profile_find(&search, "local.yaml", NULL, &err);
    ck_assert_msg(found != NULL, "local.yaml: %s", err.message);
    ck_assert_str_eq(found, in_dir);
    free(found);
    /* A value with a slash is a file even without a suffix. */
    found = profile_find(&search, "sub/plain", NULL, &err);
    ck_assert_msg(found != NULL, "sub/plain: %s", err.message);
    ck_assert_str_eq(found, no_suffix);
    free(found);
    /* base_dir replaces the current directory for relative files. */
    found = profile_find(&search, "p.yml", sub, &err);
    ck_assert_msg(found != NULL, "p.yml in base_dir: %s", err.message);
    ck_assert_str_eq(found, in_sub);
    free(found);
    found = profile_find(&search, in_named, sub, &err);
    ck_assert_msg(found != NULL, "an absolute path ignores base_dir: %s", err.message);
    ck_assert_str_eq(found, in_named);
    free(found);
    free(dir), free(named), free(sub), free(in_dir), free(in_named), free(no_suffix), free(in_sub);
    profile_search_free(&search);
}
END_TEST

START_TEST(test_find_not_found)
{
    char *first = scratch_dir();
    char *second = scratch_dir();
    char *expected = xasprintf("profile \"nope\" not found (searched %s:%s; see hermetic --list-profiles)", first,
                               second);
    struct profile_search search;
    struct hermetic_error err = {0};

    search_of(&search, first, second);
    ck_assert_msg(profile_find(&search, "nope", NULL, &err) == NULL, "nope should not be found");
    ck_assert_int_eq(err.status, HERMETIC_EXIT_PROFILE);
    ck_assert_str_eq(err.message, expected);
    ck_assert_msg(profile_find(&search, "nope.yaml", first, &err) == NULL, "nope.yaml should not be found");
    free(first), free(second), free(expected);
    profile_search_free(&search);
}
END_TEST

/* ----- profile_list ----- */

static const struct profile_entry *entry_at(const struct profile_entry *entries, size_t count, size_t i)
{
    ck_assert_msg(i < count, "expected at least %zu entries, got %zu", i + 1, count);
    return &entries[i];
}

START_TEST(test_list_shadowing)
{
    char *first = scratch_dir();
    char *second = scratch_dir();
    struct profile_search search;
    struct profile_entry *entries;
    const struct profile_entry *e;
    size_t count;

    free(scratch_file(first, "zeta.yaml", "version: 1\ndescription: Zeta in the first directory.\n", 0644));
    free(scratch_file(first, "alpha.yml", "version: 1\n", 0644));
    free(scratch_file(first, "broken.yaml", "version: 2\n", 0644));
    free(scratch_file(first, ".hidden.yaml", "version: 1\n", 0644));
    free(scratch_file(first, "notes.txt", "not a profile\n", 0644));
    free(scratch_file(second, "zeta.yaml", "version: 1\ndescription: Zeta in the second directory.\n", 0644));
    free(scratch_file(second, "beta.yaml", "version: 1\ndescription: Beta.\n", 0644));

    search_of(&search, first, second);
    count = profile_list(&search, &entries);
    ck_assert_msg(count == 5, "expected 5 profiles (no hidden file, no .txt), got %zu", count);

    e = entry_at(entries, count, 0);
    ck_assert_str_eq(e->name, "alpha");
    ck_assert_msg(e->description != NULL, "alpha loads, so it has a description");
    ck_assert_str_eq(e->description, "");
    ck_assert_msg(e->problem == NULL, "alpha loads without a problem");
    ck_assert_msg(!e->shadowed, "alpha is not shadowed");

    e = entry_at(entries, count, 1);
    ck_assert_str_eq(e->name, "broken");
    ck_assert_msg(e->description == NULL, "broken does not load, so it has no description");
    ck_assert_msg(e->problem != NULL, "broken should say why it does not load");
    ck_assert_msg(strstr(e->problem, "unsupported profile version 2") != NULL, "broken: problem is %s",
                  e->problem);

    e = entry_at(entries, count, 2);
    ck_assert_str_eq(e->name, "zeta");
    ck_assert_str_eq(e->description, "Zeta in the first directory.");
    ck_assert_msg(!e->shadowed, "the first zeta is the one used");

    e = entry_at(entries, count, 3);
    ck_assert_str_eq(e->name, "beta");
    ck_assert_msg(!e->shadowed, "beta is not shadowed");

    e = entry_at(entries, count, 4);
    ck_assert_str_eq(e->name, "zeta");
    ck_assert_str_eq(e->description, "Zeta in the second directory.");
    ck_assert_msg(e->shadowed, "the second zeta is shadowed by the first");
    ck_assert_msg(has_suffix(e->file, "/zeta.yaml") && strncmp(e->file, second, strlen(second)) == 0,
                  "the second zeta's file is %s", e->file);

    profile_list_free(entries, count);
    free(first), free(second);
    profile_search_free(&search);
}
END_TEST

START_TEST(test_list_broken_extends)
{
    char *dir = scratch_dir();
    struct profile_search search;
    struct profile_entry *entries;
    size_t count;

    free(scratch_file(dir, "base.yaml", "version: 1\ndescription: Base.\n", 0644));
    free(scratch_file(dir, "child.yaml", "version: 1\ndescription: Child.\nextends: [base]\n", 0644));
    free(scratch_file(dir, "orphan.yaml", "version: 1\ndescription: Orphan.\nextends: [missing]\n", 0644));
    search_of(&search, dir, NULL);
    count = profile_list(&search, &entries);
    ck_assert_msg(count == 3, "expected 3 profiles, got %zu", count);
    ck_assert_str_eq(entries[1].name, "child");
    ck_assert_msg(entries[1].problem == NULL, "child extends a profile that loads: %s", entries[1].problem);
    ck_assert_str_eq(entries[1].description, "Child.");
    ck_assert_str_eq(entries[2].name, "orphan");
    ck_assert_msg(entries[2].problem != NULL && strstr(entries[2].problem, "orphan.yaml:3:11: extends: profile "
                                                                     "\"missing\" not found") != NULL,
                  "orphan lists why it does not load, got %s", entries[2].problem);
    ck_assert_msg(entries[2].description == NULL, "orphan does not load, so it has no description");
    profile_list_free(entries, count);
    profile_search_free(&search);
    free(dir);
}
END_TEST

START_TEST(test_list_yaml_shadows_yml)
{
    char *dir = scratch_dir();
    struct profile_search search;
    struct profile_entry *entries;
    size_t count;

    free(scratch_file(dir, "dup.yml", "version: 1\ndescription: The .yml one.\n", 0644));
    free(scratch_file(dir, "dup.yaml", "version: 1\ndescription: The .yaml one.\n", 0644));
    search_of(&search, dir, NULL);
    count = profile_list(&search, &entries);
    ck_assert_msg(count == 2, "expected dup.yaml and dup.yml, got %zu entries", count);
    ck_assert_msg(has_suffix(entries[0].file, "/dup.yaml"), "dup.yaml is listed first, as profile_find prefers it");
    ck_assert_msg(!entries[0].shadowed, "dup.yaml is the profile used");
    ck_assert_msg(has_suffix(entries[1].file, "/dup.yml"), "dup.yml is listed second");
    ck_assert_msg(entries[1].shadowed, "dup.yml is shadowed by dup.yaml in the same directory");
    profile_list_free(entries, count);
    free(dir);
    profile_search_free(&search);
}
END_TEST

START_TEST(test_list_missing_directories)
{
    struct profile_search search;
    struct profile_entry *entries = NULL;
    size_t count;

    search_of(&search, "/nonexistent-hermetic-test/one", "/nonexistent-hermetic-test/two");
    count = profile_list(&search, &entries);
    ck_assert_msg(count == 0, "missing directories list nothing; got %zu", count);
    profile_list_free(entries, count);
    profile_search_free(&search);
}
END_TEST

/* ----- the shipped profiles ----- */

static const char *const SHIPPED_NAMES[] = {"block-all", "block-native", "default", "exec-deny",
                                            "fs-readonly", "net-hermetic", "packaging", "test"};

START_TEST(test_shipped_profiles_load)
{
    char *dir = scratch_dir();
    struct profile_search search;
    struct profile_entry *entries;
    size_t count;

    scratch_chdir(dir);
    search_of(&search, SHIPPED_DIR, NULL);
    count = profile_list(&search, &entries);
    ck_assert_msg(count == sizeof(SHIPPED_NAMES) / sizeof(SHIPPED_NAMES[0]),
                  "profiles/ has %zu profiles; this test knows %zu", count,
                  sizeof(SHIPPED_NAMES) / sizeof(SHIPPED_NAMES[0]));
    for (size_t i = 0; i < count; i++) {
        struct hermetic_policy p;

        ck_assert_msg(entries[i].problem == NULL, "profiles/%s: %s", entries[i].name, entries[i].problem);
        ck_assert_msg(entries[i].description != NULL && entries[i].description[0] != '\0',
                      "profiles/%s has no description", entries[i].name);
        ck_assert_str_eq(entries[i].name, SHIPPED_NAMES[i]);
        load_ok(&search, entries[i].name, &p);
        policy_free(&p);
        load_ok(&search, entries[i].file, &p);
        policy_free(&p);
    }
    profile_list_free(entries, count);
    free(dir);
    profile_search_free(&search);
}
END_TEST

START_TEST(test_shipped_profile_contents)
{
    char *dir = scratch_dir();
    char *build = xasprintf("%s/build", dir), *dist = xasprintf("%s/dist", dir);
    char *tmp = scratch_realpath("/tmp");
    struct profile_search search;
    struct hermetic_policy p;

    scratch_chdir(dir);
    unsetenv("TMPDIR");
    search_of(&search, SHIPPED_DIR, NULL);

    load_ok(&search, "block-all", &p);
    ck_assert_msg(p.network.block && p.subprocess.block && p.filesystem.readonly && p.native.block,
                  "block-all blocks network, subprocess, filesystem writes and native code");
    ck_assert_int_eq(p.kernel, KERNEL_AUTO);
    ck_assert_msg(p.network.allow.len == 0 && !p.network.allow_localhost, "block-all allows no network");
    policy_free(&p);

    load_ok(&search, "net-hermetic", &p);
    ck_assert_msg(p.network.block, "net-hermetic blocks the network");
    ck_assert_msg(p.network.allow_localhost, "net-hermetic allows loopback");
    ck_assert_msg(!p.subprocess.block, "net-hermetic leaves subprocesses alone");
    policy_free(&p);

    load_ok(&search, "test", &p);
    ck_assert_msg(p.network.block && p.network.allow_localhost && p.network.allow_unix_sockets,
                  "test allows loopback and unix sockets only");
    policy_free(&p);

    load_ok(&search, "default", &p);
    ck_assert_msg(p.network.block && p.subprocess.block && p.native.block,
                  "default blocks network, subprocess and native code");
    ck_assert_msg(!p.filesystem.readonly, "default leaves the filesystem writable");
    policy_free(&p);

    load_ok(&search, "exec-deny", &p);
    ck_assert_msg(p.subprocess.block && !p.network.block, "exec-deny blocks subprocesses only");
    policy_free(&p);

    load_ok(&search, "fs-readonly", &p);
    ck_assert_msg(p.filesystem.readonly && p.filesystem.root == NULL, "fs-readonly blocks writes, not reads");
    policy_free(&p);

    load_ok(&search, "block-native", &p);
    ck_assert_msg(p.native.block && !p.network.block, "block-native blocks native code only");
    policy_free(&p);

    load_ok(&search, "packaging", &p);
    ck_assert_msg(p.network.block && p.subprocess.block && p.filesystem.readonly,
                  "packaging blocks network, subprocesses and writes");
    ck_assert_msg(p.filesystem.allow_write.len == 6, "packaging allows 6 write paths, got %zu",
                  p.filesystem.allow_write.len);
    ck_assert_str_eq(p.filesystem.allow_write.items[0], build);
    ck_assert_str_eq(p.filesystem.allow_write.items[1], dist);
    ck_assert_msg(strcmp(strrchr(p.filesystem.allow_write.items[2], '/'), "/*.egg-info") == 0,
                  "packaging allows *.egg-info, got %s", p.filesystem.allow_write.items[2]);
    ck_assert_msg(has_suffix(p.filesystem.allow_write.items[3], "/*/*.egg-info"),
                  "packaging allows */*.egg-info (a src layout), got %s", p.filesystem.allow_write.items[3]);
    ck_assert_msg(has_suffix(p.filesystem.allow_write.items[4], "/*-[0-9]*"),
                  "packaging allows NAME-VERSION (an sdist being assembled), got %s",
                  p.filesystem.allow_write.items[4]);
    ck_assert_str_eq(p.filesystem.allow_write.items[5], tmp);
    policy_free(&p);

    free(dir), free(build), free(dist), free(tmp);
    profile_search_free(&search);
}
END_TEST

/* ----- suite ----- */

static bool is_invalid_fixture(const char *name)
{
    return is_profile_name(name);
}

Suite *suite_profile(void)
{
    Suite *suite = suite_create("profile");
    TCase *fixtures = tcase_create("fixtures");
    TCase *parse = tcase_create("parse");
    TCase *files = tcase_create("files");
    TCase *search = tcase_create("search");
    TCase *shipped = tcase_create("shipped");

    invalid_count = list_names(INVALID_DIR, is_invalid_fixture, &invalid_fixtures);
    valid_count = list_names(VALID_DIR, is_profile_name, &valid_fixtures);

    scratch_add_fixture(fixtures);
    tcase_add_loop_test(fixtures, test_invalid_fixture, 0, (int)invalid_count);
    tcase_add_test(fixtures, test_invalid_fixtures_paired);
    tcase_add_loop_test(fixtures, test_valid_fixture, 0, (int)valid_count);
    tcase_add_test(fixtures, test_valid_full);
    tcase_add_test(fixtures, test_valid_styles);
    tcase_add_test(fixtures, test_valid_extends);
    suite_add_tcase(suite, fixtures);

    scratch_add_fixture(parse);
    tcase_add_test(parse, test_parse_keeps_extends_unapplied);
    tcase_add_test(parse, test_parse_description_forms);
    tcase_add_test(parse, test_parse_error_frees_doc);
    tcase_add_test(parse, test_parse_size_limit);
    tcase_add_test(parse, test_parse_long_string);
    tcase_add_test(parse, test_parse_nul_byte_in_text);
    tcase_add_test(parse, test_path_expansion);
    tcase_add_test(parse, test_path_expansion_errors);
    tcase_add_test(parse, test_relative_paths);
    suite_add_tcase(suite, parse);

    scratch_add_fixture(files);
    tcase_add_test(files, test_load_oversized_file);
    tcase_add_test(files, test_load_directory);
    tcase_add_test(files, test_load_fifo);
    tcase_add_test(files, test_load_unreadable_file);
    tcase_add_test(files, test_load_read_error);
    tcase_add_test(files, test_load_missing_file);
    tcase_add_test(files, test_load_merges_into_existing);
    tcase_add_test(files, test_extends_depth_limit);
    tcase_add_test(files, test_extends_cycle_through_symlink);
    tcase_add_test(files, test_extends_relative_to_profile);
    tcase_add_test(files, test_extends_name_from_file);
    suite_add_tcase(suite, files);

    scratch_add_fixture(search);
    tcase_add_test(search, test_search_init_order);
    tcase_add_test(search, test_search_init_home_fallback);
    tcase_add_test(search, test_find_by_name);
    tcase_add_test(search, test_find_through_environment);
    tcase_add_test(search, test_find_path_forms);
    tcase_add_test(search, test_find_not_found);
    tcase_add_test(search, test_list_shadowing);
    tcase_add_test(search, test_list_yaml_shadows_yml);
    tcase_add_test(search, test_list_broken_extends);
    tcase_add_test(search, test_list_missing_directories);
    suite_add_tcase(suite, search);

    scratch_add_fixture(shipped);
    tcase_add_test(shipped, test_shipped_profiles_load);
    tcase_add_test(shipped, test_shipped_profile_contents);
    suite_add_tcase(suite, shipped);
    return suite;
}
