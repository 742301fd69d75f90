#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "textbuf.h"

static void reserve(struct textbuf *buf, size_t extra)
{
    buf->data = xgrow(buf->data, &buf->cap, buf->len + extra + 1, 1);
}

void textbuf_append(struct textbuf *buf, const char *text)
{
    size_t n = strlen(text);

    reserve(buf, n);
    memcpy(buf->data + buf->len, text, n + 1);
    buf->len += n;
}

void textbuf_printf(struct textbuf *buf, const char *format, ...)
{
    va_list args;
    int n;

    va_start(args, format);
    n = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (n < 0)
        return;
    reserve(buf, (size_t)n);
    va_start(args, format);
    vsnprintf(buf->data + buf->len, (size_t)n + 1, format, args);
    va_end(args);
    buf->len += (size_t)n;
}

void textbuf_yaml_string(struct textbuf *buf, const char *text)
{
    textbuf_append(buf, "\"");
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        if (*s == '"' || *s == '\\')
            textbuf_printf(buf, "\\%c", *s);
        else if (*s < 0x20 || *s == 0x7f)
            textbuf_printf(buf, "\\x%02x", *s);
        else
            textbuf_printf(buf, "%c", *s);
    }
    textbuf_append(buf, "\"");
}

char *textbuf_take(struct textbuf *buf)
{
    char *data = buf->data ? buf->data : xstrdup("");

    buf->data = NULL;
    buf->len = buf->cap = 0;
    return data;
}
