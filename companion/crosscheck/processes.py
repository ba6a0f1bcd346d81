"""Keras on each of its backends, a process each.

Keras 3 runs on TensorFlow, JAX or PyTorch, one backend per process, chosen by
``KERAS_BACKEND`` before Keras is imported. Backend ``'keras'`` is Keras in this process;
``'keras[jax]'`` (and ``keras[tensorflow]``, ``keras[torch]``) is ``companion.keras_*`` run in a
process of its own with ``KERAS_BACKEND=jax``, started on first use and kept for the session
(:func:`keras_process`), so one comparison can hold all five implementations.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import multiprocessing
import os
import re
import signal

from companion._backends import BACKENDS, KERAS_BACKENDS

_KERAS_ON = re.compile(r"keras\[(\w+)\]")


def keras_backend_of(backend: str) -> str | None:
    """``'jax'`` for ``'keras[jax]'``; None for the backends of this process
    (:data:`~companion.registry.BACKENDS`); ValueError for anything else."""
    if backend in BACKENDS:
        return None
    found = _KERAS_ON.fullmatch(backend)
    if found is None or found.group(1) not in KERAS_BACKENDS:
        raise ValueError(
            f"backend must be one of {BACKENDS} or keras[b] with b one of {KERAS_BACKENDS}; "
            f"got {backend!r}"
        )
    return found.group(1)


def _use_keras_backend(name: str) -> None:
    """Start a Keras process: its backend, and Ctrl-C (or a notebook kernel's shutdown, which
    interrupts the whole process group) left to the parent, which ends the process."""
    os.environ["KERAS_BACKEND"] = name
    signal.signal(signal.SIGINT, signal.SIG_IGN)


_KERAS_PROCESSES: dict[str, concurrent.futures.ProcessPoolExecutor] = {}


def keras_process(keras_backend: str) -> concurrent.futures.ProcessPoolExecutor:
    """A fresh Python process with ``KERAS_BACKEND=keras_backend``, started on first use and
    kept until this one exits, that runs the companion's functions: the ``keras[...]``
    backends run there. ``keras_process(b).submit(f, *args).result()`` runs ``f`` there."""
    if keras_backend not in KERAS_BACKENDS:
        raise ValueError(f"Keras backend must be one of {KERAS_BACKENDS}; got {keras_backend!r}")
    if keras_backend not in _KERAS_PROCESSES:
        if not _KERAS_PROCESSES:
            atexit.register(_stop_keras_processes)
        _KERAS_PROCESSES[keras_backend] = concurrent.futures.ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_use_keras_backend,
            initargs=(keras_backend,),
        )
    return _KERAS_PROCESSES[keras_backend]


def _stop_keras_processes() -> None:
    """End the Keras processes while this interpreter can still clean up after them."""
    while _KERAS_PROCESSES:
        _KERAS_PROCESSES.popitem()[1].shutdown()
