import CBLAS
import CFFTW
import CEditLine
print(String(cString: openblas_get_corename()))
