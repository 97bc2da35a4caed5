// CRedisModule: the subset of the Redis module API that TandemAI uses, declared here
// (the real redismodule.h is not needed; see “Redis module API and the rules the module
// follows” in Documentation/RedisModule.md).
//
// Why this shim exists:
//  - Redis hands modules its API as function pointers looked up by name (GetApi); Swift
//    cannot import redismodule.h's macros, and in Swift 6 mode it cannot read imported
//    mutable C globals. So the pointers live here (hidden, prefixed `CRedisModule_`) and
//    Swift calls the `static inline` `rm_*` wrappers below.
//  - Variadic APIs (Log, EmitAOF, Replicate) get fixed-format wrappers.
//  - Every symbol is hidden or prefixed, so nothing can interpose with redis-server's
//    ~4000 exported symbols (see “Building and loading”).
#ifndef CREDISMODULE_H
#define CREDISMODULE_H

#include <stddef.h>
#include <stdint.h>

#define CRM_HIDDEN __attribute__((visibility("hidden")))

// MARK: - Opaque types (imported by Swift as OpaquePointer)

typedef struct RedisModuleCtx RedisModuleCtx;
typedef struct RedisModuleString RedisModuleString;
typedef struct RedisModuleKey RedisModuleKey;
typedef struct RedisModuleType RedisModuleType;
typedef struct RedisModuleIO RedisModuleIO;
typedef struct RedisModuleDigest RedisModuleDigest;
typedef struct RedisModuleBlockedClient RedisModuleBlockedClient;
typedef struct RedisModuleInfoCtx RedisModuleInfoCtx;
typedef struct RedisModuleDefragCtx RedisModuleDefragCtx;

// MARK: - Constants (numeric values from redismodule.h)

enum {
    CRM_OK = 0,
    CRM_ERR = 1,
    CRM_APIVER_1 = 1,
    CRM_TYPE_METHOD_VERSION = 3,
    CRM_READ = 1 << 0,
    CRM_WRITE = 1 << 1,
    CRM_KEYTYPE_EMPTY = 0,
    CRM_KEYTYPE_MODULE = 6,
    CRM_POSTPONED_ARRAY_LEN = -1,
    CRM_CTX_FLAGS_LUA = 1 << 0,
    CRM_CTX_FLAGS_MULTI = 1 << 1,
    CRM_CTX_FLAGS_REPLICATED = 1 << 12,
    CRM_CTX_FLAGS_LOADING = 1 << 13,
    CRM_CTX_FLAGS_DENY_BLOCKING = 1 << 21,
    CRM_OPTIONS_HANDLE_IO_ERRORS = 1,
    CRM_RUSAGE_THREAD = 1,  // glibc RUSAGE_THREAD, hidden by Glibc without _GNU_SOURCE
};

// MARK: - Callback types and the type-methods struct

typedef int (*RedisModuleCmdFunc)(RedisModuleCtx *ctx, RedisModuleString **argv, int argc);
typedef void *(*RedisModuleTypeLoadFunc)(RedisModuleIO *rdb, int encver);
typedef void (*RedisModuleTypeSaveFunc)(RedisModuleIO *rdb, void *value);
typedef void (*RedisModuleTypeRewriteFunc)(RedisModuleIO *aof, RedisModuleString *key, void *value);
typedef size_t (*RedisModuleTypeMemUsageFunc)(const void *value);
typedef void (*RedisModuleTypeDigestFunc)(RedisModuleDigest *digest, void *value);
typedef void (*RedisModuleTypeFreeFunc)(void *value);
typedef int (*RedisModuleTypeAuxLoadFunc)(RedisModuleIO *rdb, int encver, int when);
typedef void (*RedisModuleTypeAuxSaveFunc)(RedisModuleIO *rdb, int when);
typedef size_t (*RedisModuleTypeFreeEffortFunc)(RedisModuleString *key, const void *value);
typedef void (*RedisModuleTypeUnlinkFunc)(RedisModuleString *key, const void *value);
typedef void *(*RedisModuleTypeCopyFunc)(RedisModuleString *fromkey, RedisModuleString *tokey, const void *value);
typedef int (*RedisModuleTypeDefragFunc)(RedisModuleDefragCtx *ctx, RedisModuleString *key, void **value);
typedef void (*RedisModuleFreePrivDataFunc)(RedisModuleCtx *ctx, void *privdata);
typedef void (*RedisModuleInfoFunc)(RedisModuleInfoCtx *ctx, int for_crash_report);

