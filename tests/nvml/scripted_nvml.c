/*
 * A scripted NVML library for tests: built as libnvidia-ml.so.1 and loaded by the real
 * nvidia-ml-py (ctypes dlopen, found through LD_LIBRARY_PATH), so pynvml's structs, our
 * backend, markers, samplers, doctor and xdist pinning all run their real code paths.
 *
 * The scenario is a small line-based file named by LLMCORE_NVML_SCENARIO, generated from
 * the JSON in fixtures/gpus/ by tests/nvml/scenario.py (which validates it). One record a
 * line, fields separated by single spaces; the last word of `name` lines runs to the end:
 *
 *   driver 550.54.14          cuda 12040          init_error 0        count_error 0
 *   sysfail FN CODE AFTER     (a system call FN returns CODE once called more than AFTER times)
 *   device                    (starts a physical GPU; the records below describe it)
 *   name TEXT...              uuid GPU-...        cc MAJOR MINOR
 *   mem TOTAL RESERVED USED   (bytes; USED excludes RESERVED, as memory info v2 reports)
 *   curve N U1 .. UN          (used bytes per memory-info call; the last value sticks)
 *   temp C  clocks SM SMMAX MEM MEMMAX  power MW LIMITMW  throttle MASK  util GPU MEM
 *   proc PID USED             (PID 0: the calling process; USED -1: not available)
 *   procs_hidden 1            (process lists always empty: a container's PID namespace)
 *   fail FN CODE AFTER        (device call FN returns CODE once called more than AFTER times)
 *   lost_after N              (every call on this device returns GPU_IS_LOST after N calls)
 *   mig_mode CURRENT PENDING
 *   mig GI CI TOTAL USED UUID NAME...   (a MIG device of the current GPU)
 *
 * Test code can change the state of a running process through three extra symbols:
 * llmcore_scripted_alloc(index, bytes) / llmcore_scripted_free(index, bytes) (device and
 * this process's usage) and llmcore_scripted_lose(index) (the GPU falls off the bus).
 * Kept deliberately small: fixed-size tables, one mutex around every entry point.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define API __attribute__((visibility("default")))
#define MAXDEV 8
#define MAXMIG 7
#define MAXPROC 16
#define MAXFAIL 24
#define MAXCURVE 64

enum {
    OK = 0, UNINITIALIZED = 1, INVALID_ARGUMENT = 2, NOT_SUPPORTED = 3, NO_PERMISSION = 4,
    NOT_FOUND = 6, INSUFFICIENT_SIZE = 7, DRIVER_NOT_LOADED = 9, GPU_IS_LOST = 15,
    ARGUMENT_VERSION_MISMATCH = 25, UNKNOWN = 999
};

typedef struct { char fn[64]; int code; long after, calls; } fail_t;
typedef struct { unsigned pid; unsigned long long used; } proc_t;

typedef struct dev {
    char name[96], uuid[96];
    int cc_major, cc_minor;
    unsigned long long total, reserved, used;
    unsigned long long curve[MAXCURVE];
    int ncurve, curve_pos;
    unsigned temp, sm, smmax, mem, memmax, power, limit, util_gpu, util_mem;
    unsigned long long throttle;
    proc_t procs[MAXPROC];
    int nprocs, procs_hidden;
    fail_t fails[MAXFAIL];
    int nfails;
    long lost_after, calls;
    int lost;
    unsigned mig_current, mig_pending;
    struct dev *parent;
    struct dev *migs[MAXMIG];
    int nmig;
    unsigned gi, ci;
} dev_t_;

static dev_t_ devs[MAXDEV];
static dev_t_ migdevs[MAXDEV * MAXMIG];
static int ndev, nmigdev, loaded, inited;
static char driver[64] = "550.54.14";
static int cuda = 12040, init_error, count_error;
static fail_t sysfails[MAXFAIL];
static int nsysfails;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static int fail_check(fail_t *f, int n, const char *fn) {
    for (int i = 0; i < n; i++) {
        if (strcmp(f[i].fn, fn) == 0 && ++f[i].calls > f[i].after) return f[i].code;
    }
    return OK;
}

static void add_fail(fail_t *f, int *n, const char *line) {
    if (*n < MAXFAIL && sscanf(line, "%63s %d %ld", f[*n].fn, &f[*n].code, &f[*n].after) == 3)
        (*n)++;
}

static void parse_line(char *line, dev_t_ **cur) {
    char key[32];
    int off = 0;
    line[strcspn(line, "\n")] = 0;
    if (sscanf(line, "%31s %n", key, &off) < 1) return;
    char *rest = line + off;
    dev_t_ *d = *cur;
    if (!strcmp(key, "driver")) snprintf(driver, sizeof driver, "%s", rest);
    else if (!strcmp(key, "cuda")) cuda = atoi(rest);
    else if (!strcmp(key, "init_error")) init_error = atoi(rest);
    else if (!strcmp(key, "count_error")) count_error = atoi(rest);
    else if (!strcmp(key, "sysfail")) add_fail(sysfails, &nsysfails, rest);
    else if (!strcmp(key, "device") && ndev < MAXDEV) {
        *cur = &devs[ndev++];
        (*cur)->lost_after = -1;
    } else if (!d) return;
    else if (!strcmp(key, "name")) snprintf(d->name, sizeof d->name, "%s", rest);
    else if (!strcmp(key, "uuid")) snprintf(d->uuid, sizeof d->uuid, "%s", rest);
    else if (!strcmp(key, "cc")) sscanf(rest, "%d %d", &d->cc_major, &d->cc_minor);
    else if (!strcmp(key, "mem")) sscanf(rest, "%llu %llu %llu", &d->total, &d->reserved, &d->used);
    else if (!strcmp(key, "curve")) {
        char *p = rest, *end;
        int n = (int)strtol(p, &end, 10);
        for (p = end; d->ncurve < n && d->ncurve < MAXCURVE; p = end)
            d->curve[d->ncurve++] = strtoull(p, &end, 10);
    } else if (!strcmp(key, "temp")) d->temp = (unsigned)atoi(rest);
    else if (!strcmp(key, "clocks")) sscanf(rest, "%u %u %u %u", &d->sm, &d->smmax, &d->mem, &d->memmax);
    else if (!strcmp(key, "power")) sscanf(rest, "%u %u", &d->power, &d->limit);
    else if (!strcmp(key, "throttle")) d->throttle = strtoull(rest, NULL, 10);
    else if (!strcmp(key, "util")) sscanf(rest, "%u %u", &d->util_gpu, &d->util_mem);
    else if (!strcmp(key, "proc") && d->nprocs < MAXPROC) {
        long long used = 0;
        sscanf(rest, "%u %lld", &d->procs[d->nprocs].pid, &used);
        if (d->procs[d->nprocs].pid == 0) d->procs[d->nprocs].pid = (unsigned)getpid();
        d->procs[d->nprocs++].used = used < 0 ? ~0ULL : (unsigned long long)used;
    } else if (!strcmp(key, "procs_hidden")) d->procs_hidden = atoi(rest);
    else if (!strcmp(key, "fail")) add_fail(d->fails, &d->nfails, rest);
    else if (!strcmp(key, "lost_after")) d->lost_after = atol(rest);
    else if (!strcmp(key, "mig_mode")) sscanf(rest, "%u %u", &d->mig_current, &d->mig_pending);
    else if (!strcmp(key, "mig") && d->nmig < MAXMIG && nmigdev < MAXDEV * MAXMIG) {
        dev_t_ *m = &migdevs[nmigdev++];
        int n = 0;
        *m = *d;  /* thermals, clocks and cc come from the parent */
        m->nfails = m->nprocs = m->nmig = m->ncurve = 0;
        m->parent = d;
        m->lost_after = -1;
        m->reserved = 0;
        sscanf(rest, "%u %u %llu %llu %95s %n", &m->gi, &m->ci, &m->total, &m->used, m->uuid, &n);
        snprintf(m->name, sizeof m->name, "%s", rest + n);
        d->migs[d->nmig++] = m;
    }
}

