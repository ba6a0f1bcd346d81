"""The one weight layout of the book, and converters to and from Keras and PyTorch.

:class:`RNNWeights` holds a vanilla RNN's parameters in Keras ``SimpleRNN`` layout.
:class:`LSTMWeights` holds an LSTM's parameters in Keras's layout, gate order
(i, f, g, o): input gate, forget gate, candidate ("g", Keras's ``c``) and output gate. PyTorch
uses the same gate order but stores each matrix transposed and carries two bias vectors,
``bias_ih`` and ``bias_hh``, that are always added together; the converters live here, at the
edge, so the rest of the book sees one layout.

Nothing in this module imports TensorFlow or PyTorch at import time.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np

from companion._checks import flag, float_dtype, integer, real_array

GATES = ("i", "f", "g", "o")
"""The LSTM gates in the order they are stacked along the last axis of every weight."""


def glorot_uniform(
    rng: np.random.Generator, fan_in: int, fan_out: int, dtype: np.dtype
) -> np.ndarray:
    """Keras's default kernel initializer: U(-a, a) with a = sqrt(6 / (fan_in + fan_out))."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(dtype)


def orthogonal(rng: np.random.Generator, rows: int, cols: int, dtype: np.dtype) -> np.ndarray:
    """Keras's default recurrent initializer: a (rows, cols) matrix with orthonormal rows
    (or columns, whichever are fewer), from the QR decomposition of a Gaussian matrix."""
    normal = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(normal)
    q *= np.sign(np.diag(r))  # make the decomposition unique, as Keras does
    if rows < cols:
        q = q.T
    return q.astype(dtype)


class _KernelSizes:
    """The sizes and dtype of weights in Keras layout: ``kernel`` (input_size, ...) and
    ``recurrent_kernel`` (hidden_size, ...), both of the weights' dtype."""

    kernel: np.ndarray
    recurrent_kernel: np.ndarray

    @property
    def input_size(self) -> int:
        return self.kernel.shape[0]

    @property
    def hidden_size(self) -> int:
        return self.recurrent_kernel.shape[0]

    @property
    def dtype(self) -> np.dtype:
        return self.kernel.dtype


