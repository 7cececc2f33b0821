// OpenBLAS's CBLAS interface (with openblas_get_config / _corename) and LAPACKE.
// Debian installs cblas.h under the multiarch include directory.
#include <cblas.h>
#include <lapacke.h>
