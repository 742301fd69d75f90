/* --kernel: the Landlock ABI probe, and kernel_apply applied to the test's
 * own process. Check forks a child for each test, so the seccomp filter
 * and the Landlock domain end with it. A test that finds itself in the
 * runner process (CK_FORK=no) skips. Cases the kernel cannot run are
 * skipped with the reason on stderr. No socket connects anywhere. */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel.h"
#include "scratch.h"
#include "unit.h"

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif

static pid_t runner_pid;

static void skip_note(const char *test, const char *reason)
{
    fprintf(stderr, "check_kernel: skipped %s: %s\n", test, reason);
}

/* True if this test may restrict its own process: it runs in a forked
 * child, and the kernel has seccomp. */
static bool can_apply(const char *test)
{
    if (getpid() == runner_pid) {
        skip_note(test, "tests do not run in a child process (CK_FORK=no)");
        return false;
    }
    if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0) {
        skip_note(test, "the kernel has no seccomp");
        return false;
    }
    return true;
}

static bool has_landlock(const char *test, int abi_needed)
{
    char reason[96];

    if (kernel_landlock_abi() >= abi_needed)
        return true;
    snprintf(reason, sizeof(reason), "needs Landlock ABI %d, the kernel has %d", abi_needed, kernel_landlock_abi());
    skip_note(test, reason);
    return false;
}

static void apply_ok(const struct hermetic_policy *policy, const struct kernel_paths *paths,
                     struct kernel_report *report)
{
    struct hermetic_error err = {0};

    leakcheck_now();
    ck_assert_msg(kernel_apply(policy, paths, report, &err) == 0, "kernel_apply failed (status %d): %s", err.status,
                  err.message);
}

static void expect_text(const char *text, const char *part, const char *what)
{
    ck_assert_msg(strstr(text, part) != NULL, "%s is \"%s\", expected it to mention \"%s\"", what, text, part);
}

/* Require open(path, flags) to fail with `expected_errno`. */
static void expect_open_fails(const char *path, int flags, int expected_errno, const char *what)
{
    int fd = open(path, flags | O_CLOEXEC, 0644);
    int saved = errno;

    if (fd >= 0)
        close(fd);
    ck_assert_msg(fd < 0, "%s %s should fail after kernel_apply", what, path);
    ck_assert_msg(saved == expected_errno, "%s %s: errno %d (%s), expected %d (%s)", what, path, saved,
                  strerror(saved), expected_errno, strerror(expected_errno));
}

static void expect_open_works(const char *path, int flags, const char *what)
{
    int fd = open(path, flags | O_CLOEXEC, 0644);

    ck_assert_msg(fd >= 0, "%s %s should work after kernel_apply: %s", what, path, strerror(errno));
    close(fd);
}

static void expect_readable(const char *path, const char *expected_text)
{
    char buf[64] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    ck_assert_msg(fd >= 0, "reading %s should work after kernel_apply: %s", path, strerror(errno));
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    ck_assert_msg(n == (ssize_t)strlen(expected_text), "read %zd bytes from %s, expected %zu", n, path,
                  strlen(expected_text));
    ck_assert_msg(strcmp(buf, expected_text) == 0, "%s contains \"%s\", expected \"%s\"", path, buf, expected_text);
}

static void expect_socket(int family, int type, int protocol, int expected_errno, const char *what)
{
    int fd = socket(family, type | SOCK_CLOEXEC, protocol);
    int saved = errno;

    if (fd >= 0)
        close(fd);
    if (expected_errno == 0) {
        ck_assert_msg(fd >= 0, "socket(%s) should work: %s", what, strerror(saved));
        return;
    }
    ck_assert_msg(fd < 0, "socket(%s) should fail", what);
    ck_assert_msg(saved == expected_errno, "socket(%s): errno %d (%s), expected %d (%s)", what, saved,
                  strerror(saved), expected_errno, strerror(expected_errno));
}

