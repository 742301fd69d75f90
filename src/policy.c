#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "alloc.h"
#include "codepolicy.h"
#include "pathrule.h"
#include "policy.h"
#include "textbuf.h"

const char *guard_name(enum guard guard)
{
    switch (guard) {
    case GUARD_NETWORK: return "network";
    case GUARD_SUBPROCESS: return "subprocess";
    case GUARD_FILESYSTEM: return "filesystem";
    case GUARD_NATIVE: return "native";
    case GUARD_ENVIRONMENT: return "environment";
    case GUARD_CODE_EXEC: return "code_exec";
    case GUARD_IMPORTS: return "imports";
    case GUARD_INTERPRETER: return "interpreter";
    case GUARD_SEAL: return "seal";
    case GUARD_KERNEL: return "kernel";
    }
    return "unknown";
}

void policy_init(struct hermetic_policy *policy)
{
    memset(policy, 0, sizeof(*policy));
}

void policy_free(struct hermetic_policy *policy)
{
    free(policy->network.allow.items);
    strlist_free(&policy->subprocess.allow_exec);
    free(policy->filesystem.root);
    strlist_free(&policy->filesystem.allow_read);
    strlist_free(&policy->filesystem.allow_write);
    strlist_free(&policy->native.allow);
    strlist_free(&policy->environment.allow);
    strlist_free(&policy->imports.deny);
    free(policy->log_json);
    memset(policy, 0, sizeof(*policy));
}

void policy_copy(struct hermetic_policy *into, const struct hermetic_policy *from)
{
    struct hermetic_error ignored;

    policy_free(into);
    policy_init(into);
    policy_merge(into, from, "copy", &ignored);  /* cannot conflict with an empty policy */
}

void netrule_list_add(struct netrule_list *list, const struct netrule *rule)
{
    for (size_t i = 0; i < list->len; i++)
        if (memcmp(&list->items[i], rule, sizeof(*rule)) == 0)
            return;
    list->items = xgrow(list->items, &list->cap, list->len + 1, sizeof(*list->items));
    list->items[list->len++] = *rule;
}

/* Two read roots combine to the inner one; roots that do not nest would
 * leave nothing readable that both allow, which is surely a mistake. */
static int merge_root(struct hermetic_policy *into, const char *root, const char *from_name,
                      struct hermetic_error *err)
{
    if (root == NULL)
        return 0;
    /* Equal text first: a root with glob characters need not match its
     * own text ("/srv/[ab]" does not match the name "/srv/[ab]"). */
    if (into->filesystem.root != NULL && strcmp(root, into->filesystem.root) == 0)
        return 0;
    if (into->filesystem.root == NULL || pathrule_within(root, into->filesystem.root)) {
        free(into->filesystem.root);
        into->filesystem.root = xstrdup(root);
        return 0;
    }
    if (pathrule_within(into->filesystem.root, root))
        return 0;
    return error_set(err, HERMETIC_EXIT_USAGE,
                     "conflicting read roots: %s (from %s) and %s do not nest; give one root",
                     root, from_name, into->filesystem.root);
}

int policy_merge(struct hermetic_policy *into, const struct hermetic_policy *from,
                 const char *from_name, struct hermetic_error *err)
{
    into->network.block |= from->network.block;
    into->network.allow_localhost |= from->network.allow_localhost;
    into->network.allow_unix_sockets |= from->network.allow_unix_sockets;
    for (size_t i = 0; i < from->network.allow.len; i++)
        netrule_list_add(&into->network.allow, &from->network.allow.items[i]);

    into->subprocess.block |= from->subprocess.block;
    strlist_copy(&into->subprocess.allow_exec, &from->subprocess.allow_exec);

    into->filesystem.readonly |= from->filesystem.readonly;
    if (merge_root(into, from->filesystem.root, from_name, err) != 0)
        return -1;
    strlist_copy(&into->filesystem.allow_read, &from->filesystem.allow_read);
    strlist_copy(&into->filesystem.allow_write, &from->filesystem.allow_write);

    into->native.block |= from->native.block;
    strlist_copy(&into->native.allow, &from->native.allow);
    into->environment.scrub |= from->environment.scrub;
    strlist_copy(&into->environment.allow, &from->environment.allow);
    into->code_exec.block |= from->code_exec.block;
    strlist_copy(&into->imports.deny, &from->imports.deny);
    into->interpreter.block_mutation |= from->interpreter.block_mutation;
    into->seal |= from->seal;

    if (from->kernel > into->kernel)
        into->kernel = from->kernel;
    if (from->on_violation > into->on_violation)
        into->on_violation = from->on_violation;
    if (from->trace > into->trace)
        into->trace = from->trace;
    if (from->log_json != NULL) {
        if (into->log_json != NULL && strcmp(into->log_json, from->log_json) != 0)
            return error_set(err, HERMETIC_EXIT_USAGE,
                             "conflicting --log-json files: %s (from %s) and %s; give one file",
                             from->log_json, from_name, into->log_json);
        if (into->log_json == NULL)
            into->log_json = xstrdup(from->log_json);
    }
    return 0;
}

