/* c-hello: a C program built with Debian's musl (musl-gcc -static), unmodified, the posix
 * profile's default program. It prints its arguments, its environment, and what stdio and a few
 * system calls give, all of it the same natively on the host and in Stardust (the boot tests
 * compare both). The exit status is the number of arguments (so the test sees it come back). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    printf("hello from C on musl\n");
    for (int i = 1; i < argc; i++) {
        printf("argument %d: %s\n", i, argv[i]);
    }
    int variables = 0;
    for (char **entry = environ; *entry != NULL; entry++) {
        printf("environment: %s\n", *entry);
        variables++;
    }
    printf("%d environment variables\n", variables);
    /* Formatting with floats: musl's printf, SSE and x87 in user mode. */
    printf("pi is about %.5f, e is about %.3e, %g\n", 3.14159265358979, 2.718281828459045, 1.0 / 3.0);
    /* The heap: malloc (brk refused, then mmap), a large block, free. */
    size_t size = 1 << 20;
    char *block = malloc(size);
    if (block == NULL) {
        printf("malloc failed\n");
        return 100;
    }
    memset(block, 'x', size);
    printf("malloc'd %zu bytes, last is %c\n", size, block[size - 1]);
    free(block);
    /* A bad pointer is an error value, not a crash. */
    errno = 0;
    ssize_t written = write(1, (const void *)16, 4);
    printf("write from a bad pointer: %zd, %s\n", written, strerror(errno));
    fprintf(stderr, "to standard error\n");
    fflush(stdout);
    return argc - 1;
}
