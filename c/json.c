/* json.c - JSON emitter and atomic file writes. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "json.h"

static void put(struct json *j, const char *s, size_t n)
{
    if (j->oom)
        return;
    if (j->len + n + 2 > j->cap) {
        size_t cap = j->cap ? j->cap : 4096;
        char *p;
        while (j->len + n + 2 > cap)
            cap *= 2;
        p = realloc(j->buf, cap);
        if (!p) {
            j->oom = 1;
            return;
        }
        j->buf = p;
        j->cap = cap;
    }
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    j->buf[j->len] = 0;
}

static void puts_(struct json *j, const char *s)
{
    put(j, s, strlen(s));
}

static void putf(struct json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(struct json *j, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(j, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void put_string(struct json *j, const char *s)
{
    put(j, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"')
            puts_(j, "\\\"");
        else if (c == '\\')
            puts_(j, "\\\\");
        else if (c == '\n')
            puts_(j, "\\n");
        else if (c == '\t')
            puts_(j, "\\t");
        else if (c == '\r')
            puts_(j, "\\r");
        else if (c < 0x20 || c == 0x7f)
            putf(j, "\\u%04x", c);
        else
            put(j, (const char *)&c, 1);   /* UTF-8 passes through */
    }
    put(j, "\"", 1);
}

void json_init(struct json *j)
{
    memset(j, 0, sizeof *j);
    j->first[0] = 1;
}

void json_free(struct json *j)
{
    free(j->buf);
    memset(j, 0, sizeof *j);
}

static void item(struct json *j, const char *key)
{
    int i;
    if (j->depth > 0) {
        if (!j->first[j->depth])
            put(j, ",", 1);
        put(j, "\n", 1);
        for (i = 0; i < j->depth; i++)
            put(j, "  ", 2);
    }
    j->first[j->depth] = 0;
    if (key) {
        put_string(j, key);
        put(j, ": ", 2);
    }
}

static void open_(struct json *j, const char *key, const char *br)
{
    item(j, key);
    puts_(j, br);
    if (j->depth < 31)
        j->depth++;
    j->first[j->depth] = 1;
}

static void close_(struct json *j, const char *br)
{
    int i, empty = j->first[j->depth];
    if (j->depth > 0)
        j->depth--;
    if (!empty) {
        put(j, "\n", 1);
        for (i = 0; i < j->depth; i++)
            put(j, "  ", 2);
    }
    puts_(j, br);
}

void json_obj_begin(struct json *j, const char *key) { open_(j, key, "{"); }
void json_obj_end(struct json *j) { close_(j, "}"); }
void json_arr_begin(struct json *j, const char *key) { open_(j, key, "["); }
void json_arr_end(struct json *j) { close_(j, "]"); }

void json_str(struct json *j, const char *key, const char *v)
{
    item(j, key);
    put_string(j, v);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
    item(j, key);
    putf(j, "%llu", (unsigned long long)v);
}

void json_int(struct json *j, const char *key, long long v)
{
    item(j, key);
    putf(j, "%lld", v);
}

void json_f64(struct json *j, const char *key, double v)
{
    char tmp[64];
    item(j, key);
    if (!isfinite(v))
        v = 0.0;
    snprintf(tmp, sizeof tmp, "%.9g", v);
    if (!strpbrk(tmp, ".e"))
        strcat(tmp, ".0");
    puts_(j, tmp);
}

void json_bool(struct json *j, const char *key, int v)
{
    item(j, key);
    puts_(j, v ? "true" : "false");
}

void json_null(struct json *j, const char *key)
{
    item(j, key);
    puts_(j, "null");
}

void json_str_or_null(struct json *j, const char *key, const char *v)
{
    if (v)
        json_str(j, key, v);
    else
        json_null(j, key);
}

const char *json_done(struct json *j)
{
    put(j, "\n", 1);
    return j->oom ? NULL : j->buf;
}

static void split_dir(const char *path, char *dir, size_t dlen, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, dlen, ".");
        *base = path;
    } else if (slash == path) {
        snprintf(dir, dlen, "/");
        *base = slash + 1;
    } else {
        snprintf(dir, dlen, "%.*s", (int)(slash - path), path);
        *base = slash + 1;
    }
}

static int make_temp(const char *path, char *tmp, size_t tlen)
{
    snprintf(tmp, tlen, "%s.tmp.XXXXXX", path);
    return mkstemp(tmp);
}

/* An existing path that is not a regular file (/dev/null, /dev/stdout, a
 * FIFO) is written in place: renaming over it would replace the device
 * node with a regular file (src/export/file.rs says the same). */
static int is_special(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

static int write_in_place(const char *path, const char *text, char *err, size_t errlen)
{
    size_t n = strlen(text), off = 0;
    int fd = open(path, O_WRONLY);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    while (off < n) {
        ssize_t w = write(fd, text + off, n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    close(fd);
    return 0;
}

int json_path_check(const char *path, char *err, size_t errlen)
{
    char dir[PATH_MAX], tmp[PATH_MAX + 16];
    const char *base;
    int fd;
    if (!*path) {
        snprintf(err, errlen, "--json: the path is empty");
        return -1;
    }
    if (is_special(path)) {     /* access(): opening a FIFO would wait for its reader */
        if (access(path, W_OK) != 0) {
            snprintf(err, errlen, "--json %s: cannot write it: %s", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    split_dir(path, dir, sizeof dir, &base);
    if (!*base) {
        snprintf(err, errlen, "--json %s: names a directory, not a file", path);
        return -1;
    }
    if (strlen(path) + 16 > sizeof tmp) {
        snprintf(err, errlen, "--json: the path is too long");
        return -1;
    }
    fd = make_temp(path, tmp, sizeof tmp);
    if (fd < 0) {
        snprintf(err, errlen, "--json %s: cannot create a file in %s: %s", path, dir, strerror(errno));
        return -1;
    }
    close(fd);
    unlink(tmp);
    return 0;
}

int write_file_atomic(const char *path, const char *text, char *err, size_t errlen)
{
    char dir[PATH_MAX], tmp[PATH_MAX + 16];
    const char *base;
    size_t n = strlen(text), off = 0;
    int fd, dfd;
    if (is_special(path))
        return write_in_place(path, text, err, errlen);
    split_dir(path, dir, sizeof dir, &base);
    fd = make_temp(path, tmp, sizeof tmp);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a temporary file for %s: %s", path, strerror(errno));
        return -1;
    }
    {
        mode_t mask = umask(0);
        umask(mask);
        fchmod(fd, 0666 & ~mask);   /* mkstemp made it 0600 */
    }
    while (off < n) {
        ssize_t w = write(fd, text + off, n - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
            close(fd);
            unlink(tmp);
            return -1;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0) {
        snprintf(err, errlen, "cannot flush %s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    if (close(fd) != 0) {
        snprintf(err, errlen, "cannot close %s: %s", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}
