/* open-files: POSIX semantics the FAT volume lacks on its own, in a directory given as the only
 * argument: several descriptors on one file (shared data, own offsets), unlinking an open file
 * (still readable and writable through its descriptors, gone from the directory, removed at
 * the last close), renaming an open file and renaming over one. Output is the host's too. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int entries(void) {
    DIR *directory = opendir(".");
    struct dirent *entry;
    int count = 0;
    while ((entry = readdir(directory)) != NULL) {
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0) count++;
    }
    closedir(directory);
    return count;
}

static void show(const char *name) {
    char buffer[32] = {0};
    int fd = open(name, O_RDONLY);
    ssize_t got = fd < 0 ? -1 : read(fd, buffer, sizeof buffer - 1);
    printf("%s: %zd '%s'\n", name, got, got > 0 ? buffer : "");
    if (fd >= 0) close(fd);
}

int main(int argc, char **argv) {
    if (argc != 2 || chdir(argv[1]) != 0 || mkdir("open-files", 0755) != 0 || chdir("open-files") != 0) {
        printf("usage: open-files DIRECTORY\n");
        return 2;
    }
    char buffer[32] = {0};
    /* Two descriptors, one file: what one writes the other reads; offsets are their own. */
    int writer = open("shared.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    int reader = open("shared.txt", O_RDONLY);
    printf("second open: %d\n", reader >= 0);
    printf("write: %zd\n", write(writer, "0123456789", 10));
    printf("read 4: %zd\n", read(reader, buffer, 4));
    printf("read 4 more: %zd '%s'\n", read(reader, buffer + 4, 4), buffer);
    struct stat status;
    fstat(reader, &status);
    printf("size seen by the reader: %lld\n", (long long)status.st_size);
    close(reader);

    /* Unlink while open. */
    printf("unlink open file: %d\n", unlink("shared.txt"));
    printf("still there by name: %d\n", access("shared.txt", F_OK) == 0);
    memset(buffer, 0, sizeof buffer);
    printf("pread through the descriptor: %zd '%s'\n", pread(writer, buffer, 10, 0), buffer);
    printf("write through the descriptor: %zd\n", write(writer, "!", 1));
    printf("entries while open: %d\n", entries());
    close(writer);
    printf("entries after close: %d\n", entries());

    /* Rename an open file; rename a file over an open one. */
    int moving = open("before.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    write(moving, "abc", 3);
    printf("rename open file: %d\n", rename("before.txt", "after.txt"));
    printf("write after rename: %zd\n", write(moving, "D", 1));
    show("after.txt");
    show("before.txt");
    int target = open("target.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    write(target, "old", 3);
    printf("rename over an open file: %d\n", rename("after.txt", "target.txt"));
    memset(buffer, 0, sizeof buffer);
    printf("old contents through its descriptor: %zd '%s'\n", pread(target, buffer, 10, 0), buffer);
    show("target.txt");
    printf("entries: %d\n", entries());
    close(target);
    close(moving);
    printf("unlink target.txt: %d\n", unlink("target.txt"));
    printf("entries at the end: %d\n", entries());
    chdir("..");
    printf("rmdir: %d\n", rmdir("open-files"));
    return 0;
}
