/* json.h - a small pretty-printing JSON emitter into a growable buffer, and
 * the atomic file write (temp file in the same directory, fsync, rename). */
#ifndef PTEAR_JSON_H
#define PTEAR_JSON_H

#include <stddef.h>
#include <stdint.h>

struct json {
    char *buf;
    size_t len, cap;
    int depth;
    int first[32];                  /* per nesting level: nothing written yet */
    int oom;
};

void json_init(struct json *j);
void json_free(struct json *j);
/* key is NULL inside arrays and for the top level */
void json_obj_begin(struct json *j, const char *key);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j, const char *key);
void json_arr_end(struct json *j);
void json_str(struct json *j, const char *key, const char *v);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_int(struct json *j, const char *key, long long v);
void json_f64(struct json *j, const char *key, double v);   /* always has a '.' or exponent */
void json_bool(struct json *j, const char *key, int v);
void json_null(struct json *j, const char *key);
/* json_str, or json_null where v is NULL */
void json_str_or_null(struct json *j, const char *key, const char *v);
/* finish: returns the text (owned by j), NUL-terminated with a final newline */
const char *json_done(struct json *j);

/* Can a file be created in PATH's directory? 0, or -1 with errno-based
 * reason in err. */
int json_path_check(const char *path, char *err, size_t errlen);
/* Write text to path atomically. 0, or -1 with a reason in err. */
int write_file_atomic(const char *path, const char *text, char *err, size_t errlen);

#endif