static int load(void) {
    const char *path = getenv("LLMCORE_NVML_SCENARIO");
    char line[512];
    dev_t_ *cur = NULL;
    if (loaded) return OK;
    FILE *fh = path ? fopen(path, "r") : NULL;
    if (!fh) {
        fprintf(stderr, "scripted NVML: set LLMCORE_NVML_SCENARIO to a scenario file\n");
        return UNKNOWN;
    }
    while (fgets(line, sizeof line, fh)) parse_line(line, &cur);
    fclose(fh);
    loaded = 1;
    return OK;
}

static dev_t_ *as_dev(void *h) {
    dev_t_ *d = h;
    if (d >= devs && d < devs + ndev) return d;
    if (d >= migdevs && d < migdevs + nmigdev) return d;
    return NULL;
}

/* Every device call: initialised? a known handle? lost? a scripted failure? */
static int enter(void *h, const char *fn, dev_t_ **out) {
    dev_t_ *d = as_dev(h);
    if (!inited) return UNINITIALIZED;
    if (!d) return INVALID_ARGUMENT;
    dev_t_ *phys = d->parent ? d->parent : d;
    phys->calls++;
    if (phys->lost || (phys->lost_after >= 0 && phys->calls > phys->lost_after)) {
        phys->lost = 1;
        return GPU_IS_LOST;
    }
    int rc = fail_check(phys->fails, phys->nfails, fn);
    *out = d;
    return rc;
}

