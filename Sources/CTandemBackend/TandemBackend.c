// Opens a backend library and resolves its functions (see TandemBackend.h).
#define _GNU_SOURCE
#include "TandemBackend.h"
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

__attribute__((visibility("hidden")))
void *tandem_backend_open(const char *path, TandemBackendAPI *api, char *error, size_t error_capacity) {
    if (path == NULL || api == NULL || error == NULL || error_capacity == 0) return NULL;
    error[0] = 0;
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *reason = dlerror();
        snprintf(error, error_capacity, "%s", reason ? reason : "dlopen failed");
        return NULL;
    }
    memset(api, 0, sizeof(*api));
#define TB_RESOLVE(field, symbol)                                                        \
    *(void **)(&api->field) = dlsym(handle, symbol);                                       \
    if (api->field == NULL) {                                                              \
        snprintf(error, error_capacity, "%s does not export %s", path, symbol);           \
        /* the library stays open: its initialisers may have started threads */        \
        return NULL;                                                                       \
    }
    TB_RESOLVE(abi_version, "tandem_backend_abi_version")
    TB_RESOLVE(name, "tandem_backend_name")
    TB_RESOLVE(version, "tandem_backend_version")
    TB_RESOLVE(initialize, "tandem_backend_init")
    TB_RESOLVE(model_load, "tandem_backend_model_load")
    TB_RESOLVE(model_run, "tandem_backend_model_run")
    TB_RESOLVE(model_free, "tandem_backend_model_free")
    TB_RESOLVE(script_compile, "tandem_backend_script_compile")
    TB_RESOLVE(script_check, "tandem_backend_script_check")
    TB_RESOLVE(script_run, "tandem_backend_script_run")
    TB_RESOLVE(script_free, "tandem_backend_script_free")
    TB_RESOLVE(free_tensors, "tandem_backend_free_tensors")
#undef TB_RESOLVE
    uint32_t version = api->abi_version();
    if (version != TANDEM_BACKEND_ABI_VERSION) {
        snprintf(error, error_capacity, "%s implements backend interface version %u, TandemAI needs %u", path,
                 version, (unsigned)TANDEM_BACKEND_ABI_VERSION);
        // The library stays open: its initialisers may have started threads.
        return NULL;
    }
    return handle;
}