static void *thread_main(void *arg)
{
    *(int *)arg = 42;
    return NULL;
}

/* ----- kernel_landlock_abi ----- */

START_TEST(test_landlock_abi)
{
    long direct = syscall(__NR_landlock_create_ruleset, NULL, 0, 1u);
    int abi = kernel_landlock_abi();

    ck_assert_msg(abi >= 0, "kernel_landlock_abi returned %d", abi);
    ck_assert_msg(abi == (direct > 0 ? (int)direct : 0), "kernel_landlock_abi returned %d, the kernel reports %ld",
                  abi, direct);
}
END_TEST

/* ----- kernel_apply: filesystem ----- */

START_TEST(test_readonly_blocks_writes)
{
    char *dir = scratch_dir();
    char *file = scratch_file(dir, "file", "content", 0644);
    char *new_file = xasprintf("%s/new", dir);
    char *new_dir = xasprintf("%s/sub", dir);
    struct hermetic_policy policy;
    struct kernel_paths paths = {{0}};
    struct kernel_report report;
    char applied[64];
    int rc, saved;

    if (!can_apply("test_readonly_blocks_writes") || !has_landlock("test_readonly_blocks_writes", 1))
        return;
    policy_init(&policy);
    policy.filesystem.readonly = true;
    policy.kernel = KERNEL_AUTO;
    apply_ok(&policy, &paths, &report);

    expect_open_fails(file, O_WRONLY, EACCES, "opening for writing");
    expect_open_fails(file, O_RDWR, EACCES, "opening for reading and writing");
    expect_open_fails(new_file, O_WRONLY | O_CREAT, EACCES, "creating");
    rc = mkdir(new_dir, 0755);
    saved = errno;
    ck_assert_msg(rc != 0, "mkdir %s should fail after kernel_apply", new_dir);
    ck_assert_msg(saved == EACCES, "mkdir %s: errno %d (%s), expected EACCES", new_dir, saved, strerror(saved));
    rc = unlink(file);
    saved = errno;
    ck_assert_msg(rc != 0, "unlink %s should fail after kernel_apply", file);
    ck_assert_msg(saved == EACCES, "unlink %s: errno %d (%s), expected EACCES", file, saved, strerror(saved));
    expect_readable(file, "content");
    expect_open_works("/dev/null", O_WRONLY, "writing the device");
    expect_open_works(dir, O_RDONLY | O_DIRECTORY, "listing the directory");

    snprintf(applied, sizeof(applied), "Landlock ABI %d: filesystem", report.landlock_abi);
    expect_text(report.applied, applied, "report.applied");
    ck_assert_msg(report.landlock_abi == kernel_landlock_abi(), "report.landlock_abi is %d, expected %d",
                  report.landlock_abi, kernel_landlock_abi());
    ck_assert_msg(report.skipped[0] == '\0', "report.skipped is \"%s\", expected nothing", report.skipped);
}
END_TEST

START_TEST(test_allow_write_stays_writable)
{
    char *dir = scratch_dir();
    char *out = scratch_subdir(dir, "out");
    char *inside = xasprintf("%s/new", out);
    char *outside = xasprintf("%s/new", dir);
    struct hermetic_policy policy;
    struct kernel_paths paths = {{0}};
    struct kernel_report report;

    if (!can_apply("test_allow_write_stays_writable") || !has_landlock("test_allow_write_stays_writable", 1))
        return;
    policy_init(&policy);
    policy.filesystem.readonly = true;
    strlist_add(&policy.filesystem.allow_write, out);
    strlist_add(&policy.filesystem.allow_write, "/nonexistent-hermetic-dir");
    policy.kernel = KERNEL_AUTO;
    apply_ok(&policy, &paths, &report);

    expect_open_works(inside, O_WRONLY | O_CREAT, "creating in --allow-write");
    expect_open_fails(outside, O_WRONLY | O_CREAT, EACCES, "creating outside --allow-write");
}
END_TEST

