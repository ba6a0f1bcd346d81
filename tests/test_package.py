"""Package-level promises: `import companion` stays light; backends load on demand."""

from __future__ import annotations

import subprocess
import sys


def run_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_import_companion_imports_no_framework():
    loaded = run_python(
        "import sys, companion\n"
        "companion.numpy_lstm.forward([[[1.0]]], companion.LSTMWeights.random(1, 2))\n"
        "print(sorted(m for m in ('tensorflow', 'keras', 'torch') if m in sys.modules))"
    )
    assert loaded == "[]"


def test_backends_load_on_first_use():
    loaded = run_python(
        "import sys, companion\n"
        "companion.torch_lstm\n"
        "print('torch' in sys.modules, 'tensorflow' in sys.modules)"
    )
    assert loaded == "True False"
