/* Profiles: YAML files (version: 1) that set policy. The only file that
 * includes <yaml.h> is profile.c. */
#ifndef HERMETIC_PROFILE_H
#define HERMETIC_PROFILE_H

#include <stddef.h>

#include "error.h"
#include "policy.h"
#include "strlist.h"

/* Profiles larger than this are refused: a profile is a few dozen lines. */
#define PROFILE_SIZE_MAX (1024 * 1024)
/* The longest extends chain followed before giving up. */
#define PROFILE_DEPTH_MAX 16

/* The directories searched for --profile NAME, in order. */
struct profile_search {
    struct strlist dirs;
};

/*
 * Build the search path: $HERMETIC_PROFILE_PATH (colon-separated),
 * $XDG_CONFIG_HOME/hermetic/profiles (default ~/.config/hermetic/profiles),
 * /etc/hermetic/profiles, then `data_dirs` (NULL-terminated).
 */
void profile_search_init(struct profile_search *search, const char *const *data_dirs);
void profile_search_free(struct profile_search *search);

/* One parsed profile file, before its extends are applied. */
struct profile_doc {
    char *description;
    struct strlist extends;           /* names or paths, as written */
    struct strlist extends_at;        /* FILE:LINE:COL of each, for messages */
    struct hermetic_policy policy;    /* paths resolved against the current directory */
};

/*
 * Parse profile text. `file` names it in messages ("FILE:LINE:COL: ...").
 * Returns 0, or -1 with err set (status 78).
 */
int profile_parse(const char *text, size_t length, const char *file, struct profile_doc *doc,
                  struct hermetic_error *err);
void profile_doc_free(struct profile_doc *doc);

/*
 * Find a profile: a value containing '/' or ending in .yaml or .yml is a
 * file (relative to `base_dir` when given, else to the current directory);
 * anything else is a name looked up as NAME.yaml or NAME.yml in the search
 * path. Returns an allocated real path, or NULL with err set.
 */
char *profile_find(const struct profile_search *search, const char *name, const char *base_dir,
                   struct hermetic_error *err);

/* Load a profile and everything it extends, and merge it into `into`. */
int profile_load(const struct profile_search *search, const char *name, struct hermetic_policy *into,
                 struct hermetic_error *err);

/* A profile found in the search path, for --list-profiles. */
struct profile_entry {
    char *name;
    char *file;
    char *description;   /* NULL if the file does not load */
    char *problem;       /* why it does not load, or NULL */
    bool shadowed;       /* lookup finds another profile of this name first: one in an
                            earlier directory, or NAME.yaml beside this NAME.yml */
};

/* List every profile in the search path, in lookup order. */
size_t profile_list(const struct profile_search *search, struct profile_entry **entries);
void profile_list_free(struct profile_entry *entries, size_t count);

#endif
