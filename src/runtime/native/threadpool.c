/*
 * A persistent ggml thread pool for every llama.cpp context node-llama-cpp
 * creates, as llama.cpp's own tools attach one (common/common.cpp,
 * common_threadpools::init -> llama_attach_threadpool; llama-server logs
 * "llama threadpool init"). node-llama-cpp's addon attaches none, so each graph
 * compute starts its worker threads afresh (ggml-cpu.c, the "disposable
 * threadpool" of ggml_graph_compute) and the kernel places them anew on every
 * token; on 2 cores that cost a third or more of decode speed (docs/decisions.md,
 * "A thread pool per context").
 *
 * Loaded with RTLD_GLOBAL before node-llama-cpp loads its addon
 * (src/runtime/threadpool.ts), this library's llama_init_from_model and
 * llama_free come first in the addon's symbol lookup: they call the real ones
 * (found in whichever loaded library defines them: the CPU, CUDA or Vulkan
 * build) and attach, then free, a pool made as common_threadpools::init makes
 * it: ggml_threadpool_params_init's defaults (poll 50, normal priority, no CPU
 * mask) for llama_n_threads and, when it differs, llama_n_threads_batch (the
 * token pool then starts paused, as there). Any failure leaves the context
 * exactly as node-llama-cpp made it.
 *
 * The real functions are looked up from the caller: the library that called
 * (node-llama-cpp's addon, found with dladdr) resolves them in its own
 * dependencies, so a process that loaded two builds (CPU and CUDA) calls each
 * one's own llama.cpp.
 *
 * Compiled by tools/build-native.ts against the llama.h and ggml headers of the
 * llama.cpp source node-llama-cpp bundles; never linked against libllama.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include "llama.h"
#include "ggml-cpu.h"
#include "ggml-backend.h"

typedef struct llama_context *(*init_fn)(struct llama_model *, struct llama_context_params);
typedef void (*free_fn)(struct llama_context *);
typedef struct ggml_threadpool *(*pool_new_fn)(struct ggml_threadpool_params *);
typedef void (*pool_free_fn)(struct ggml_threadpool *);

/*
 * The library whose dependencies define the real `name` for a call from
 * `caller`: the caller's own object (dlsym on a handle searches that object and
 * its dependencies, never this library), else the first loaded object that
 * defines it. A handle, to dlclose when done; NULL when none does.
 */
struct search {
  const char *name;
  void *handle;
};

static int first_defining(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  struct search *s = data;
  if (info->dlpi_name == NULL || info->dlpi_name[0] == 0) return 0;
  void *h = dlopen(info->dlpi_name, RTLD_LAZY | RTLD_NOLOAD);
  if (h == NULL) return 0;
  void *f = dlsym(h, s->name);
  if (f != NULL && f != dlsym(RTLD_DEFAULT, s->name)) {
    s->handle = h;
    return 1;
  }
  dlclose(h);
  return 0;
}

static void *library_for(const void *caller, const char *name) {
  Dl_info info;
  if (dladdr(caller, &info) != 0 && info.dli_fname != NULL) {
    void *h = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    if (h != NULL) {
      void *f = dlsym(h, name);
      if (f != NULL && f != dlsym(RTLD_DEFAULT, name)) return h;
      dlclose(h);
    }
  }
  struct search s = {name, NULL};
  dl_iterate_phdr(first_defining, &s);
  return s.handle;
}

#define REAL(lib, name) ((__typeof__(&name))dlsym(lib, #name))

struct attached {
  struct llama_context *ctx;
  struct ggml_threadpool *pool, *batch;
  pool_free_fn pool_free;
  struct attached *next;
};
static struct attached *contexts;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int64_t attached_count, live_count;

/* How many contexts got a pool since the library loaded (read through koffi: src/runtime/threadpool.ts). */
int64_t modelsmith_threadpools_attached(void) { return __atomic_load_n(&attached_count, __ATOMIC_SEQ_CST); }