START_TEST(test_allow_write_pattern)
{
    /* The kernel has no patterns: "DIR/out*" is granted at DIR, and the
     * hook keeps the finer rule. */
    char *dir = scratch_dir();
    char *pattern = xasprintf("%s/out*", dir);
    char *matching = xasprintf("%s/out-1", dir);
    char *other = xasprintf("%s/other", dir);
    char *parent_file = xasprintf("%s/../hermetic-unit-pattern", dir);
    struct hermetic_policy policy;
    struct kernel_paths paths = {{0}};
    struct kernel_report report;

    if (!can_apply("test_allow_write_pattern") || !has_landlock("test_allow_write_pattern", 1))
        return;
    policy_init(&policy);
    policy.filesystem.readonly = true;
    strlist_add(&policy.filesystem.allow_write, pattern);
    policy.kernel = KERNEL_AUTO;
    apply_ok(&policy, &paths, &report);

    expect_open_works(matching, O_WRONLY | O_CREAT, "creating a match of the pattern");
    expect_open_works(other, O_WRONLY | O_CREAT, "creating beside the pattern");
    expect_open_fails(parent_file, O_WRONLY | O_CREAT, EACCES, "creating above the pattern's directory");
}
END_TEST

START_TEST(test_read_root)
{
    char *dir = scratch_dir();
    char *root = scratch_subdir(dir, "root");
    char *extra = scratch_subdir(dir, "extra");
    char *program_dir = scratch_subdir(dir, "program");
    char *outside_dir = scratch_subdir(dir, "outside");
    char *inside = scratch_file(root, "file", "inside", 0644);
    char *extra_file = scratch_file(extra, "file", "extra", 0644);
    char *program = scratch_file(program_dir, "main.py", "print()", 0644);
    char *outside = scratch_file(outside_dir, "file", "outside", 0644);
    struct hermetic_policy policy;
    struct kernel_paths paths = {{0}};
    struct kernel_report report;

    if (!can_apply("test_read_root") || !has_landlock("test_read_root", 1))
        return;
    policy_init(&policy);
    policy.filesystem.readonly = true;
    policy.filesystem.root = xstrdup(root);
    strlist_add(&policy.filesystem.allow_read, extra);
    strlist_add(&paths.readable, program);
    policy.kernel = KERNEL_AUTO;
    apply_ok(&policy, &paths, &report);

    expect_readable(inside, "inside");
    expect_readable(extra_file, "extra");
    expect_readable(program, "print()");
    expect_open_fails(outside, O_RDONLY, EACCES, "reading outside the root");
    expect_open_fails(outside_dir, O_RDONLY | O_DIRECTORY, EACCES, "listing outside the root");
    expect_open_works("/etc/passwd", O_RDONLY, "reading system files");
    expect_open_works("/usr/lib", O_RDONLY | O_DIRECTORY, "listing system directories");
    expect_open_fails(inside, O_WRONLY, EACCES, "writing in the root");
}
END_TEST

/* ----- kernel_apply: processes ----- */

