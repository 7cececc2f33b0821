"""What every kernel test shares: the lk under test, installed as a kernelspec
into a temporary Jupyter data directory (so nothing of the user's is touched)."""
import os
import subprocess
import tempfile

LK = os.environ.get("LK_BINARY") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", "..", ".build", "debug", "lk"))
if not os.path.exists(LK):
    raise SystemExit(f"no lk at {LK}: build it first (swift build) or set LK_BINARY")

_data = tempfile.mkdtemp(prefix="lk-jupyter-")
os.environ["JUPYTER_DATA_DIR"] = _data
os.environ["JUPYTER_PATH"] = _data
os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")
subprocess.run([LK, "kernel", "install", "--user"], check=True, stdout=subprocess.DEVNULL)
