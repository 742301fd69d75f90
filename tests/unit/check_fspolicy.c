/* Filesystem decisions: path resolution as the kernel would walk it,
 * write and read decisions under --fs-readonly and a read root, the
 * write test for open() modes and flags, and what an SQLite database
 * name opens. Paths are made in a scratch directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fspolicy.h"
#include "scratch.h"
#include "unit.h"

/* ----- helpers ----- */

static void expect_resolve(const char *path, const char *base, bool follow_last, const char *expected)
{
    char *got = fspolicy_resolve(path, base, follow_last);

    ck_assert_msg(got != NULL, "\"%s\" (base %s, %s) should resolve: %s", path, base ? base : "cwd",
                  follow_last ? "following" : "not following", strerror(errno));
    ck_assert_msg(strcmp(got, expected) == 0, "\"%s\" (base %s, %s) resolves to \"%s\", expected \"%s\"", path,
                  base ? base : "cwd", follow_last ? "following" : "not following", got, expected);
    free(got);
}

static void expect_resolve_fails(const char *path, const char *base, bool follow_last, int expected_errno)
{
    char *got;

    errno = 0;
    got = fspolicy_resolve(path, base, follow_last);
    ck_assert_msg(got == NULL, "\"%s\" (%s) should not resolve, got \"%s\"", path,
                  follow_last ? "following" : "not following", got);
    ck_assert_msg(errno == expected_errno, "\"%s\" (%s): errno %d (%s), expected %d (%s)", path,
                  follow_last ? "following" : "not following", errno, strerror(errno), expected_errno,
                  strerror(expected_errno));
}

/* A policy and the lists of a view, kept together so the view's pointers
 * stay valid. Call view_setup before use, and do not move it afterwards. */
struct view_fixture {
    struct hermetic_policy policy;
    struct strlist trusted, readable, devices;
    struct fspolicy_view view;
};

/* The fixture of the test that runs: static, so that view_teardown can
 * free it after the test function has returned. */
static struct view_fixture fixture;

static void view_free(struct view_fixture *f)
{
    policy_free(&f->policy);
    strlist_free(&f->trusted);
    strlist_free(&f->readable);
    strlist_free(&f->devices);
}

/* A checked teardown: runs in the test's process after the test. */
static void view_teardown(void)
{
    view_free(&fixture);
}

/* Start `f` afresh, freeing what an earlier view_setup left in it. */
static void view_setup(struct view_fixture *f)
{
    view_free(f);
    memset(f, 0, sizeof(*f));
    policy_init(&f->policy);
    f->view.policy = &f->policy;
    f->view.trusted = &f->trusted;
    f->view.readable = &f->readable;
    f->view.devices = &f->devices;
}


static void set_root(struct view_fixture *f, const char *root)
{
    free(f->policy.filesystem.root);
    f->policy.filesystem.root = xstrdup(root);
    f->policy.filesystem.readonly = true;
}

static const char *access_name(enum fs_access access)
{
    return access == FS_WRITE ? "write" : "read";
}

/*
 * Require fspolicy_allows to return `expected` for `path`, and the path it
 * reports to be `expected_resolved` (NULL: no path reported, because the
 * guard was off for this access).
 */
static void expect_decision(const struct fspolicy_view *view, const char *path, const char *base,
                            enum fs_access access, bool follow_last, bool expected, const char *expected_resolved)
{
    char *resolved = NULL;
    bool allowed = fspolicy_allows(view, path, base, access, follow_last, &resolved);
    const char *follow_text = follow_last ? "following" : "not following";

    ck_assert_msg(allowed == expected, "%s \"%s\" (%s) is %s, expected %s", access_name(access), path, follow_text,
                  allowed ? "allowed" : "denied", expected ? "allowed" : "denied");
    if (expected_resolved == NULL) {
        ck_assert_msg(resolved == NULL, "%s \"%s\" (%s) reports \"%s\", expected no path", access_name(access),
                      path, follow_text, resolved);
    } else {
        ck_assert_msg(resolved != NULL, "%s \"%s\" (%s) reports no path, expected \"%s\"", access_name(access),
                      path, follow_text, expected_resolved);
        ck_assert_msg(strcmp(resolved, expected_resolved) == 0, "%s \"%s\" (%s) reports \"%s\", expected \"%s\"",
                      access_name(access), path, follow_text, resolved, expected_resolved);
    }
    free(resolved);
}

/* ----- fspolicy_resolve ----- */

START_TEST(test_resolve_plain_paths)
{
    char *dir = scratch_dir();
    char *sub = scratch_subdir(dir, "sub");
    char *file = scratch_file(sub, "file", "x", 0644);
    char *missing = scratch_path("%s/missing", sub);

    for (int follow = 0; follow <= 1; follow++) {
        expect_resolve(file, NULL, follow, file);
        expect_resolve(sub, NULL, follow, sub);
        expect_resolve(missing, NULL, follow, missing);
        expect_resolve("/", NULL, follow, "/");
        expect_resolve("/usr", NULL, follow, "/usr");
    }
}
END_TEST

START_TEST(test_resolve_relative_to_base)
{
    char *dir = scratch_dir();
    char *sub = scratch_subdir(dir, "sub");
    char *file = scratch_file(sub, "file", "x", 0644);
    char *missing = scratch_path("%s/new", sub);

    expect_resolve("sub/file", dir, true, file);
    expect_resolve("file", sub, true, file);
    expect_resolve("new", sub, false, missing);
    expect_resolve("./file", sub, true, file);
    expect_resolve(file, "/nonexistent", true, file);   /* an absolute path ignores the base */
}
END_TEST

START_TEST(test_resolve_relative_to_cwd)
{
    char *dir = scratch_dir();
    char *sub = scratch_subdir(dir, "sub");
    char *file = scratch_file(sub, "file", "x", 0644);

    scratch_chdir(dir);
    expect_resolve("sub/file", NULL, true, file);
    expect_resolve("sub", NULL, false, sub);
    expect_resolve(".", NULL, false, dir);
    expect_resolve("", NULL, false, dir);
}
END_TEST

