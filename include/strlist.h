/* A growable list of owned strings. */
#ifndef HERMETIC_STRLIST_H
#define HERMETIC_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

struct strlist {
    char **items;
    size_t len;
    size_t cap;
};

void strlist_add(struct strlist *list, const char *text);
/* Add `text` unless an equal string is already in the list. */
void strlist_add_unique(struct strlist *list, const char *text);
bool strlist_contains(const struct strlist *list, const char *text);
/* Append the strings of `from` that `into` does not hold yet. */
void strlist_copy(struct strlist *into, const struct strlist *from);
/* Append every string of `from`, duplicates included. */
void strlist_copy_all(struct strlist *into, const struct strlist *from);
void strlist_free(struct strlist *list);

#endif
