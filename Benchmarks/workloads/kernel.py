"""Jupyter kernel latency, through jupyter_client as a notebook front end uses it.

Run by Benchmarks/run with the repository's .venv Python (jupyter_client,
ipykernel), once for each side:  kernel.py lk PATH_TO_LK  or  kernel.py python3.
Prints
  kernel_start <seconds>      KernelManager.start_kernel → first kernel_info
                              answered and idle (what JupyterLab waits for)
  kernel_roundtrip <seconds>  execute_request "1 + 1" sent → execute_reply and
                              the request's idle status received
"""
import os
import subprocess
import sys
import tempfile
import time

reps = 200  # bench:param
starts = 10  # bench:param
warmup = 0.3  # bench:param

kernel = sys.argv[1]
if kernel == "lk":
    data = tempfile.mkdtemp(prefix="lk-bench-jupyter-")
    os.environ["JUPYTER_DATA_DIR"] = data
    os.environ["JUPYTER_PATH"] = data
    subprocess.run([sys.argv[2], "kernel", "install", "--user"], check=True, stdout=subprocess.DEVNULL)

from jupyter_client.manager import KernelManager  # noqa: E402

CODE = "1 + 1"


def idle_of(kc, msg_id):
    while True:
        m = kc.get_iopub_msg(timeout=30)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status" \
                and m["content"]["execution_state"] == "idle":
            return


def start():
    t0 = time.perf_counter()
    km = KernelManager(kernel_name=kernel)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    return time.perf_counter() - t0, km, kc


def stop(km, kc):
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def roundtrip(kc):
    t0 = time.perf_counter()
    msg_id = kc.execute(CODE)
    while True:
        r = kc.get_shell_msg(timeout=30)
        if r["parent_header"].get("msg_id") == msg_id:
            break
    assert r["content"]["status"] == "ok", r["content"]
    idle_of(kc, msg_id)
    return time.perf_counter() - t0


# start → ready: the first start warms the page cache and is not counted
for i in range(starts + 1):
    dt, km, kc = start()
    stop(km, kc)
    if i > 0:
        print("kernel_start", dt, flush=True)

dt, km, kc = start()
t_end = time.perf_counter() + warmup
while time.perf_counter() < t_end:
    roundtrip(kc)
for _ in range(reps):
    print("kernel_roundtrip", roundtrip(kc), flush=True)
stop(km, kc)