START_TEST(test_resolve_dot_and_dotdot)
{
    char *dir = scratch_dir();
    char *sub = scratch_subdir(dir, "sub");
    char *deep = scratch_subdir(sub, "deep");
    char *file = scratch_file(dir, "file", "x", 0644);
    char *via_dotdot = scratch_path("%s/sub/../file", dir);
    char *twice = scratch_path("%s/sub/deep/../../file", dir);
    char *trailing_dotdot = scratch_path("%s/sub/deep/..", dir);
    char *trailing_dot = scratch_path("%s/sub/.", dir);
    char *trailing_slash = scratch_path("%s/sub/", dir);
    char *doubled = scratch_path("%s//sub///deep", dir);

    for (int follow = 0; follow <= 1; follow++) {
        expect_resolve(via_dotdot, NULL, follow, file);
        expect_resolve(twice, NULL, follow, file);
        expect_resolve(trailing_dotdot, NULL, follow, sub);
        expect_resolve(trailing_dot, NULL, follow, sub);
        expect_resolve(trailing_slash, NULL, follow, sub);
        expect_resolve(doubled, NULL, follow, deep);
        expect_resolve("deep/../../file", sub, follow, file);
        expect_resolve("/..", NULL, follow, "/");
    }
}
END_TEST

START_TEST(test_resolve_symlinked_directory)
{
    char *dir = scratch_dir();
    char *real = scratch_subdir(dir, "real");
    char *file = scratch_file(real, "file", "x", 0644);
    char *missing = scratch_path("%s/missing", real);
    char *via_link, *via_relative, *new_via_link;

    scratch_symlink(dir, "link", real);
    scratch_symlink(dir, "relative", "real");
    via_link = scratch_path("%s/link/file", dir);
    via_relative = scratch_path("%s/relative/file", dir);
    new_via_link = scratch_path("%s/link/missing", dir);
    for (int follow = 0; follow <= 1; follow++) {
        expect_resolve(via_link, NULL, follow, file);
        expect_resolve(via_relative, NULL, follow, file);
        expect_resolve(new_via_link, NULL, follow, missing);
        expect_resolve("link/file", dir, follow, file);
    }
}
END_TEST

START_TEST(test_resolve_dotdot_after_symlink)
{
    /* ".." after a symlink goes to the parent of its target, as in the
     * kernel, not back to the directory that contains the link. */
    char *dir = scratch_dir();
    char *outside = scratch_subdir(dir, "outside");
    char *target = scratch_subdir(outside, "target");
    char *inside = scratch_subdir(dir, "inside");
    char *secret = scratch_file(outside, "secret", "x", 0644);
    char *path;

    (void)target;
    scratch_symlink(inside, "link", "../outside/target");
    path = scratch_path("%s/link/../secret", inside);
    expect_resolve(path, NULL, true, secret);
    expect_resolve(path, NULL, false, secret);
}
END_TEST

START_TEST(test_resolve_last_symlink)
{
    char *dir = scratch_dir();
    char *file = scratch_file(dir, "file", "x", 0644);
    char *sub = scratch_subdir(dir, "sub");
    char *link = scratch_symlink(dir, "link", file);
    char *relative = scratch_symlink(sub, "up", "../file");
    char *to_dir = scratch_symlink(dir, "to-sub", "sub");
    char *chain = scratch_symlink(dir, "chain", "link");

    expect_resolve(link, NULL, true, file);
    expect_resolve(link, NULL, false, link);
    expect_resolve(relative, NULL, true, file);
    expect_resolve(relative, NULL, false, relative);
    expect_resolve(to_dir, NULL, true, sub);
    expect_resolve(to_dir, NULL, false, to_dir);
    expect_resolve(chain, NULL, true, file);
    expect_resolve(chain, NULL, false, chain);
}
END_TEST

START_TEST(test_resolve_dangling_symlink)
{
    /* open(O_CREAT) through a dangling symlink creates its target, so
     * following the last component gives the target's path. */
    char *dir = scratch_dir();
    char *outside = scratch_subdir(dir, "outside");
    char *inside = scratch_subdir(dir, "inside");
    char *target = scratch_path("%s/new", outside);
    char *absolute = scratch_symlink(inside, "absolute", target);
    char *relative = scratch_symlink(inside, "relative", "../outside/new");
    char *chain = scratch_symlink(inside, "chain", "relative");
    char *via_dir;

    scratch_symlink(dir, "outside-link", "outside");
    via_dir = scratch_symlink(inside, "via-dir", "../outside-link/new");
    expect_resolve(absolute, NULL, true, target);
    expect_resolve(absolute, NULL, false, absolute);
    expect_resolve(relative, NULL, true, target);
    expect_resolve(relative, NULL, false, relative);
    expect_resolve(chain, NULL, true, target);
    expect_resolve(chain, NULL, false, chain);
    expect_resolve(via_dir, NULL, true, target);
    expect_resolve("inside/relative", dir, true, target);
}
END_TEST

START_TEST(test_resolve_dangling_symlink_at_top)
{
    /* A dangling link whose relative target sits in the same directory. */
    char *dir = scratch_dir();
    char *link = scratch_symlink(dir, "link", "target");
    char *target = scratch_path("%s/target", dir);

    expect_resolve(link, NULL, true, target);
}
END_TEST

START_TEST(test_resolve_missing_directory)
{
    char *dir = scratch_dir();
    char *missing_dir = scratch_path("%s/missing/file", dir);
    char *dangling = scratch_symlink(dir, "dangling", "/nonexistent-hermetic-dir/sub/file");
    char *through_file;

    scratch_file(dir, "file", "x", 0644);
    through_file = scratch_path("%s/file/child", dir);
    expect_resolve_fails(missing_dir, NULL, true, ENOENT);
    expect_resolve_fails(missing_dir, NULL, false, ENOENT);
    expect_resolve_fails("missing/file", dir, false, ENOENT);
    expect_resolve_fails(dangling, NULL, true, ENOENT);
    expect_resolve(dangling, NULL, false, dangling);
    /* realpath accepts a regular file as the directory part. The call
     * itself then fails with ENOTDIR. */
    expect_resolve(through_file, NULL, false, through_file);
    expect_resolve(through_file, NULL, true, through_file);
}
END_TEST

