/* The cache of allowed reads: found only with the same text and the same
 * follow_last, forgotten on invalidate, never used again after stop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fscache.h"
#include "fspolicy.h"
#include "policy.h"
#include "unit.h"

static bool contains(const struct fscache *cache, const char *path, bool follow_last)
{
    return fscache_contains(cache, path, strlen(path), follow_last);
}

static void add(struct fscache *cache, const char *path, bool follow_last)
{
    fscache_add(cache, path, strlen(path), follow_last);
}

START_TEST(test_empty_contains_nothing)
{
    static struct fscache cache;

    ck_assert_msg(!contains(&cache, "/", true), "an empty cache holds /");
    ck_assert_msg(!contains(&cache, "", false), "an empty cache holds the empty path");
}
END_TEST

START_TEST(test_exact_text_only)
{
    static struct fscache cache;

    add(&cache, "/srv/data/file.txt", true);
    ck_assert_msg(contains(&cache, "/srv/data/file.txt", true), "the added path is found");
    ck_assert_msg(!contains(&cache, "/srv/data/file.txt", false), "found with the other follow_last");
    ck_assert_msg(!contains(&cache, "/srv/data/file.tx", true), "a prefix is found");
    ck_assert_msg(!contains(&cache, "/srv/data/file.txt/", true), "a longer path is found");
    ck_assert_msg(!contains(&cache, "/srv//data/file.txt", true), "another spelling is found");
    ck_assert_msg(!contains(&cache, "/srv/data/FILE.txt", true), "a different case is found");
    ck_assert_msg(fscache_contains(&cache, "/srv/data/file.txt and more", 18, true),
                  "a length-delimited path is not found");
    fscache_free(&cache);
}
END_TEST

START_TEST(test_invalidate_forgets)
{
    static struct fscache cache;

    add(&cache, "/srv/a", true);
    add(&cache, "/srv/b", false);
    fscache_invalidate(&cache);
    ck_assert_msg(!contains(&cache, "/srv/a", true), "/srv/a found after invalidate");
    ck_assert_msg(!contains(&cache, "/srv/b", false), "/srv/b found after invalidate");
    add(&cache, "/srv/a", true);
    ck_assert_msg(contains(&cache, "/srv/a", true), "a path added after invalidate is not found");
    fscache_free(&cache);
}
END_TEST

START_TEST(test_stop_is_final)
{
    static struct fscache cache;

    add(&cache, "/srv/a", true);
    fscache_stop(&cache);
    ck_assert_msg(!contains(&cache, "/srv/a", true), "a path added before stop is found");
    add(&cache, "/srv/c", true);
    ck_assert_msg(!contains(&cache, "/srv/c", true), "a path added after stop is found");
    fscache_invalidate(&cache);
    add(&cache, "/srv/c", true);
    ck_assert_msg(!contains(&cache, "/srv/c", true), "invalidate restarted a stopped cache");
    fscache_free(&cache);
}
END_TEST

START_TEST(test_many_paths_collide_safely)
{
    static struct fscache cache;
    char path[64];
    int found = 0;

    /* Four times as many paths as slots: later ones evict earlier ones,
     * and no lookup ever returns a path that was not added. */
    for (int i = 0; i < 4 * FSCACHE_SLOTS; i++) {
        snprintf(path, sizeof(path), "/srv/file-%d", i);
        add(&cache, path, true);
    }
    for (int i = 0; i < 4 * FSCACHE_SLOTS; i++) {
        snprintf(path, sizeof(path), "/srv/file-%d", i);
        found += contains(&cache, path, true);
        snprintf(path, sizeof(path), "/srv/other-%d", i);
        ck_assert_msg(!contains(&cache, path, true), "%s found but never added", path);
    }
    ck_assert_msg(found > 0 && found <= FSCACHE_SLOTS, "%d paths found, expected 1 to %d", found, FSCACHE_SLOTS);
    snprintf(path, sizeof(path), "/srv/file-%d", 4 * FSCACHE_SLOTS - 1);
    ck_assert_msg(contains(&cache, path, true), "the last path added is not found");
    fscache_free(&cache);
}
END_TEST

static bool cacheable(bool readonly, const char *allow_write, const char *path)
{
    struct hermetic_policy policy;
    struct fspolicy_view view = {&policy, NULL, NULL, NULL};
    bool result;

    policy_init(&policy);
    policy.filesystem.readonly = readonly;
    if (allow_write != NULL)
        strlist_add(&policy.filesystem.allow_write, allow_write);
    result = fspolicy_cacheable(&view, path);
    policy_free(&policy);
    return result;
}

START_TEST(test_cacheable_paths)
{
    ck_assert_msg(cacheable(true, NULL, "/srv/data/file"), "a plain absolute path");
    ck_assert_msg(!cacheable(false, NULL, "/srv/data/file"), "writes allowed everywhere");
    ck_assert_msg(!cacheable(true, NULL, "srv/data/file"), "a relative path");
    ck_assert_msg(!cacheable(true, NULL, "/srv/../etc/file"), "a path with ..");
    ck_assert_msg(!cacheable(true, NULL, "/srv/data/.."), "a path ending in ..");
    ck_assert_msg(cacheable(true, NULL, "/srv/data/..file"), "a name starting with ..");
    ck_assert_msg(!cacheable(true, "/srv", "/srv/data/file"), "below an --allow-write path");
    ck_assert_msg(!cacheable(true, "/srv/data", "/srv/data"), "an --allow-write path itself");
    ck_assert_msg(cacheable(true, "/srv/data", "/srv/database"), "a sibling sharing a prefix");
    ck_assert_msg(!cacheable(true, "/srv/*.egg-info", "/srv/x.egg-info/PKG-INFO"), "below a glob match");
    ck_assert_msg(cacheable(true, "/srv/*.egg-info", "/srv/setup.py"), "beside a glob");
}
END_TEST

Suite *suite_fscache(void)
{
    Suite *suite = suite_create("fscache");
    TCase *tc = tcase_create("cache");

    tcase_add_test(tc, test_empty_contains_nothing);
    tcase_add_test(tc, test_exact_text_only);
    tcase_add_test(tc, test_invalidate_forgets);
    tcase_add_test(tc, test_stop_is_final);
    tcase_add_test(tc, test_many_paths_collide_safely);
    tcase_add_test(tc, test_cacheable_paths);
    suite_add_tcase(suite, tc);
    return suite;
}