#define LOCKED(expr) do { pthread_mutex_lock(&lock); int rc_ = (expr); pthread_mutex_unlock(&lock); return rc_; } while (0)

static int sys_enter(const char *fn) {
    if (!inited) return UNINITIALIZED;
    return fail_check(sysfails, nsysfails, fn);
}

static int do_init(void) {
    int rc = load();
    if (rc) return rc;
    if (init_error) return init_error;
    inited++;
    return OK;
}

API int nvmlInit_v2(void) { LOCKED(do_init()); }
API int nvmlInit(void) { LOCKED(do_init()); }
API int nvmlInitWithFlags(unsigned flags) { (void)flags; LOCKED(do_init()); }
API int nvmlShutdown(void) {
    pthread_mutex_lock(&lock);
    int rc = inited ? OK : UNINITIALIZED;
    if (inited) inited--;
    pthread_mutex_unlock(&lock);
    return rc;
}

API const char *nvmlErrorString(int code) {
    switch (code) {
    case OK: return "Success";
    case NOT_SUPPORTED: return "Not Supported";
    case NO_PERMISSION: return "Insufficient Permissions";
    case DRIVER_NOT_LOADED: return "Driver Not Loaded";
    case GPU_IS_LOST: return "GPU is lost";
    default: return "Unknown Error";
    }
}

static int copy_str(char *buf, unsigned len, const char *s) {
    if (!buf) return INVALID_ARGUMENT;
    if (strlen(s) + 1 > len) return INSUFFICIENT_SIZE;
    memcpy(buf, s, strlen(s) + 1);
    return OK;
}

static int driver_version(char *buf, unsigned len) {
    int rc = sys_enter("nvmlSystemGetDriverVersion");
    return rc ? rc : copy_str(buf, len, driver);
}
API int nvmlSystemGetDriverVersion(char *buf, unsigned len) { LOCKED(driver_version(buf, len)); }

static int cuda_version(int *v, const char *fn) {
    int rc = sys_enter(fn);
    if (rc) return rc;
    if (!v) return INVALID_ARGUMENT;
    *v = cuda;
    return OK;
}
API int nvmlSystemGetCudaDriverVersion(int *v) { LOCKED(cuda_version(v, "nvmlSystemGetCudaDriverVersion")); }
API int nvmlSystemGetCudaDriverVersion_v2(int *v) { LOCKED(cuda_version(v, "nvmlSystemGetCudaDriverVersion_v2")); }

static int device_count(unsigned *n) {
    int rc = sys_enter("nvmlDeviceGetCount");
    if (rc) return rc;
    if (count_error) return count_error;
    if (!n) return INVALID_ARGUMENT;
    *n = (unsigned)ndev;
    return OK;
}
API int nvmlDeviceGetCount_v2(unsigned *n) { LOCKED(device_count(n)); }
API int nvmlDeviceGetCount(unsigned *n) { LOCKED(device_count(n)); }

static int handle_by_index(unsigned i, void **out) {
    int rc = sys_enter("nvmlDeviceGetHandleByIndex");
    if (rc) return rc;
    if (!out || i >= (unsigned)ndev) return INVALID_ARGUMENT;
    if (devs[i].lost) return GPU_IS_LOST;
    *out = &devs[i];
    return OK;
}
API int nvmlDeviceGetHandleByIndex_v2(unsigned i, void **out) { LOCKED(handle_by_index(i, out)); }
API int nvmlDeviceGetHandleByIndex(unsigned i, void **out) { LOCKED(handle_by_index(i, out)); }

static int handle_by_uuid(const char *uuid, void **out) {
    int rc = sys_enter("nvmlDeviceGetHandleByUUID");
    if (rc) return rc;
    if (!uuid || !out) return INVALID_ARGUMENT;
    for (int i = 0; i < ndev; i++)
        if (!strcmp(devs[i].uuid, uuid)) { *out = &devs[i]; return OK; }
    for (int i = 0; i < nmigdev; i++)
        if (!strcmp(migdevs[i].uuid, uuid)) { *out = &migdevs[i]; return OK; }
    return NOT_FOUND;
}
API int nvmlDeviceGetHandleByUUID(const char *uuid, void **out) { LOCKED(handle_by_uuid(uuid, out)); }