START_TEST(test_resolve_symlink_loops)
{
    char *dir = scratch_dir();
    char *self = scratch_symlink(dir, "self", "self");
    char *a = scratch_symlink(dir, "a", "b");
    char *b = scratch_symlink(dir, "b", "a");
    char *through = scratch_path("%s/a/file", dir);

    expect_resolve_fails(self, NULL, true, ELOOP);
    expect_resolve(self, NULL, false, self);
    expect_resolve_fails(a, NULL, true, ELOOP);
    expect_resolve(a, NULL, false, a);
    expect_resolve_fails(b, NULL, true, ELOOP);
    expect_resolve_fails(through, NULL, false, ELOOP);
}
END_TEST

START_TEST(test_resolve_long_symlink_chain)
{
    /* A chain of 30 dangling links resolves, below the kernel's limit of 40. */
    char *dir = scratch_dir();
    char *target = scratch_path("%s/end", dir);
    char *first;

    for (int i = 0; i < 30; i++) {
        char *name = scratch_path("hop%d", i), *next = i == 29 ? xstrdup("end") : scratch_path("hop%d", i + 1);

        free(scratch_symlink(dir, name, next));
        free(name);
        free(next);
    }
    first = scratch_path("%s/hop0", dir);
    expect_resolve(first, NULL, true, target);
}
END_TEST

START_TEST(test_resolve_proc_self_root)
{
    char *dir = scratch_dir();
    char *file = scratch_file(dir, "file", "x", 0644);
    char *path = scratch_path("/proc/self/root%s", file);

    expect_resolve(path, NULL, true, file);
    expect_resolve(path, NULL, false, file);
    expect_resolve("/proc/self/root", NULL, true, "/");
}
END_TEST

/* ----- fspolicy_allows: writes ----- */

START_TEST(test_allows_write_without_readonly)
{

    view_setup(&fixture);
    expect_decision(&fixture.view, "/etc/passwd", NULL, FS_WRITE, true, true, NULL);
    expect_decision(&fixture.view, "relative", "/nonexistent", FS_WRITE, false, true, NULL);
}
END_TEST

START_TEST(test_allows_read_without_root)
{

    view_setup(&fixture);
    fixture.policy.filesystem.readonly = true;
    expect_decision(&fixture.view, "/etc/passwd", NULL, FS_READ, true, true, NULL);
    expect_decision(&fixture.view, "../x", "/nonexistent", FS_READ, true, true, NULL);
}
END_TEST

START_TEST(test_allows_write_under_allow_write)
{
    char *dir = scratch_dir();
    char *out = scratch_subdir(dir, "out");
    char *other = scratch_subdir(dir, "outer");
    char *file = scratch_file(out, "file", "x", 0644);
    char *new_file = scratch_path("%s/new", out);
    char *other_file = scratch_file(other, "file", "x", 0644);
    char *dir_file = scratch_file(dir, "file", "x", 0644);

    view_setup(&fixture);
    fixture.policy.filesystem.readonly = true;
    strlist_add(&fixture.policy.filesystem.allow_write, out);
    for (int follow = 0; follow <= 1; follow++) {
        expect_decision(&fixture.view, file, NULL, FS_WRITE, follow, true, file);
        expect_decision(&fixture.view, new_file, NULL, FS_WRITE, follow, true, new_file);
        expect_decision(&fixture.view, out, NULL, FS_WRITE, follow, true, out);
        expect_decision(&fixture.view, "new", out, FS_WRITE, follow, true, new_file);
        expect_decision(&fixture.view, other_file, NULL, FS_WRITE, follow, false, other_file);
        expect_decision(&fixture.view, dir_file, NULL, FS_WRITE, follow, false, dir_file);
        expect_decision(&fixture.view, dir, NULL, FS_WRITE, follow, false, dir);
        expect_decision(&fixture.view, "/etc/passwd", NULL, FS_WRITE, follow, false, "/etc/passwd");
    }
}
END_TEST

START_TEST(test_allows_write_nothing_allowed)
{
    char *dir = scratch_dir();
    char *file = scratch_file(dir, "file", "x", 0644);

    view_setup(&fixture);
    fixture.policy.filesystem.readonly = true;
    expect_decision(&fixture.view, file, NULL, FS_WRITE, true, false, file);
    expect_decision(&fixture.view, "/", NULL, FS_WRITE, false, false, "/");
    /* Reads stay allowed: there is no read root. */
    expect_decision(&fixture.view, file, NULL, FS_READ, true, true, NULL);
}
END_TEST

START_TEST(test_allows_write_devices)
{

    view_setup(&fixture);
    fixture.policy.filesystem.readonly = true;
    expect_decision(&fixture.view, "/dev/null", NULL, FS_WRITE, true, false, "/dev/null");
    strlist_add(&fixture.devices, "/dev/null");
    expect_decision(&fixture.view, "/dev/null", NULL, FS_WRITE, true, true, "/dev/null");
    expect_decision(&fixture.view, "/dev/zero", NULL, FS_WRITE, true, false, "/dev/zero");
    expect_decision(&fixture.view, "null", "/dev", FS_WRITE, true, true, "/dev/null");
}
END_TEST

START_TEST(test_allows_write_symlink_out)
{
    /* A link inside --allow-write to a file outside: writing through it
     * writes outside, removing the link does not. */
    char *dir = scratch_dir();
    char *out = scratch_subdir(dir, "out");
    char *outside = scratch_subdir(dir, "outside");
    char *secret = scratch_file(outside, "secret", "x", 0644);
    char *link = scratch_symlink(out, "link", secret);
    char *dir_link = scratch_symlink(out, "dir-link", outside);
    char *through_dir = scratch_path("%s/secret", dir_link);

    view_setup(&fixture);
    fixture.policy.filesystem.readonly = true;
    strlist_add(&fixture.policy.filesystem.allow_write, out);
    expect_decision(&fixture.view, link, NULL, FS_WRITE, true, false, secret);
    expect_decision(&fixture.view, link, NULL, FS_WRITE, false, true, link);
    expect_decision(&fixture.view, through_dir, NULL, FS_WRITE, false, false, secret);
    expect_decision(&fixture.view, through_dir, NULL, FS_WRITE, true, false, secret);
}
END_TEST