START_TEST(test_no_subprocess)
{
    struct hermetic_policy policy;
    struct kernel_paths paths = {{0}};
    struct kernel_report report;
    char *const argv[] = {"/nonexistent-hermetic-program", NULL};
    pthread_t thread;
    int value = 0, rc, saved;
    pid_t pid;

    if (!can_apply("test_no_subprocess"))
        return;
    policy_init(&policy);
    policy.subprocess.block = true;
    policy.kernel = KERNEL_AUTO;
    apply_ok(&policy, &paths, &report);

    pid = fork();
    saved = errno;
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    ck_assert_msg(pid == -1, "fork should fail after kernel_apply, got pid %d", (int)pid);
    ck_assert_msg(saved == EPERM, "fork: errno %d (%s), expected EPERM", saved, strerror(saved));
    /* A missing program gives ENOENT unless the filter rejects execve first. */
    rc = execve(argv[0], argv, NULL);
    saved = errno;
    ck_assert_msg(rc == -1, "execve should fail");
    ck_assert_msg(saved == EPERM, "execve: errno %d (%s), expected EPERM", saved, strerror(saved));
    rc = pthread_create(&thread, NULL, thread_main, &value);
    ck_assert_msg(rc == 0, "a thread should still start: %s", strerror(rc));
    ck_assert_msg(pthread_join(thread, NULL) == 0, "pthread_join failed");
    ck_assert_msg(value == 42, "the thread did not run");

    expect_text(report.applied, "seccomp: no processes, no io_uring", "report.applied");
    ck_assert_msg(report.skipped[0] == '\0', "report.skipped is \"%s\", expected nothing", report.skipped);
}
END_TEST

START_TEST(test_allow_exec_leaves_processes)
{
    /* seccomp cannot tell programs apart, so --allow-exec leaves exec to
     * the hook. */
    struct hermetic_policy policy;
    struct kernel_paths paths = {{0}};
    struct kernel_report report;
    int status = -1;
    pid_t pid;

    if (!can_apply("test_allow_exec_leaves_processes"))
        return;
    policy_init(&policy);
    policy.subprocess.block = true;
    strlist_add(&policy.subprocess.allow_exec, "/usr/bin/env");
    policy.kernel = KERNEL_AUTO;
    apply_ok(&policy, &paths, &report);

    pid = fork();
    if (pid == 0)
        _exit(7);
    ck_assert_msg(pid > 0, "fork should work with --allow-exec: %s", strerror(errno));
    ck_assert_msg(waitpid(pid, &status, 0) == pid, "waitpid: %s", strerror(errno));
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 7, "the child exited with status %d", status);
    expect_text(report.skipped, "--allow-exec leaves exec to the hook", "report.skipped");
    expect_text(report.applied, "seccomp: no io_uring", "report.applied");
    ck_assert_msg(strstr(report.applied, "no processes") == NULL, "report.applied is \"%s\", expected no process rule",
                  report.applied);
}
END_TEST

START_TEST(test_io_uring_refused)
{
    struct hermetic_policy policy;
    struct kernel_paths paths = {{0}};
    struct kernel_report report;
    unsigned char params[120] = {0};   /* struct io_uring_params */
    long rc;
    int saved;

    if (!can_apply("test_io_uring_refused"))
        return;
    policy_init(&policy);
    policy.kernel = KERNEL_AUTO;
    apply_ok(&policy, &paths, &report);

    rc = syscall(__NR_io_uring_setup, 1, params);
    saved = errno;
    if (rc >= 0)
        close((int)rc);
    ck_assert_msg(rc == -1, "io_uring_setup should fail after kernel_apply");
    ck_assert_msg(saved == EPERM, "io_uring_setup: errno %d (%s), expected EPERM", saved, strerror(saved));
    ck_assert_msg(strcmp(report.applied, "seccomp: no io_uring") == 0,
                  "report.applied is \"%s\", expected \"seccomp: no io_uring\"", report.applied);
    ck_assert_msg(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1, "no_new_privs should be set");
}
END_TEST

START_TEST(test_x32_syscalls_refused)
{
    struct hermetic_policy policy;
    struct kernel_paths paths = {{0}};
    struct kernel_report report;
    long rc;
    int saved;

    if (!can_apply("test_x32_syscalls_refused"))
        return;
    policy_init(&policy);
    policy.kernel = KERNEL_AUTO;
    apply_ok(&policy, &paths, &report);

    rc = syscall(__NR_getpid | 0x40000000);
    saved = errno;
    ck_assert_msg(rc == -1, "the x32 getpid should fail, got %ld", rc);
    ck_assert_msg(saved == ENOSYS, "the x32 getpid: errno %d (%s), expected ENOSYS", saved, strerror(saved));
}
END_TEST

