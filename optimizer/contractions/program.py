"""Lowered contraction programs (the JSON that `tcbench lower` emits): loading, validation and
execution on two backends with the same semantics.

    {"expression": "ab,bc,cd->ad", "dtype": "f16",
     "inputs": [{"id": 0, "shape": [64, 128]}, ...],      # ids 0..n-1: the operands in order
     "ops": [{"op": "permute", "in": 0, "out": 3, "perm": [1, 0]},
             {"op": "sum", "in": 3, "out": 4, "axes": [1]},
             {"op": "gemm", "a": 4, "b": 1, "out": 5, "batch": 1, "m": 64, "n": 256, "k": 128,
              "a_trans": false, "b_trans": false, "out_shape": [64, 256]},
             {"op": "reshape", "in": 5, "out": 6, "shape": [8, 8, 256]}],
     "output": 6, "output_shape": [8, 8, 256]}

permute: out = in.permute(perm), contiguous (a copy). sum: out = in.sum(axes), contiguous, same
dtype. reshape: a view of `in`, no copy. gemm: A = buf[a] viewed as [batch, m, k] (a_trans: as
[batch, k, m], transposed as a view), B likewise [batch, k, n] / [batch, n, k]; out = A @ B, a
new contiguous [batch, m, n] buffer viewed as out_shape; torch.mm on 2-D views when batch == 1,
torch.bmm otherwise, both with out=. Every buffer is contiguous, so every view is free.

Every output buffer is allocated when an Executor is built, so that `Executor.run()` only
launches kernels on fixed addresses and can be captured in a CUDA graph. Extra keys (a plan's
"path", say) are allowed and ignored. numpy is the CPU backend (float32 or float64 math; the
tests and the check of a lowering), torch the GPU one; both are imported lazily.
"""
from __future__ import annotations

import json
import math
from contextlib import contextmanager

DTYPES = ("f16", "bf16", "tf32", "f32")
OP_FIELDS = {
    "permute": ("in", "out", "perm"),
    "sum": ("in", "out", "axes"),
    "reshape": ("in", "out", "shape"),
    "gemm": ("a", "b", "out", "batch", "m", "n", "k", "a_trans", "b_trans", "out_shape"),
}


class ProgramError(ValueError):
    """A program that breaks the format; the message names the op index and field."""


def _is_int(x):
    return isinstance(x, int) and not isinstance(x, bool)


def _shape(value, where):
    if not isinstance(value, list) or not all(_is_int(d) and d >= 1 for d in value):
        raise ProgramError(f"{where}: expected a list of positive integers, got {value!r}")
    return tuple(value)


def _positive(op, field, where):
    v = op[field]
    if not _is_int(v) or v < 1:
        raise ProgramError(f"{where}, field '{field}': expected a positive integer, got {v!r}")
    return v


