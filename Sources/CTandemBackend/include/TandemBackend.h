// TandemBackend.h: the C interface between the TandemAI Redis module and a backend library
// (a separate shared object, such as the TORCH backend in backends/torch, that the module
// opens with dlopen the first time a model or script of that backend is stored).
//
// A backend library exports the functions declared under "Exported by a backend library";
// the module resolves each by name with dlsym (tandem_backend_open below does it) and calls
// them through the function pointers of TandemBackendAPI. Rules both sides keep:
//  - Nothing crosses the boundary but C types: no exception, no C++ object, no Swift value.
//    A backend catches every exception and reports it as text in the caller's error buffer.
//  - Memory is freed by the side that allocated it: input tensors belong to the module and
//    are only read during the call; output tensors belong to the backend until
//    tandem_backend_free_tensors.
//  - Handles (models, scripts) are opaque; one handle may be run from several threads at
//    once, and freed on any thread once no run uses it.
#ifndef TANDEM_BACKEND_H
#define TANDEM_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The version of this interface; a library built for another version is refused.
#define TANDEM_BACKEND_ABI_VERSION 1

/// Element types, the tensor types of RedisAI except STRING (which no backend takes).
typedef enum TandemBackendDType {
    TANDEM_DTYPE_FLOAT = 0,
    TANDEM_DTYPE_DOUBLE = 1,
    TANDEM_DTYPE_INT8 = 2,
    TANDEM_DTYPE_INT16 = 3,
    TANDEM_DTYPE_INT32 = 4,
    TANDEM_DTYPE_INT64 = 5,
    TANDEM_DTYPE_UINT8 = 6,
    TANDEM_DTYPE_UINT16 = 7,
    TANDEM_DTYPE_BOOL = 8,
} TandemBackendDType;

/// A dense row-major tensor in host byte order. `data` need not be aligned. A scalar has
/// `ndim == 0` and one element.
typedef struct TandemBackendTensor {
    int32_t dtype;
    int32_t ndim;
    const int64_t *shape;
    const void *data;
    size_t byte_count;
} TandemBackendTensor;

/// A byte string that is not NUL-terminated (script KEYS and ARGS).
typedef struct TandemBackendString {
    const char *data;
    size_t length;
} TandemBackendString;

/// What a backend tells about a loaded model.
typedef struct TandemBackendModelInfo {
    /// The number of inputs its entry point takes.
    size_t input_count;
    /// The number of outputs it returns, or 0 when the model does not say (a list).
    size_t output_count;
} TandemBackendModelInfo;

// MARK: - Exported by a backend library (each name is looked up with dlsym)

typedef uint32_t (*tandem_backend_abi_version_fn)(void);
/// The backend's name as commands spell it: "TORCH".
typedef const char *(*tandem_backend_name_fn)(void);
/// The runtime's version, for INFO MODULES.
typedef const char *(*tandem_backend_version_fn)(void);
/// Called once after loading: thread settings (0 = the runtime's default). Returns 0 on
/// success, else writes why into `error`.
typedef int32_t (*tandem_backend_init_fn)(int32_t intra_op_threads, int32_t inter_op_threads,
                                         char *error, size_t error_capacity);
/// Builds a model from its serialized bytes for `device` ("CPU", "GPU:0", …). Returns a
/// handle, or NULL with the reason in `error`.
typedef void *(*tandem_backend_model_load_fn)(const void *blob, size_t blob_length, const char *device,
                                             TandemBackendModelInfo *info, char *error, size_t error_capacity);
/// Runs a model. On success returns 0 and sets `*outputs` (free with
/// tandem_backend_free_tensors) and `*output_count`; else returns non-zero with `error`.
typedef int32_t (*tandem_backend_model_run_fn)(void *model, const TandemBackendTensor *inputs, size_t input_count,
                                              TandemBackendTensor **outputs, size_t *output_count,
                                              char *error, size_t error_capacity);
typedef void (*tandem_backend_model_free_fn)(void *model);
/// Compiles script source for `device`. Returns a handle, or NULL with the reason in `error`.
typedef void *(*tandem_backend_script_compile_fn)(const char *source, size_t source_length, const char *device,
                                                 char *error, size_t error_capacity);
/// Checks that `function` exists in the script and, when `entry_point` is non-zero, that its
/// signature is (List[Tensor], List[str], List[str]). Returns 0, or non-zero with `error`.
typedef int32_t (*tandem_backend_script_check_fn)(void *script, const char *function, int32_t entry_point,
                                                 char *error, size_t error_capacity);
/// Runs one function of a script. Inputs from `variadic_start` on (when >= 0) form the one
/// list argument of the deprecated AI.SCRIPTRUN's `$` form. Outputs as for model_run.
typedef int32_t (*tandem_backend_script_run_fn)(void *script, const char *function,
                                               const TandemBackendTensor *inputs, size_t input_count,
                                               int64_t variadic_start,
                                               const TandemBackendString *keys, size_t key_count,
                                               const TandemBackendString *args, size_t arg_count,
                                               TandemBackendTensor **outputs, size_t *output_count,
                                               char *error, size_t error_capacity);
typedef void (*tandem_backend_script_free_fn)(void *script);
/// Frees the outputs of a run.
typedef void (*tandem_backend_free_tensors_fn)(TandemBackendTensor *tensors, size_t count);

/// Every function of a backend library, resolved.
typedef struct TandemBackendAPI {
    tandem_backend_abi_version_fn abi_version;
    tandem_backend_name_fn name;
    tandem_backend_version_fn version;
    tandem_backend_init_fn initialize;
    tandem_backend_model_load_fn model_load;
    tandem_backend_model_run_fn model_run;
    tandem_backend_model_free_fn model_free;
    tandem_backend_script_compile_fn script_compile;
    tandem_backend_script_check_fn script_check;
    tandem_backend_script_run_fn script_run;
    tandem_backend_script_free_fn script_free;
    tandem_backend_free_tensors_fn free_tensors;
} TandemBackendAPI;

// MARK: - Used by the module (implemented in this shim)

/// Opens the library at `path` (RTLD_NOW | RTLD_LOCAL) and resolves every function into
/// `api`, checking the ABI version. Returns the dlopen handle, or NULL with the reason
/// (dlerror's text, a missing symbol, a version mismatch) in `error`. Never closes a library
/// it has opened, even one it then refuses: backends may start threads that outlive any unload.
void *tandem_backend_open(const char *path, TandemBackendAPI *api, char *error, size_t error_capacity);

#ifdef __cplusplus
}
#endif

#endif