@dataclass(frozen=True, eq=False)
class _RecurrentWeights(_KernelSizes):
    """What every recurrent layer's weights share: Keras layout, validation, converters.

    kernel:           (input_size, blocks * hidden_size), applied to the input x_t
    recurrent_kernel: (hidden_size, blocks * hidden_size), applied to the previous output
    bias:             (blocks * hidden_size,)

    ``blocks`` is the number of gate blocks stacked along the last axis (4 for the LSTM, 3 for
    the GRU, 1 for the vanilla RNN). Subclasses set it and the names of the Keras layer and
    torch module.
    """

    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray

    blocks: ClassVar[int]
    keras_layer: ClassVar[str]
    torch_module: ClassVar[str]
    torch_biases_summed: ClassVar[bool] = True
    """Whether :meth:`from_torch` adds PyTorch's two biases into one (LSTM, RNN): their
    gradients are then equal, and the bias's gradient is either of them."""
    keras_activations: ClassVar[dict[str, str]] = {
        "activation": "tanh",
        "recurrent_activation": "sigmoid",
    }
    """The activations the companion computes, by the Keras layer's argument names."""

    def __post_init__(self) -> None:
        arrays = {}
        for name in ("kernel", "recurrent_kernel", "bias"):
            array = np.array(real_array(name, getattr(self, name)), copy=True)
            array.flags.writeable = False
            arrays[name] = array
        kernel, recurrent, bias = arrays.values()
        dtypes = {array.dtype for array in arrays.values()}
        if len(dtypes) != 1:
            raise TypeError(
                "kernel, recurrent_kernel and bias must share one dtype; got "
                f"{kernel.dtype}, {recurrent.dtype} and {bias.dtype}"
            )
        n, times = self.blocks, "" if self.blocks == 1 else f"{self.blocks} * "
        if recurrent.ndim != 2 or recurrent.shape[1] != n * recurrent.shape[0]:
            raise ValueError(
                f"recurrent_kernel must have shape (hidden_size, {times}hidden_size); "
                f"got {recurrent.shape}"
            )
        hidden = recurrent.shape[0]
        if kernel.ndim != 2 or kernel.shape[1] != n * hidden:
            raise ValueError(
                f"kernel must have shape (input_size, {times}hidden_size) = "
                f"(input_size, {n * hidden}) to match recurrent_kernel {recurrent.shape}; "
                f"got {kernel.shape}"
            )
        self._check_bias(bias, recurrent.shape)
        for name, array in arrays.items():
            object.__setattr__(self, name, array)

    def _check_bias(self, bias: np.ndarray, recurrent_shape: tuple[int, ...]) -> None:
        n, hidden = self.blocks, recurrent_shape[0]
        if bias.shape != (n * hidden,):
            times = "" if n == 1 else f"{n} * "
            raise ValueError(
                f"bias must have shape ({times}hidden_size,) = ({n * hidden},) to match "
                f"recurrent_kernel {recurrent_shape}; got {bias.shape}"
            )

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(
            a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
            for a, b in zip(self.arrays(), other.arrays(), strict=True)
        )

    __hash__ = None  # type: ignore[assignment]  # equal by value, and arrays are unhashable

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(input_size={self.input_size}, "
            f"hidden_size={self.hidden_size}, dtype={self.dtype})"
        )

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(kernel, recurrent_kernel, bias)."""
        return self.kernel, self.recurrent_kernel, self.bias

    def with_arrays(self, arrays: Sequence[np.ndarray]) -> Self:
        """Weights of the same kind holding ``arrays``, in the order of :meth:`arrays`."""
        return type(self)(*arrays)

    def astype(self, dtype: Any) -> Self:
        """The same weights, rounded to ``dtype`` ('float32' or 'float64')."""
        resolved = float_dtype(dtype)
        return type(self)(*(array.astype(resolved) for array in self.arrays()))

    @staticmethod
    def _check_random(input_size: Any, hidden_size: Any, seed: Any) -> None:
        """Validate the sizes and seed every ``random`` takes, naming the bad one."""
        integer("input_size", input_size)
        integer("hidden_size", hidden_size)
        integer("seed", seed, 0)

    # --- Keras -------------------------------------------------------------------------

    @classmethod
    def from_keras(cls, layer: Any) -> Self:
        """Read the weights of a built Keras layer of this kind (``keras.layers.LSTM`` for
        LSTMWeights, ``keras.layers.SimpleRNN`` for RNNWeights); a layer without bias reads
        as zero bias. Another kind of layer raises TypeError; a layer with another
        ``activation`` than tanh (or ``recurrent_activation`` than sigmoid) raises
        ValueError, since the companion would compute something else."""
        cls._check_keras_layer(layer)
        arrays = [np.asarray(w) for w in layer.get_weights()]
        if len(arrays) == 2:  # use_bias=False
            arrays.append(np.zeros(cls._keras_bias_shape(layer, arrays[1]), arrays[1].dtype))
        if len(arrays) != 3:
            raise ValueError(
                f"expected a built keras.layers.{cls.keras_layer} with kernel, "
                f"recurrent_kernel and (unless use_bias=False) bias; got a layer with "
                f"{len(arrays)} weight arrays"
            )
        return cls(*arrays)

    @classmethod
    def _keras_bias_shape(cls, layer: Any, recurrent_kernel: np.ndarray) -> tuple[int, ...]:
        """The shape of the bias a Keras layer of this kind would hold with use_bias=True."""
        return (recurrent_kernel.shape[1],)

    def to_keras(self, layer: Any) -> Any:
        """Write these weights into a built Keras layer of this kind; return it.

        A layer with ``use_bias=False`` takes weights whose bias is zero. The layer's dtype
        must equal the weights' dtype (as for :meth:`to_torch`): nothing is rounded silently.
        """
        current = layer.get_weights()
        arrays = self.arrays()
        if len(current) == 2:  # use_bias=False
            if np.any(self.bias):
                raise ValueError(
                    "the Keras layer has use_bias=False but these weights have a nonzero bias"
                )
            arrays = arrays[:2]
        expected = [w.shape for w in current]
        if expected != [a.shape for a in arrays]:
            raise ValueError(
                f"the Keras layer's weights have shapes {expected}; these weights have "
                f"{[a.shape for a in arrays]} (build the layer with "
                f"{self._keras_build_hint()})"
            )
        for name, array in zip(("kernel", "recurrent_kernel", "bias"), current, strict=False):
            if array.dtype != self.dtype:
                raise TypeError(
                    f"the Keras layer's {name} is {array.dtype} but the weights are "
                    f"{self.dtype}; convert one of them (build the layer with "
                    f"dtype='{self.dtype}' or use weights.astype('{array.dtype}'))"
                )
        layer.set_weights(list(arrays))
        return layer

    def _keras_build_hint(self) -> str:
        return f"units={self.hidden_size} on input size {self.input_size}"

    @classmethod
    def _check_keras_layer(cls, layer: Any) -> None:
        """Refuse anything but a Keras layer of this kind computing what the companion
        computes: ``activation`` tanh and, for gated layers, ``recurrent_activation``
        sigmoid. Another activation would be read without error and computed wrong."""
        keras = sys.modules.get("keras")
        expected = None if keras is None else getattr(keras.layers, cls.keras_layer)
        if expected is None or not isinstance(layer, expected):
            raise TypeError(
                f"{cls.__name__}.from_keras expected a keras.layers.{cls.keras_layer}; "
                f"got {type(layer).__name__}"
            )
        for argument, computed in cls.keras_activations.items():
            name = getattr(getattr(layer, argument), "__name__", repr(getattr(layer, argument)))
            if name != computed:
                raise ValueError(
                    f"the Keras layer has {argument}={name!r}, but {cls.__name__} computes "
                    f"{argument}={computed!r}; build the layer with {argument}={computed!r}"
                )

    # --- PyTorch -------------------------------------------------------------------------

    @classmethod
    def from_torch(
        cls, module: Any, layer: int | None = None, reverse: bool | None = None
    ) -> Self:
        """Read one layer and direction of a torch module of this kind (``torch.nn.LSTM``
        for LSTMWeights, ``torch.nn.RNN`` with tanh for RNNWeights).

        ``layer`` (from 0) and ``reverse`` (the backward direction) must be given when the
        module has more than one layer or direction (or use :class:`StackedWeights`, which
        reads them all); left out, they mean the module's only layer and direction.

        PyTorch stores ``weight_ih`` (blocks * hidden, input) and ``weight_hh``
        (blocks * hidden, hidden) in the same gate order, transposed; its two biases are
        added into one.
        """
        params = _read_torch(module, layer, reverse, cls.torch_module)
        if "bias_ih" in params:
            bias = params["bias_ih"] + params["bias_hh"]
        else:
            bias = np.zeros(params["weight_ih"].shape[0], params["weight_ih"].dtype)
        return cls(params["weight_ih"].T, params["weight_hh"].T, bias)

    def to_torch(self, module: Any, layer: int | None = None, reverse: bool | None = None) -> Any:
        """Write these weights into one layer and direction of a torch module of this kind
        (``layer`` and ``reverse`` as for :meth:`from_torch`); return it.

        The bias goes into ``bias_ih`` and zeros into ``bias_hh``, so reading back gives
        exactly these weights. The module's dtype must equal the weights' dtype.
        """
        check_torch_module(module, self.torch_module)
        values = {"weight_ih": self.kernel.T, "weight_hh": self.recurrent_kernel.T}
        if module.bias:
            values["bias_ih"] = self.bias
            values["bias_hh"] = np.zeros_like(self.bias)
        return self._write_torch(module, layer, reverse, values)

    def _write_torch(
        self, module: Any, layer: int | None, reverse: bool | None, values: dict[str, np.ndarray]
    ) -> Any:
        """Copy ``values`` (PyTorch names and layout) into one layer and direction of
        ``module`` after checking every shape and dtype; return the module."""
        import torch

        suffix = _torch_suffix(module, layer, reverse, self.torch_module)
        if "bias_ih" not in values and np.any(self.bias):
            raise ValueError("the torch module has bias=False but these weights have a bias")
        with torch.no_grad():
            for name, value in values.items():
                param = getattr(module, f"{name}{suffix}")
                if tuple(param.shape) != value.shape:
                    raise ValueError(
                        f"{name}{suffix} has shape {tuple(param.shape)}; these weights give "
                        f"{value.shape} (build nn.{self.torch_module}({self.input_size}, "
                        f"{self.hidden_size}))"
                    )
                if str(param.dtype) != f"torch.{self.dtype}":
                    raise TypeError(
                        f"{name}{suffix} is {param.dtype} but the weights are {self.dtype}; "
                        f"convert one of them (module.to(torch.{self.dtype}) or "
                        f"weights.astype('{str(param.dtype).removeprefix('torch.')}'))"
                    )
                param.copy_(torch.from_numpy(np.array(value)))  # a writable copy
        return module


class LSTMWeights(_RecurrentWeights):
    """LSTM parameters in Keras layout, gate order (i, f, g, o).

    kernel:           (input_size, 4 * hidden_size), applied to the input x_t
    recurrent_kernel: (hidden_size, 4 * hidden_size), applied to the previous output h_{t-1}
    bias:             (4 * hidden_size,)

    All three must share one dtype, float32 or float64, which is the dtype every backend
    computes in. The arrays are copied and made read-only, so a weights object never changes.
    Two weights objects are equal (``==``) when their dtypes and every entry are identical.
    Converters: ``from_keras/to_keras`` (``keras.layers.LSTM``), ``from_torch/to_torch``
    (``torch.nn.LSTM``).
    """

    blocks = 4
    keras_layer = "LSTM"
    torch_module = "LSTM"

    def gate(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The (kernel, recurrent_kernel, bias) columns of one gate, ``name`` in 'ifgo'.

        Shapes: (input_size, hidden), (hidden, hidden), (hidden,).
        """
        if name not in GATES:
            raise ValueError(f"gate must be one of {GATES}; got {name!r}")
        cols = slice(
            GATES.index(name) * self.hidden_size, (GATES.index(name) + 1) * self.hidden_size
        )
        return self.kernel[:, cols], self.recurrent_kernel[:, cols], self.bias[cols]

    @classmethod
    def random(
        cls, input_size: int, hidden_size: int, *, seed: int = 0, dtype: Any = "float64"
    ) -> LSTMWeights:
        """Draw weights as ``keras.layers.LSTM`` initialises them, from a NumPy generator.

        Glorot-uniform kernel, orthogonal recurrent kernel, zero bias except the forget
        gate's, which is 1 (Keras's ``unit_forget_bias=True``). Reproducible from ``seed``
        alone, with no framework installed.
        """
        resolved = float_dtype(dtype)
        cls._check_random(input_size, hidden_size, seed)
        rng = np.random.default_rng(seed)
        kernel = glorot_uniform(rng, input_size, 4 * hidden_size, resolved)
        recurrent_kernel = orthogonal(rng, hidden_size, 4 * hidden_size, resolved)
        bias = np.zeros(4 * hidden_size, resolved)
        bias[hidden_size : 2 * hidden_size] = 1.0
        return cls(kernel, recurrent_kernel, bias)


