/*
 * qemu_exec.c - LD_PRELOAD shim for running the aarch64 test executables
 * under qemu-user without binfmt_misc (docs/ARM.md).
 *
 * Criterion runs every test in a child that re-executes the test program
 * (BoxFort: fork, then execl("/proc/self/exe" target, "boxfort-worker")).
 * Under qemu-aarch64 that execve goes to the host kernel, which cannot run
 * an aarch64 ELF unless binfmt_misc is set up, so every test would fail
 * with "Could not spawn test instance". This shim, preloaded into the
 * emulated process, turns an exec of an aarch64 ELF into an exec of
 * qemu-aarch64 with the same arguments, argv[0] and environment (same pid,
 * as BoxFort needs). An exec of a host program (e.g. qemu itself, from
 * SLAGG_EMULATOR in tests/e2e/harness.c) loses LD_PRELOAD, which the
 * host's loader could not load.
 *
 * Settings (environment): SLAGG_QEMU (default "qemu-aarch64", searched in
 * PATH) and SLAGG_QEMU_LD_PREFIX (default /usr/aarch64-linux-gnu).
 * Built by tests/arm/test-arm.sh with aarch64-linux-gnu-gcc -shared.
 * Only for tests under emulation; never linked into slagg.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int is_aarch64_elf(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    Elf64_Ehdr h;
    ssize_t n = read(fd, &h, sizeof h);
    close(fd);
    return n == (ssize_t)sizeof h && memcmp(h.e_ident, ELFMAG, SELFMAG) == 0 &&
           h.e_ident[EI_CLASS] == ELFCLASS64 && h.e_machine == EM_AARCH64;
}

typedef int (*execve_fn)(const char *, char *const[], char *const[]);

static int real_execve(const char *path, char *const argv[], char *const envp[])
{
    static execve_fn fn;
    if (!fn) fn = (execve_fn)dlsym(RTLD_NEXT, "execve");
    return fn(path, argv, envp);
}

/* envp without LD_PRELOAD; *preload gets its value (or NULL) */
static char **strip_preload(char *const envp[], const char **preload)
{
    size_t n = 0;
    while (envp && envp[n]) n++;
    char **out = calloc(n + 1, sizeof *out);
    if (!out) return NULL;
    size_t k = 0;
    *preload = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(envp[i], "LD_PRELOAD=", 11) == 0) *preload = envp[i] + 11;
        else out[k++] = envp[i];
    }
    return out;
}

/* path searched in PATH (host programs: qemu) */
static char *in_path(const char *name)
{
    if (strchr(name, '/')) return strdup(name);
    const char *p = getenv("PATH");
    if (!p) p = "/usr/local/bin:/usr/bin:/bin";
    while (*p) {
        const char *e = strchr(p, ':');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *cand = malloc(len + strlen(name) + 2);
        if (!cand) return NULL;
        memcpy(cand, p, len);
        cand[len] = '/';
        strcpy(cand + len + 1, name);
        if (access(cand, X_OK) == 0) return cand;
        free(cand);
        p = e ? e + 1 : p + len;
    }
    return NULL;
}

int execve(const char *path, char *const argv[], char *const envp[])
{
    const char *preload;
    char **env = strip_preload(envp, &preload);
    if (!env) { errno = ENOMEM; return -1; }
    if (!is_aarch64_elf(path)) {
        int rc = real_execve(path, argv, env);
        int e = errno;
        free(env);
        errno = e;
        return rc;
    }
    const char *qemu = getenv("SLAGG_QEMU");
    const char *prefix = getenv("SLAGG_QEMU_LD_PREFIX");
    char *qpath = in_path(qemu && *qemu ? qemu : "qemu-aarch64");
    if (!qpath) { free(env); errno = ENOENT; return -1; }
    size_t argc = 0;
    while (argv[argc]) argc++;
    char **qa = calloc(argc + 10, sizeof *qa);
    char *pre = NULL;
    if (preload && asprintf(&pre, "LD_PRELOAD=%s", preload) < 0) pre = NULL;
    if (!qa) { free(env); free(qpath); errno = ENOMEM; return -1; }
    size_t k = 0;
    qa[k++] = qpath;
    qa[k++] = "-L";
    qa[k++] = (char *)(prefix && *prefix ? prefix : "/usr/aarch64-linux-gnu");
    if (pre) { qa[k++] = "-E"; qa[k++] = pre; }
    if (argc > 0) { qa[k++] = "-0"; qa[k++] = argv[0]; }
    qa[k++] = (char *)path;
    for (size_t i = 1; i < argc; i++) qa[k++] = argv[i];
    qa[k] = NULL;
    int rc = real_execve(qpath, qa, env);
    int e = errno;
    free(qa); free(pre); free(qpath); free(env);
    errno = e;
    return rc;
}

int execv(const char *path, char *const argv[])
{
    return execve(path, argv, environ);
}

int execl(const char *path, const char *arg, ...)
{
    char *argv[256];
    size_t n = 0;
    va_list ap;
    argv[n++] = (char *)arg;
    va_start(ap, arg);
    while (arg && n < 255) {
        arg = va_arg(ap, const char *);
        argv[n++] = (char *)arg;
    }
    va_end(ap);
    argv[n] = NULL;
    return execve(path, argv, environ);
}

int execvp(const char *file, char *const argv[])
{
    char *p = in_path(file);
    if (!p) { errno = ENOENT; return -1; }
    int rc = execve(p, argv, environ);
    int e = errno;
    free(p);
    errno = e;
    return rc;
}
