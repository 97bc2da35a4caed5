#ifndef C_TANDEM_KERNELS_H
#define C_TANDEM_KERNELS_H

#include <stdint.h>

/// TandemNN's Float kernels, each compiled once per instruction set and chosen at run time.
///
/// Every kernel takes the kernel set to run as its first argument (`TKSetPortable`,
/// `TKSetAVX2`, `TKSetAVX512`); a set the processor lacks runs the best one it has, so a
/// caller can never execute an unsupported instruction. The portable set is plain C built
/// for the target's baseline (SSE2 on x86_64); AVX2 adds FMA (multiply-adds are fused, so
/// its sums differ from the portable ones in the last bits); AVX-512 uses the same
/// arithmetic in the same order as AVX2, on wider vectors where rows are long enough, so
/// its results equal AVX2's bit for bit.
///
/// Pointers are never null unless documented; counts are non-negative.

/// The portable kernels.
#define TKSetPortable 0
/// AVX2 with FMA (x86-64-v3: Haswell, Zen and later).
#define TKSetAVX2 1
/// AVX-512 F/VL/DQ/BW with AVX2 and FMA (x86-64-v4: Skylake-X, Zen 4 and later).
#define TKSetAVX512 2

/// 1 when this processor can run kernel set `set`, else 0 (the portable set always can).
int tk_set_is_supported(int set);

/// The kernel set chosen once per process: the one named by the environment variable
/// `TANDEM_KERNELS` (`portable`, `avx2` or `avx512`) when the processor supports it,
/// otherwise the best the processor supports. An unknown or unsupported name is reported
/// once on standard error.
int tk_default_set(void);

/// The set's name: "portable", "avx2" or "avx512" ("unknown" for anything else).
const char *tk_set_name(int set);

/// One output row for `outCount` output channels of a direct convolution:
/// `dst[c·dstStride + x] = bias[c] + Σ_t src[taps[t] + x] · weights[t·weightStride + c]`
/// for `c` in `0..<outCount`, `x` in `0..<width`, taps summed in order (`bias` may be null:
/// zero). Reads run to the next multiple of eight past `width` (callers pad their buffers
/// with finite values); writes stop at `width`.
void tk_convolution_rows(int set, const float *src, const intptr_t *taps, intptr_t tapCount,
                         const float *weights, intptr_t weightStride, const float *bias, intptr_t outCount,
                         float *dst, intptr_t dstStride, intptr_t width);

/// A sample's share of a convolution's kernel gradient:
/// `partial[t·channels + c] += Σ_{y<height} Σ_{x<roundedWidth} big[taps[t] + y·rowStep + x] · rows[(c·height + y)·roundedWidth + x]`.
/// `roundedWidth` is a multiple of eight; `rows` is zero past the image's width.
void tk_convolution_weight_gradient(int set, const float *big, const intptr_t *taps, intptr_t tapCount, intptr_t rowStep,
                                    const float *rows, intptr_t channels, intptr_t height, intptr_t roundedWidth,
                                    float *partial);

/// `y[i] = (x[i] > 0 ? slope·x[i] : negativeScale·(eˣ⁽ⁱ⁾ − 1)) + shift` (SELU and its fused
/// inference forms; `x` and `y` may be the same). eˣ is a polynomial accurate to about 2e-7.
void tk_selu(int set, const float *x, float *y, intptr_t count, float slope, float negativeScale, float shift);

/// `dx[i] = dy[i] · (y[i] > 0 ? slope : y[i] + slopeAlpha)`: SELU's derivative from its output.
void tk_selu_derivative(int set, const float *y, const float *dy, float *dx, intptr_t count, float slope, float slopeAlpha);

/// `z[i] = a[i] + b[i]` (`z` may be `a` or `b`).
void tk_add(int set, const float *a, const float *b, float *z, intptr_t count);

/// `y[i] = x[i]·scale + shift` (`x` and `y` may be the same).
void tk_affine(int set, const float *x, float *y, intptr_t count, float scale, float shift);

/// `Σ p[i]`, in a fixed order (eight partial sums, then lanes in order).
float tk_sum(int set, const float *p, intptr_t count);

/// `Σ (p[i] − mean)²`, in the order of ``tk_sum``.
float tk_squared_deviation(int set, const float *p, intptr_t count, float mean);

/// `Σ a[i]·(b[i] − shift)`, in the order of ``tk_sum``.
float tk_dot_shifted(int set, const float *a, const float *b, intptr_t count, float shift);

/// Batch normalisation's input gradient for one plane:
/// `dx[i] = k·(dy[i] − meanDy − (y[i] − beta)·slope)`.
void tk_batch_norm_gradient(int set, const float *dy, const float *y, float *dx, intptr_t count,
                            float k, float meanDy, float beta, float slope);

/// `dst[i] = src[2·i]` for `i < count`: one column phase of a row.
void tk_deinterleave(int set, const float *src, float *dst, intptr_t count);

/// `dst[2·i] = even[i]`, `dst[2·i + 1] = odd[i]` for `i < pairs`: a row from its two column phases.
void tk_interleave(int set, const float *even, const float *odd, float *dst, intptr_t pairs);

/// One Adam step: `m ← b1·m + (1−b1)·g`, `v ← b2·v + (1−b2)·g²`, `θ ← θ − rate·m/(√v + epsilon)`.
void tk_adam(int set, float *value, const float *gradient, float *m, float *v, intptr_t count,
             float rate, float b1, float b2, float epsilon);

/// The number of floats `tk_packed_product` takes for a `k`×`n` right-hand side:
/// ⌈n/16⌉ panels of `k`×16.
static inline intptr_t tk_packed_count(intptr_t k, intptr_t n) { return (n + 15) / 16 * k * 16; }

/// `c[i·ldc + j] = alpha·Σ_t a[i·rowStride + t·depthStride]·B[t][j] + beta·c[i·ldc + j]` for
/// `i < m`, `j < n`, `t < k` (with `beta` 0, `c` is not read), where the `k`×`n` matrix B is
/// packed: column `j` is lane `j mod 16` of panel `j / 16`, and panel `p` is `k` rows of 16
/// floats at `packed + p·k·16` (the last panel's lanes past `n` are zero). Every sum runs
/// over `t` in order with one accumulator, so a row's result is the same whatever the other
/// rows of the call (a batch's rows equal the same rows run alone).
void tk_packed_product(int set, const float *a, intptr_t rowStride, intptr_t depthStride, intptr_t m, intptr_t k,
                       const float *packed, intptr_t n, float alpha, float beta, float *c, intptr_t ldc);

#endif
