/* sqlite: a small SQLite front end for Stardust's posix profile, over the SQLite amalgamation
 * (libsqlite3-sys's bundled copy), built multi-threaded (SQLITE_THREADSAFE=1).
 * Usage: sqlite DATABASE SQL...       runs each SQL argument
 *        sqlite DATABASE -f FILE      runs the statements in FILE
 * Rows print as the sqlite3 shell's list mode (columns joined by '|', NULL as empty). An error
 * prints "Error: MESSAGE" on standard error; the exit status is then 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3.h"

static int row(void *unused, int columns, char **values, char **names) {
    (void)unused;
    (void)names;
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

static int run(sqlite3 *db, const char *sql) {
    char *error = NULL;
    if (sqlite3_exec(db, sql, row, NULL, &error) != SQLITE_OK) {
        fflush(stdout);
        fprintf(stderr, "Error: %s\n", error ? error : sqlite3_errmsg(db));
        sqlite3_free(error);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: sqlite DATABASE SQL... | sqlite DATABASE -f FILE\n");
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
    if (strcmp(argv[2], "-f") == 0) {
        char *sql = argc > 3 ? read_file(argv[3]) : NULL;
        if (sql == NULL) {
            fprintf(stderr, "Error: cannot read %s\n", argc > 3 ? argv[3] : "(no file)");
            status = 1;
        } else {
            status = run(db, sql);
            free(sql);
        }
    } else {
        for (int i = 2; i < argc && status == 0; i++) {
            status = run(db, argv[i]);
            fflush(stdout); /* each argument's rows are out before the next one runs */
        }
    }
    if (sqlite3_close(db) != SQLITE_OK) {
        fprintf(stderr, "Error: closing: %s\n", sqlite3_errmsg(db));
        status = 1;
    }
    fflush(stdout);
    return status;
}
