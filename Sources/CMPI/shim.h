// OpenMPI (Debian: libopenmpi-dev), the message passing of data-parallel training.
#include <mpi.h>

// MPI's handles are macros over addresses of library globals, which Swift does not import;
// these functions hand them over.
static inline MPI_Comm hone_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype hone_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype hone_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Op hone_mpi_sum(void) { return MPI_SUM; }
static inline void *hone_mpi_in_place(void) { return MPI_IN_PLACE; }
