/* sqlite: a small SQLite front end for Stardust's posix profile, over the SQLite amalgamation
 * (libsqlite3-sys's bundled copy), built multi-threaded (SQLITE_THREADSAFE=1).
 * Usage: sqlite [-t] [-q] DATABASE (SQL | -f FILE)...
 * runs each SQL argument, and the statements in each FILE, in order. With -t,
 * "time: N NANOSECONDS" follows the Nth one's run on standard error, measured on
 * CLOCK_MONOTONIC (scripts/bench-posix reads it). With -q, rows are computed but not printed
 * (so a benchmark measures SQLite, not the console).
 * Rows print as the sqlite3 shell's list mode (columns joined by '|', NULL as empty). An error
 * prints "Error: MESSAGE" on standard error; the exit status is then 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include "sqlite3.h"

static int timer = 0;
static int quiet = 0;

static long long now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (long long)time.tv_sec * 1000000000LL + time.tv_nsec;
}

static int row(void *unused, int columns, char **values, char **names) {
    (void)unused;
    (void)names;
    if (quiet) return 0;
    for (int i = 0; i < columns; i++) {
        if (i > 0) fputc('|', stdout);
        fputs(values[i] ? values[i] : "", stdout);
    }
    fputc('\n', stdout);
    return 0;
}

static char *read_file(const char *path) {
    FILE *file = fopen(path, "rb");
    if (file == NULL) return NULL;
    size_t size = 0, capacity = 4096;
    char *text = malloc(capacity);
    size_t got;
    while (text != NULL && (got = fread(text + size, 1, capacity - size - 1, file)) > 0) {
        size += got;
        if (capacity - size - 1 == 0) {
            capacity *= 2;
            char *bigger = realloc(text, capacity);
            if (bigger == NULL) free(text);
            text = bigger;
        }
    }
    fclose(file);
    if (text != NULL) text[size] = '\0';
    return text;
}

static int run(sqlite3 *db, const char *sql, int index) {
    char *error = NULL;
    long long start = now();
    int status = sqlite3_exec(db, sql, row, NULL, &error);
    if (timer) {
        fflush(stdout);
        fprintf(stderr, "time: %d %lld\n", index, now() - start);
    }
    if (status != SQLITE_OK) {
        fflush(stdout);
        fprintf(stderr, "Error: %s\n", error ? error : sqlite3_errmsg(db));
        sqlite3_free(error);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    while (argc > 1 && (strcmp(argv[1], "-t") == 0 || strcmp(argv[1], "-q") == 0)) {
        if (argv[1][1] == 't') timer = 1; else quiet = 1;
        argv[1] = argv[0];
        argv++;
        argc--;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: sqlite [-t] [-q] DATABASE (SQL | -f FILE)...\n");
        return 2;
    }
    if (!sqlite3_threadsafe()) {
        fprintf(stderr, "sqlite: built without threads\n");
        return 2;
    }
    sqlite3 *db;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK) {
        fprintf(stderr, "Error: cannot open %s: %s\n", argv[1], sqlite3_errmsg(db));
        return 1;
    }
    int status = 0;
    int index = 0;
    for (int i = 2; i < argc && status == 0; i++) {
        index++;
        if (strcmp(argv[i], "-f") == 0) {
            char *sql = i + 1 < argc ? read_file(argv[i + 1]) : NULL;
            if (sql == NULL) {
                fprintf(stderr, "Error: cannot read %s\n", i + 1 < argc ? argv[i + 1] : "(no file)");
                status = 1;
                break;
            }
            status = run(db, sql, index);
            free(sql);
            i++;
        } else {
            status = run(db, argv[i], index);
        }
        fflush(stdout); /* each part's rows are out before the next one runs */
    }
    if (sqlite3_close(db) != SQLITE_OK) {
        fprintf(stderr, "Error: closing: %s\n", sqlite3_errmsg(db));
        status = 1;
    }
    fflush(stdout);
    return status;
}
