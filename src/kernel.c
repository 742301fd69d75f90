#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel.h"

/*
 * seccomp: raw BPF rather than libseccomp. The filter is a few dozen
 * instructions built here, so the build needs no extra library and the
 * whole rule set reads in one place; libseccomp would add a dependency for
 * what a short table does.
 */
#if defined(__x86_64__)
#define AUDIT_ARCH_HERE AUDIT_ARCH_X86_64
#define X32_SYSCALL_BIT 0x40000000u
#else
#define AUDIT_ARCH_HERE 0
#endif

#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif

/*
 * Landlock's interface (linux/landlock.h), defined here because Debian
 * 12's header stops at ABI 2 while its kernels may offer more.
 */
#define LL_CREATE_RULESET_VERSION (1u << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_FS_EXECUTE (1ull << 0)
#define LL_FS_WRITE_FILE (1ull << 1)
#define LL_FS_READ_FILE (1ull << 2)
#define LL_FS_READ_DIR (1ull << 3)
#define LL_FS_REFER (1ull << 13)       /* ABI 2 */
#define LL_FS_TRUNCATE (1ull << 14)    /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ull << 15)   /* ABI 5 */
#define LL_FS_ABI1 ((1ull << 13) - 1)
#define LL_NET_BIND_TCP (1ull << 0)    /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ull << 1)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ull << 0)   /* ABI 6 */

struct ll_ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net;
    uint64_t scoped;
};

struct ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

#define LL_READ (LL_FS_EXECUTE | LL_FS_READ_FILE | LL_FS_READ_DIR)
#define LL_FILE_RIGHTS (LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

int kernel_landlock_abi(void)
{
    long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);

    return abi > 0 ? (int)abi : 0;
}

static uint64_t fs_rights_for(int abi)
{
    uint64_t rights = LL_FS_ABI1;

    if (abi >= 2)
        rights |= LL_FS_REFER;
    if (abi >= 3)
        rights |= LL_FS_TRUNCATE;
    if (abi >= 5)
        rights |= LL_FS_IOCTL_DEV;
    return rights;
}

static void note(char *buf, size_t size, const char *text)
{
    size_t used = strlen(buf);

    snprintf(buf + used, size - used, "%s%s", used ? "; " : "", text);
}

/* ----- the seccomp filter ----- */

#define MAX_FILTER 64

struct filter {
    struct sock_filter code[MAX_FILTER];
    unsigned short len;
};

static void emit(struct filter *f, unsigned short code, unsigned char jt, unsigned char jf, unsigned int k)
{
    if (f->len < MAX_FILTER)
        f->code[f->len++] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
}

#define RET(f, action) emit(f, BPF_RET | BPF_K, 0, 0, action)
#define ERRNO(e) (SECCOMP_RET_ERRNO | ((e) & SECCOMP_RET_DATA))
#define LOAD_NR(f) emit(f, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr))
#define LOAD_ARG0(f) emit(f, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, args[0]))
#define LOAD_ARG2(f) emit(f, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, args[2]))

/* If the syscall number equals `nr`, return `action`. */
static void deny_syscall(struct filter *f, unsigned int nr, unsigned int action)
{
    emit(f, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, nr);
    RET(f, action);
}

/*
 * Build the filter. Order: wrong architecture kills, the x32 range is
 * ENOSYS (its numbers would slip past every rule below), io_uring is
 * refused (its operations bypass seccomp), then process creation and
 * network sockets as the policy asks.
 */
static void build_filter(struct filter *f, bool no_processes, bool no_network)
{
    f->len = 0;
    emit(f, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
    emit(f, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, AUDIT_ARCH_HERE);
    RET(f, SECCOMP_RET_KILL_PROCESS);
    LOAD_NR(f);
    emit(f, BPF_JMP | BPF_JGE | BPF_K, 0, 1, X32_SYSCALL_BIT);
    RET(f, ERRNO(ENOSYS));
    deny_syscall(f, __NR_io_uring_setup, ERRNO(EPERM));
    if (no_processes) {
        deny_syscall(f, __NR_execve, ERRNO(EPERM));
        deny_syscall(f, __NR_execveat, ERRNO(EPERM));
        deny_syscall(f, __NR_fork, ERRNO(EPERM));
        deny_syscall(f, __NR_vfork, ERRNO(EPERM));
        /* clone3 passes its flags in memory that BPF cannot read: ENOSYS
         * makes glibc fall back to clone for threads. */
        deny_syscall(f, __NR_clone3, ERRNO(ENOSYS));
        /* clone: threads (CLONE_THREAD) only. */
        emit(f, BPF_JMP | BPF_JEQ | BPF_K, 0, 4, __NR_clone);
        LOAD_ARG0(f);
        emit(f, BPF_JMP | BPF_JSET | BPF_K, 0, 1, CLONE_THREAD);
        RET(f, SECCOMP_RET_ALLOW);
        RET(f, ERRNO(EPERM));
    }
    if (no_network) {
        /* socket(family, type, protocol): AF_UNIX, AF_ALG, and routing
         * netlink (which glibc's getaddrinfo uses) stay; every family that
         * can carry traffic off the machine gets EACCES. */
        emit(f, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, __NR_socket);
        RET(f, SECCOMP_RET_ALLOW);
        LOAD_ARG0(f);
        emit(f, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, AF_UNIX);
        RET(f, SECCOMP_RET_ALLOW);
        emit(f, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, AF_ALG);
        RET(f, SECCOMP_RET_ALLOW);
        emit(f, BPF_JMP | BPF_JEQ | BPF_K, 0, 4, AF_NETLINK);
        LOAD_ARG2(f);
        emit(f, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0 /* NETLINK_ROUTE */);
        RET(f, SECCOMP_RET_ALLOW);
        RET(f, ERRNO(EACCES));
        RET(f, ERRNO(EACCES));
    }
    RET(f, SECCOMP_RET_ALLOW);
}

static int install_filter(struct filter *f)
{
    struct sock_fprog program = {f->len, f->code};

    if (f->len >= MAX_FILTER) {
        errno = E2BIG;
        return -1;
    }
    return (int)syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &program);
}