/* One locked wrapper per device entry point: enter() then the body with `d` set. */
#define DEVICE_FN(name, params, args, body) \
    static int name##_body(dev_t_ *d, params) { body } \
    API int name(void *h, params) { \
        pthread_mutex_lock(&lock); \
        dev_t_ *d = NULL; \
        int rc = enter(h, #name, &d); \
        if (!rc) rc = name##_body(d, args); \
        pthread_mutex_unlock(&lock); \
        return rc; }
#define P(...) __VA_ARGS__

DEVICE_FN(nvmlDeviceGetName, P(char *buf, unsigned len), P(buf, len), return copy_str(buf, len, d->name);)
DEVICE_FN(nvmlDeviceGetUUID, P(char *buf, unsigned len), P(buf, len), return copy_str(buf, len, d->uuid);)
DEVICE_FN(nvmlDeviceGetCudaComputeCapability, P(int *major, int *minor), P(major, minor),
    if (!major || !minor) return INVALID_ARGUMENT;
    *major = d->cc_major; *minor = d->cc_minor; return OK;)

static unsigned long long used_now(dev_t_ *d) {
    if (d->ncurve == 0) return d->used;
    unsigned long long u = d->curve[d->curve_pos];
    if (d->curve_pos < d->ncurve - 1) d->curve_pos++;
    return u;
}

typedef struct { unsigned long long total, free, used; } mem_v1;
typedef struct { unsigned version; unsigned long long total, reserved, free, used; } mem_v2;

DEVICE_FN(nvmlDeviceGetMemoryInfo, P(mem_v1 *m), P(m),
    if (!m) return INVALID_ARGUMENT;
    unsigned long long u = used_now(d) + d->reserved;  /* v1 counts reserved memory as used */
    m->total = d->total; m->used = u; m->free = d->total - u; return OK;)
DEVICE_FN(nvmlDeviceGetMemoryInfo_v2, P(mem_v2 *m), P(m),
    if (!m) return INVALID_ARGUMENT;
    if (m->version != 0x02000028u) return ARGUMENT_VERSION_MISMATCH;
    unsigned long long u = used_now(d);
    m->total = d->total; m->reserved = d->reserved; m->used = u;
    m->free = d->total - d->reserved - u; return OK;)

DEVICE_FN(nvmlDeviceGetTemperature, P(int sensor, unsigned *t), P(sensor, t),
    if (!t || sensor != 0) return INVALID_ARGUMENT;
    *t = d->temp; return OK;)

static int clock_of(dev_t_ *d, int type, unsigned *c, int max) {
    if (!c) return INVALID_ARGUMENT;
    if (type == 0 || type == 1) *c = max ? d->smmax : d->sm;
    else if (type == 2) *c = max ? d->memmax : d->mem;
    else return NOT_SUPPORTED;
    return OK;
}
DEVICE_FN(nvmlDeviceGetClockInfo, P(int type, unsigned *c), P(type, c), return clock_of(d, type, c, 0);)
DEVICE_FN(nvmlDeviceGetMaxClockInfo, P(int type, unsigned *c), P(type, c), return clock_of(d, type, c, 1);)
DEVICE_FN(nvmlDeviceGetPowerUsage, P(unsigned *mw), P(mw), if (!mw) return INVALID_ARGUMENT; *mw = d->power; return OK;)
DEVICE_FN(nvmlDeviceGetEnforcedPowerLimit, P(unsigned *mw), P(mw), if (!mw) return INVALID_ARGUMENT; *mw = d->limit; return OK;)
DEVICE_FN(nvmlDeviceGetCurrentClocksEventReasons, P(unsigned long long *r), P(r),
    if (!r) return INVALID_ARGUMENT; *r = d->throttle; return OK;)
DEVICE_FN(nvmlDeviceGetCurrentClocksThrottleReasons, P(unsigned long long *r), P(r),
    if (!r) return INVALID_ARGUMENT; *r = d->throttle; return OK;)

typedef struct { unsigned gpu, memory; } util_t;
DEVICE_FN(nvmlDeviceGetUtilizationRates, P(util_t *u), P(u),
    if (!u) return INVALID_ARGUMENT; u->gpu = d->util_gpu; u->memory = d->util_mem; return OK;)

typedef struct { unsigned pid; unsigned long long used; unsigned gi, ci; } proc_v2;
static int processes(dev_t_ *d, unsigned *count, proc_v2 *out) {
    int n = d->procs_hidden ? 0 : d->nprocs;
    if (!count) return INVALID_ARGUMENT;
    if (*count < (unsigned)n || (!out && n)) { *count = (unsigned)n; return INSUFFICIENT_SIZE; }
    for (int i = 0; i < n; i++) {
        out[i].pid = d->procs[i].pid; out[i].used = d->procs[i].used;
        out[i].gi = out[i].ci = 0xFFFFFFFFu;
    }
    *count = (unsigned)n;
    return OK;
}
DEVICE_FN(nvmlDeviceGetComputeRunningProcesses_v3, P(unsigned *count, proc_v2 *out), P(count, out),
    return processes(d, count, out);)
DEVICE_FN(nvmlDeviceGetComputeRunningProcesses_v2, P(unsigned *count, proc_v2 *out), P(count, out),
    return processes(d, count, out);)

DEVICE_FN(nvmlDeviceGetMigMode, P(unsigned *cur, unsigned *pending), P(cur, pending),
    if (!cur || !pending) return INVALID_ARGUMENT;
    if (d->parent || (!d->mig_current && !d->mig_pending && !d->nmig)) return NOT_SUPPORTED;
    *cur = d->mig_current; *pending = d->mig_pending; return OK;)
DEVICE_FN(nvmlDeviceGetMaxMigDeviceCount, P(unsigned *n), P(n),
    if (!n) return INVALID_ARGUMENT;
    if (d->parent || !d->mig_current) return NOT_SUPPORTED;
    *n = MAXMIG; return OK;)
DEVICE_FN(nvmlDeviceGetMigDeviceHandleByIndex, P(unsigned i, void **out), P(i, out),
    if (!out) return INVALID_ARGUMENT;
    if (d->parent || !d->mig_current) return NOT_SUPPORTED;
    if (i >= MAXMIG) return INVALID_ARGUMENT;
    if (i >= (unsigned)d->nmig) return NOT_FOUND;
    *out = d->migs[i]; return OK;)
DEVICE_FN(nvmlDeviceIsMigDeviceHandle, P(unsigned *is), P(is),
    if (!is) return INVALID_ARGUMENT; *is = d->parent != NULL; return OK;)
DEVICE_FN(nvmlDeviceGetDeviceHandleFromMigDeviceHandle, P(void **out), P(out),
    if (!out) return INVALID_ARGUMENT;
    if (!d->parent) return INVALID_ARGUMENT;
    *out = d->parent; return OK;)
DEVICE_FN(nvmlDeviceGetGpuInstanceId, P(unsigned *id), P(id),
    if (!id) return INVALID_ARGUMENT; if (!d->parent) return NOT_SUPPORTED; *id = d->gi; return OK;)
DEVICE_FN(nvmlDeviceGetComputeInstanceId, P(unsigned *id), P(id),
    if (!id) return INVALID_ARGUMENT; if (!d->parent) return NOT_SUPPORTED; *id = d->ci; return OK;)

/* -- controls for test code (not NVML) -------------------------------------------------- */
static proc_t *self_proc(dev_t_ *d) {
    unsigned pid = (unsigned)getpid();
    for (int i = 0; i < d->nprocs; i++) if (d->procs[i].pid == pid) return &d->procs[i];
    if (d->nprocs == MAXPROC) return NULL;
    d->procs[d->nprocs].pid = pid;
    d->procs[d->nprocs].used = 0;
    return &d->procs[d->nprocs++];
}

static int alloc(unsigned i, long long bytes) {
    if (load() || i >= (unsigned)ndev) return INVALID_ARGUMENT;
    dev_t_ *d = &devs[i];
    proc_t *p = self_proc(d);
    d->ncurve = 0;
    d->used = (unsigned long long)((long long)d->used + bytes);
    if (p && p->used != ~0ULL) p->used = (unsigned long long)((long long)p->used + bytes);
    return OK;
}
API int llmcore_scripted_alloc(unsigned i, long long bytes) { LOCKED(alloc(i, bytes)); }
API int llmcore_scripted_free(unsigned i, long long bytes) { LOCKED(alloc(i, -bytes)); }
static int lose(unsigned i) {
    if (load() || i >= (unsigned)ndev) return INVALID_ARGUMENT;
    devs[i].lost = 1;
    return OK;
}
API int llmcore_scripted_lose(unsigned i) { LOCKED(lose(i)); }
