// The AVX-512 kernel set (F, VL, DQ, BW, with AVX2 and FMA), compiled for it by a target
// attribute on every function of this file.
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma"))), apply_to = function)
#define TK_FN(name) name##_avx512
#define TK_LEVEL 2
#include "KernelBodies.inc"
#pragma clang attribute pop
#endif
