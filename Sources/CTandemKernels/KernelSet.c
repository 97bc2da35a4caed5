// Which kernel set runs: detected once per process, and the entry points that dispatch to it.
#include "CTandemKernels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TK_DECLARE(name, ret, params)  \
    ret name##_portable params;        \
    ret name##_avx2 params;            \
    ret name##_avx512 params;

#define TK_ROWS_PARAMS (const float *, const intptr_t *, intptr_t, const float *, intptr_t, const float *, intptr_t, float *, intptr_t, intptr_t)
#define TK_GRADIENT_PARAMS (const float *, const intptr_t *, intptr_t, intptr_t, const float *, intptr_t, intptr_t, intptr_t, float *)
TK_DECLARE(tk_convolution_rows, void, TK_ROWS_PARAMS)
TK_DECLARE(tk_convolution_weight_gradient, void, TK_GRADIENT_PARAMS)
TK_DECLARE(tk_selu, void, (const float *, float *, intptr_t, float, float, float))
TK_DECLARE(tk_selu_derivative, void, (const float *, const float *, float *, intptr_t, float, float))
TK_DECLARE(tk_add, void, (const float *, const float *, float *, intptr_t))
TK_DECLARE(tk_affine, void, (const float *, float *, intptr_t, float, float))
TK_DECLARE(tk_sum, float, (const float *, intptr_t))
TK_DECLARE(tk_squared_deviation, float, (const float *, intptr_t, float))
TK_DECLARE(tk_dot_shifted, float, (const float *, const float *, intptr_t, float))
TK_DECLARE(tk_batch_norm_gradient, void, (const float *, const float *, float *, intptr_t, float, float, float, float))
TK_DECLARE(tk_deinterleave, void, (const float *, float *, intptr_t))
TK_DECLARE(tk_interleave, void, (const float *, const float *, float *, intptr_t))
TK_DECLARE(tk_packed_product, void, (const float *, intptr_t, intptr_t, intptr_t, intptr_t, const float *, intptr_t, float, float, float *, intptr_t))
TK_DECLARE(tk_adam, void, (float *, const float *, float *, float *, intptr_t, float, float, float, float))

int tk_set_is_supported(int set) {
    switch (set) {
    case TKSetPortable: return 1;
#if defined(__x86_64__)
    case TKSetAVX2:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case TKSetAVX512:
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("avx512f")
            && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw");
#endif
    default: return 0;
    }
}

const char *tk_set_name(int set) {
    switch (set) {
    case TKSetPortable: return "portable";
    case TKSetAVX2: return "avx2";
    case TKSetAVX512: return "avx512";
    default: return "unknown";
    }
}

/// The best set this processor supports.
static int tk_best_set(void) {
    if (tk_set_is_supported(TKSetAVX512)) return TKSetAVX512;
    if (tk_set_is_supported(TKSetAVX2)) return TKSetAVX2;
    return TKSetPortable;
}

/// The set `TANDEM_KERNELS` asks for and the processor supports, else the best one.
static int tk_choose_set(void) {
    const int best = tk_best_set();
    const char *wanted = getenv("TANDEM_KERNELS");
    if (wanted == NULL || wanted[0] == 0) return best;
    for (int set = TKSetPortable; set <= TKSetAVX512; set++) {
        if (strcmp(wanted, tk_set_name(set)) != 0) continue;
        if (tk_set_is_supported(set)) return set;
        fprintf(stderr, "TANDEM_KERNELS=%s: this processor cannot run it; using %s\n", wanted, tk_set_name(best));
        return best;
    }
    fprintf(stderr, "TANDEM_KERNELS=%s is not one of portable, avx2, avx512; using %s\n", wanted, tk_set_name(best));
    return best;
}

int tk_default_set(void) {
    // Computed once; racing first calls compute the same value.
    static volatile int chosen = -1;
    int set = chosen;
    if (set < 0) {
        set = tk_choose_set();
        chosen = set;
    }
    return set;
}