/* ----- Landlock ----- */

static int add_path_rule(int ruleset, const char *path, uint64_t access)
{
    struct ll_path_beneath_attr rule = {access, -1};
    int fd = open(path, O_PATH | O_CLOEXEC);
    int rc;

    if (fd < 0)
        return errno == ENOENT ? 0 : -1;   /* a path that does not exist needs no rule */
    /* Rights that only apply to directories are refused on a file. */
    if (access & ~LL_FILE_RIGHTS) {
        int dir = open(path, O_DIRECTORY | O_PATH | O_CLOEXEC);

        if (dir < 0)
            access &= LL_FILE_RIGHTS;
        else
            close(dir);
    }
    rule.allowed_access = access;
    rule.parent_fd = fd;
    rc = (int)syscall(__NR_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &rule, 0);
    close(fd);
    return rc;
}

/* Directories a process needs to start and run: libraries, the dynamic
 * loader's cache, locale and time zone data, /proc. Granted for reading
 * under a read root; Python-level reads are still limited by the hook. */
static const char *const SYSTEM_READ[] = {"/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/proc",
                                          "/sys/devices/system/cpu", "/dev"};
/* Devices that hold no data, writable under read-only. */
static const char *const DEVICES[] = {"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom",
                                      "/dev/tty"};

struct landlock_plan {
    bool filesystem;   /* read-only, and a read root */
    bool network;      /* TCP bind and connect refused */
    bool scope_unix;   /* abstract UNIX sockets outside the domain refused */
};

static int add_rules(int ruleset, const struct hermetic_policy *p, const struct kernel_paths *paths,
                     uint64_t rights)
{
    uint64_t read = LL_READ & rights, all = rights;
    int rc = 0;

    if (p->filesystem.root == NULL) {
        rc |= add_path_rule(ruleset, "/", read);
    } else {
        for (size_t i = 0; i < sizeof(SYSTEM_READ) / sizeof(SYSTEM_READ[0]); i++)
            rc |= add_path_rule(ruleset, SYSTEM_READ[i], read);
        rc |= add_path_rule(ruleset, p->filesystem.root, read);
        for (size_t i = 0; i < p->filesystem.allow_read.len; i++)
            rc |= add_path_rule(ruleset, p->filesystem.allow_read.items[i], read);
        for (size_t i = 0; i < paths->readable.len; i++)
            rc |= add_path_rule(ruleset, paths->readable.items[i], read);
    }
    for (size_t i = 0; i < p->filesystem.allow_write.len; i++) {
        const char *path = p->filesystem.allow_write.items[i];

        /* A glob pattern is granted at the directory it starts from: the
         * kernel has no patterns, so the hook keeps the finer rule. */
        if (strpbrk(path, "*?[") != NULL) {
            char dir[4096];
            const char *glob = strpbrk(path, "*?[");
            size_t length = (size_t)(glob - path);

            while (length > 0 && path[length - 1] != '/')
                length--;
            snprintf(dir, sizeof(dir), "%.*s", (int)(length > 1 ? length - 1 : length), path);
            rc |= add_path_rule(ruleset, dir, all);
        } else {
            rc |= add_path_rule(ruleset, path, all);
        }
    }
    for (size_t i = 0; i < sizeof(DEVICES) / sizeof(DEVICES[0]); i++)
        rc |= add_path_rule(ruleset, DEVICES[i], (LL_FS_READ_FILE | LL_FS_WRITE_FILE | LL_FS_TRUNCATE) & rights);
    return rc;
}

