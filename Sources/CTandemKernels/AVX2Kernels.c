// The AVX2 kernel set (with FMA), compiled for it by a target attribute on every function
// of this file, so the rest of the package keeps the baseline instruction set.
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define TK_FN(name) name##_avx2
#define TK_LEVEL 1
#include "KernelBodies.inc"
#pragma clang attribute pop
#endif
