#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "alloc.h"
#include "hosts.h"

#define HOSTS_FILE_MAX (1 << 20)

static void add_entry(struct hosts_table *table, const char *name, const struct netaddr *addr)
{
    struct hosts_entry *e;

    table->entries = xgrow(table->entries, &table->cap, table->len + 1, sizeof(*table->entries));
    e = &table->entries[table->len];
    if (netname_normalize(name, e->name, sizeof(e->name)) != 0)
        return;
    e->addr = *addr;
    table->len++;
}

/* Parse an address as glibc's files backend does: inet_pton for IPv4, then
 * for IPv6. It skips lines with any other form ("127.1", "fe80::1%eth0"),
 * so those names are not answered from the file. */
static int parse_hosts_address(const char *text, struct netaddr *out)
{
    unsigned char bytes[16];

    if (inet_pton(AF_INET, text, bytes) != 1 && inet_pton(AF_INET6, text, bytes) != 1)
        return -1;
    return netaddr_parse(text, out);
}

static void parse_hosts_line(struct hosts_table *table, char *line)
{
    char *save = NULL, *field;
    struct netaddr addr;
    char *hash = strchr(line, '#');

    if (hash != NULL)
        *hash = '\0';
    field = strtok_r(line, " \t\r", &save);
    if (field == NULL || parse_hosts_address(field, &addr) != 0)
        return;
    while ((field = strtok_r(NULL, " \t\r", &save)) != NULL)
        add_entry(table, field, &addr);
}

/* Sources that answer from local data only. Anything else may query. */
static bool source_is_local(const char *source)
{
    static const char *const local[] = {"files", "myhostname", "mymachines", "resolve", "extrausers"};

    for (size_t i = 0; i < sizeof(local) / sizeof(local[0]); i++)
        if (strcmp(source, local[i]) == 0)
            return true;
    return false;
}

static void parse_nsswitch(struct hosts_table *table, const char *text)
{
    const char *line = text;

    /* glibc's default without a hosts: line is "dns [!UNAVAIL=return] files". */
    table->files_first = false;
    table->localhost_synthesized = false;
    while (line != NULL && *line != '\0') {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[1024], *save = NULL, *word;

        while (len > 0 && isspace((unsigned char)*line))
            line++, len--;
        if (len >= 6 && strncmp(line, "hosts:", 6) == 0 && len < sizeof(buf)) {
            /* glibc (2.36, as in Debian 12) uses only the last hosts: line. */
            table->files_first = false;
            table->localhost_synthesized = false;
            memcpy(buf, line + 6, len - 6);
            buf[len - 6] = '\0';
            if ((word = strchr(buf, '#')) != NULL)
                *word = '\0';
            for (word = strtok_r(buf, " \t\r", &save); word; word = strtok_r(NULL, " \t\r", &save)) {
                if (word[0] == '[')
                    continue;  /* an action such as [NOTFOUND=return] */
                if (!source_is_local(word))
                    break;
                if (strcmp(word, "files") == 0)
                    table->files_first = true;
                if (strcmp(word, "myhostname") == 0 || strcmp(word, "resolve") == 0)
                    table->localhost_synthesized = true;
            }
        }
        line = end ? end + 1 : NULL;
    }
}

void hosts_parse(struct hosts_table *table, const char *hosts_text, const char *nsswitch_text)
{
    char *copy, *line, *save = NULL;

    memset(table, 0, sizeof(*table));
    if (nsswitch_text != NULL)
        parse_nsswitch(table, nsswitch_text);
    if (hosts_text == NULL)
        return;
    copy = xstrdup(hosts_text);
    for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
        parse_hosts_line(table, line);
    free(copy);
}

static char *read_small_file(const char *path)
{
    FILE *f = fopen(path, "re");
    char *text;
    size_t n;

    if (f == NULL)
        return NULL;
    text = xmalloc(HOSTS_FILE_MAX + 1);
    n = fread(text, 1, HOSTS_FILE_MAX, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

void hosts_load(struct hosts_table *table, const char *hosts_path, const char *nsswitch_path)
{
    char *hosts_text = read_small_file(hosts_path ? hosts_path : "/etc/hosts");
    char *nsswitch_text = read_small_file(nsswitch_path ? nsswitch_path : "/etc/nsswitch.conf");

    hosts_parse(table, hosts_text, nsswitch_text);
    free(hosts_text);
    free(nsswitch_text);
}

enum hosts_answer hosts_lookup(const struct hosts_table *table, const char *name)
{
    enum hosts_answer answer = HOSTS_UNKNOWN;

    if (table->files_first) {
        for (size_t i = 0; i < table->len; i++) {
            if (strcmp(table->entries[i].name, name) != 0)
                continue;
            if (!netaddr_is_loopback(&table->entries[i].addr))
                return HOSTS_OTHER;
            answer = HOSTS_LOOPBACK_ONLY;
        }
    }
    if (answer == HOSTS_UNKNOWN && table->localhost_synthesized && strcmp(name, "localhost") == 0)
        answer = HOSTS_LOOPBACK_ONLY;
    return answer;
}

bool hosts_has_address(const struct hosts_table *table, const struct netaddr *a)
{
    if (!table->files_first)
        return false;
    for (size_t i = 0; i < table->len; i++)
        if (netaddr_equal(&table->entries[i].addr, a))
            return true;
    return false;
}

void hosts_free(struct hosts_table *table)
{
    free(table->entries);
    memset(table, 0, sizeof(*table));
}
