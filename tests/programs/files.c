/* files: the POSIX file calls on a directory given as the only argument (a scratch directory
 * natively on the host; /data (FAT) or / (the RAM root) in Stardust), printing what each call
 * gives. Nothing printed depends on the file system's kind, a path or the time, so the host's
 * output is the oracle for the VM's. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int failures = 0;

static void check(const char *what, long result) {
    if (result < 0) {
        printf("%s: -1 %s\n", what, strerror(errno));
    } else {
        printf("%s: %ld\n", what, result);
    }
}

static int compare(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void list(const char *path) {
    DIR *directory = opendir(path);
    if (directory == NULL) {
        printf("opendir %s: %s\n", path, strerror(errno));
        failures++;
        return;
    }
    char *names[64];
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(directory)) != NULL && count < 64) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        names[count++] = strdup(entry->d_name);
    }
    closedir(directory);
    qsort(names, count, sizeof names[0], compare);
    printf("listing:");
    for (int i = 0; i < count; i++) {
        printf(" %s", names[i]);
        free(names[i]);
    }
    printf("\n");
}

int main(int argc, char **argv) {
    if (argc != 2 || chdir(argv[1]) != 0) {
        printf("usage: files DIRECTORY (an existing, empty directory)\n");
        return 2;
    }
    check("mkdir work", mkdir("work", 0755));
    check("mkdir work again", mkdir("work", 0755));
    check("chdir work", chdir("work"));

    int fd = open("notes.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    check("open notes.txt", fd >= 0 ? 3 : -1);
    const char *text = "The quick brown fox jumps over the lazy dog.\n";
    check("write", write(fd, text, strlen(text)));
    check("lseek end", lseek(fd, 0, SEEK_END));
    check("lseek set 4", lseek(fd, 4, SEEK_SET));
    char buffer[128] = {0};
    check("read 5", read(fd, buffer, 5));
    printf("read: '%s'\n", buffer);
    check("pwrite at 10", pwrite(fd, "BROWN", 5, 10));
    memset(buffer, 0, sizeof buffer);
    check("pread at 4", pread(fd, buffer, 15, 4));
    printf("pread: '%s'\n", buffer);
    check("offset after pread", lseek(fd, 0, SEEK_CUR));
    struct stat status;
    check("fstat", fstat(fd, &status));
    printf("size %lld regular %d directory %d\n", (long long)status.st_size, S_ISREG(status.st_mode), S_ISDIR(status.st_mode));
    check("ftruncate 9", ftruncate(fd, 9));
    check("fstat after truncate", fstat(fd, &status));
    printf("size %lld\n", (long long)status.st_size);
    /* The file's time is the wall clock's (the VM's from its real-time clock; FAT keeps even
       seconds): within two minutes of now, whatever the machine. */
    long long age = (long long)time(NULL) - (long long)status.st_mtime;
    printf("fstat: modified within two minutes of now: %s\n", age >= -120 && age <= 120 ? "yes" : "no");
    int copy = dup(fd);
    check("dup", copy > fd ? 1 : -1);
    check("lseek dup to 2", lseek(copy, 2, SEEK_SET));
    check("shared offset", lseek(fd, 0, SEEK_CUR));
    check("fcntl F_GETFD", fcntl(fd, F_GETFD));
    check("fcntl F_SETFD", fcntl(fd, F_SETFD, FD_CLOEXEC));
    check("fcntl F_GETFD again", fcntl(fd, F_GETFD));
    check("fcntl F_GETFL & O_ACCMODE", fcntl(fd, F_GETFL) & O_ACCMODE);
    struct flock lock = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    check("fcntl F_SETLK", fcntl(fd, F_SETLK, &lock));
    check("fsync", fsync(fd));
    check("close dup", close(copy));
    check("close", close(fd));
    check("close again", close(fd));

    /* stdio on top: fopen, fprintf, fgets. */
    FILE *file = fopen("lines.txt", "w");
    for (int i = 1; i <= 100; i++) fprintf(file, "line %d of 100\n", i);
    check("fclose", fclose(file));
    file = fopen("lines.txt", "r");
    char line[64];
    int lines = 0;
    while (fgets(line, sizeof line, file) != NULL) lines++;
    fclose(file);
    printf("lines read: %d, last: %s", lines, line);
    check("stat lines.txt", stat("lines.txt", &status));
    printf("size %lld\n", (long long)status.st_size);

    /* A larger file, written and read back in pieces. */
    fd = open("big.bin", O_CREAT | O_WRONLY | O_TRUNC, 0644);
    static unsigned char block[70000];
    for (size_t i = 0; i < sizeof block; i++) block[i] = (unsigned char)(i * 7 + 3);
    check("write 70000", write(fd, block, sizeof block));
    close(fd);
    fd = open("big.bin", O_RDONLY);
    static unsigned char back[70000];
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, back + got, 4096);
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    printf("read back %zu bytes, same: %d\n", got, memcmp(block, back, sizeof block) == 0);
    fd = open("big.bin", O_RDONLY);
    check("write to a read-only descriptor", write(fd, "x", 1));
    close(fd);

    check("mkdir sub", mkdir("sub", 0755));
    check("rename notes.txt sub/renamed.txt", rename("notes.txt", "sub/renamed.txt"));
    check("stat notes.txt", stat("notes.txt", &status));
    check("stat sub/renamed.txt", stat("sub/renamed.txt", &status));
    printf("size %lld\n", (long long)status.st_size);
    age = (long long)time(NULL) - (long long)status.st_mtime;
    printf("stat: modified within two minutes of now: %s\n", age >= -120 && age <= 120 ? "yes" : "no");
    check("stat sub", stat("sub", &status));
    age = (long long)time(NULL) - (long long)status.st_mtime;
    printf("stat of a new directory: modified within two minutes of now: %s\n", age >= -120 && age <= 120 ? "yes" : "no");
    check("open missing", open("missing.txt", O_RDONLY));
    check("open O_EXCL existing", open("lines.txt", O_CREAT | O_EXCL | O_WRONLY, 0644));
    check("open directory for writing", open("sub", O_WRONLY));
    check("open file as directory", open("lines.txt", O_RDONLY | O_DIRECTORY));
    check("rmdir non-empty", rmdir("sub"));
    check("unlink a directory", unlink("sub"));
    list(".");
    list("sub");
    char cwd[256];
    check("getcwd ends in /work", getcwd(cwd, sizeof cwd) != NULL && strlen(cwd) >= 5 &&
                                      strcmp(cwd + strlen(cwd) - 5, "/work") == 0 ? 1 : -1);
    check("unlink sub/renamed.txt", unlink("sub/renamed.txt"));
    check("rmdir sub", rmdir("sub"));
    check("unlink lines.txt", unlink("lines.txt"));
    check("unlink big.bin", unlink("big.bin"));
    check("unlink missing", unlink("lines.txt"));
    check("access missing", access("lines.txt", F_OK));
    list(".");
    /* rm -rf's way: unlink each entry as the listing returns it, then rmdir. */
    check("mkdir many", mkdir("many", 0755));
    char name[64];
    for (int i = 0; i < 80; i++) {
        snprintf(name, sizeof name, "many/file-%02d.txt", i);
        int created = open(name, O_CREAT | O_WRONLY | O_TRUNC, 0644);
        write(created, name, strlen(name));
        close(created);
    }
    DIR *many = opendir("many");
    int removed = 0;
    struct dirent *entry;
    while ((entry = readdir(many)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
        snprintf(name, sizeof name, "many/%s", entry->d_name);
        if (unlink(name) == 0) removed++;
    }
    closedir(many);
    printf("removed while listing: %d\n", removed);
    check("rmdir many", rmdir("many"));
    check("chdir ..", chdir(".."));
    check("rmdir work", rmdir("work"));
    return failures;
}
