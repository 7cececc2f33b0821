// OpenBLAS's CBLAS interface (with openblas_get_config / _corename) and LAPACKE.
// Debian installs cblas.h under the multiarch include directory.
#include <cblas.h>
#include <lapacke.h>

// OpenBLAS's own entry points for its thread pool (exported by libopenblas, not in
// cblas.h): re-read the OPENBLAS_* environment variables, and stop the worker
// threads (they start again, with the settings read last, at the next threaded call).
void openblas_read_env(void);
int openblas_thread_timeout(void);
int blas_thread_shutdown_(void);