/* How many of them are still open (not yet given to llama_free). */
int64_t modelsmith_threadpools_live(void) { return __atomic_load_n(&live_count, __ATOMIC_SEQ_CST); }

static void attach(void *lib, struct llama_context *ctx) {
  ggml_backend_dev_t dev = REAL(lib, ggml_backend_dev_by_type)(GGML_BACKEND_DEVICE_TYPE_CPU);
  if (dev == NULL) return;
  ggml_backend_reg_t reg = REAL(lib, ggml_backend_dev_backend_reg)(dev);
  pool_new_fn pool_new = (pool_new_fn)REAL(lib, ggml_backend_reg_get_proc_address)(reg, "ggml_threadpool_new");
  pool_free_fn pool_free = (pool_free_fn)REAL(lib, ggml_backend_reg_get_proc_address)(reg, "ggml_threadpool_free");
  if (pool_new == NULL || pool_free == NULL) return;
  int n = REAL(lib, llama_n_threads)(ctx), nb = REAL(lib, llama_n_threads_batch)(ctx);
  struct ggml_threadpool_params tpp, tpp_batch;
  REAL(lib, ggml_threadpool_params_init)(&tpp, n);
  REAL(lib, ggml_threadpool_params_init)(&tpp_batch, nb);
  const char *poll = getenv("MODELSMITH_THREADPOOL_POLL");
  if (poll != NULL && poll[0] >= '0' && poll[0] <= '9') {
    long level = strtol(poll, NULL, 10);
    tpp.poll = tpp_batch.poll = (uint32_t)(level > 100 ? 100 : level);
  }
  struct ggml_threadpool *batch = NULL;
  if (!REAL(lib, ggml_threadpool_params_match)(&tpp, &tpp_batch)) {
    batch = pool_new(&tpp_batch);
    if (batch == NULL) return;
    tpp.paused = true;
  }
  struct ggml_threadpool *pool = pool_new(&tpp);
  if (pool == NULL) {
    if (batch != NULL) pool_free(batch);
    return;
  }
  struct attached *a = malloc(sizeof *a);
  if (a == NULL) {
    pool_free(pool);
    if (batch != NULL) pool_free(batch);
    return;
  }
  REAL(lib, llama_attach_threadpool)(ctx, pool, batch);
  *a = (struct attached){ctx, pool, batch, pool_free, NULL};
  pthread_mutex_lock(&lock);
  a->next = contexts;
  contexts = a;
  pthread_mutex_unlock(&lock);
  __atomic_add_fetch(&attached_count, 1, __ATOMIC_SEQ_CST);
  __atomic_add_fetch(&live_count, 1, __ATOMIC_SEQ_CST);
}

__attribute__((noinline)) struct llama_context *llama_init_from_model(struct llama_model *model, struct llama_context_params params) {
  void *lib = library_for(__builtin_return_address(0), "llama_init_from_model");
  if (lib == NULL) return NULL; /* no llama.cpp loaded: cannot happen when the addon calls us */
  struct llama_context *ctx = ((init_fn)dlsym(lib, "llama_init_from_model"))(model, params);
  if (ctx != NULL) attach(lib, ctx);
  dlclose(lib);
  return ctx;
}

__attribute__((noinline)) void llama_free(struct llama_context *ctx) {
  void *lib = library_for(__builtin_return_address(0), "llama_free");
  struct attached *found = NULL;
  pthread_mutex_lock(&lock);
  for (struct attached **p = &contexts; *p != NULL; p = &(*p)->next) {
    if ((*p)->ctx == ctx) {
      found = *p;
      *p = found->next;
      break;
    }
  }
  pthread_mutex_unlock(&lock);
  if (lib != NULL) {
    ((free_fn)dlsym(lib, "llama_free"))(ctx);
    dlclose(lib);
  }
  if (found != NULL) {
    /* After the context: llama_free ends its last compute, then the pools can go. */
    found->pool_free(found->pool);
    if (found->batch != NULL) found->pool_free(found->batch);
    free(found);
    __atomic_sub_fetch(&live_count, 1, __ATOMIC_SEQ_CST);
  }
}