class RNNWeights(_RecurrentWeights):
    """Vanilla (Elman) RNN parameters in Keras ``SimpleRNN`` layout.

    kernel:           (input_size, hidden_size), applied to the input x_t
    recurrent_kernel: (hidden_size, hidden_size), applied to the previous state h_{t-1}
    bias:             (hidden_size,)

    The layer computes h_t = tanh(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias). Same
    rules as :class:`LSTMWeights`: one float dtype, read-only copies, ``==`` compares exactly.
    Converters: ``from_keras/to_keras`` (``keras.layers.SimpleRNN``), ``from_torch/to_torch``
    (``torch.nn.RNN`` with ``nonlinearity='tanh'``; its two biases are summed).
    """

    blocks = 1
    keras_layer = "SimpleRNN"
    torch_module = "RNN"
    keras_activations: ClassVar[dict[str, str]] = {"activation": "tanh"}

    @classmethod
    def random(
        cls, input_size: int, hidden_size: int, *, seed: int = 0, dtype: Any = "float64"
    ) -> RNNWeights:
        """Draw weights as ``keras.layers.SimpleRNN`` initialises them, from a NumPy
        generator: Glorot-uniform kernel, orthogonal recurrent kernel, zero bias."""
        resolved = float_dtype(dtype)
        cls._check_random(input_size, hidden_size, seed)
        rng = np.random.default_rng(seed)
        kernel = glorot_uniform(rng, input_size, hidden_size, resolved)
        recurrent_kernel = orthogonal(rng, hidden_size, hidden_size, resolved)
        return cls(kernel, recurrent_kernel, np.zeros(hidden_size, resolved))


