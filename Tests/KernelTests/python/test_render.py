"""`lk render` on every shipped example, each in one of the three formats in
turn (all three would triple the longest renders), and its .ipynb output checked
by nbformat's own validator and run again by nbclient on the lk kernel."""
import glob
import os
import subprocess
import tempfile
import unittest

from kernel_env import LK
import nbformat
from nbclient import NotebookClient

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# Every example, except the one that plots a sweep's results (it needs `lk sweep` run first).
EXAMPLES = sorted(e for e in glob.glob(os.path.join(ROOT, "Examples", "*.lk")) if not e.endswith("_plot.lk"))
FORMATS = ["ipynb", "md", "html"]


class RenderTests(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="lk-render-")

    def render(self, script, out, *args):
        r = subprocess.run([LK, "render", script, "-o", out, *args], cwd=ROOT,
                           capture_output=True, text=True, timeout=1200)
        self.assertEqual(r.returncode, 0, f"lk render {os.path.basename(script)} -o {os.path.basename(out)}:\n{r.stderr[-3000:]}")
        self.assertIn(f"lk render: wrote {out}", r.stderr)
        return r

    def test_every_example_renders(self):
        self.assertGreaterEqual(len(EXAMPLES), 10)
        for i, script in enumerate(EXAMPLES):
            name = os.path.splitext(os.path.basename(script))[0]
            fmt = FORMATS[i % len(FORMATS)]
            with self.subTest(example=name, format=fmt):
                out = os.path.join(self.dir, f"{name}.{fmt}")
                self.render(script, out)
                text = open(out, encoding="utf-8").read()
                if fmt == "ipynb":
                    nb = nbformat.read(out, as_version=4)
                    nbformat.validate(nb)
                    self.assertEqual(nb.metadata.kernelspec.language, "lk")
                    self.assertTrue(any(c.cell_type == "code" and c.outputs for c in nb.cells))
                elif fmt == "html":
                    self.assertTrue(text.startswith("<!DOCTYPE html>"))
                    self.assertNotIn("**", text.split("<pre")[0])   # emphasis became <strong>, not literal
                else:
                    for line in text.splitlines():
                        if line.startswith("![figure-"):
                            path = os.path.join(self.dir, line[line.index("(") + 1:-1])
                            self.assertTrue(os.path.exists(path), path)

    def test_a_rendered_notebook_validates_and_runs_on_the_kernel(self):
        script = os.path.join(self.dir, "nb.lk")
        with open(script, "w") as f:
            f.write("# %% [markdown]\n# # Title\n# Some *prose*.\n\n# %% Data\nx = linspace(0, 1, 11)\nprint(sum(arange(11)))\n\n"
                    "# %% A figure\nplot(x, x ^ 2)\n\n# %% Value\nlen(args)\n")
        out = os.path.join(self.dir, "nb.ipynb")
        self.render(script, out, "a", "b")
        nb = nbformat.read(out, as_version=4)
        nbformat.validate(nb)
        self.assertEqual([c.cell_type for c in nb.cells], ["markdown", "code", "code", "code"])
        self.assertEqual(nb.cells[0].source, "# Title\nSome *prose*.")
        self.assertEqual(nb.cells[1].metadata["title"], "Data")
        self.assertEqual(nb.cells[1].outputs[0]["text"], "55\n")
        self.assertIn("image/png", nb.cells[2].outputs[0]["data"])
        self.assertEqual(nb.cells[3].outputs[0]["data"]["text/plain"], "2")   # args from the command line
        # The same notebook runs on the kernel (where args is empty).
        NotebookClient(nb, timeout=60, kernel_name="lk").execute()
        self.assertEqual(nb.cells[1].outputs[0]["text"], "55\n")
        self.assertEqual(nb.cells[3].outputs[0]["data"]["text/plain"], "0")
        nbformat.validate(nb)
        # And back to a percent script that renders the same cells.
        nbformat.write(nb, out)
        back = os.path.join(self.dir, "back.lk")
        self.render(out, back)
        self.assertEqual(open(back).read(), open(script).read())


if __name__ == "__main__":
    unittest.main()
