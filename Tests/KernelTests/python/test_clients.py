"""lk's kernel driven by the clients people use: jupyter_client's KernelManager
and BlockingKernelClient, nbclient running a notebook, raw ZeroMQ for messages
no honest client sends."""
import os
import time
import unittest
import uuid

import kernel_env  # noqa: F401  (installs the kernelspec first)
import nbformat
import zmq
from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

TIMEOUT = 30


def run(kc, code, **kw):
    """Executes code; returns (reply content, iopub messages of that request)."""
    msg_id = kc.execute(code, **kw)
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=TIMEOUT)
    return reply["content"], iopub_until_idle(kc, msg_id)


def iopub_until_idle(kc, msg_id):
    got = []
    while True:
        m = kc.get_iopub_msg(timeout=TIMEOUT)
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        got.append(m)
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            return got


def value(kc, code):
    reply, msgs = run(kc, code)
    assert reply["status"] == "ok", reply
    results = [m["content"]["data"]["text/plain"] for m in msgs if m["msg_type"] == "execute_result"]
    return results[0] if results else None


class KernelSessionTests(unittest.TestCase):
    def setUp(self):
        self.km, self.kc = start_new_kernel(kernel_name="lk")

    def tearDown(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)

    def test_execution_count_and_semicolon(self):
        reply, msgs = run(self.kc, "x = 21")
        first = reply["execution_count"]
        reply, msgs = run(self.kc, "x * 2")
        self.assertEqual(reply["execution_count"], first + 1)
        self.assertEqual([m["content"]["data"]["text/plain"] for m in msgs if m["msg_type"] == "execute_result"], ["42"])
        inputs = [m for m in msgs if m["msg_type"] == "execute_input"]
        self.assertEqual(inputs[0]["content"]["code"], "x * 2")
        # A trailing `;` hides the value, also before a comment.
        reply, msgs = run(self.kc, "x * 2;  # note")
        self.assertFalse([m for m in msgs if m["msg_type"] == "execute_result"])

    def test_error_carries_the_caret_diagnostic(self):
        run(self.kc, "a = ones(3, 4)")
        reply, msgs = run(self.kc, "b = a @ ones(5, 2)")
        self.assertEqual(reply["status"], "error")
        err = [m["content"] for m in msgs if m["msg_type"] == "error"][0]
        self.assertEqual(err["evalue"], "shape mismatch: (3,4) @ (5,2)")
        tb = "\n".join(err["traceback"])
        self.assertIn(":1:5: error: shape mismatch: (3,4) @ (5,2)", tb)
        self.assertIn("\n    b = a @ ones(5, 2)\n        ^~~~~~~~~~~~~~\n", tb + "\n")

    def test_output_is_streamed_while_the_cell_runs(self):
        code = 'print("started")\nt = time()\nwhile time() - t < 1.5 { }\nprint("done")'
        msg_id = self.kc.execute(code)
        t0 = time.monotonic()
        first = None
        while first is None:
            m = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "stream":
                first = (time.monotonic() - t0, m["content"]["text"])
        self.assertEqual(first[1], "started\n")
        self.assertLess(first[0], 1.0, "the first line arrived only when the cell ended")
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["content"]["status"], "ok")
        self.assertGreater(time.monotonic() - t0, 1.4)

    def test_interrupt_by_signal_keeps_the_workspace(self):
        run(self.kc, "kept = 7")
        msg_id = self.kc.execute("k = 0\nwhile 1 { k += 1 }")
        time.sleep(0.5)
        self.km.interrupt_kernel()   # interrupt_mode signal: SIGINT
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        iopub_until_idle(self.kc, msg_id)
        self.assertEqual(value(self.kc, "kept + 1"), "8")
        self.assertNotEqual(value(self.kc, "k"), "0")

    def test_interrupt_request_on_control(self):
        run(self.kc, "kept = 5")
        msg_id = self.kc.execute("while 1 { }")
        time.sleep(0.5)
        req = self.kc.session.msg("interrupt_request", {})
        self.kc.control_channel.send(req)
        ctl = self.kc.control_channel.get_msg(timeout=TIMEOUT)
        self.assertEqual(ctl["msg_type"], "interrupt_reply")
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        self.assertEqual(value(self.kc, "kept * 2"), "10")

    def test_restart_gives_a_fresh_workspace(self):
        run(self.kc, "gone = 1")
        self.km.restart_kernel(now=False)
        self.kc.wait_for_ready(timeout=TIMEOUT)
        reply, msgs = run(self.kc, "gone")
        self.assertEqual(reply["status"], "error")
        self.assertIn("unknown name 'gone'", reply["evalue"])
        self.assertEqual(value(self.kc, "sqrt(16)"), "4")

    def test_stop_on_error_aborts_queued_cells(self):
        bad = self.kc.execute("t = time()\nwhile time() - t < 0.5 { }\nnope()")
        queued = self.kc.execute("ran = 1")
        replies = {}
        while len(replies) < 2:
            r = self.kc.get_shell_msg(timeout=TIMEOUT)
            replies[r["parent_header"]["msg_id"]] = r["content"]["status"]
        self.assertEqual(replies, {bad: "error", queued: "aborted"})
        reply, _ = run(self.kc, "ran")
        self.assertEqual(reply["status"], "error")

    def test_live_and_updated_figures_update_their_display(self):
        # A loop redrawing one figure: one display_data, then updates of the same display_id.
        reply, msgs = run(self.kc, "for i in 0..3 { plot([1, 2, 3 + i], update=true) }")
        self.assertEqual(reply["status"], "ok", reply)
        shown = [m for m in msgs if m["msg_type"] == "display_data"]
        updates = [m for m in msgs if m["msg_type"] == "update_display_data"]
        self.assertEqual(len(shown), 1)
        self.assertEqual(len(updates), 2)
        first = shown[0]["content"]["transient"]["display_id"]
        self.assertTrue(all(u["content"]["transient"]["display_id"] == first for u in updates))
        self.assertTrue(updates[-1]["content"]["data"]["image/png"].startswith("iVBORw0KGgo"))
        # train(…, live=true) ends with its whole curve in one display.
        reply, msgs = run(self.kc, "r = train(mlp([2, 8, 1], seed=1), randn(16, 2), randn(16), steps=30, live=true)")
        self.assertEqual(reply["status"], "ok", reply)
        shown = [m for m in msgs if m["msg_type"] == "display_data"]
        self.assertEqual(len(shown), 1)
        ids = {m["content"]["transient"]["display_id"] for m in msgs if m["msg_type"] in ("display_data", "update_display_data")}
        self.assertEqual(len(ids), 1, "every redraw updates the one display")

    def test_commands_and_reset(self):
        run(self.kc, "v = ones(3)")
        reply, msgs = run(self.kc, ":vars")
        text = "".join(m["content"]["text"] for m in msgs if m["msg_type"] == "stream")
        self.assertIn("v     tensor", text)
        run(self.kc, ":reset")
        reply, _ = run(self.kc, "v")
        self.assertEqual(reply["status"], "error")

    def test_forged_and_malformed_messages_are_dropped(self):
        info = self.km.get_connection_info()
        ctx = zmq.Context.instance()
        sock = ctx.socket(zmq.DEALER)
        sock.linger = 0
        sock.connect(f"tcp://{info['ip']}:{info['shell_port']}")
        forged = Session(key=b"not-the-key", signature_scheme="hmac-sha256")
        msg = forged.msg("execute_request", {"code": "pwned = 1", "silent": False, "store_history": True,
                                             "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        forged.send(sock, msg)
        unsigned = Session(key=b"", signature_scheme="hmac-sha256")
        unsigned.send(sock, unsigned.msg("execute_request", dict(msg["content"], code="pwned = 2")))
        real = self.kc.session
        header = real.pack(real.msg_header("execute_request"))
        for frames in (
            [b"<IDS|MSG>", b"", header],                                  # missing frames
            [b"no delimiter", b"at all"],
            [b"<IDS|MSG>", real.sign([b"{bad json", b"{}", b"{}", b"{}"]),
             b"{bad json", b"{}", b"{}", b"{}"],                         # signed, but not JSON
            [b"<IDS|MSG>", b"0" * 64, header, b"{}", b"{}", b"x" * (1 << 20)],  # big, wrongly signed
        ):
            sock.send_multipart(frames)
        time.sleep(0.5)
        # The kernel is alive and ran none of it.
        reply, _ = run(self.kc, "pwned")
        self.assertEqual(reply["status"], "error")
        self.assertIn("unknown name 'pwned'", reply["evalue"])
        self.assertEqual(value(self.kc, "1 + 1"), "2")
        sock.close()

    def test_binds_only_the_connection_file_addresses(self):
        info = self.km.get_connection_info()
        self.assertEqual(info["ip"], "127.0.0.1")
        pid = self.km.provisioner.process.pid
        ports = set()
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            with open(f"/proc/{pid}/net/{os.path.basename(table)}") as f:
                socket_inodes = set(os.readlink(f"/proc/{pid}/fd/{fd}")[8:-1]
                                    for fd in os.listdir(f"/proc/{pid}/fd")
                                    if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"))
                for line in f.readlines()[1:]:
                    cols = line.split()
                    if cols[3] == "0A" and cols[9] in socket_inodes:   # LISTEN, this process
                        addr, port = cols[1].split(":")
                        ports.add((addr, int(port, 16)))
        want = {info[k] for k in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")}
        self.assertEqual({p for _, p in ports}, want)
        self.assertEqual({a for a, _ in ports}, {"0100007F"})   # 127.0.0.1 only


class NotebookTests(unittest.TestCase):
    def notebook(self, *cells):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "lk", "display_name": "lk", "language": "lk"}
        nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        return nb

    def test_nbclient_runs_cells_with_a_figure_and_an_error(self):
        nb = self.notebook(
            "x = linspace(0, 3.14159, 50)\nprint(\"points:\", len(x))",
            "plot(x, sin(x), title=\"sine\")",
            "max(sin(x)) > 0.99",
            "ones(2, 2) @ ones(3, 3)",
        )
        NotebookClient(nb, timeout=60, kernel_name="lk", allow_errors=True).execute()
        out = [c.outputs for c in nb.cells]
        self.assertEqual(out[0][0]["text"], "points: 50\n")
        figure = [o for o in out[1] if o["output_type"] == "display_data"]
        self.assertEqual(len(figure), 1)
        self.assertTrue(figure[0]["data"]["image/png"].startswith("iVBORw0KGgo"))   # PNG magic, base64
        self.assertIn("sine", figure[0]["data"]["image/svg+xml"])
        self.assertEqual(out[2][0]["data"]["text/plain"], "true")
        self.assertEqual(out[3][0]["output_type"], "error")
        self.assertEqual(out[3][0]["evalue"], "shape mismatch: (2,2) @ (3,3)")
        self.assertEqual([c.execution_count for c in nb.cells], [1, 2, 3, 4])
        nbformat.validate(nb)

    def test_nbclient_stops_at_an_error_without_allow_errors(self):
        nb = self.notebook("a = 1", "undefined_thing", "a = 2")
        with self.assertRaises(CellExecutionError) as e:
            NotebookClient(nb, timeout=60, kernel_name="lk").execute()
        self.assertIn("unknown name 'undefined_thing'", str(e.exception))
        self.assertEqual(nb.cells[2].outputs, [])


if __name__ == "__main__":
    unittest.main()