/* ----- kernel_apply: network ----- */

START_TEST(test_no_network)
{
    struct hermetic_policy policy;
    struct kernel_paths paths = {{0}};
    struct kernel_report report;
    int pair[2];

    if (!can_apply("test_no_network"))
        return;
    policy_init(&policy);
    policy.network.block = true;
    policy.kernel = KERNEL_AUTO;
    apply_ok(&policy, &paths, &report);

    expect_socket(AF_INET, SOCK_STREAM, 0, EACCES, "AF_INET, SOCK_STREAM");
    expect_socket(AF_INET, SOCK_DGRAM, 0, EACCES, "AF_INET, SOCK_DGRAM");
    expect_socket(AF_INET6, SOCK_STREAM, 0, EACCES, "AF_INET6, SOCK_STREAM");
    expect_socket(AF_PACKET, SOCK_RAW, 0, EACCES, "AF_PACKET");
    expect_socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT, EACCES, "AF_NETLINK, NETLINK_AUDIT");
    expect_socket(AF_UNIX, SOCK_STREAM, 0, 0, "AF_UNIX, SOCK_STREAM");
    expect_socket(AF_UNIX, SOCK_DGRAM, 0, 0, "AF_UNIX, SOCK_DGRAM");
    expect_socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE, 0, "AF_NETLINK, NETLINK_ROUTE");
    ck_assert_msg(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0, "socketpair should work: %s",
                  strerror(errno));
    ck_assert_msg(write(pair[0], "x", 1) == 1, "writing to the socket pair failed: %s", strerror(errno));
    close(pair[0]);
    close(pair[1]);

    ck_assert_msg(report.ip_sockets_refused, "report.ip_sockets_refused should be set");
    expect_text(report.applied, "seccomp: no IP sockets, no io_uring", "report.applied");
    if (report.landlock_abi >= 4)
        expect_text(report.applied, " TCP", "report.applied");
    if (report.landlock_abi >= 6)
        expect_text(report.applied, "abstract-unix-scope", "report.applied");
}
END_TEST

START_TEST(test_no_network_abstract_socket_in_domain)
{
    /* The abstract UNIX socket scope rejects peers outside the Landlock
     * domain, but a socket this process binds itself stays reachable. */
    struct hermetic_policy policy;
    struct kernel_paths paths = {{0}};
    struct kernel_report report;
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    socklen_t length;
    int server, client;

    if (!can_apply("test_no_network_abstract_socket_in_domain") ||
        !has_landlock("test_no_network_abstract_socket_in_domain", 6))
        return;
    policy_init(&policy);
    policy.network.block = true;
    policy.kernel = KERNEL_AUTO;
    apply_ok(&policy, &paths, &report);

    snprintf(address.sun_path + 1, sizeof(address.sun_path) - 1, "hermetic-unit-%d", (int)getpid());
    length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(address.sun_path + 1));
    server = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_msg(server >= 0, "socket: %s", strerror(errno));
    ck_assert_msg(bind(server, (struct sockaddr *)&address, length) == 0, "bind: %s", strerror(errno));
    ck_assert_msg(listen(server, 1) == 0, "listen: %s", strerror(errno));
    client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_msg(client >= 0, "socket: %s", strerror(errno));
    ck_assert_msg(connect(client, (struct sockaddr *)&address, length) == 0,
                  "connecting to an abstract socket of the same domain: %s", strerror(errno));
    close(client);
    close(server);
}
END_TEST