def _read_torch(
    module: Any, layer: int | None, reverse: bool | None, expected: str
) -> dict[str, np.ndarray]:
    """One layer and direction of a ``torch.nn.{expected}`` as NumPy arrays, by PyTorch's
    names without the suffix: weight_ih, weight_hh and, with bias, bias_ih and bias_hh."""
    suffix = _torch_suffix(module, layer, reverse, expected)
    names = ("weight_ih", "weight_hh") + (("bias_ih", "bias_hh") if module.bias else ())
    params = {name: getattr(module, f"{name}{suffix}").detach().cpu() for name in names}
    for name, param in params.items():
        if str(param.dtype) not in ("torch.float32", "torch.float64"):
            raise TypeError(
                f"{name}{suffix} is {param.dtype}; the companion reads torch.float32 or "
                "torch.float64 (convert with module.float() or module.double())"
            )
    return {name: param.numpy() for name, param in params.items()}


def check_torch_module(module: Any, expected: str) -> None:
    """Refuse anything but a ``torch.nn.{expected}`` (e.g. "LSTM"), naming what came: an
    ``nn.LSTMCell`` or ``nn.Linear`` holds other parameters under other names."""
    torch = sys.modules.get("torch")
    if torch is None or not isinstance(module, getattr(torch.nn, expected)):
        raise TypeError(f"expected a torch.nn.{expected}; got {type(module).__name__}")


