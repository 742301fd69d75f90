#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define PREFIX "hermetic: "

/* Write all of `text`, retrying short writes; output errors are ignored
 * because there is nowhere left to report them. */
static void write_all(int fd, const char *text, size_t length)
{
    while (length > 0) {
        ssize_t n = write(fd, text, length);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        text += n;
        length -= (size_t)n;
    }
}

void log_vmessage(const char *format, va_list args)
{
    char line[4096];
    size_t used = sizeof(PREFIX) - 1;
    int n;

    memcpy(line, PREFIX, used);
    n = vsnprintf(line + used, sizeof(line) - used - 1, format, args);
    if (n < 0)
        n = 0;
    used += (size_t)n < sizeof(line) - used - 1 ? (size_t)n : sizeof(line) - used - 2;
    line[used++] = '\n';
    write_all(STDERR_FILENO, line, used);
}

void log_message(const char *format, ...)
{
    va_list args;

    va_start(args, format);
    log_vmessage(format, args);
    va_end(args);
}

void log_warn(const char *format, ...)
{
    char buffer[3072];
    va_list args;

    va_start(args, format);
    vsnprintf(buffer, sizeof(buffer), format, args);
    va_end(args);
    log_message("warning: %s", buffer);
}

void log_die(int status, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    log_vmessage(format, args);
    va_end(args);
    exit(status);
}

void log_die_error(const struct hermetic_error *err)
{
    log_die(err->status, "%s", err->message);
}

void log_write_stdout(const char *text)
{
    fflush(stdout);
    write_all(STDOUT_FILENO, text, strlen(text));
}

void log_write_stderr(const char *text)
{
    write_all(STDERR_FILENO, text, strlen(text));
}

/* Length of the UTF-8 sequence starting at `s`, or 0 if it is invalid. */
static size_t utf8_sequence_length(const unsigned char *s)
{
    size_t need;
    unsigned int cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        need = 2, cp = s[0] & 0x1f;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        need = 3, cp = s[0] & 0x0f;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        need = 4, cp = s[0] & 0x07;
    else
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return need;
}

size_t log_json_escape(char *out, size_t size, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t used = 0;
    char piece[8];

#define EMIT(str, len)                                            \
    do {                                                          \
        for (size_t k_ = 0; k_ < (len); k_++) {                   \
            if (used + 1 < size)                                  \
                out[used] = (str)[k_];                            \
            used++;                                               \
        }                                                         \
    } while (0)

    EMIT("\"", 1);
    while (*s != '\0') {
        size_t n = utf8_sequence_length(s);

        if (n == 0) {
            EMIT("\\ufffd", 6);
            s++;
        } else if (*s == '"' || *s == '\\') {
            piece[0] = '\\';
            piece[1] = (char)*s;
            EMIT(piece, 2);
            s++;
        } else if (*s < 0x20 || *s == 0x7f) {
            snprintf(piece, sizeof(piece), "\\u%04x", *s);
            EMIT(piece, 6);
            s++;
        } else {
            EMIT((const char *)s, n);
            s += n;
        }
    }
    EMIT("\"", 1);
#undef EMIT
    if (size > 0)
        out[used < size ? used : size - 1] = '\0';
    return used;
}

void log_json_record(int fd, const char *decision, const char *guard,
                     const char *target, const char *message)
{
    char head[160];
    char stamp[64];
    struct timeval now;
    struct tm tm;
    size_t head_len, size, used;
    char *line;

    gettimeofday(&now, NULL);
    gmtime_r(&now.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    head_len = (size_t)snprintf(head, sizeof(head),
                                "{\"time\":\"%s.%03ldZ\",\"pid\":%ld,\"decision\":\"%s\",\"guard\":",
                                stamp, (long)(now.tv_usec / 1000), (long)getpid(), decision);
    size = head_len + log_json_escape(NULL, 0, guard) + log_json_escape(NULL, 0, target) +
           log_json_escape(NULL, 0, message) + 32;
    line = malloc(size);
    if (line == NULL)
        return;
    memcpy(line, head, head_len);
    used = head_len;
    used += log_json_escape(line + used, size - used, guard);
    used += (size_t)snprintf(line + used, size - used, ",\"target\":");
    used += log_json_escape(line + used, size - used, target);
    used += (size_t)snprintf(line + used, size - used, ",\"message\":");
    used += log_json_escape(line + used, size - used, message);
    line[used++] = '}';
    line[used++] = '\n';
    write_all(fd, line, used);
    free(line);
}
