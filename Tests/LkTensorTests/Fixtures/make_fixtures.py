# Writes the .npy and .csv fixtures of LkTensorTests with NumPy (2.4.6 was used).
# Run once by hand from this directory:  python3 make_fixtures.py
# The tests never run Python; they read the files this script committed.
import numpy as np

def save(name, a):
    np.save(name, a)

save("f8_2x3.npy", np.array([[1.5, -2.0, 3.0], [4.0, 5e-3, np.inf]]))
save("f8_nan.npy", np.array([np.nan, -0.0, 1e-300]))
save("f4.npy", np.array([0.1, -2.5, 3e38], dtype=np.float32))
save("f2.npy", np.array([0.5, -2.0, 65504.0, 6e-8], dtype=np.float16))
save("i8.npy", np.array([-(2**53), -1, 0, 2**53], dtype=np.int64))
save("i4.npy", np.array([-2**31, 7, 2**31 - 1], dtype=np.int32))
save("i2.npy", np.array([-32768, 5, 32767], dtype=np.int16))
save("i1.npy", np.array([-128, 0, 127], dtype=np.int8))
save("u1.npy", np.array([0, 200, 255], dtype=np.uint8))
save("u2.npy", np.array([0, 65535], dtype=np.uint16))
save("u4.npy", np.array([0, 4294967295], dtype=np.uint32))
save("u8.npy", np.array([0, 2**53], dtype=np.uint64))
save("b1.npy", np.array([[True, False], [False, True]]))
save("f8_big.npy", np.array([1.5, -2.0, 1e100], dtype=">f8"))
save("i4_big.npy", np.array([[1, -2], [3, 2**30]], dtype=">i4"))
save("fortran.npy", np.asfortranarray(np.arange(24.0).reshape(2, 3, 4)))
save("fortran_i2.npy", np.asfortranarray(np.arange(6, dtype=np.int16).reshape(2, 3)))
save("rank0.npy", np.array(3.25))
save("rank3.npy", np.arange(24.0).reshape(2, 3, 4) / 2)
save("empty.npy", np.zeros((0, 3)))
save("vector.npy", np.arange(5.0) - 2.5)
save("complex.npy", np.array([1 + 2j]))
save("strings.npy", np.array(["abc"]))
with open("v2.npy", "wb") as f:
    np.lib.format.write_array(f, np.arange(6.0).reshape(3, 2), version=(2, 0))
with open("v3.npy", "wb") as f:
    np.lib.format.write_array(f, np.arange(3.0), version=(3, 0))

# CSV files written by NumPy, for reading.
np.savetxt("numpy.csv", np.array([[1.5, -2.0, 3.0], [0.1, 1e-300, 12345678.9]]),
           delimiter=",", header="a,b,c", comments="", fmt="%.17g")
