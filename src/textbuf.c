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

/* The length of the UTF-8 sequence at `s` and its code point, or 0 for a
 * byte that does not start a valid sequence. */
static size_t utf8_decode(const unsigned char *s, unsigned long *code_point)
{
    size_t length;
    unsigned long value;

    if (s[0] < 0x80) {
        *code_point = s[0];
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        length = 2, value = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        length = 3, value = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        length = 4, value = s[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < length; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        value = value << 6 | (s[i] & 0x3f);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are invalid. */
    if ((length == 3 && value < 0x800) || (length == 4 && (value < 0x10000 || value > 0x10ffff)) ||
        (value >= 0xd800 && value <= 0xdfff))
        return 0;
    *code_point = value;
    return length;
}

bool text_is_utf8(const char *text)
{
    unsigned long c;

    for (const unsigned char *s = (const unsigned char *)text; *s;) {
        size_t length = utf8_decode(s, &c);

        if (length == 0)
            return false;
        s += length;
    }
    return true;
}

/*
 * Characters outside YAML's printable set are escaped, and so are NEL, LS
 * and PS, which a YAML reader takes for line breaks. libyaml 0.2 turns a
 * raw NEL in a quoted scalar into a space, and it rejects C1 controls, BOM
 * and U+FFFE/U+FFFF in its input. Bytes that are not UTF-8 are copied as they
 * are; YAML cannot express them, so the text then fails to load rather
 * than load as another string.
 */
void textbuf_yaml_string(struct textbuf *buf, const char *text)
{
    textbuf_append(buf, "\"");
    for (const unsigned char *s = (const unsigned char *)text; *s;) {
        unsigned long c;
        size_t length = utf8_decode(s, &c);

        if (length == 0) {
            textbuf_printf(buf, "%c", *s++);
            continue;
        }
        if (c == '"' || c == '\\')
            textbuf_printf(buf, "\\%c", (int)c);
        else if (c < 0x20 || (c >= 0x7f && c <= 0x9f))
            textbuf_printf(buf, "\\x%02lx", c);
        else if (c == 0x2028)
            textbuf_append(buf, "\\L");
        else if (c == 0x2029)
            textbuf_append(buf, "\\P");
        else if (c == 0xfeff || c == 0xfffe || c == 0xffff)
            textbuf_printf(buf, "\\u%04lx", c);
        else
            textbuf_printf(buf, "%.*s", (int)length, (const char *)s);
        s += length;
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