/// `set` when the processor supports it, else the best set it does (never an unsupported one).
static inline int tk_runnable(int set) {
    static volatile int supported[3] = {-1, -1, -1};
    if (set < TKSetPortable || set > TKSetAVX512) return tk_best_set();
    int known = supported[set];
    if (known < 0) {
        known = tk_set_is_supported(set);
        supported[set] = known;
    }
    return known ? set : tk_best_set();
}

#if defined(__x86_64__)
#define TK_DISPATCH(name, args)                                       \
    switch (tk_runnable(set)) {                                       \
    case TKSetAVX512: return name##_avx512 args;                      \
    case TKSetAVX2: return name##_avx2 args;                          \
    default: return name##_portable args;                             \
    }
#else
#define TK_DISPATCH(name, args) (void)set; return name##_portable args;
#endif

void tk_convolution_rows(int set, const float *src, const intptr_t *taps, intptr_t tapCount,
                         const float *weights, intptr_t weightStride, const float *bias, intptr_t outCount,
                         float *dst, intptr_t dstStride, intptr_t width) {
    TK_DISPATCH(tk_convolution_rows, (src, taps, tapCount, weights, weightStride, bias, outCount, dst, dstStride, width))
}

void tk_convolution_weight_gradient(int set, const float *big, const intptr_t *taps, intptr_t tapCount, intptr_t rowStep,
                                    const float *rows, intptr_t channels, intptr_t height, intptr_t roundedWidth,
                                    float *partial) {
    TK_DISPATCH(tk_convolution_weight_gradient, (big, taps, tapCount, rowStep, rows, channels, height, roundedWidth, partial))
}

void tk_selu(int set, const float *x, float *y, intptr_t count, float slope, float negativeScale, float shift) {
    TK_DISPATCH(tk_selu, (x, y, count, slope, negativeScale, shift))
}

void tk_selu_derivative(int set, const float *y, const float *dy, float *dx, intptr_t count, float slope, float slopeAlpha) {
    TK_DISPATCH(tk_selu_derivative, (y, dy, dx, count, slope, slopeAlpha))
}

void tk_add(int set, const float *a, const float *b, float *z, intptr_t count) {
    TK_DISPATCH(tk_add, (a, b, z, count))
}

void tk_affine(int set, const float *x, float *y, intptr_t count, float scale, float shift) {
    TK_DISPATCH(tk_affine, (x, y, count, scale, shift))
}

float tk_sum(int set, const float *p, intptr_t count) {
    TK_DISPATCH(tk_sum, (p, count))
}

float tk_squared_deviation(int set, const float *p, intptr_t count, float mean) {
    TK_DISPATCH(tk_squared_deviation, (p, count, mean))
}

float tk_dot_shifted(int set, const float *a, const float *b, intptr_t count, float shift) {
    TK_DISPATCH(tk_dot_shifted, (a, b, count, shift))
}

void tk_batch_norm_gradient(int set, const float *dy, const float *y, float *dx, intptr_t count,
                            float k, float meanDy, float beta, float slope) {
    TK_DISPATCH(tk_batch_norm_gradient, (dy, y, dx, count, k, meanDy, beta, slope))
}

void tk_adam(int set, float *value, const float *gradient, float *m, float *v, intptr_t count,
             float rate, float b1, float b2, float epsilon) {
    TK_DISPATCH(tk_adam, (value, gradient, m, v, count, rate, b1, b2, epsilon))
}

void tk_deinterleave(int set, const float *src, float *dst, intptr_t count) {
    TK_DISPATCH(tk_deinterleave, (src, dst, count))
}

void tk_interleave(int set, const float *even, const float *odd, float *dst, intptr_t pairs) {
    TK_DISPATCH(tk_interleave, (even, odd, dst, pairs))
}

void tk_packed_product(int set, const float *a, intptr_t rowStride, intptr_t depthStride, intptr_t m, intptr_t k,
                       const float *packed, intptr_t n, float alpha, float beta, float *c, intptr_t ldc) {
    TK_DISPATCH(tk_packed_product, (a, rowStride, depthStride, m, k, packed, n, alpha, beta, c, ldc))
}