START_TEST(test_allows_write_dangling_symlink_out)
{
    char *dir = scratch_dir();
    char *out = scratch_subdir(dir, "out");
    char *outside = scratch_subdir(dir, "outside");
    char *target = scratch_path("%s/created", outside);
    char *link = scratch_symlink(out, "link", "../outside/created");
    char *inner_target = scratch_path("%s/created", out);
    char *inner_link = scratch_symlink(out, "inner", "created");

    view_setup(&fixture);
    fixture.policy.filesystem.readonly = true;
    strlist_add(&fixture.policy.filesystem.allow_write, out);
    expect_decision(&fixture.view, link, NULL, FS_WRITE, true, false, target);
    expect_decision(&fixture.view, link, NULL, FS_WRITE, false, true, link);
    expect_decision(&fixture.view, inner_link, NULL, FS_WRITE, true, true, inner_target);
}
END_TEST

START_TEST(test_allows_write_symlink_in)
{
    /* A link outside --allow-write to a file inside: writing through it is
     * allowed, replacing the link itself is not. */
    char *dir = scratch_dir();
    char *out = scratch_subdir(dir, "out");
    char *file = scratch_file(out, "file", "x", 0644);
    char *link = scratch_symlink(dir, "link", file);

    view_setup(&fixture);
    fixture.policy.filesystem.readonly = true;
    strlist_add(&fixture.policy.filesystem.allow_write, out);
    expect_decision(&fixture.view, link, NULL, FS_WRITE, true, true, file);
    expect_decision(&fixture.view, link, NULL, FS_WRITE, false, false, link);
}
END_TEST

START_TEST(test_allows_write_dotdot)
{
    char *dir = scratch_dir();
    char *out = scratch_subdir(dir, "out");
    char *victim = scratch_file(dir, "victim", "x", 0644);
    char *escape = scratch_path("%s/../victim", out);
    char *stay = scratch_path("%s/../out/new", out);
    char *stay_resolved = scratch_path("%s/new", out);

    view_setup(&fixture);
    fixture.policy.filesystem.readonly = true;
    strlist_add(&fixture.policy.filesystem.allow_write, out);
    expect_decision(&fixture.view, escape, NULL, FS_WRITE, true, false, victim);
    expect_decision(&fixture.view, "../victim", out, FS_WRITE, true, false, victim);
    expect_decision(&fixture.view, stay, NULL, FS_WRITE, true, true, stay_resolved);
}
END_TEST

START_TEST(test_allows_write_missing_directory)
{
    /* The directory part does not exist, so the call fails anyway: the
     * decision is made on the normalised text. */
    char *dir = scratch_dir();
    char *out = scratch_subdir(dir, "out");
    char *inside = scratch_path("%s/missing/file", out);
    char *outside = scratch_path("%s/missing/file", dir);
    char *dotted = scratch_path("%s/missing/../../victim", out);
    char *dotted_text = scratch_path("%s/victim", dir);

    view_setup(&fixture);
    fixture.policy.filesystem.readonly = true;
    strlist_add(&fixture.policy.filesystem.allow_write, out);
    expect_decision(&fixture.view, inside, NULL, FS_WRITE, true, true, inside);
    expect_decision(&fixture.view, "missing/file", out, FS_WRITE, false, true, inside);
    expect_decision(&fixture.view, outside, NULL, FS_WRITE, true, false, outside);
    expect_decision(&fixture.view, dotted, NULL, FS_WRITE, true, false, dotted_text);
}
END_TEST

START_TEST(test_allows_write_symlink_loop)
{
    char *dir = scratch_dir();
    char *out = scratch_subdir(dir, "out");
    char *loop = scratch_symlink(out, "loop", "loop");

    view_setup(&fixture);
    fixture.policy.filesystem.readonly = true;
    strlist_add(&fixture.policy.filesystem.allow_write, out);
    /* open() fails with ELOOP, so the decision is made on the text, which
     * lies in --allow-write. */
    expect_decision(&fixture.view, loop, NULL, FS_WRITE, true, true, loop);
    expect_decision(&fixture.view, loop, NULL, FS_WRITE, false, true, loop);
    strlist_free(&fixture.policy.filesystem.allow_write);
    expect_decision(&fixture.view, loop, NULL, FS_WRITE, true, false, loop);
}
END_TEST

START_TEST(test_allows_write_not_granted_by_read_lists)
{
    /* Trusted, readable and --allow-read directories are for reading only. */
    char *dir = scratch_dir();
    char *trusted = scratch_subdir(dir, "trusted");
    char *readable = scratch_subdir(dir, "readable");
    char *allow_read = scratch_subdir(dir, "allow-read");
    char *root = scratch_subdir(dir, "root");
    char *files[4];

    files[0] = scratch_file(trusted, "f", "x", 0644);
    files[1] = scratch_file(readable, "f", "x", 0644);
    files[2] = scratch_file(allow_read, "f", "x", 0644);
    files[3] = scratch_file(root, "f", "x", 0644);
    view_setup(&fixture);
    set_root(&fixture, root);
    strlist_add(&fixture.trusted, trusted);
    strlist_add(&fixture.readable, readable);
    strlist_add(&fixture.policy.filesystem.allow_read, allow_read);
    for (size_t i = 0; i < 4; i++) {
        expect_decision(&fixture.view, files[i], NULL, FS_READ, true, true, files[i]);
        expect_decision(&fixture.view, files[i], NULL, FS_WRITE, true, false, files[i]);
    }
}
END_TEST

/* ----- fspolicy_allows: reads under a root ----- */

START_TEST(test_allows_read_root)
{
    char *dir = scratch_dir();
    char *root = scratch_subdir(dir, "root");
    char *inside = scratch_file(root, "file", "x", 0644);
    char *new_file = scratch_path("%s/new", root);
    char *sibling = scratch_subdir(dir, "rootless");
    char *sibling_file = scratch_file(sibling, "file", "x", 0644);
    char *outside = scratch_file(dir, "file", "x", 0644);

    view_setup(&fixture);
    set_root(&fixture, root);
    for (int follow = 0; follow <= 1; follow++) {
        expect_decision(&fixture.view, root, NULL, FS_READ, follow, true, root);
        expect_decision(&fixture.view, inside, NULL, FS_READ, follow, true, inside);
        expect_decision(&fixture.view, new_file, NULL, FS_READ, follow, true, new_file);
        expect_decision(&fixture.view, "file", root, FS_READ, follow, true, inside);
        expect_decision(&fixture.view, sibling_file, NULL, FS_READ, follow, false, sibling_file);
        expect_decision(&fixture.view, outside, NULL, FS_READ, follow, false, outside);
        expect_decision(&fixture.view, dir, NULL, FS_READ, follow, false, dir);
        expect_decision(&fixture.view, "..", root, FS_READ, follow, false, dir);
        expect_decision(&fixture.view, "/etc/hostname", NULL, FS_READ, follow, false, "/etc/hostname");
    }
}
END_TEST