/// Mirrors Redis's `RedisModuleTypeMethods` version 3; field order matters.
typedef struct RedisModuleTypeMethods {
    uint64_t version;
    RedisModuleTypeLoadFunc rdb_load;
    RedisModuleTypeSaveFunc rdb_save;
    RedisModuleTypeRewriteFunc aof_rewrite;
    RedisModuleTypeMemUsageFunc mem_usage;
    RedisModuleTypeDigestFunc digest;
    RedisModuleTypeFreeFunc free;
    RedisModuleTypeAuxLoadFunc aux_load;
    RedisModuleTypeAuxSaveFunc aux_save;
    int aux_save_triggers;
    RedisModuleTypeFreeEffortFunc free_effort;
    RedisModuleTypeUnlinkFunc unlink;
    RedisModuleTypeCopyFunc copy;
    RedisModuleTypeDefragFunc defrag;
} RedisModuleTypeMethods;

_Static_assert(sizeof(RedisModuleTypeMethods) == 112, "RedisModuleTypeMethods v3 layout");

// MARK: - The API function pointers (hidden globals, filled by CRedisModule_Init)

#define CRM_API_LIST(X) \
    X(int, SetModuleAttribs, (RedisModuleCtx *, const char *, int, int)) \
    X(void, SetModuleOptions, (RedisModuleCtx *, int)) \
    X(int, GetContextFlags, (RedisModuleCtx *)) \
    X(int, CreateCommand, (RedisModuleCtx *, const char *, RedisModuleCmdFunc, const char *, int, int, int)) \
    X(int, IsKeysPositionRequest, (RedisModuleCtx *)) \
    X(void, KeyAtPos, (RedisModuleCtx *, int)) \
    X(int, ReplyWithSimpleString, (RedisModuleCtx *, const char *)) \
    X(int, ReplyWithError, (RedisModuleCtx *, const char *)) \
    X(int, ReplyWithLongLong, (RedisModuleCtx *, long long)) \
    X(int, ReplyWithDouble, (RedisModuleCtx *, double)) \
    X(int, ReplyWithArray, (RedisModuleCtx *, long)) \
    X(void, ReplySetArrayLength, (RedisModuleCtx *, long)) \
    X(int, ReplyWithStringBuffer, (RedisModuleCtx *, const char *, size_t)) \
    X(int, ReplyWithCString, (RedisModuleCtx *, const char *)) \
    X(int, ReplyWithString, (RedisModuleCtx *, RedisModuleString *)) \
    X(int, ReplyWithNull, (RedisModuleCtx *)) \
    X(RedisModuleString *, CreateString, (RedisModuleCtx *, const char *, size_t)) \
    X(RedisModuleString *, CreateStringFromLongLong, (RedisModuleCtx *, long long)) \
    X(RedisModuleString *, CreateStringFromString, (RedisModuleCtx *, const RedisModuleString *)) \
    X(void, FreeString, (RedisModuleCtx *, RedisModuleString *)) \
    X(RedisModuleString *, HoldString, (RedisModuleCtx *, RedisModuleString *)) \
    X(const char *, StringPtrLen, (const RedisModuleString *, size_t *)) \
    X(int, StringToLongLong, (const RedisModuleString *, long long *)) \
    X(int, StringToDouble, (const RedisModuleString *, double *)) \
    X(RedisModuleKey *, OpenKey, (RedisModuleCtx *, RedisModuleString *, int)) \
    X(void, CloseKey, (RedisModuleKey *)) \
    X(int, KeyType, (RedisModuleKey *)) \
    X(int, DeleteKey, (RedisModuleKey *)) \
    X(RedisModuleType *, CreateDataType, (RedisModuleCtx *, const char *, int, RedisModuleTypeMethods *)) \
    X(int, ModuleTypeSetValue, (RedisModuleKey *, RedisModuleType *, void *)) \
    X(int, ModuleTypeReplaceValue, (RedisModuleKey *, RedisModuleType *, void *, void **)) \
    X(RedisModuleType *, ModuleTypeGetType, (RedisModuleKey *)) \
    X(void *, ModuleTypeGetValue, (RedisModuleKey *)) \
    X(void, SaveUnsigned, (RedisModuleIO *, uint64_t)) \
    X(uint64_t, LoadUnsigned, (RedisModuleIO *)) \
    X(void, SaveSigned, (RedisModuleIO *, int64_t)) \
    X(int64_t, LoadSigned, (RedisModuleIO *)) \
    X(void, SaveStringBuffer, (RedisModuleIO *, const char *, size_t)) \
    X(char *, LoadStringBuffer, (RedisModuleIO *, size_t *)) \
    X(int, IsIOError, (RedisModuleIO *)) \
    X(const RedisModuleString *, GetKeyNameFromIO, (RedisModuleIO *)) \
    X(void, EmitAOF, (RedisModuleIO *, const char *, const char *, ...)) \
    X(int, ReplicateVerbatim, (RedisModuleCtx *)) \
    X(int, Replicate, (RedisModuleCtx *, const char *, const char *, ...)) \
    X(RedisModuleBlockedClient *, BlockClient, (RedisModuleCtx *, RedisModuleCmdFunc, RedisModuleCmdFunc, RedisModuleFreePrivDataFunc, long long)) \
    X(int, UnblockClient, (RedisModuleBlockedClient *, void *)) \
    X(void *, GetBlockedClientPrivateData, (RedisModuleCtx *)) \
    X(int, AbortBlock, (RedisModuleBlockedClient *)) \
    X(int, BlockedClientMeasureTimeStart, (RedisModuleBlockedClient *)) \
    X(int, BlockedClientMeasureTimeEnd, (RedisModuleBlockedClient *)) \
    X(void *, Alloc, (size_t)) \
    X(void *, Calloc, (size_t, size_t)) \
    X(void, Free, (void *)) \
    X(void, Log, (RedisModuleCtx *, const char *, const char *, ...)) \
    X(long long, Milliseconds, (void)) \
    X(int, RegisterInfoFunc, (RedisModuleCtx *, RedisModuleInfoFunc)) \
    X(int, InfoAddSection, (RedisModuleInfoCtx *, const char *)) \
    X(int, InfoAddFieldCString, (RedisModuleInfoCtx *, const char *, const char *)) \
    X(int, InfoAddFieldLongLong, (RedisModuleInfoCtx *, const char *, long long)) \
    X(int, InfoAddFieldDouble, (RedisModuleInfoCtx *, const char *, double))

