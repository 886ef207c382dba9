// zlib (Debian: zlib1g-dev), used to read .gz data sets.
#include <zlib.h>