START_TEST(test_allows_read_each_list)
{
    /* Under a root, each list makes its own directory readable, and only it. */
    static const char *const names[] = {"allow_read", "allow_write", "trusted", "readable", "devices"};
    char *dir = scratch_dir();
    char *root = scratch_subdir(dir, "root");
    char *other = scratch_subdir(dir, "other");
    char *other_file = scratch_file(other, "file", "x", 0644);

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char *granted = scratch_subdir(dir, names[i]);
        char *file = scratch_file(granted, "file", "x", 0644);
        struct strlist *lists[5];

        view_setup(&fixture);
        set_root(&fixture, root);
        lists[0] = &fixture.policy.filesystem.allow_read;
        lists[1] = &fixture.policy.filesystem.allow_write;
        lists[2] = &fixture.trusted;
        lists[3] = &fixture.readable;
        lists[4] = &fixture.devices;
        expect_decision(&fixture.view, file, NULL, FS_READ, true, false, file);
        strlist_add(lists[i], granted);
        expect_decision(&fixture.view, file, NULL, FS_READ, true, true, file);
        expect_decision(&fixture.view, granted, NULL, FS_READ, false, true, granted);
        expect_decision(&fixture.view, other_file, NULL, FS_READ, true, false, other_file);
    }
}
END_TEST

START_TEST(test_allows_read_null_lists)
{
    /* A view without trusted, readable or device lists reads the root only. */
    char *dir = scratch_dir();
    char *root = scratch_subdir(dir, "root");
    char *inside = scratch_file(root, "file", "x", 0644);
    char *outside = scratch_file(dir, "file", "x", 0644);

    view_setup(&fixture);
    set_root(&fixture, root);
    fixture.view.trusted = NULL;
    fixture.view.readable = NULL;
    fixture.view.devices = NULL;
    expect_decision(&fixture.view, inside, NULL, FS_READ, true, true, inside);
    expect_decision(&fixture.view, outside, NULL, FS_READ, true, false, outside);
}
END_TEST

START_TEST(test_allows_read_symlink_out_of_root)
{
    char *dir = scratch_dir();
    char *root = scratch_subdir(dir, "root");
    char *outside = scratch_subdir(dir, "outside");
    char *secret = scratch_file(outside, "secret", "x", 0644);
    char *link = scratch_symlink(root, "link", secret);
    char *dir_link = scratch_symlink(root, "dir-link", outside);
    char *through = scratch_path("%s/secret", dir_link);

    view_setup(&fixture);
    set_root(&fixture, root);
    expect_decision(&fixture.view, link, NULL, FS_READ, true, false, secret);
    /* lstat and readlink read the link, which lies in the root. */
    expect_decision(&fixture.view, link, NULL, FS_READ, false, true, link);
    expect_decision(&fixture.view, through, NULL, FS_READ, true, false, secret);
    expect_decision(&fixture.view, through, NULL, FS_READ, false, false, secret);
    expect_decision(&fixture.view, "dir-link/secret", root, FS_READ, true, false, secret);
}
END_TEST

START_TEST(test_allows_read_proc_self_root)
{
    char *dir = scratch_dir();
    char *root = scratch_subdir(dir, "root");
    char *inside = scratch_file(root, "file", "x", 0644);
    char *outside = scratch_file(dir, "file", "x", 0644);
    char *via_proc_inside = scratch_path("/proc/self/root%s", inside);
    char *via_proc_outside = scratch_path("/proc/self/root%s", outside);

    view_setup(&fixture);
    set_root(&fixture, root);
    expect_decision(&fixture.view, via_proc_inside, NULL, FS_READ, true, true, inside);
    expect_decision(&fixture.view, via_proc_outside, NULL, FS_READ, true, false, outside);
    expect_decision(&fixture.view, via_proc_outside, NULL, FS_READ, false, false, outside);
    expect_decision(&fixture.view, "/proc/self/root", NULL, FS_READ, true, false, "/");
}
END_TEST

START_TEST(test_allows_read_missing_directory)
{
    char *dir = scratch_dir();
    char *root = scratch_subdir(dir, "root");
    char *inside = scratch_path("%s/missing/file", root);
    char *outside = scratch_path("%s/missing/file", dir);

    view_setup(&fixture);
    set_root(&fixture, root);
    expect_decision(&fixture.view, inside, NULL, FS_READ, true, true, inside);
    expect_decision(&fixture.view, outside, NULL, FS_READ, true, false, outside);
    expect_decision(&fixture.view, "missing/file", root, FS_READ, true, true, inside);
}
END_TEST

/* ----- fspolicy_allows: the lexical fast path for trusted directories ----- */

/* A trusted directory "lib" holding a link to a file outside the root:
 * the fast path decides on the link's text, resolving decides on its
 * target. */
struct trusted_layout {
    char *root, *lib, *outside, *secret, *module, *link;
};

static struct trusted_layout make_trusted_layout(void)
{
    struct trusted_layout t;
    char *dir = scratch_dir();

    t.root = scratch_subdir(dir, "root");
    t.lib = scratch_subdir(dir, "lib");
    t.outside = scratch_subdir(dir, "outside");
    t.secret = scratch_file(t.outside, "secret", "x", 0644);
    t.module = scratch_file(t.lib, "module.py", "x", 0644);
    t.link = scratch_symlink(t.lib, "link", t.secret);
    return t;
}

START_TEST(test_trusted_fast_path)
{
    struct trusted_layout t = make_trusted_layout();
    char *doubled = scratch_path("%s//./module.py", t.lib);
    char *missing = scratch_path("%s/missing/x.py", t.lib);

    view_setup(&fixture);
    set_root(&fixture, t.root);
    strlist_add(&fixture.trusted, t.lib);
    expect_decision(&fixture.view, t.module, NULL, FS_READ, true, true, t.module);
    expect_decision(&fixture.view, "module.py", t.lib, FS_READ, true, true, t.module);
    expect_decision(&fixture.view, doubled, NULL, FS_READ, true, true, t.module);
    expect_decision(&fixture.view, missing, NULL, FS_READ, true, true, missing);
    /* The text lies in the trusted directory, so the link is not followed. */
    expect_decision(&fixture.view, t.link, NULL, FS_READ, true, true, t.link);
    expect_decision(&fixture.view, "link", t.lib, FS_READ, true, true, t.link);
}
END_TEST

