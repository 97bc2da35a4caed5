// The portable kernel set: plain C for the target's baseline instruction set.
#define TK_FN(name) name##_portable
#define TK_LEVEL 0
#include "KernelBodies.inc"
