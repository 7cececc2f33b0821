"""jupyter_kernel_test's suite for lk: every message it receives is validated
against the messaging protocol's schemas (kernel_info, stream, completion,
is_complete, error, execute_result, display_data, inspect, history)."""
import unittest

import kernel_env  # noqa: F401  (installs the kernelspec first)
import jupyter_kernel_test


class LkKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "lk"
    language_name = "lk"
    file_extension = ".lk"

    code_hello_world = 'print("hello, world")'
    completion_samples = [
        {"text": "linsp", "matches": {"linspace"}},
        {"text": "eig", "matches": {"eig", "eigentraj", "eigh"}},
    ]
    complete_code_samples = ["1 + 1", "x = 3", "f = fn(a) => a * 2", ":vars"]
    incomplete_code_samples = ["f = fn(a,", "for i in 0..3 {", "x = [1, 2"]
    invalid_code_samples = ["x = )", "1 +* 2"]
    code_inspect_sample = "zeros"
    code_generate_error = "zeros(2, 2) @ zeros(3, 3)"
    code_execute_result = [
        {"code": "1 + 2", "result": "3"},
        {"code": "sum([1, 2, 3])", "result": "6"},
        {"code": "\"a\" + \"b\"", "result": "\"ab\""},
    ]
    code_history_pattern = "1 + *"
    supported_history_operations = ("tail", "range", "search")
    code_display_data = [
        {"code": "plot(linspace(0, 1, 20), linspace(0, 1, 20) ^ 2)", "mime": "image/png"},
        {"code": "heatmap(reshape(linspace(0, 1, 16), 4, 4))", "mime": "image/svg+xml"},
    ]


if __name__ == "__main__":
    unittest.main()