class _Checker:
    """Walks a program once, tracking the shape of every buffer id defined so far."""

    def __init__(self, program):
        self.p = program
        self.shapes = {}

    def buffer(self, op, field, where):
        ref = op[field]
        if not _is_int(ref) or ref not in self.shapes:
            raise ProgramError(f"{where}, field '{field}': buffer {ref!r} is not defined")
        return self.shapes[ref]

    def define(self, op, shape, where):
        out = op["out"]
        if not _is_int(out) or out < 0:
            raise ProgramError(f"{where}, field 'out': expected a non-negative integer id, got {out!r}")
        if out in self.shapes:
            raise ProgramError(f"{where}, field 'out': buffer {out} is already defined")
        self.shapes[out] = shape

    def permute(self, op, where):
        src = self.buffer(op, "in", where)
        perm = op["perm"]
        if not isinstance(perm, list) or sorted(perm) != list(range(len(src))) or not all(map(_is_int, perm)):
            raise ProgramError(f"{where}, field 'perm': {perm!r} is not a permutation of "
                               f"0..{len(src) - 1} (buffer {op['in']} has shape {list(src)})")
        self.define(op, tuple(src[p] for p in perm), where)

    def sum(self, op, where):
        src = self.buffer(op, "in", where)
        axes = op["axes"]
        if (not isinstance(axes, list) or not axes or not all(_is_int(a) and 0 <= a < len(src) for a in axes)
                or len(set(axes)) != len(axes)):
            raise ProgramError(f"{where}, field 'axes': {axes!r} must be distinct axes in "
                               f"0..{len(src) - 1} (buffer {op['in']} has shape {list(src)})")
        self.define(op, tuple(d for i, d in enumerate(src) if i not in axes), where)

    def reshape(self, op, where):
        src = self.buffer(op, "in", where)
        shape = _shape(op["shape"], f"{where}, field 'shape'")
        if math.prod(shape) != math.prod(src):
            raise ProgramError(f"{where}, field 'shape': {list(shape)} has {math.prod(shape)} elements, "
                               f"buffer {op['in']} has {math.prod(src)} (shape {list(src)})")
        self.define(op, shape, where)

    def gemm(self, op, where):
        batch, m, n, k = (_positive(op, f, where) for f in ("batch", "m", "n", "k"))
        for field, rows, cols in (("a", m, k), ("b", k, n)):
            src = self.buffer(op, field, where)
            if math.prod(src) != batch * rows * cols:
                raise ProgramError(f"{where}, field '{field}': buffer {op[field]} has {math.prod(src)} "
                                   f"elements (shape {list(src)}), batch*{'m*k' if field == 'a' else 'k*n'} "
                                   f"= {batch * rows * cols}")
        for field in ("a_trans", "b_trans"):
            if not isinstance(op[field], bool):
                raise ProgramError(f"{where}, field '{field}': expected true or false, got {op[field]!r}")
        shape = _shape(op["out_shape"], f"{where}, field 'out_shape'")
        if math.prod(shape) != batch * m * n:
            raise ProgramError(f"{where}, field 'out_shape': {list(shape)} has {math.prod(shape)} elements, "
                               f"batch*m*n = {batch * m * n}")
        self.define(op, shape, where)

    def run(self):
        p = self.p
        if not isinstance(p, dict):
            raise ProgramError(f"a program is a JSON object, got {type(p).__name__}")
        for key in ("expression", "dtype", "inputs", "ops", "output", "output_shape"):
            if key not in p:
                raise ProgramError(f"program: missing key '{key}'")
        if p["dtype"] not in DTYPES:
            raise ProgramError(f"program, field 'dtype': {p['dtype']!r} is not one of {', '.join(DTYPES)}")
        if not isinstance(p["inputs"], list) or not p["inputs"]:
            raise ProgramError("program, field 'inputs': expected a non-empty list")
        for i, inp in enumerate(p["inputs"]):
            if not isinstance(inp, dict) or inp.get("id") != i:
                raise ProgramError(f"input {i}, field 'id': expected {i} (operands in order), "
                                   f"got {inp.get('id') if isinstance(inp, dict) else inp!r}")
            self.shapes[i] = _shape(inp.get("shape"), f"input {i}, field 'shape'")
        if not isinstance(p["ops"], list):
            raise ProgramError("program, field 'ops': expected a list")
        for i, op in enumerate(p["ops"]):
            kind = op.get("op") if isinstance(op, dict) else None
            if kind not in OP_FIELDS:
                raise ProgramError(f"op {i}, field 'op': {kind!r} is not one of {', '.join(OP_FIELDS)}")
            where = f"op {i} ({kind})"
            missing = [f for f in OP_FIELDS[kind] if f not in op]
            if missing:
                raise ProgramError(f"{where}: missing field(s) {', '.join(repr(f) for f in missing)}")
            getattr(self, kind)(op, where)
        out = p["output"]
        if not _is_int(out) or out not in self.shapes:
            raise ProgramError(f"program, field 'output': buffer {out!r} is not defined")
        want = _shape(p["output_shape"], "program, field 'output_shape'")
        if self.shapes[out] != want:
            raise ProgramError(f"program, field 'output_shape': {list(want)} differs from buffer {out}'s "
                               f"shape {list(self.shapes[out])}")
        return self.shapes


def validate(program):
    """The shape of every buffer id ({id: tuple}); raises ProgramError on the first problem."""
    return _Checker(program).run()


def load_program(source):
    """A validated program from a dict, a JSON text or a path to a JSON file."""
    if isinstance(source, dict):
        program = source
    elif isinstance(source, str) and source.lstrip().startswith("{"):
        program = json.loads(source)
    else:
        with open(source, encoding="utf-8") as f:
            program = json.load(f)
    validate(program)
    return program


# ---------------------------------------------------------------------------------------------
# Backends: the same four ops on numpy arrays or torch tensors
# ---------------------------------------------------------------------------------------------

class _Numpy:
    def __init__(self, program, float_dtype="float64"):
        import numpy as np  # noqa: PLC0415
        self.np, self.dtype = np, np.dtype(float_dtype)

    def operand(self, x, shape):
        return self.np.array(x, dtype=self.dtype).reshape(shape)

    def empty(self, shape):
        return self.np.empty(shape, dtype=self.dtype)

    def permute(self, src, perm, out):
        return lambda: self.np.copyto(out, src.transpose(perm))

    def sum(self, src, axes, out):
        return lambda: self.np.sum(src, axis=tuple(axes), out=out)

    def matmul(self, a, b, out):
        return lambda: self.np.matmul(a, b, out=out)