#define CRM_DECLARE(ret, name, params) extern CRM_HIDDEN ret (*CRedisModule_##name) params;
CRM_API_LIST(CRM_DECLARE)
#undef CRM_DECLARE

/// Fills every API pointer from the GetApi function in `ctx`, refuses a busy module name,
/// then registers the module's name and version. Returns CRM_OK or CRM_ERR; on ERR,
/// `missing` (if not NULL) points at the name of the first API that was not found.
CRM_HIDDEN int CRedisModule_Init(RedisModuleCtx *ctx, const char *name, int version, const char **missing);

/// Writes the path of the shared object holding this shim into `buffer` (NUL-ended,
/// truncated to `capacity`). Returns 0 on success, -1 when it cannot be found.
CRM_HIDDEN int CRedisModule_ModulePath(char *buffer, size_t capacity);

/// Names the calling thread (the first 15 bytes of `name`) for profilers and `top -H`.
CRM_HIDDEN void CRedisModule_NameThread(const char *name);

// MARK: - Wrappers Swift calls (one per API; variadic APIs with fixed formats)

static inline int rm_set_module_options(RedisModuleCtx *c, int o) { CRedisModule_SetModuleOptions(c, o); return 0; }
static inline int rm_get_context_flags(RedisModuleCtx *c) { return CRedisModule_GetContextFlags(c); }
static inline int rm_create_command(RedisModuleCtx *c, const char *name, RedisModuleCmdFunc f, const char *flags, int first, int last, int step) { return CRedisModule_CreateCommand(c, name, f, flags, first, last, step); }
static inline int rm_is_keys_position_request(RedisModuleCtx *c) { return CRedisModule_IsKeysPositionRequest(c); }
static inline void rm_key_at_pos(RedisModuleCtx *c, int pos) { CRedisModule_KeyAtPos(c, pos); }

