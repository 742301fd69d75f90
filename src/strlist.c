#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "strlist.h"

void strlist_add(struct strlist *list, const char *text)
{
    list->items = xgrow(list->items, &list->cap, list->len + 2, sizeof(*list->items));
    list->items[list->len++] = xstrdup(text);
    list->items[list->len] = NULL;
}

void strlist_add_unique(struct strlist *list, const char *text)
{
    if (!strlist_contains(list, text))
        strlist_add(list, text);
}

bool strlist_contains(const struct strlist *list, const char *text)
{
    for (size_t i = 0; i < list->len; i++)
        if (strcmp(list->items[i], text) == 0)
            return true;
    return false;
}

void strlist_copy(struct strlist *into, const struct strlist *from)
{
    for (size_t i = 0; i < from->len; i++)
        strlist_add_unique(into, from->items[i]);
}

void strlist_copy_all(struct strlist *into, const struct strlist *from)
{
    for (size_t i = 0; i < from->len; i++)
        strlist_add(into, from->items[i]);
}

void strlist_free(struct strlist *list)
{
    for (size_t i = 0; i < list->len; i++)
        free(list->items[i]);
    free(list->items);
    list->items = NULL;
    list->len = list->cap = 0;
}
