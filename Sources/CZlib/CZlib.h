// zlib (Debian's zlib1g-dev) as a system library, for PNG compression and CRCs.
#include <zlib.h>