/* True if everything `inner` allows, `outer` allows too. */
static bool rule_within(const struct netrule *inner, const struct netrule *outer)
{
    if (outer->port != 0 && outer->port != inner->port)
        return false;
    if (inner->kind == NETRULE_NETWORK)
        return outer->kind == NETRULE_NETWORK && outer->prefix_len <= inner->prefix_len &&
               netaddr_in_prefix(&inner->addr, &outer->addr, outer->prefix_len);
    if (outer->kind == NETRULE_DOMAIN)
        return netname_in_domain(inner->name, outer->name);
    /* "*.x" covers the names below x: a name strictly below it, or a
     * "*.y" rule whose y is x or below it. */
    if (outer->kind == NETRULE_SUBDOMAINS)
        return (inner->kind == NETRULE_SUBDOMAINS || strcmp(inner->name, outer->name) != 0) &&
               netname_in_domain(inner->name, outer->name);
    return false;
}

/* True if allow_localhost alone allows everything `rule` allows: a
 * loopback address or block, or the name localhost. */
static bool rule_within_localhost(const struct netrule *rule)
{
    if (rule->kind == NETRULE_NETWORK) {
        unsigned int minimum = rule->addr.family == AF_INET ? 8 : 128;

        return rule->prefix_len >= minimum && netaddr_is_loopback(&rule->addr);
    }
    return rule->kind == NETRULE_DOMAIN && strcmp(rule->name, "localhost") == 0;
}

/* Keep the rules that both sides allow: a rule of one side within a rule
 * of the other, or within the other's allow_localhost. */
static void intersect_rules(struct netrule_list *into, bool into_localhost, const struct netrule_list *other,
                            bool other_localhost)
{
    struct netrule_list kept = {0};

    for (size_t i = 0; i < into->len; i++)
        if (other_localhost && rule_within_localhost(&into->items[i]))
            netrule_list_add(&kept, &into->items[i]);
    for (size_t k = 0; k < other->len; k++)
        if (into_localhost && rule_within_localhost(&other->items[k]))
            netrule_list_add(&kept, &other->items[k]);

    for (size_t i = 0; i < into->len; i++)
        for (size_t k = 0; k < other->len; k++)
            if (rule_within(&into->items[i], &other->items[k]))
                netrule_list_add(&kept, &into->items[i]);
    for (size_t k = 0; k < other->len; k++)
        for (size_t i = 0; i < into->len; i++)
            if (rule_within(&other->items[k], &into->items[i]))
                netrule_list_add(&kept, &other->items[k]);
    free(into->items);
    *into = kept;
}

/* Entries of either list that lie within an entry of the other, by
 * `within` (a path tree, a package). */
static void intersect_trees(struct strlist *into, const struct strlist *other,
                            bool (*within)(const char *, const char *))
{
    struct strlist kept = {0};

    for (size_t i = 0; i < into->len; i++)
        for (size_t k = 0; k < other->len; k++)
            if (within(into->items[i], other->items[k]))
                strlist_add_unique(&kept, into->items[i]);
    for (size_t k = 0; k < other->len; k++)
        for (size_t i = 0; i < into->len; i++)
            if (within(other->items[k], into->items[i]))
                strlist_add_unique(&kept, other->items[k]);
    strlist_free(into);
    *into = kept;
}

