/* config.h - the options of one ptear run, the limits that bound them and
 * the names shared by the command line, the reports and `ptear list`. */
#ifndef PTEAR_CONFIG_H
#define PTEAR_CONFIG_H

#include <stdint.h>

#define PTEAR_NAME          "ptear"
#define PTEAR_VERSION       "0.1.0"          /* keep equal to Cargo.toml */
#define PTEAR_IMPLEMENTATION "c"

#define PTEAR_MAX_THREADS   1024u            /* readers + writers */
#define PTEAR_MAX_PAIRS     (1u << 26)
#define PTEAR_MAX_GAP       100000000u       /* spin iterations */
#define PTEAR_MAX_LOW_PERIOD 2147483648u     /* 2^31 */
#define PTEAR_MAX_DURATION_S 1e9
#define PTEAR_MAX_CPU_LIST  4096u            /* entries of --cpus once expanded */

enum reader_kind { READER_LOCKLESS, READER_ONCE };
enum writer_kind { WRITER_DOCUMENTED, WRITER_MIPS, WRITER_SH, WRITER_UNORDERED };
enum barrier_kind { BARRIER_KERNEL, BARRIER_FULL, BARRIER_SYNCO, BARRIER_COMPILER, BARRIER_NONE };
enum out_format { FORMAT_TEXT, FORMAT_JSON };
enum expect_kind { EXPECT_NONE, EXPECT_CLEAN, EXPECT_TORN };

struct config {
    enum reader_kind reader;
    enum writer_kind writer;
    enum barrier_kind barrier;
    uint32_t readers, writers, pairs;
    int has_duration;
    double duration_s;
    int has_reads;
    uint64_t reads;
    uint32_t low_period;
    uint32_t writer_gap, reader_gap;
    uint64_t seed;
    int has_cpus;
    uint32_t ncpus;                 /* length of cpus[] (expanded, in order) */
    int *cpus;
    int has_checkpoint;
    double checkpoint_s;
    const char *json_path;          /* NULL if not set */
    enum out_format format;
    enum expect_kind expect;
    int quiet;
};

extern const char *const reader_names[];
extern const char *const writer_names[];
extern const char *const barrier_names[];

#endif
