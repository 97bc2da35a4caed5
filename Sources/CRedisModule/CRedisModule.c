// Definitions of the API pointers declared in CRedisModule.h, and the init that fills them
// from Redis's GetApi. Everything here is hidden: only RedisModule_OnLoad (defined in
// Swift) is exported from the module.
#define _GNU_SOURCE
#include "CRedisModule.h"
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

#define CRM_DEFINE(ret, name, params) CRM_HIDDEN ret (*CRedisModule_##name) params = NULL;
CRM_API_LIST(CRM_DEFINE)
#undef CRM_DEFINE

int CRedisModule_Init(RedisModuleCtx *ctx, const char *name, int version, const char **missing) {
    int (*getApi)(const char *, void *) = (int (*)(const char *, void *))((void **)ctx)[0];
    if (missing) *missing = NULL;
#define CRM_FETCH(ret, fname, params) \
    if (getApi("RedisModule_" #fname, (void *)&CRedisModule_##fname) != CRM_OK || CRedisModule_##fname == NULL) { \
        if (missing) *missing = "RedisModule_" #fname; \
        return CRM_ERR; \
    }
    CRM_API_LIST(CRM_FETCH)
#undef CRM_FETCH
    // Optional API (absent from older servers): refuse to load twice under the same name.
    int (*isBusy)(const char *) = NULL;
    if (getApi("RedisModule_IsModuleNameBusy", (void *)&isBusy) == CRM_OK && isBusy && isBusy(name)) return CRM_ERR;
    CRedisModule_SetModuleAttribs(ctx, name, version, CRM_APIVER_1);
    return CRM_OK;
}

int CRedisModule_ModulePath(char *buffer, size_t capacity) {
    Dl_info info;
    if (capacity == 0 || dladdr((void *)&CRedisModule_ModulePath, &info) == 0 || info.dli_fname == NULL) return -1;
    strncpy(buffer, info.dli_fname, capacity - 1);
    buffer[capacity - 1] = 0;
    return 0;
}

void CRedisModule_NameThread(const char *name) {
    char cut[16];
    strncpy(cut, name, sizeof cut - 1);
    cut[sizeof cut - 1] = 0;
    pthread_setname_np(pthread_self(), cut);
}
