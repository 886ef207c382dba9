// oneDNN's GEMM (Debian: libdnnl-dev) and the GNU OpenMP runtime it runs on (libgomp,
// GCC's): Hone's parallel loops share that runtime's thread team, so a GEMM called
// inside a loop stays on its thread instead of starting a second team.
#include <oneapi/dnnl/dnnl.h>

int omp_get_thread_num(void);
int omp_get_num_threads(void);
void GOMP_parallel(void (*function)(void *), void *data, unsigned threadCount, unsigned flags);