class _Torch:
    TORCH_DTYPES = {"f16": "float16", "bf16": "bfloat16", "tf32": "float32", "f32": "float32"}

    def __init__(self, program, device="cuda"):
        import torch  # noqa: PLC0415
        self.torch, self.device = torch, device
        self.dtype = getattr(torch, self.TORCH_DTYPES[program["dtype"]])

    def operand(self, x, shape):
        # The operands are used in place (no copy), so that a captured graph reads them.
        if not isinstance(x, self.torch.Tensor) or x.dtype != self.dtype or not x.is_contiguous():
            raise ProgramError(f"torch backend: operands must be contiguous {self.dtype} tensors")
        return x.view(shape)

    def empty(self, shape):
        return self.torch.empty(shape, dtype=self.dtype, device=self.device)

    def permute(self, src, perm, out):
        view = src.permute(*perm)
        return lambda: out.copy_(view)

    def sum(self, src, axes, out):
        return lambda: self.torch.sum(src, dim=list(axes), out=out)

    def matmul(self, a, b, out):
        fn = self.torch.mm if a.dim() == 2 else self.torch.bmm
        return lambda: fn(a, b, out=out)


def _operand_view(buf, batch, rows, cols, trans):
    """buf as a [batch, rows, cols] matrix (2-D when batch == 1); stored [cols, rows] and
    transposed when trans. Always a view: every buffer is contiguous."""
    stored = (cols, rows) if trans else (rows, cols)
    v = buf.reshape(((batch,) if batch > 1 else ()) + stored)
    return v.swapaxes(-1, -2) if trans else v


class Executor:
    """A program bound to its operands, with every buffer allocated: run() launches the ops in
    order and returns the output (a view of the output buffer)."""

    def __init__(self, program, operands, backend="numpy", **backend_opts):
        self.shapes = validate(program)
        self.program = program
        impl = {"numpy": _Numpy, "torch": _Torch}.get(backend)
        if impl is None:
            raise ProgramError(f"unknown backend {backend!r} (numpy or torch)")
        self.be = impl(program, **backend_opts)
        n = len(program["inputs"])
        if len(operands) != n:
            raise ProgramError(f"the program takes {n} operands, {len(operands)} given")
        self.buf, self.allocated = {}, []
        for i, x in enumerate(operands):
            if tuple(x.shape) != self.shapes[i]:
                raise ProgramError(f"operand {i} has shape {list(x.shape)}, the program says {list(self.shapes[i])}")
            self.buf[i] = self.be.operand(x, self.shapes[i])
        launches = [self._bind(op) for op in program["ops"]]
        self.steps = [s for s in launches if s is not None]

    def _alloc(self, shape):
        self.allocated.append(self.be.empty(shape))
        return self.allocated[-1]

    def _bind(self, op):
        """Allocates op's output (or makes its view) and returns the launch, None for a view."""
        kind, be, buf = op["op"], self.be, self.buf
        if kind == "reshape":
            buf[op["out"]] = buf[op["in"]].reshape(tuple(op["shape"]))
            return None
        if kind == "gemm":
            batch, m, n, k = op["batch"], op["m"], op["n"], op["k"]
            store = self._alloc((batch, m, n) if batch > 1 else (m, n))
            a = _operand_view(buf[op["a"]], batch, m, k, op["a_trans"])
            b = _operand_view(buf[op["b"]], batch, k, n, op["b_trans"])
            buf[op["out"]] = store.reshape(tuple(op["out_shape"]))
            return be.matmul(a, b, store)
        out = buf[op["out"]] = self._alloc(self.shapes[op["out"]])
        if kind == "permute":
            return be.permute(buf[op["in"]], op["perm"], out)
        return be.sum(buf[op["in"]], op["axes"], out)

    def run(self):
        for step in self.steps:
            step()
        return self.buf[self.program["output"]]

    def nbytes(self):
        """Bytes of the buffers this executor allocated (operands and views excluded)."""
        return sum(int(x.nbytes) for x in self.allocated)


@contextmanager
def math_mode(torch, dtype):
    """TF32 on for tf32 programs, off for f32 ones (restored afterwards); nothing for f16/bf16.
    The mode matters while kernels are chosen, i.e. during eager runs and graph capture."""
    if dtype not in ("tf32", "f32"):
        yield
        return
    saved = torch.backends.cuda.matmul.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = dtype == "tf32"
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32 = saved


def run_program(program, operands, backend="numpy", **backend_opts):
    """Validates and runs a program once; returns its output. torch: under the program's TF32
    mode, on the operands' device."""
    if backend == "torch":
        import torch  # noqa: PLC0415
        backend_opts.setdefault("device", operands[0].device)
        with math_mode(torch, program["dtype"]):
            return Executor(program, operands, backend, **backend_opts).run()
    return Executor(program, operands, backend, **backend_opts).run()
