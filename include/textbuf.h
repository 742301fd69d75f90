/* A growable, always NUL-terminated text buffer. */
#ifndef HERMETIC_TEXTBUF_H
#define HERMETIC_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

struct textbuf {
    char *data;
    size_t len, cap;
};

void textbuf_append(struct textbuf *buf, const char *text);
void textbuf_printf(struct textbuf *buf, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* Append `text` as a YAML double-quoted scalar. */
void textbuf_yaml_string(struct textbuf *buf, const char *text);
/* True if `text` is valid UTF-8, which YAML needs: a profile cannot
 * express a string that is not. */
bool text_is_utf8(const char *text);
/* Hand the text to the caller (free it with free) and reset the buffer. */
char *textbuf_take(struct textbuf *buf);

#endif