static inline int rm_reply_simple(RedisModuleCtx *c, const char *s) { return CRedisModule_ReplyWithSimpleString(c, s); }
static inline int rm_reply_error(RedisModuleCtx *c, const char *s) { return CRedisModule_ReplyWithError(c, s); }
static inline int rm_reply_long_long(RedisModuleCtx *c, long long v) { return CRedisModule_ReplyWithLongLong(c, v); }
static inline int rm_reply_double(RedisModuleCtx *c, double v) { return CRedisModule_ReplyWithDouble(c, v); }
static inline int rm_reply_array(RedisModuleCtx *c, long n) { return CRedisModule_ReplyWithArray(c, n); }
static inline void rm_reply_set_array_length(RedisModuleCtx *c, long n) { CRedisModule_ReplySetArrayLength(c, n); }
static inline int rm_reply_buffer(RedisModuleCtx *c, const void *p, size_t n) { return CRedisModule_ReplyWithStringBuffer(c, (const char *)p, n); }
static inline int rm_reply_cstring(RedisModuleCtx *c, const char *s) { return CRedisModule_ReplyWithCString(c, s); }
static inline int rm_reply_string(RedisModuleCtx *c, RedisModuleString *s) { return CRedisModule_ReplyWithString(c, s); }
static inline int rm_reply_null(RedisModuleCtx *c) { return CRedisModule_ReplyWithNull(c); }

static inline RedisModuleString *rm_create_string(RedisModuleCtx *c, const void *p, size_t n) { return CRedisModule_CreateString(c, (const char *)p, n); }
static inline RedisModuleString *rm_create_string_from_long_long(RedisModuleCtx *c, long long v) { return CRedisModule_CreateStringFromLongLong(c, v); }
static inline RedisModuleString *rm_create_string_from_string(RedisModuleCtx *c, const RedisModuleString *s) { return CRedisModule_CreateStringFromString(c, s); }
static inline void rm_free_string(RedisModuleCtx *c, RedisModuleString *s) { CRedisModule_FreeString(c, s); }
static inline RedisModuleString *rm_hold_string(RedisModuleCtx *c, RedisModuleString *s) { return CRedisModule_HoldString(c, s); }
static inline const char *rm_string_ptr_len(const RedisModuleString *s, size_t *n) { return CRedisModule_StringPtrLen(s, n); }
static inline int rm_string_to_long_long(const RedisModuleString *s, long long *v) { return CRedisModule_StringToLongLong(s, v); }
static inline int rm_string_to_double(const RedisModuleString *s, double *v) { return CRedisModule_StringToDouble(s, v); }

static inline RedisModuleKey *rm_open_key(RedisModuleCtx *c, RedisModuleString *name, int mode) { return CRedisModule_OpenKey(c, name, mode); }
static inline void rm_close_key(RedisModuleKey *k) { CRedisModule_CloseKey(k); }
static inline int rm_key_type(RedisModuleKey *k) { return CRedisModule_KeyType(k); }
static inline int rm_delete_key(RedisModuleKey *k) { return CRedisModule_DeleteKey(k); }

static inline RedisModuleType *rm_create_data_type(RedisModuleCtx *c, const char *name, int encver, RedisModuleTypeMethods *m) { return CRedisModule_CreateDataType(c, name, encver, m); }
static inline int rm_module_type_set_value(RedisModuleKey *k, RedisModuleType *t, void *v) { return CRedisModule_ModuleTypeSetValue(k, t, v); }
static inline int rm_module_type_replace_value(RedisModuleKey *k, RedisModuleType *t, void *v, void **old) { return CRedisModule_ModuleTypeReplaceValue(k, t, v, old); }
static inline RedisModuleType *rm_module_type_get_type(RedisModuleKey *k) { return CRedisModule_ModuleTypeGetType(k); }
static inline void *rm_module_type_get_value(RedisModuleKey *k) { return CRedisModule_ModuleTypeGetValue(k); }