START_TEST(test_trusted_fast_path_relative_to_cwd)
{
    struct trusted_layout t = make_trusted_layout();

    view_setup(&fixture);
    set_root(&fixture, t.root);
    strlist_add(&fixture.trusted, t.lib);
    scratch_chdir(t.lib);
    expect_decision(&fixture.view, "module.py", NULL, FS_READ, true, true, t.module);
    expect_decision(&fixture.view, "link", NULL, FS_READ, true, true, t.link);
}
END_TEST

START_TEST(test_trusted_fast_path_skipped_for_dotdot)
{
    struct trusted_layout t = make_trusted_layout();
    char *up = scratch_path("%s/../outside/secret", t.lib);
    char *round_trip = scratch_path("%s/../lib/module.py", t.lib);
    char *through_link;

    scratch_symlink(t.lib, "out-dir", t.outside);
    through_link = scratch_path("%s/out-dir/../outside/secret", t.lib);
    view_setup(&fixture);
    set_root(&fixture, t.root);
    strlist_add(&fixture.trusted, t.lib);
    expect_decision(&fixture.view, up, NULL, FS_READ, true, false, t.secret);
    expect_decision(&fixture.view, "../outside/secret", t.lib, FS_READ, true, false, t.secret);
    /* Lexically this is lib/outside/secret, but the kernel walks out-dir first. */
    expect_decision(&fixture.view, through_link, NULL, FS_READ, true, false, t.secret);
    /* Resolved, a path with ".." that stays in the directory is allowed. */
    expect_decision(&fixture.view, round_trip, NULL, FS_READ, true, true, t.module);
}
END_TEST

START_TEST(test_trusted_fast_path_skipped_for_overlap)
{
    /* When --allow-write overlaps a trusted directory, the program could
     * plant a link there, so every read is resolved. */
    struct trusted_layout t = make_trusted_layout();
    char *lib_sub = scratch_subdir(t.lib, "sub");
    char *parent = scratch_realpath(scratch_path("%s/..", t.lib));
    char *unrelated = scratch_subdir(t.outside, "unrelated");
    const char *overlapping[] = {t.lib, lib_sub, parent};

    for (size_t i = 0; i < sizeof(overlapping) / sizeof(overlapping[0]); i++) {
    
        view_setup(&fixture);
        set_root(&fixture, t.root);
        strlist_add(&fixture.trusted, t.lib);
        strlist_add(&fixture.policy.filesystem.allow_write, overlapping[i]);
        /* Under --allow-write = the parent, the secret is readable anyway. */
        expect_decision(&fixture.view, t.link, NULL, FS_READ, true, i == 2, t.secret);
        expect_decision(&fixture.view, t.module, NULL, FS_READ, true, true, t.module);
    }
    {
    
        view_setup(&fixture);
        set_root(&fixture, t.root);
        strlist_add(&fixture.trusted, t.lib);
        strlist_add(&fixture.policy.filesystem.allow_write, unrelated);
        expect_decision(&fixture.view, t.link, NULL, FS_READ, true, true, t.link);
    }
}
END_TEST

START_TEST(test_trusted_fast_path_reads_only)
{
    struct trusted_layout t = make_trusted_layout();

    view_setup(&fixture);
    set_root(&fixture, t.root);
    strlist_add(&fixture.trusted, t.lib);
    expect_decision(&fixture.view, t.module, NULL, FS_WRITE, true, false, t.module);
    expect_decision(&fixture.view, t.link, NULL, FS_WRITE, false, false, t.link);
}
END_TEST

/* ----- fspolicy_is_write_open ----- */

START_TEST(test_is_write_open_modes)
{
    static const struct {
        const char *mode;
        bool write;
    } cases[] = {
        {"r", false},   {"rb", false},  {"rt", false},  {"br", false},  {"", false},    {"U", false},
        {"rU", false},  {"w", true},    {"wb", true},   {"wt", true},   {"a", true},    {"ab", true},
        {"x", true},    {"xb", true},   {"r+", true},   {"rb+", true},  {"r+b", true},  {"w+", true},
        {"a+", true},   {"x+", true},   {"+", true},    {"W", true},    {"A", true},    {"X", true},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        ck_assert_msg(fspolicy_is_write_open(cases[i].mode, 0) == cases[i].write, "mode \"%s\" should %s",
                      cases[i].mode, cases[i].write ? "write" : "only read");
    ck_assert_msg(!fspolicy_is_write_open(NULL, 0), "no mode and O_RDONLY should only read");
}
END_TEST

START_TEST(test_is_write_open_flags)
{
    static const struct {
        const char *name;
        int flags;
        bool write;
    } cases[] = {
        {"O_RDONLY", O_RDONLY, false},
        {"O_RDONLY|O_CLOEXEC", O_RDONLY | O_CLOEXEC, false},
        {"O_RDONLY|O_NONBLOCK", O_RDONLY | O_NONBLOCK, false},
        {"O_RDONLY|O_DIRECTORY", O_RDONLY | O_DIRECTORY, false},
        {"O_RDONLY|O_NOFOLLOW", O_RDONLY | O_NOFOLLOW, false},
        {"O_RDONLY|O_NOCTTY", O_RDONLY | O_NOCTTY, false},
        {"O_RDONLY|O_NOATIME", O_RDONLY | O_NOATIME, false},
        {"O_PATH", O_PATH, false},
        {"O_WRONLY", O_WRONLY, true},
        {"O_RDWR", O_RDWR, true},
        {"O_ACCMODE", O_ACCMODE, true},
        {"O_RDONLY|O_CREAT", O_RDONLY | O_CREAT, true},
        {"O_RDONLY|O_TRUNC", O_RDONLY | O_TRUNC, true},
        {"O_RDONLY|O_APPEND", O_RDONLY | O_APPEND, true},
        {"O_WRONLY|O_CREAT|O_EXCL", O_WRONLY | O_CREAT | O_EXCL, true},
        {"O_RDWR|O_TMPFILE", O_RDWR | O_TMPFILE, true},
        {"O_WRONLY|O_CLOEXEC", O_WRONLY | O_CLOEXEC, true},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(fspolicy_is_write_open(NULL, cases[i].flags) == cases[i].write, "flags %s should %s",
                      cases[i].name, cases[i].write ? "write" : "only read");
        /* A read mode does not lift write flags, and write flags win. */
        ck_assert_msg(fspolicy_is_write_open("r", cases[i].flags) == cases[i].write,
                      "mode \"r\" with flags %s should %s", cases[i].name, cases[i].write ? "write" : "only read");
        ck_assert_msg(fspolicy_is_write_open("w", cases[i].flags), "mode \"w\" with flags %s should write",
                      cases[i].name);
    }
}
END_TEST

/* ----- fspolicy_sqlite_target ----- */

struct sqlite_case {
    const char *name;
    int memory;              /* expected return value */
    const char *path;        /* expected path when memory is 0 */
    bool read_only;
};

static void expect_sqlite_cases(const struct sqlite_case *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        char path[256] = "unset";
        bool read_only = true;
        int rc = fspolicy_sqlite_target(cases[i].name, path, sizeof(path), &read_only);

        ck_assert_msg(rc == cases[i].memory, "\"%s\" returns %d, expected %d (%s)", cases[i].name, rc,
                      cases[i].memory, cases[i].memory ? "in memory" : "a file");
        if (cases[i].memory)
            continue;
        ck_assert_msg(strcmp(path, cases[i].path) == 0, "\"%s\" opens \"%s\", expected \"%s\"", cases[i].name,
                      path, cases[i].path);
        ck_assert_msg(read_only == cases[i].read_only, "\"%s\" is %s, expected %s", cases[i].name,
                      read_only ? "read-only" : "read-write", cases[i].read_only ? "read-only" : "read-write");
    }
}