def _torch_suffix(module: Any, layer: int | None, reverse: bool | None, expected: str) -> str:
    """The suffix of one layer and direction's parameter names, e.g. "_l1_reverse"; a
    ``layer`` or ``reverse`` left out (None) must be the module's only one."""
    check_torch_module(module, expected)
    shape = f"{module.num_layers} layer(s), bidirectional={module.bidirectional}"
    if layer is None and module.num_layers > 1:
        raise ValueError(
            f"the torch.nn.{expected} has {shape}: pass layer= (0 to {module.num_layers - 1})"
            " to name one, or use StackedWeights for all of them"
        )
    if reverse is None and module.bidirectional:
        raise ValueError(
            f"the torch.nn.{expected} has {shape}: pass reverse=False (forwards) or "
            "reverse=True (backwards) to name a direction, or use StackedWeights for both"
        )
    layer = integer("layer", 0 if layer is None else layer, 0, module.num_layers - 1)
    reverse = False if reverse is None else flag("reverse", reverse)
    if getattr(module, "nonlinearity", "tanh") != "tanh":
        raise ValueError(
            f"torch.nn.RNN with nonlinearity={module.nonlinearity!r} has no Keras SimpleRNN "
            "equivalent here; use nonlinearity='tanh'"
        )
    if getattr(module, "proj_size", 0):
        raise ValueError("torch.nn.LSTM with proj_size > 0 has no Keras equivalent")
    if reverse and not module.bidirectional:
        raise ValueError(f"reverse=True needs a bidirectional torch.nn.{type(module).__name__}")
    return f"_l{layer}" + ("_reverse" if reverse else "")


GRU_GATES = ("z", "r", "h")
"""The GRU gates in Keras's order: update gate z, reset gate r, candidate h."""

_TORCH_GRU_ORDER = (1, 0, 2)
"""Keras block k of a GRU weight is PyTorch block _TORCH_GRU_ORDER[k] (PyTorch: r, z, n)."""


def _reorder_blocks(array: np.ndarray, order: tuple[int, ...], axis: int = -1) -> np.ndarray:
    """Permute the equal blocks of ``array`` along ``axis``: block k of the result is block
    ``order[k]`` of the input. The GRU permutation (1, 0, 2) is its own inverse."""
    blocks = np.split(array, len(order), axis=axis)
    return np.concatenate([blocks[k] for k in order], axis=axis)