START_TEST(test_allowed_destinations_leave_network)
{
    /* With any destination allowed, the kernel leaves IP sockets to the hook. */
    struct hermetic_policy policy;
    struct kernel_paths paths = {{0}};
    struct kernel_report report;

    if (!can_apply("test_allowed_destinations_leave_network"))
        return;
    policy_init(&policy);
    policy.network.block = true;
    policy.network.allow_localhost = true;
    policy.kernel = KERNEL_AUTO;
    apply_ok(&policy, &paths, &report);

    expect_socket(AF_INET, SOCK_STREAM, 0, 0, "AF_INET with --allow-localhost");
    expect_socket(AF_INET6, SOCK_DGRAM, 0, 0, "AF_INET6 with --allow-localhost");
    ck_assert_msg(!report.ip_sockets_refused, "report.ip_sockets_refused should not be set");
    expect_text(report.skipped, "allowed destinations leave the network to the hook", "report.skipped");
    ck_assert_msg(strcmp(report.applied, "seccomp: no io_uring") == 0,
                  "report.applied is \"%s\", expected \"seccomp: no io_uring\"", report.applied);
}
END_TEST

/* ----- kernel_apply: required mode ----- */

START_TEST(test_required_mode)
{
    char *dir = scratch_dir();
    char *file = xasprintf("%s/new", dir);
    struct hermetic_policy policy;
    struct kernel_paths paths = {{0}};
    struct kernel_report report;
    char landlock[96];
    int abi = kernel_landlock_abi();
    pid_t pid;

    if (!can_apply("test_required_mode") || !has_landlock("test_required_mode", 1))
        return;
    policy_init(&policy);
    policy.filesystem.readonly = true;
    policy.subprocess.block = true;
    policy.network.block = true;
    policy.kernel = KERNEL_REQUIRED;
    apply_ok(&policy, &paths, &report);

    snprintf(landlock, sizeof(landlock), "Landlock ABI %d: filesystem%s%s", abi, abi >= 4 ? " TCP" : "",
             abi >= 6 ? " abstract-unix-scope" : "");
    expect_text(report.applied, landlock, "report.applied");
    expect_text(report.applied, "seccomp: no processes, no IP sockets, no io_uring", "report.applied");
    ck_assert_msg(report.skipped[0] == '\0', "report.skipped is \"%s\", expected nothing", report.skipped);
    expect_open_fails(file, O_WRONLY | O_CREAT, EACCES, "creating");
    expect_socket(AF_INET, SOCK_STREAM, 0, EACCES, "AF_INET");
    pid = fork();
    if (pid == 0)
        _exit(0);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    ck_assert_msg(pid == -1, "fork should fail in required mode, got pid %d", (int)pid);
}
END_TEST

Suite *suite_kernel(void)
{
    Suite *suite = suite_create("kernel");
    TCase *probe = tcase_create("probe");
    TCase *filesystem = tcase_create("filesystem");
    TCase *processes = tcase_create("processes");
    TCase *network = tcase_create("network");
    TCase *required = tcase_create("required");

    runner_pid = getpid();
    tcase_add_test(probe, test_landlock_abi);
    suite_add_tcase(suite, probe);

    scratch_add_fixture(filesystem);
    tcase_add_test(filesystem, test_readonly_blocks_writes);
    tcase_add_test(filesystem, test_allow_write_stays_writable);
    tcase_add_test(filesystem, test_allow_write_pattern);
    tcase_add_test(filesystem, test_read_root);
    suite_add_tcase(suite, filesystem);

    tcase_add_test(processes, test_no_subprocess);
    tcase_add_test(processes, test_allow_exec_leaves_processes);
    tcase_add_test(processes, test_io_uring_refused);
    tcase_add_test(processes, test_x32_syscalls_refused);
    suite_add_tcase(suite, processes);

    tcase_add_test(network, test_no_network);
    tcase_add_test(network, test_no_network_abstract_socket_in_domain);
    tcase_add_test(network, test_allowed_destinations_leave_network);
    suite_add_tcase(suite, network);

    scratch_add_fixture(required);
    tcase_add_test(required, test_required_mode);
    suite_add_tcase(suite, required);
    return suite;
}