static bool same_string(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

static bool in_package(const char *module, const char *package)
{
    size_t n = strlen(package);

    return strncmp(module, package, n) == 0 && (module[n] == '\0' || module[n] == '.');
}

/* An environment pattern `inner` is covered by `outer` if it has no glob
 * characters and `outer` matches it. */
static bool pattern_within(const char *inner, const char *outer)
{
    return strcmp(inner, outer) == 0 || (strpbrk(inner, "*?[") == NULL && fnmatch(outer, inner, 0) == 0);
}

/* Both block a guard: keep what both allow. One blocks it: its allowances.
 * Neither: nothing to keep. */
#define RESTRICT_LIST(into_block, layer_block, into_list, layer_list, within)       \
    do {                                                                            \
        if ((into_block) && (layer_block))                                          \
            intersect_trees(&(into_list), &(layer_list), within);                   \
        else if (layer_block) {                                                     \
            strlist_free(&(into_list));                                             \
            strlist_copy(&(into_list), &(layer_list));                              \
        }                                                                           \
    } while (0)

int policy_restrict(struct hermetic_policy *into, const struct hermetic_policy *layer,
                    struct hermetic_error *err)
{
    struct policy_network *net = &into->network;
    const struct policy_network *lnet = &layer->network;

    if (net->block && lnet->block) {
        intersect_rules(&net->allow, net->allow_localhost, &lnet->allow, lnet->allow_localhost);
        net->allow_localhost = net->allow_localhost && lnet->allow_localhost;
        net->allow_unix_sockets = net->allow_unix_sockets && lnet->allow_unix_sockets;
    } else if (lnet->block) {
        net->allow_localhost = lnet->allow_localhost;
        net->allow_unix_sockets = lnet->allow_unix_sockets;
        free(net->allow.items);
        memset(&net->allow, 0, sizeof(net->allow));
        for (size_t i = 0; i < lnet->allow.len; i++)
            netrule_list_add(&net->allow, &lnet->allow.items[i]);
    }
    net->block |= lnet->block;

    RESTRICT_LIST(into->subprocess.block, layer->subprocess.block, into->subprocess.allow_exec,
                  layer->subprocess.allow_exec, same_string);
    into->subprocess.block |= layer->subprocess.block;

    RESTRICT_LIST(into->filesystem.readonly, layer->filesystem.readonly, into->filesystem.allow_write,
                  layer->filesystem.allow_write, pathrule_within);
    RESTRICT_LIST(into->filesystem.root != NULL, layer->filesystem.root != NULL, into->filesystem.allow_read,
                  layer->filesystem.allow_read, pathrule_within);
    into->filesystem.readonly |= layer->filesystem.readonly;
    if (merge_root(into, layer->filesystem.root, "hermetic_blocker", err) != 0)
        return -1;

    RESTRICT_LIST(into->native.block, layer->native.block, into->native.allow, layer->native.allow, in_package);
    into->native.block |= layer->native.block;
    RESTRICT_LIST(into->environment.scrub, layer->environment.scrub, into->environment.allow,
                  layer->environment.allow, pattern_within);
    into->environment.scrub |= layer->environment.scrub;

    into->code_exec.block |= layer->code_exec.block;
    strlist_copy(&into->imports.deny, &layer->imports.deny);
    into->interpreter.block_mutation |= layer->interpreter.block_mutation;
    into->seal |= layer->seal;
    if (layer->kernel > into->kernel)
        into->kernel = layer->kernel;
    if (layer->on_violation > into->on_violation)
        into->on_violation = layer->on_violation;
    if (layer->trace > into->trace)
        into->trace = layer->trace;
    return 0;
}

unsigned int policy_guards(const struct hermetic_policy *p)
{
    unsigned int guards = 0;

    if (p->network.block)
        guards |= GUARD_NETWORK;
    if (p->subprocess.block)
        guards |= GUARD_SUBPROCESS;
    if (p->filesystem.readonly || p->filesystem.root != NULL)
        guards |= GUARD_FILESYSTEM;
    if (p->native.block)
        guards |= GUARD_NATIVE;
    if (p->environment.scrub)
        guards |= GUARD_ENVIRONMENT;
    if (p->code_exec.block)
        guards |= GUARD_CODE_EXEC;
    if (p->imports.deny.len > 0)
        guards |= GUARD_IMPORTS;
    if (p->interpreter.block_mutation)
        guards |= GUARD_INTERPRETER;
    if (p->seal)
        guards |= GUARD_SEAL;
    if (p->kernel != KERNEL_OFF)
        guards |= GUARD_KERNEL;
    return guards;
}

/* An allowance whose guard is off: it would be accepted and ignored. */
struct orphan_check {
    bool allowance;
    bool guard_on;
    const char *allowance_name;
    const char *guard_option;
};

static const char *const GUARD_OPTIONS[] = {
    "--no-network", "--no-subprocess", "--fs-readonly", "--block-native",
    "--no-environment", "--no-code-exec", "--deny-import", "--no-interpreter-mutation",
    "--seal", "--kernel",
};

int policy_validate(const struct hermetic_policy *p, struct hermetic_error *err)
{
    const struct orphan_check checks[] = {
        {p->network.allow_localhost, p->network.block, "--allow-localhost (network.allow_localhost)",
         "--no-network"},
        {p->network.allow_unix_sockets, p->network.block,
         "--allow-unix-socket (network.allow_unix_sockets)", "--no-network"},
        {p->network.allow.len > 0, p->network.block, "--allow-domain (network.allow)", "--no-network"},
        {p->subprocess.allow_exec.len > 0, p->subprocess.block, "--allow-exec (subprocess.allow_exec)",
         "--no-subprocess"},
        {p->filesystem.allow_write.len > 0, p->filesystem.readonly,
         "--allow-write (filesystem.allow_write)", "--fs-readonly"},
        {p->filesystem.allow_read.len > 0, p->filesystem.root != NULL,
         "--allow-read (filesystem.allow_read)", "--fs-readonly=ROOT"},
        {p->native.allow.len > 0, p->native.block, "--allow-native (native.allow)", "--block-native"},
        {p->environment.allow.len > 0, p->environment.scrub, "--allow-env (environment.allow)",
         "--no-environment"},
    };

    for (size_t i = 0; i < p->imports.deny.len; i++)
        if (codepolicy_essential(p->imports.deny.items[i]))
            return error_set(err, HERMETIC_EXIT_USAGE,
                             "--deny-import %s: the interpreter needs %s to run; it cannot be denied",
                             p->imports.deny.items[i], p->imports.deny.items[i]);
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
        if (checks[i].allowance && !checks[i].guard_on)
            return error_set(err, HERMETIC_EXIT_USAGE,
                             "%s has no effect without %s: add %s, or drop the allowance",
                             checks[i].allowance_name, checks[i].guard_option, checks[i].guard_option);
    return policy_check_implemented(p, err);
}

int policy_check_implemented(const struct hermetic_policy *p, struct hermetic_error *err)
{
    unsigned int missing = policy_guards(p) & ~(unsigned int)GUARDS_IMPLEMENTED;

    if (p->kernel == KERNEL_AUTO)
        missing &= ~(unsigned int)GUARD_KERNEL;   /* auto applies what is available, even nothing */
    for (unsigned int bit = 0; missing != 0 && bit < 10; bit++) {
        if (missing & (1u << bit))
            return error_set(err, HERMETIC_EXIT_INTERNAL,
                             "the %s guard (%s, or %s: in a profile) is not implemented yet in "
                             "hermetic %s; hermetic never runs a program with less policy than it was "
                             "given", guard_name((enum guard)(1u << bit)), GUARD_OPTIONS[bit],
                             guard_name((enum guard)(1u << bit)), HERMETIC_VERSION);
    }
    return 0;
}

bool policy_valid_module_name(const char *text)
{
    bool start = true;

    for (const char *s = text; *s != '\0'; s++) {
        if (*s == '.') {
            if (start)
                return false;
            start = true;
        } else if (isalpha((unsigned char)*s) || *s == '_' || (!start && isdigit((unsigned char)*s))) {
            start = false;
        } else {
            return false;
        }
    }
    return !start;
}

bool policy_valid_env_pattern(const char *text)
{
    if (text[0] == '\0')
        return false;
    for (const char *s = text; *s != '\0'; s++)
        if (!isalnum((unsigned char)*s) && strchr("_*?[]!-", *s) == NULL)
            return false;
    return true;
}

static const char *yaml_bool(bool value)
{
    return value ? "true" : "false";
}

/* Append a path as a YAML string with each $ doubled, because profiles
 * expand $NAME in paths and read $$ as a literal $. */
static void format_path(struct textbuf *out, const char *path)
{
    struct textbuf escaped = {0};
    char *text;

    textbuf_append(&escaped, "");
    for (const char *s = path; *s != '\0'; s++) {
        char one[2] = {*s, '\0'};

        textbuf_append(&escaped, *s == '$' ? "$$" : one);
    }
    text = textbuf_take(&escaped);
    textbuf_yaml_string(out, text);
    free(text);
}

static void format_list(struct textbuf *out, const char *key, const struct strlist *list, bool paths)
{
    textbuf_printf(out, "  %s: [", key);
    for (size_t i = 0; i < list->len; i++) {
        if (i > 0)
            textbuf_append(out, ", ");
        if (paths)
            format_path(out, list->items[i]);
        else
            textbuf_yaml_string(out, list->items[i]);
    }
    textbuf_append(out, "]\n");
}

static void format_optional_path(struct textbuf *out, const char *indent_key, const char *path)
{
    textbuf_append(out, indent_key);
    if (path == NULL) {
        textbuf_append(out, "null\n");
        return;
    }
    format_path(out, path);
    textbuf_append(out, "\n");
}

char *policy_format_yaml(const struct hermetic_policy *p, const char *header_comment)
{
    static const char *const kernel_modes[] = {"off", "auto", "required"};
    static const char *const trace_levels[] = {"false", "true", "all"};
    struct textbuf out = {0};
    char rule[NETNAME_MAX + NETADDR_TEXT_MAX];

    if (header_comment != NULL)
        textbuf_append(&out, header_comment);
    textbuf_append(&out, "version: 1\n");

    textbuf_printf(&out, "network:\n  block: %s\n  allow_localhost: %s\n  allow_unix_sockets: %s\n  allow: [",
                   yaml_bool(p->network.block), yaml_bool(p->network.allow_localhost),
                   yaml_bool(p->network.allow_unix_sockets));
    for (size_t i = 0; i < p->network.allow.len; i++) {
        if (i > 0)
            textbuf_append(&out, ", ");
        textbuf_yaml_string(&out, netrule_format(&p->network.allow.items[i], rule, sizeof(rule)));
    }
    textbuf_append(&out, "]\n");

    textbuf_printf(&out, "subprocess:\n  block: %s\n", yaml_bool(p->subprocess.block));
    format_list(&out, "allow_exec", &p->subprocess.allow_exec, true);

    textbuf_printf(&out, "filesystem:\n  readonly: %s\n", yaml_bool(p->filesystem.readonly));
    format_optional_path(&out, "  root: ", p->filesystem.root);
    format_list(&out, "allow_read", &p->filesystem.allow_read, true);
    format_list(&out, "allow_write", &p->filesystem.allow_write, true);

    textbuf_printf(&out, "native:\n  block: %s\n", yaml_bool(p->native.block));
    format_list(&out, "allow", &p->native.allow, false);
    textbuf_printf(&out, "environment:\n  scrub: %s\n", yaml_bool(p->environment.scrub));
    format_list(&out, "allow", &p->environment.allow, false);
    textbuf_printf(&out, "code_exec:\n  block: %s\n", yaml_bool(p->code_exec.block));
    textbuf_append(&out, "imports:\n");
    format_list(&out, "deny", &p->imports.deny, false);
    textbuf_printf(&out, "interpreter:\n  block_mutation: %s\n", yaml_bool(p->interpreter.block_mutation));
    textbuf_printf(&out, "seal: %s\nkernel: %s\non_violation: %s\ntrace: %s\n", yaml_bool(p->seal),
                   kernel_modes[p->kernel], p->on_violation == ON_VIOLATION_EXIT ? "exit" : "raise",
                   trace_levels[p->trace]);
    format_optional_path(&out, "log_json: ", p->log_json);
    return textbuf_take(&out);
}