@dataclass(frozen=True, eq=False)
class GRUWeights(_RecurrentWeights):
    """GRU parameters in Keras layout, gate order (z, r, h).

    kernel:           (input_size, 3 * hidden_size), applied to the input x_t
    recurrent_kernel: (hidden_size, 3 * hidden_size), applied to the previous output h_{t-1}
    bias:             (2, 3 * hidden_size) for ``reset_after=True`` (Keras's default and the
                      only form PyTorch computes): row 0 is added to the input projection,
                      row 1 to the recurrent one; (3 * hidden_size,) for ``reset_after=False``.

    Same rules as :class:`LSTMWeights`: one dtype, float32 or float64; copied, read-only;
    ``==`` compares exactly.
    """

    blocks = 3
    keras_layer = "GRU"
    torch_module = "GRU"
    torch_biases_summed = False  # Keras's two bias rows, as PyTorch keeps them

    def _check_bias(self, bias: np.ndarray, recurrent_shape: tuple[int, ...]) -> None:
        hidden = recurrent_shape[0]
        if bias.shape not in ((2, 3 * hidden), (3 * hidden,)):
            raise ValueError(
                f"bias must have shape (2, {3 * hidden}) (reset_after=True) or ({3 * hidden},) "
                f"(reset_after=False) to match recurrent_kernel {recurrent_shape}; "
                f"got {bias.shape}"
            )

    @property
    def reset_after(self) -> bool:
        """True when the bias has two rows, the layout of ``reset_after=True``."""
        return self.bias.ndim == 2

    def __repr__(self) -> str:
        return (
            f"GRUWeights(input_size={self.input_size}, hidden_size={self.hidden_size}, "
            f"reset_after={self.reset_after}, dtype={self.dtype})"
        )

    @classmethod
    def random(
        cls,
        input_size: int,
        hidden_size: int,
        *,
        seed: int = 0,
        dtype: Any = "float64",
        reset_after: bool = True,
    ) -> GRUWeights:
        """Glorot-uniform kernel and orthogonal recurrent kernel, as Keras initialises them,
        and a bias drawn from U(-0.5, 0.5) (Keras starts at zero; a random bias lets every
        comparison exercise the bias too). Reproducible from ``seed``."""
        resolved = float_dtype(dtype)
        cls._check_random(input_size, hidden_size, seed)
        flag("reset_after", reset_after)
        rng = np.random.default_rng(seed)
        kernel = glorot_uniform(rng, input_size, 3 * hidden_size, resolved)
        recurrent_kernel = orthogonal(rng, hidden_size, 3 * hidden_size, resolved)
        bias_shape = (2, 3 * hidden_size) if reset_after else (3 * hidden_size,)
        bias = rng.uniform(-0.5, 0.5, bias_shape).astype(resolved)
        return cls(kernel, recurrent_kernel, bias)

    # --- Keras -------------------------------------------------------------------------

    @classmethod
    def _keras_bias_shape(cls, layer: Any, recurrent_kernel: np.ndarray) -> tuple[int, ...]:
        """A GRU with ``reset_after=True`` holds two bias rows (input and recurrent)."""
        width = recurrent_kernel.shape[1]
        return (2, width) if layer.reset_after else (width,)

    def _keras_build_hint(self) -> str:
        return (
            f"units={self.hidden_size}, reset_after={self.reset_after} on input size "
            f"{self.input_size}"
        )

    # --- PyTorch -------------------------------------------------------------------------

    @classmethod
    def from_torch(
        cls, module: Any, layer: int | None = None, reverse: bool | None = None
    ) -> GRUWeights:
        """Read one layer and direction of a ``torch.nn.GRU`` (always reset_after=True).

        PyTorch stores ``weight_ih`` (3 * hidden, input) and ``weight_hh`` in gate order
        (r, z, n), transposed, and keeps ``bias_ih`` and ``bias_hh`` apart, as Keras's
        two bias rows.
        """
        params = _read_torch(module, layer, reverse, cls.torch_module)
        if "bias_ih" in params:
            bias = np.stack([params["bias_ih"], params["bias_hh"]])
        else:
            bias = np.zeros((2, params["weight_ih"].shape[0]), params["weight_ih"].dtype)
        return cls(
            _reorder_blocks(params["weight_ih"].T, _TORCH_GRU_ORDER),
            _reorder_blocks(params["weight_hh"].T, _TORCH_GRU_ORDER),
            _reorder_blocks(bias, _TORCH_GRU_ORDER),
        )

    def to_torch(self, module: Any, layer: int | None = None, reverse: bool | None = None) -> Any:
        """Write these weights into one layer and direction of a ``torch.nn.GRU`` (``layer``
        and ``reverse`` as for :meth:`LSTMWeights.from_torch`).

        Raises ValueError for ``reset_after=False`` weights: PyTorch's GRU always applies
        the reset gate after the recurrent matrix product, so it cannot compute them.
        """
        check_torch_module(module, self.torch_module)
        if not self.reset_after:
            raise ValueError(
                "torch.nn.GRU cannot compute reset_after=False (it always applies the reset "
                "gate after the recurrent matrix product); these weights have a bias of "
                f"shape {self.bias.shape}, which only Keras and NumPy can run"
            )
        bias = _reorder_blocks(self.bias, _TORCH_GRU_ORDER)
        values = {
            "weight_ih": _reorder_blocks(self.kernel, _TORCH_GRU_ORDER).T,
            "weight_hh": _reorder_blocks(self.recurrent_kernel, _TORCH_GRU_ORDER).T,
        }
        if module.bias:
            values["bias_ih"], values["bias_hh"] = bias
        return self._write_torch(module, layer, reverse, values)