static int apply_landlock(const struct hermetic_policy *p, const struct kernel_paths *paths,
                          const struct landlock_plan *plan, int abi)
{
    struct ll_ruleset_attr attr = {0, 0, 0};
    size_t size = abi >= 6 ? sizeof(attr) : abi >= 4 ? 2 * sizeof(uint64_t) : sizeof(uint64_t);
    uint64_t rights = fs_rights_for(abi);
    int ruleset, rc = 0;

    if (plan->filesystem)
        attr.handled_access_fs = rights;
    if (plan->network)
        attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
    if (plan->scope_unix)
        attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET;
    ruleset = (int)syscall(__NR_landlock_create_ruleset, &attr, size, 0);
    if (ruleset < 0)
        return -1;
    if (plan->filesystem)
        rc = add_rules(ruleset, p, paths, rights);
    if (rc == 0)
        rc = (int)syscall(__NR_landlock_restrict_self, ruleset, 0);
    close(ruleset);
    return rc;
}

/* ----- deciding what to apply ----- */

/* True if no network destination at all is allowed. */
static bool network_closed(const struct hermetic_policy *p)
{
    return p->network.block && !p->network.allow_localhost && p->network.allow.len == 0;
}

int kernel_apply(const struct hermetic_policy *p, const struct kernel_paths *paths, struct kernel_report *report,
                 struct hermetic_error *err)
{
    bool required = p->kernel == KERNEL_REQUIRED;
    bool no_processes = p->subprocess.block && p->subprocess.allow_exec.len == 0;
    bool no_network = network_closed(p);
    struct landlock_plan plan = {p->filesystem.readonly || p->filesystem.root != NULL, false, false};
    int abi = kernel_landlock_abi();
    struct filter filter;

    memset(report, 0, sizeof(*report));
    report->landlock_abi = abi;
    if (p->subprocess.block && !no_processes)
        note(report->skipped, sizeof(report->skipped),
             "seccomp cannot allow some programs and not others, so --allow-exec leaves exec to the hook");
    if (p->network.block && !no_network)
        note(report->skipped, sizeof(report->skipped),
             "the kernel cannot allow some addresses and not others, so allowed destinations leave the "
             "network to the hook");
    plan.network = no_network && abi >= 4;
    plan.scope_unix = no_network && !p->network.allow_unix_sockets && abi >= 6;
    if (AUDIT_ARCH_HERE == 0) {
        if (required)
            return error_set(err, HERMETIC_EXIT_PROFILE, "--kernel=required: seccomp filters are not built for "
                             "this architecture");
        note(report->skipped, sizeof(report->skipped), "seccomp: not built for this architecture");
    }
    if ((plan.filesystem || no_network) && abi == 0) {
        if (required && plan.filesystem)
            return error_set(err, HERMETIC_EXIT_PROFILE,
                             "--kernel=required: this kernel has no Landlock (needs Linux 5.13 or later with "
                             "Landlock enabled), so the filesystem policy cannot be enforced by the kernel");
        note(report->skipped, sizeof(report->skipped), "Landlock: not available on this kernel");
        plan.filesystem = false;
    }
    if (no_network && abi > 0 && abi < 4)
        note(report->skipped, sizeof(report->skipped),
             "Landlock TCP rules: need ABI 4 (Linux 6.7); seccomp still refuses IP sockets");
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return error_set_errno(err, HERMETIC_EXIT_INTERNAL, errno, "--kernel: cannot set no_new_privs");
    if ((plan.filesystem || plan.network || plan.scope_unix) && apply_landlock(p, paths, &plan, abi) != 0) {
        if (required)
            return error_set_errno(err, HERMETIC_EXIT_PROFILE, errno, "--kernel=required: Landlock failed");
        note(report->skipped, sizeof(report->skipped), "Landlock: the kernel refused the rules");
    } else if (plan.filesystem || plan.network || plan.scope_unix) {
        char text[128];

        snprintf(text, sizeof(text), "Landlock ABI %d:%s%s%s", abi, plan.filesystem ? " filesystem" : "",
                 plan.network ? " TCP" : "", plan.scope_unix ? " abstract-unix-scope" : "");
        note(report->applied, sizeof(report->applied), text);
    }
    if (AUDIT_ARCH_HERE != 0) {
        build_filter(&filter, no_processes, no_network);
        if (install_filter(&filter) != 0) {
            if (required)
                return error_set_errno(err, HERMETIC_EXIT_PROFILE, errno, "--kernel=required: seccomp failed");
            note(report->skipped, sizeof(report->skipped), "seccomp: the kernel refused the filter");
        } else {
            report->ip_sockets_refused = no_network;
            note(report->applied, sizeof(report->applied),
                 no_processes && no_network ? "seccomp: no processes, no IP sockets, no io_uring"
                 : no_processes             ? "seccomp: no processes, no io_uring"
                 : no_network               ? "seccomp: no IP sockets, no io_uring"
                                            : "seccomp: no io_uring");
        }
    }
    return 0;
}