static inline void rm_save_unsigned(RedisModuleIO *io, uint64_t v) { CRedisModule_SaveUnsigned(io, v); }
static inline uint64_t rm_load_unsigned(RedisModuleIO *io) { return CRedisModule_LoadUnsigned(io); }
static inline void rm_save_signed(RedisModuleIO *io, int64_t v) { CRedisModule_SaveSigned(io, v); }
static inline int64_t rm_load_signed(RedisModuleIO *io) { return CRedisModule_LoadSigned(io); }
static inline void rm_save_string_buffer(RedisModuleIO *io, const void *p, size_t n) { CRedisModule_SaveStringBuffer(io, (const char *)p, n); }
static inline void *rm_load_string_buffer(RedisModuleIO *io, size_t *n) { return CRedisModule_LoadStringBuffer(io, n); }
static inline int rm_is_io_error(RedisModuleIO *io) { return CRedisModule_IsIOError(io); }
static inline const RedisModuleString *rm_key_name_from_io(RedisModuleIO *io) { return CRedisModule_GetKeyNameFromIO(io); }
/// `EmitAOF(io, cmd, "sv", key, v, n)`: the key goes with `s` (it is a stack object).
static inline void rm_emit_aof_sv(RedisModuleIO *io, const char *cmd, RedisModuleString *key, RedisModuleString **v, size_t n) { CRedisModule_EmitAOF(io, cmd, "sv", key, v, n); }

static inline int rm_replicate_verbatim(RedisModuleCtx *c) { return CRedisModule_ReplicateVerbatim(c); }
/// `Replicate(ctx, cmd, "sv", key, v, n)`.
static inline int rm_replicate_sv(RedisModuleCtx *c, const char *cmd, RedisModuleString *key, RedisModuleString **v, size_t n) { return CRedisModule_Replicate(c, cmd, "sv", key, v, n); }

static inline RedisModuleBlockedClient *rm_block_client(RedisModuleCtx *c, RedisModuleCmdFunc reply, RedisModuleCmdFunc timeout, RedisModuleFreePrivDataFunc free_privdata, long long ms) { return CRedisModule_BlockClient(c, reply, timeout, free_privdata, ms); }
static inline int rm_unblock_client(RedisModuleBlockedClient *bc, void *privdata) { return CRedisModule_UnblockClient(bc, privdata); }
static inline void *rm_get_blocked_client_private_data(RedisModuleCtx *c) { return CRedisModule_GetBlockedClientPrivateData(c); }
static inline int rm_abort_block(RedisModuleBlockedClient *bc) { return CRedisModule_AbortBlock(bc); }
static inline int rm_blocked_client_measure_time_start(RedisModuleBlockedClient *bc) { return CRedisModule_BlockedClientMeasureTimeStart(bc); }
static inline int rm_blocked_client_measure_time_end(RedisModuleBlockedClient *bc) { return CRedisModule_BlockedClientMeasureTimeEnd(bc); }

static inline void *rm_alloc(size_t n) { return CRedisModule_Alloc(n); }
static inline void *rm_calloc(size_t count, size_t size) { return CRedisModule_Calloc(count, size); }
static inline void rm_free(void *p) { CRedisModule_Free(p); }

/// `Log(ctx, level, "%s", message)`; `ctx` may be NULL (any thread).
static inline void rm_log(RedisModuleCtx *c, const char *level, const char *message) { CRedisModule_Log(c, level, "%s", message); }
static inline long long rm_milliseconds(void) { return CRedisModule_Milliseconds(); }

static inline int rm_register_info_func(RedisModuleCtx *c, RedisModuleInfoFunc f) { return CRedisModule_RegisterInfoFunc(c, f); }
static inline int rm_info_add_section(RedisModuleInfoCtx *c, const char *name) { return CRedisModule_InfoAddSection(c, name); }
static inline int rm_info_add_field_cstring(RedisModuleInfoCtx *c, const char *field, const char *value) { return CRedisModule_InfoAddFieldCString(c, field, value); }
static inline int rm_info_add_field_long_long(RedisModuleInfoCtx *c, const char *field, long long value) { return CRedisModule_InfoAddFieldLongLong(c, field, value); }
static inline int rm_info_add_field_double(RedisModuleInfoCtx *c, const char *field, double value) { return CRedisModule_InfoAddFieldDouble(c, field, value); }

#endif
