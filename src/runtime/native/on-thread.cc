/*
 * A runner's decodes and samples on its JavaScript thread (docs/decisions.md,
 * "Decodes on the runner's own thread"): what node-llama-cpp's addon does on
 * one of libuv's worker threads, done where JavaScript calls it, as
 * llama-server's main loop decodes and samples on its own thread. The addon
 * queues every `decodeBatch` and every `sampleToken` to a worker and answers
 * with a promise: two hand-offs between threads per token, and on this 2-core
 * virtual machine each wake of a sleeping thread costs the token more than the
 * work it hands over.
 *
 * - `decode(context, maxTokens)`: llama_decode then llama_synchronize on the
 *   context's batch, exactly as AddonContextDecodeBatchWorker::Execute
 *   (node-llama-cpp llama/addon/AddonContext.cpp). Answers llama_decode's
 *   status (0: decoded), or undefined, having done nothing, when the batch
 *   holds more than maxTokens tokens (a prompt: that one stays on a worker, so
 *   the event loop is never held for long) or the objects cannot be vouched for.
 * - `sample(context, batchLogitIndex, sampler)`: as
 *   AddonContextSampleTokenWorker::SampleToken without probabilities:
 *   rebuildChainIfNeeded, sample, the selected candidate, acceptToken (the
 *   addon's own exported AddonSampler methods). Answers the token, -1 when
 *   the logits give none (as the addon answers), or undefined as above.
 * - `step(context, sequenceId, sampler, position, token)`: one token of a
 *   generation alone on its context (docs/decisions.md, "One stream steps on
 *   the runner's thread"): `token` decoded alone at `position` of the
 *   sequence, then the next token sampled from its logits as `sample` does.
 *   Answers that token, -1, or undefined as above.
 *
 * Compiled by tools/build-native.ts against node-llama-cpp's own addon
 * headers (so AddonContext's and AddonSampler's member offsets are those of
 * the addon it ships), node's N-API headers and llama.h. Never linked against
 * the addon or libllama: their functions are found with dlsym in the library
 * the objects' vtables live in (dladdr), which resolves llama.cpp's in that
 * addon's own dependencies, so a process that loaded two builds (CPU and CUDA)
 * calls each one's own. The objects are vouched for before any use: the
 * context's llama_context must be of the context's model, and the sampler's
 * model the context's; a disposed one is left to the addon (which reports it).
 */
#define NAPI_DISABLE_CPP_EXCEPTIONS 1
#include <dlfcn.h>
#include <node_api.h>

#include <exception>

#include "AddonContext.h"
#include "AddonModel.h"
#include "AddonSampler.h"

