// The vector types and helpers every kernel body uses (included once per instruction set).
#ifndef C_TANDEM_KERNEL_VECTORS_H
#define C_TANDEM_KERNEL_VECTORS_H

#include <stdint.h>
#include <string.h>

/// Eight and sixteen floats, loaded and stored unaligned.
typedef float tk_v8 __attribute__((vector_size(32), aligned(4)));
typedef float tk_v16 __attribute__((vector_size(64), aligned(4)));
/// Eight 32-bit integers (the bits of a tk_v8).
typedef int32_t tk_i8 __attribute__((vector_size(32), aligned(4)));

#endif
