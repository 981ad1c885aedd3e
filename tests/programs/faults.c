/* faults: what a Linux program may do wrong, one thing per run (the first argument), each with
 * its documented outcome in Stardust and the same outcome natively on Linux (the boot tests
 * compare both): a crash ends the program with 128 + the signal, a bad pointer handed to the
 * kernel is an error value (EFAULT), an unknown system call is ENOSYS. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static void say(const char *text) {
    printf("%s\n", text);
    fflush(stdout);
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "null") == 0) {
        say("reading through a null pointer");
        volatile int *pointer = 0;
        return *pointer;
    }
    if (strcmp(mode, "nx") == 0) {
        say("jumping into data");
        static unsigned char code[] = {0xc3}; /* ret, in a writable, no-execute page */
        ((void (*)(void))code)();
        return 1;
    }
    if (strcmp(mode, "write-code") == 0) {
        say("writing to code");
        volatile unsigned char *text = (volatile unsigned char *)&main;
        *text = 0xc3;
        return 1;
    }
    if (strcmp(mode, "ud2") == 0) {
        say("an invalid instruction");
        __asm__ volatile("ud2");
        return 1;
    }
    if (strcmp(mode, "divide") == 0) {
        say("dividing by zero");
        volatile int zero = 0;
        return 10 / zero;
    }
    if (strcmp(mode, "simd") == 0) {
        /* SIGFPE from #XM; not in the boot tests: QEMU's TCG never raises #XM. */
        say("dividing by zero with SSE exceptions unmasked");
        unsigned int mxcsr = 0x1f80 & ~0x200; /* unmask divide-by-zero */
        __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
        volatile double zero = 0.0;
        volatile double result = 1.0 / zero;
        return (int)result;
    }
    if (strcmp(mode, "kernel-pointer") == 0) {
        /* The kernel's own memory (its image at 1 MiB) and an address above the user region:
         * write must answer EFAULT, not fault, and the program goes on. */
        errno = 0;
        long result = syscall(SYS_write, 1, (const void *)0x100000, 16);
        printf("write(kernel address): %ld %s\n", result, strerror(errno));
        errno = 0;
        result = syscall(SYS_write, 1, (const void *)0xffff800000000000, 16);
        printf("write(non-canonical address): %ld %s\n", result, strerror(errno));
        errno = 0;
        result = syscall(SYS_read, 0, (void *)&main, 1);
        printf("read(0) into code: %ld\n", result < 0 ? -1L : 0L);
        errno = 0;
        result = syscall(SYS_uname, (void *)8);
        printf("uname(bad pointer): %ld %s\n", result, strerror(errno));
        return 0;
    }
    if (strcmp(mode, "unknown-syscall") == 0) {
        errno = 0;
        long result = syscall(1000, 1, 2, 3);
        printf("system call 1000: %ld %s\n", result, strerror(errno));
        return 0;
    }
    if (strcmp(mode, "oom") == 0) {
        /* More than the VM has: the reservation succeeds, touching every page cannot (the boot
         * test runs this in Stardust only; natively it would just use the host's memory). */
        size_t size = (size_t)1 << 30;
        char *block = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (block == MAP_FAILED) {
            printf("mmap failed: %s\n", strerror(errno));
            return 1;
        }
        say("reserved 1 GiB");
        for (size_t at = 0; at < size; at += 4096) block[at] = 1;
        say("touched it all");
        return 0;
    }
    if (strcmp(mode, "exit") == 0 && argc > 2) {
        int status = 0;
        for (const char *digit = argv[2]; *digit; digit++) {
            status = status * 10 + (*digit - '0');
        }
        say("exiting");
        _exit(status);
    }
    printf("usage: faults null|nx|write-code|ud2|divide|simd|kernel-pointer|unknown-syscall|oom|exit N\n");
    return 2;
}