START_TEST(test_sqlite_memory)
{
    static const struct sqlite_case cases[] = {
        {":memory:", 1, NULL, false},
        {"", 1, NULL, false},
        {"file::memory:", 1, NULL, false},
        {"file::memory:?cache=shared", 1, NULL, false},
        {"file:", 1, NULL, false},
        {"file:?mode=ro", 1, NULL, false},
        {"file:data.db?mode=memory", 1, NULL, false},
        {"file:data.db?cache=shared&mode=memory", 1, NULL, false},
        {"file://localhost", 1, NULL, false},
        {"file:///", 0, "/", false},
    };

    expect_sqlite_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_sqlite_plain_names)
{
    /* Without the file: prefix a name is a path, '?' and '%' included. */
    static const struct sqlite_case cases[] = {
        {"data.db", 0, "data.db", false},
        {"/var/lib/app/data.db", 0, "/var/lib/app/data.db", false},
        {"../data.db", 0, "../data.db", false},
        {"data.db?mode=ro", 0, "data.db?mode=ro", false},
        {"data%2Edb", 0, "data%2Edb", false},
        {"FILE:data.db?mode=ro", 0, "FILE:data.db?mode=ro", false},
        {":memory:x", 0, ":memory:x", false},
        {" :memory:", 0, " :memory:", false},
    };

    expect_sqlite_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_sqlite_uris)
{
    static const struct sqlite_case cases[] = {
        {"file:data.db", 0, "data.db", false},
        {"file:/var/lib/data.db", 0, "/var/lib/data.db", false},
        {"file:///var/lib/data.db", 0, "/var/lib/data.db", false},
        {"file://localhost/var/lib/data.db", 0, "/var/lib/data.db", false},
        {"file:data.db?mode=ro", 0, "data.db", true},
        {"file:data.db?mode=rw", 0, "data.db", false},
        {"file:data.db?mode=rwc", 0, "data.db", false},
        {"file:data.db?cache=shared&mode=ro", 0, "data.db", true},
        {"file:data.db?mode=ro&cache=private", 0, "data.db", true},
        {"file:/var/lib/data.db?immutable=1", 0, "/var/lib/data.db", true},
        {"file:data.db?immutable=0", 0, "data.db", false},
        {"file://example.com/var/lib/data.db", 0, "/var/lib/data.db", false},
        {"file:data.db?immutable=off", 0, "data.db", false},
        {"file:data.db?mode=rw&immutable=1", 0, "data.db", true},
        {"file:data.db?", 0, "data.db", false},
        {"file:data.db?mode", 0, "data.db", false},
        {"file:data.db?vfs=unix-none", 0, "data.db", false},
    };

    expect_sqlite_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_sqlite_uri_parameters_exact)
{
    /* SQLite 3.40 reads each key=value pair whole: a parameter whose name
     * or value merely contains "mode=ro" changes nothing, the last mode
     * counts and the first immutable counts. */
    static const struct sqlite_case cases[] = {
        {"file:data.db?nomode=ro&mode=rwc", 0, "data.db", false},
        {"file:data.db?nomode=memory", 0, "data.db", false},
        {"file:data.db?notimmutable=1", 0, "data.db", false},
        {"file:data.db?x=mode%3Dro", 0, "data.db", false},
        {"file:data.db?mode=rom", 0, "data.db", false},
        {"file:data.db?mode=ro=1", 0, "data.db", false},
        /* SQLite also reads these as true. Taking them as false only means
         * the stricter write check. */
        {"file:data.db?immutable=yes", 0, "data.db", false},
        {"file:data.db?immutable=TRUE", 0, "data.db", false},
        {"file:data.db?immutable=10", 0, "data.db", false},
        {"file:data.db?mode=memory&mode=rwc", 0, "data.db", false},
        {"file:data.db?mode=ro&mode=memory", 1, NULL, false},
        {"file:data.db?mode=rw&mode=ro", 0, "data.db", true},
        {"file:data.db?immutable=1&immutable=0", 0, "data.db", true},
        {"file:data.db?immutable=0&immutable=1", 0, "data.db", false},
        {"file:data.db?=x&mode=ro", 0, "data.db", true},
        {"file:data.db?x=1&&mode=ro", 0, "data.db", true},
        {"file:data.db?mo%64e=ro", 0, "data.db", true},
        {"file:data.db?mode=r%6F", 0, "data.db", true},
        {"file:data.db?mode=%6Demory", 1, NULL, false},
    };

    expect_sqlite_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_sqlite_uri_path_decoding)
{
    /* SQLite decodes %HH in the path, ends the URI at '#', and drops the
     * rest of a path after %00. */
    static const struct sqlite_case cases[] = {
        {"file:data%2Edb", 0, "data.db", false},
        {"file:%2Fvar%2Flib%2Fdata.db", 0, "/var/lib/data.db", false},
        {"file:a%3fb.db", 0, "a?b.db", false},
        {"file:a%3Fb.db?mode=ro", 0, "a?b.db", true},
        {"file:100%25.db", 0, "100%.db", false},
        {"file:%3Amemory%3A", 1, NULL, false},
        {"file:frag.db#x?mode=ro", 0, "frag.db", false},
        {"file:data.db?mode=ro#fragment", 0, "data.db", true},
        {"file:data.db#?mode=memory", 0, "data.db", false},
        {"file:nul%00tail.db", 0, "nul", false},
        {"file:nul%00tail.db?mode=ro", 0, "nul", true},
        {"file:%zz.db", 0, "%zz.db", false},
    };

    expect_sqlite_cases(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

/* With the current directory removed, a relative path cannot be made
 * absolute: the decision is then made on its text and denies it. */
START_TEST(test_allows_without_current_directory)
{
    char *dir = scratch_dir();
    char *allowed = scratch_subdir(dir, "allowed");
    struct hermetic_policy policy;
    struct fspolicy_view view = {.policy = &policy};
    char *resolved = NULL;

    policy_init(&policy);
    policy.filesystem.readonly = true;
    policy.filesystem.root = xstrdup("/");
    strlist_add(&policy.filesystem.allow_write, allowed);
    scratch_chdir(allowed);
    ck_assert_msg(rmdir(allowed) == 0, "rmdir %s", allowed);

    ck_assert_msg(!fspolicy_allows(&view, "x", NULL, FS_WRITE, true, &resolved), "a write to x is allowed");
    ck_assert_str_eq(resolved, "x");
    free(resolved);
    ck_assert_msg(!fspolicy_allows(&view, "a/../../x", NULL, FS_WRITE, false, &resolved),
                  "a write to a/../../x is allowed");
    ck_assert_str_eq(resolved, "../x");
    free(resolved);
    ck_assert_msg(!fspolicy_allows(&view, "y", NULL, FS_READ, true, &resolved), "a read of y is allowed");
    free(resolved);
    policy_free(&policy);
    free(dir), free(allowed);
}
END_TEST

Suite *suite_fspolicy(void)
{
    Suite *suite = suite_create("fspolicy");
    TCase *resolve = tcase_create("resolve");
    TCase *writes = tcase_create("writes");
    TCase *reads = tcase_create("reads");
    TCase *trusted = tcase_create("trusted");
    TCase *text = tcase_create("text");

    scratch_add_fixture(resolve);
    tcase_add_test(resolve, test_resolve_plain_paths);
    tcase_add_test(resolve, test_resolve_relative_to_base);
    tcase_add_test(resolve, test_resolve_relative_to_cwd);
    tcase_add_test(resolve, test_resolve_dot_and_dotdot);
    tcase_add_test(resolve, test_resolve_symlinked_directory);
    tcase_add_test(resolve, test_resolve_dotdot_after_symlink);
    tcase_add_test(resolve, test_resolve_last_symlink);
    tcase_add_test(resolve, test_resolve_dangling_symlink);
    tcase_add_test(resolve, test_resolve_dangling_symlink_at_top);
    tcase_add_test(resolve, test_resolve_missing_directory);
    tcase_add_test(resolve, test_resolve_symlink_loops);
    tcase_add_test(resolve, test_resolve_long_symlink_chain);
    tcase_add_test(resolve, test_resolve_proc_self_root);
    suite_add_tcase(suite, resolve);

    scratch_add_fixture(writes);
    tcase_add_checked_fixture(writes, NULL, view_teardown);
    tcase_add_test(writes, test_allows_write_without_readonly);
    tcase_add_test(writes, test_allows_read_without_root);
    tcase_add_test(writes, test_allows_write_under_allow_write);
    tcase_add_test(writes, test_allows_write_nothing_allowed);
    tcase_add_test(writes, test_allows_write_devices);
    tcase_add_test(writes, test_allows_write_symlink_out);
    tcase_add_test(writes, test_allows_write_dangling_symlink_out);
    tcase_add_test(writes, test_allows_write_symlink_in);
    tcase_add_test(writes, test_allows_write_dotdot);
    tcase_add_test(writes, test_allows_write_missing_directory);
    tcase_add_test(writes, test_allows_write_symlink_loop);
    tcase_add_test(writes, test_allows_write_not_granted_by_read_lists);
    tcase_add_test(writes, test_allows_without_current_directory);
    suite_add_tcase(suite, writes);

    scratch_add_fixture(reads);
    tcase_add_checked_fixture(reads, NULL, view_teardown);
    tcase_add_test(reads, test_allows_read_root);
    tcase_add_test(reads, test_allows_read_each_list);
    tcase_add_test(reads, test_allows_read_null_lists);
    tcase_add_test(reads, test_allows_read_symlink_out_of_root);
    tcase_add_test(reads, test_allows_read_proc_self_root);
    tcase_add_test(reads, test_allows_read_missing_directory);
    suite_add_tcase(suite, reads);

    scratch_add_fixture(trusted);
    tcase_add_checked_fixture(trusted, NULL, view_teardown);
    tcase_add_test(trusted, test_trusted_fast_path);
    tcase_add_test(trusted, test_trusted_fast_path_relative_to_cwd);
    tcase_add_test(trusted, test_trusted_fast_path_skipped_for_dotdot);
    tcase_add_test(trusted, test_trusted_fast_path_skipped_for_overlap);
    tcase_add_test(trusted, test_trusted_fast_path_reads_only);
    suite_add_tcase(suite, trusted);

    tcase_add_test(text, test_is_write_open_modes);
    tcase_add_test(text, test_is_write_open_flags);
    tcase_add_test(text, test_sqlite_memory);
    tcase_add_test(text, test_sqlite_plain_names);
    tcase_add_test(text, test_sqlite_uris);
    tcase_add_test(text, test_sqlite_uri_parameters_exact);
    tcase_add_test(text, test_sqlite_uri_path_decoding);
    suite_add_tcase(suite, text);
    return suite;
}