namespace {

using rebuild_fn = void (*)(AddonSampler*);
using sample_fn = void (*)(AddonSampler*, llama_context*, int32_t, llama_token_data_array&, bool);
using accept_fn = void (*)(AddonSampler*, llama_token);
using get_model_fn = const llama_model* (*)(const llama_context*);
using get_logits_fn = float* (*)(llama_context*);
using decode_fn = int32_t (*)(llama_context*, llama_batch);
using sync_fn = void (*)(llama_context*);

struct Methods {
  const void* base = nullptr;
  rebuild_fn rebuild = nullptr;
  sample_fn sample = nullptr;
  accept_fn accept = nullptr;
  get_model_fn get_model = nullptr;
  get_logits_fn get_logits = nullptr;
  decode_fn decode = nullptr;
  sync_fn synchronize = nullptr;
};

// The addon most recently seen; another one (a second build) is looked up when its objects come. `vtables` holds the
// vtable pointers already seen in that addon's image (an AddonContext's and an AddonSampler's), so that objects of a
// known class skip dladdr, which walks the loaded libraries (measured: about 10 us per call, two calls per step).
Methods cached;
const void* vtables[2] = {nullptr, nullptr};

bool methodsFor(const void* object, Methods& out) {
  // The first word of a polymorphic object is its vtable pointer, inside the addon's image.
  const void* vtable = *static_cast<const void* const*>(object);
  if (vtable != nullptr && cached.rebuild != nullptr && (vtable == vtables[0] || vtable == vtables[1])) {
    out = cached;
    return true;
  }
  Dl_info info;
  if (dladdr(vtable, &info) == 0 || info.dli_fname == nullptr) return false;
  if (cached.base == info.dli_fbase && cached.rebuild != nullptr) {
    if (vtables[0] == nullptr)
      vtables[0] = vtable;
    else if (vtables[1] == nullptr)
      vtables[1] = vtable;
    out = cached;
    return true;
  }
  void* handle = dlopen(info.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  Methods m;
  m.base = info.dli_fbase;
  m.rebuild = reinterpret_cast<rebuild_fn>(dlsym(handle, "_ZN12AddonSampler20rebuildChainIfNeededEv"));
  m.sample = reinterpret_cast<sample_fn>(dlsym(handle, "_ZN12AddonSampler6sampleEP13llama_contextiR22llama_token_data_arrayb"));
  m.accept = reinterpret_cast<accept_fn>(dlsym(handle, "_ZN12AddonSampler11acceptTokenEi"));
  m.get_model = reinterpret_cast<get_model_fn>(dlsym(handle, "llama_get_model"));
  m.get_logits = reinterpret_cast<get_logits_fn>(dlsym(handle, "llama_get_logits"));
  m.decode = reinterpret_cast<decode_fn>(dlsym(handle, "llama_decode"));
  m.synchronize = reinterpret_cast<sync_fn>(dlsym(handle, "llama_synchronize"));
  dlclose(handle);  // the addon stays loaded: node never unloads it
  if (m.rebuild == nullptr || m.sample == nullptr || m.accept == nullptr || m.get_model == nullptr ||
      m.get_logits == nullptr || m.decode == nullptr || m.synchronize == nullptr)
    return false;
  cached = m;
  vtables[0] = vtable;
  vtables[1] = nullptr;
  out = m;
  return true;
}

template <typename T>
T* unwrap(napi_env env, napi_value value) {
  void* raw = nullptr;
  if (napi_unwrap(env, value, &raw) != napi_ok || raw == nullptr) return nullptr;
  return static_cast<T*>(static_cast<Napi::ObjectWrap<T>*>(raw));
}

napi_value undefinedValue(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// Runs `work`; a C++ exception from llama.cpp or the addon becomes a JavaScript error (as the addon's workers reject with
// its message), and the answer is then false: the caller returns nullptr.
template <typename Work>
bool rethrown(napi_env env, const char* unknown, Work&& work) {
  try {
    work();
    return true;
  } catch (const std::exception& e) {
    napi_throw_error(env, nullptr, e.what());
  } catch (...) {
    napi_throw_error(env, nullptr, unknown);
  }
  return false;
}

// The context's llama.cpp context, when the objects are what this library was compiled for.
bool vouched(AddonContext* context, const Methods& m) {
  return !context->disposed && context->ctx != nullptr && context->model != nullptr && m.get_model(context->ctx) == context->model->model;
}

// Both functions' arguments: (context, an int32, ...): false when they are not that.
template <size_t N>
bool contextArgs(napi_env env, napi_callback_info info, napi_value (&argv)[N], AddonContext*& context, int32_t& number) {
  size_t argc = N;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < N) return false;
  if (napi_get_value_int32(env, argv[1], &number) != napi_ok) return false;
  context = unwrap<AddonContext>(env, argv[0]);
  return context != nullptr;
}

// The sampler's objects vouched for beside the context's: one model for both, the context's llama_context being of it.
bool vouchedPair(napi_env env, napi_value value, AddonContext* context, AddonSampler*& sampler, Methods& m) {
  sampler = unwrap<AddonSampler>(env, value);
  if (sampler == nullptr) return false;
  Methods ofSampler;
  if (!methodsFor(context, m) || !methodsFor(sampler, ofSampler) || ofSampler.base != m.base) return false;
  return vouched(context, m) && sampler->model == context->model && !sampler->disposed;
}

// The token `sampler` takes from the logits of output `batchLogitIndex` (accepted into the sampler's history), or -1 when
// they give none; false when llama.cpp or the addon threw (a JavaScript error is pending).
bool sampleWith(napi_env env, const Methods& m, AddonContext* context, AddonSampler* sampler, int32_t batchLogitIndex, llama_token& token) {
  token = -1;
  return rethrown(env, "Unknown error when sampling a token", [&] {
    m.rebuild(sampler);
    llama_token_data_array cur_p{};
    m.sample(sampler, context->ctx, batchLogitIndex, cur_p, false);
    if (cur_p.size > 0 && cur_p.selected >= 0 && cur_p.selected < static_cast<int64_t>(cur_p.size)) {
      token = cur_p.data[cur_p.selected].id;
      m.accept(sampler, token);
    }
  });
}

napi_value tokenValue(napi_env env, llama_token token) {
  napi_value result;
  if (token < 0)
    napi_create_int32(env, -1, &result);
  else
    napi_create_uint32(env, static_cast<uint32_t>(token), &result);
  return result;
}

napi_value Sample(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  AddonContext* context = nullptr;
  int32_t batchLogitIndex = 0;
  if (!contextArgs(env, info, argv, context, batchLogitIndex)) return undefinedValue(env);
  AddonSampler* sampler = nullptr;
  Methods m;
  if (!vouchedPair(env, argv[2], context, sampler, m)) return undefinedValue(env);
  if (m.get_logits(context->ctx) == nullptr) return undefinedValue(env);  // the addon's worker reports that error
  llama_token token = -1;
  if (!sampleWith(env, m, context, sampler, batchLogitIndex, token)) return nullptr;
  return tokenValue(env, token);
}

napi_value Decode(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  AddonContext* context = nullptr;
  int32_t most = 0;
  if (!contextArgs(env, info, argv, context, most)) return undefinedValue(env);
  Methods m;
  if (!methodsFor(context, m)) return undefinedValue(env);
  if (!vouched(context, m) || !context->has_batch || context->batch.n_tokens <= 0 || context->batch.n_tokens > most) return undefinedValue(env);
  int32_t r = 0;
  const bool done = rethrown(env, "Unknown error when calling \"llama_decode\"", [&] {
    r = m.decode(context->ctx, context->batch);
    if (r == 0) m.synchronize(context->ctx);
  });
  if (!done) return nullptr;
  napi_value result;
  napi_create_int32(env, r, &result);
  return result;
}

// step(context, sequenceId, sampler, position, token): one token of one sequence, alone, from start to end: `token`
// decoded at `position` of sequence `sequenceId` in a batch of its own (as node-llama-cpp's dispatcher builds one:
// one token, its logits asked for), then the next token sampled from those logits with `sampler`, as Sample does.
// Answers that token, -1 when the logits give none, or undefined, having done nothing, when the objects cannot be
// vouched for; a failed decode throws the addon's error for its status.
napi_value Step(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  AddonContext* context = nullptr;
  int32_t sequenceId = 0;
  if (!contextArgs(env, info, argv, context, sequenceId)) return undefinedValue(env);
  int32_t position = 0;
  uint32_t input = 0;
  if (napi_get_value_int32(env, argv[3], &position) != napi_ok || napi_get_value_uint32(env, argv[4], &input) != napi_ok) return undefinedValue(env);
  AddonSampler* sampler = nullptr;
  Methods m;
  if (sequenceId < 0 || position < 0 || !vouchedPair(env, argv[2], context, sampler, m)) return undefinedValue(env);

  llama_token tokens[1] = {static_cast<llama_token>(input)};
  llama_pos positions[1] = {position};
  int32_t seqCounts[1] = {1};
  llama_seq_id seqIds[1] = {sequenceId};
  llama_seq_id* seqIdLists[1] = {seqIds};
  int8_t logits[1] = {1};
  llama_batch batch{};
  batch.n_tokens = 1;
  batch.token = tokens;
  batch.pos = positions;
  batch.n_seq_id = seqCounts;
  batch.seq_id = seqIdLists;
  batch.logits = logits;

  int32_t r = 0;
  if (!rethrown(env, "Unknown error when calling \"llama_decode\"", [&] {
        r = m.decode(context->ctx, batch);
        if (r == 0) m.synchronize(context->ctx);
      }))
    return nullptr;
  if (r != 0) {
    // The addon's messages for these statuses (AddonContextDecodeBatchWorker::Execute).
    napi_throw_error(env, nullptr, r == 1 ? "could not find a KV slot for the batch (try reducing the size of the batch or increase the context)" : "Eval has failed");
    return nullptr;
  }
  llama_token token = -1;
  if (!sampleWith(env, m, context, sampler, 0, token)) return nullptr;
  return tokenValue(env, token);
}

}  // namespace

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "sample", NAPI_AUTO_LENGTH, Sample, nullptr, &fn) != napi_ok) return nullptr;
  if (napi_set_named_property(env, exports, "sample", fn) != napi_ok) return nullptr;
  if (napi_create_function(env, "decode", NAPI_AUTO_LENGTH, Decode, nullptr, &fn) != napi_ok) return nullptr;
  if (napi_set_named_property(env, exports, "decode", fn) != napi_ok) return nullptr;
  if (napi_create_function(env, "step", NAPI_AUTO_LENGTH, Step, nullptr, &fn) != napi_ok) return nullptr;
  if (napi_set_named_property(env, exports, "step", fn) != napi_ok) return nullptr;
  return exports;
}
