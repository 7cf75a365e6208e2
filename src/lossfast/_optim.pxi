# Fused optimizer steps (csrc/optim.h): one C call updates every parameter of
# an optimizer.  The Python layer (lossfast.optim) validates hyper-parameters
# and parameters; here a MultiTensorStep holds the pointer arrays built once at
# construction and, per step, checks each gradient through the buffer protocol
# (no copy, no allocation of parameter size) before releasing the GIL.

from cpython.buffer cimport (PyBUF_C_CONTIGUOUS, PyBUF_FORMAT, PyBUF_RECORDS_RO, PyBUF_WRITABLE,
                             PyBuffer_IsContiguous, PyBuffer_Release, PyObject_GetBuffer)
from libc.stdint cimport int32_t
from libc.stdlib cimport calloc, free
from numpy import ndarray as _ndarray

cdef extern from "optim.h" nogil:
    enum:
        LF_OPTIM_MAX_STATE
        LF_FIELD_F64
        LF_FIELD_INT

    ctypedef struct lf_optim_field:
        const char *name
        size_t offset
        int type

    ctypedef struct lf_optim_args:
        int64_t n_tensors
        const int64_t *size
        void **param
        const void **grad
        void **state[3]
        const int32_t *group
        const void *hyper
        const int64_t *step
        double grad_scale

    ctypedef void (*lf_optim_fn)(const lf_optim_args *) noexcept nogil
    ctypedef struct lf_optim_entry:
        const char *name
        const char *const *state_names
        size_t hyper_size
        const lf_optim_field *fields
        lf_optim_fn f32
        lf_optim_fn f64
    const lf_optim_entry *lf_optim()

    ctypedef struct lf_optim_norm_entry:
        double (*sum)(int64_t n, const int64_t *size, const void *const *data, const int *f64,
                      double p) noexcept nogil
        void (*scale)(int64_t n, const int64_t *size, void *const *data, const int *f64,
                      double s) noexcept nogil
    const lf_optim_norm_entry *lf_optim_norm()

OPTIM_MAX_STATE = LF_OPTIM_MAX_STATE


cdef const lf_optim_entry *_optim_entry(str name) except NULL:
    """The table entry of optimizer kernel `name` (KeyError if there is none)."""
    cdef const lf_optim_entry *t = lf_optim()
    cdef bytes key = name.encode()
    while t.name != NULL:
        if t.name == key:
            return t
        t += 1
    raise KeyError(f"no optimizer kernel named {name!r}")


def optim_kernels():
    """{name: {"states": (state slot names...), "fields": {field: "float" | "int"}}} for
    every optimizer kernel of the C table."""
    cdef const lf_optim_entry *t = lf_optim()
    cdef const lf_optim_field *f
    cdef const char *const *s
    out = {}
    while t.name != NULL:
        states = []
        s = t.state_names
        while s[0] != NULL:
            states.append(s[0].decode())
            s += 1
        fields = {}
        f = t.fields
        while f.name != NULL:
            fields[f.name.decode()] = "int" if f.type == LF_FIELD_INT else "float"
            f += 1
        out[t.name.decode()] = {"states": tuple(states), "fields": fields}
        t += 1
    return out


cdef double _EMPTY = 0.0  # the pointer handed to C for an empty array


cdef void *_buffer_pointer(object arr, bint writable) except NULL:
    """Data pointer of a C-contiguous array (the caller keeps `arr` alive)."""
    cdef Py_buffer view
    cdef void *ptr
    cdef int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT
    if writable:
        flags |= PyBUF_WRITABLE
    PyObject_GetBuffer(arr, &view, flags)
    ptr = view.buf
    PyBuffer_Release(&view)
    if ptr == NULL:  # only for empty arrays; any non-NULL value works for them
        ptr = <void *>&_EMPTY
    return ptr


cdef class MultiTensorStep:
    """Parameters of one dtype (float32 or float64), of any number of parameter groups,
    with their state arrays, as the pointer arrays of one multi-tensor C step.

    ``MultiTensorStep(kernel, params, states, index, group, n_groups, fix_grad)``:
    ``kernel`` the name of the C step, ``params`` writeable C-contiguous arrays of one
    dtype (validated by the caller), ``states`` the kernel's state slots in order, each
    a list of arrays matching ``params`` or None for an unused slot, ``index`` the
    position of each parameter in the list of gradients passed to ``run``, ``group``
    the group number (0 .. n_groups-1) of each parameter, and ``fix_grad(position,
    grad)`` the slow path called for a gradient that is not a C-contiguous ndarray of
    the parameter's dtype and shape: it returns a usable array or raises the error the
    user sees.  ``set_hyper(g, fields)`` fills group g's hyper-parameters by name
    (every field of the kernel).  The object keeps every array alive.
    """
    cdef const lf_optim_entry *entry
    cdef int64_t n
    cdef int64_t n_groups
    cdef bint f64
    cdef int64_t *size
    cdef void **param
    cdef const void **grad
    cdef void **state[3]
    cdef int32_t *group
    cdef char *hyper
    cdef int64_t *steps
    cdef int64_t *ndim
    cdef int64_t *shape      # n * max_ndim entries
    cdef int64_t max_ndim
    cdef Py_ssize_t *index
    cdef object fix_grad
    cdef list arrays         # keeps params and states alive
    cdef list converted      # gradients converted by fix_grad, alive until launch
    cdef bint *filled        # per group: set_hyper was called

    def __cinit__(self, str kernel, list params, list states, list index, list group,
                  int n_groups, fix_grad):
        cdef Py_ssize_t k, j, s
        self.entry = _optim_entry(kernel)
        self.n = len(params)
        self.n_groups = n_groups
        if len(index) != self.n or len(group) != self.n or len(states) != LF_OPTIM_MAX_STATE:
            raise ValueError("MultiTensorStep: params, index, group and states do not match")
        if n_groups < 1:
            raise ValueError("MultiTensorStep: n_groups must be >= 1")
        self.fix_grad = fix_grad
        self.arrays = list(params)
        self.converted = []
        self.max_ndim = 1
        for p in params:
            if p.ndim > self.max_ndim:
                self.max_ndim = p.ndim
        cdef int64_t m = self.n if self.n > 0 else 1
        self.size = <int64_t *>calloc(m, sizeof(int64_t))
        self.ndim = <int64_t *>calloc(m, sizeof(int64_t))
        self.shape = <int64_t *>calloc(m * self.max_ndim, sizeof(int64_t))
        self.index = <Py_ssize_t *>calloc(m, sizeof(Py_ssize_t))
        self.param = <void **>calloc(m, sizeof(void *))
        self.grad = <const void **>calloc(m, sizeof(void *))
        self.group = <int32_t *>calloc(m, sizeof(int32_t))
        self.hyper = <char *>calloc(n_groups, self.entry.hyper_size)
        self.steps = <int64_t *>calloc(n_groups, sizeof(int64_t))
        self.filled = <bint *>calloc(n_groups, sizeof(bint))
        if (self.size == NULL or self.ndim == NULL or self.shape == NULL or self.index == NULL
                or self.param == NULL or self.grad == NULL or self.group == NULL
                or self.hyper == NULL or self.steps == NULL or self.filled == NULL):
            raise MemoryError()
        self.f64 = self.n > 0 and params[0].dtype.itemsize == 8
        for k in range(self.n):
            p = params[k]
            if not 0 <= group[k] < n_groups:
                raise ValueError("MultiTensorStep: group number out of range")
            self.group[k] = group[k]
            self.size[k] = p.size
            self.ndim[k] = p.ndim
            for j in range(p.ndim):
                self.shape[k * self.max_ndim + j] = p.shape[j]
            self.index[k] = index[k]
            self.param[k] = _buffer_pointer(p, True)
        for s in range(LF_OPTIM_MAX_STATE):
            self.state[s] = NULL
            if states[s] is None:
                continue
            if len(states[s]) != self.n:
                raise ValueError("MultiTensorStep: a state list does not match params")
            self.state[s] = <void **>calloc(m, sizeof(void *))
            if self.state[s] == NULL:
                raise MemoryError()
            for k in range(self.n):
                self.arrays.append(states[s][k])
                self.state[s][k] = _buffer_pointer(states[s][k], True)

    def __dealloc__(self):
        free(self.size)
        free(self.ndim)
        free(self.shape)
        free(self.index)
        free(self.param)
        free(<void *>self.grad)
        free(self.group)
        free(self.hyper)
        free(self.steps)
        free(self.filled)
        for s in range(3):
            free(self.state[s])

    def set_hyper(self, int g, dict fields):
        """Fill group g's hyper-parameter struct: ``fields`` maps every field name of the
        kernel to its value (a float or an int); a missing or unknown name is a KeyError."""
        cdef const lf_optim_field *f = self.entry.fields
        cdef char *base
        cdef Py_ssize_t used = 0
        if not 0 <= g < self.n_groups:
            raise IndexError(f"group {g} out of range")
        base = self.hyper + <size_t>g * self.entry.hyper_size
        while f.name != NULL:
            name = f.name.decode()
            if name not in fields:
                raise KeyError(f"hyper-parameter field {name!r} of kernel "
                               f"{self.entry.name.decode()!r} is missing")
            if f.type == LF_FIELD_INT:
                (<int *>(base + f.offset))[0] = <int>int(fields[name])
            else:
                (<double *>(base + f.offset))[0] = <double>float(fields[name])
            used += 1
            f += 1
        if used != len(fields):
            raise KeyError(f"fields not in kernel {self.entry.name.decode()!r}: "
                           f"{sorted(set(fields) - set(optim_kernels()[self.entry.name.decode()]['fields']))}")
        self.filled[g] = True

    cdef bint _grad_ok(self, object g, Py_ssize_t k):
        """Point grad[k] at g if g is a C-contiguous ndarray of parameter k's dtype and shape."""
        cdef Py_buffer view
        cdef bint ok
        cdef Py_ssize_t j
        cdef char code = b'f'
        if self.f64:
            code = b'd'
        if type(g) is not _ndarray:
            return False
        PyObject_GetBuffer(g, &view, PyBUF_RECORDS_RO)
        ok = (view.ndim == self.ndim[k] and view.itemsize == (8 if self.f64 else 4)
              and view.format != NULL and view.format[0] == code
              and view.format[1] == 0 and PyBuffer_IsContiguous(&view, b'C'))
        if ok:
            for j in range(view.ndim):
                if view.shape[j] != self.shape[k * self.max_ndim + j]:
                    ok = False
                    break
        if ok:
            self.grad[k] = view.buf if view.buf != NULL else <void *>&_EMPTY
        PyBuffer_Release(&view)
        return ok

    def prepare(self, grads):
        """Check the gradients (a list or tuple indexed by position) and record their
        pointers; raises before anything is updated."""
        cdef Py_ssize_t k
        self.converted = []
        for k in range(self.n):
            g = grads[self.index[k]]
            if not self._grad_ok(g, k):
                g = self.fix_grad(self.index[k], g)
                self.converted.append(g)
                if not self._grad_ok(g, k):
                    raise RuntimeError(f"gradient {self.index[k]} could not be converted")

    def launch(self, steps, double grad_scale=1.0):
        """Run the step on the prepared gradients; ``steps[g]`` is group g's 1-based step
        number and every gradient is multiplied by ``grad_scale``."""
        cdef lf_optim_args a
        cdef lf_optim_fn fn = self.entry.f64 if self.f64 else self.entry.f32
        cdef Py_ssize_t g
        if len(steps) != self.n_groups:
            raise ValueError(f"got {len(steps)} step numbers for {self.n_groups} groups")
        for g in range(self.n_groups):
            if not self.filled[g]:
                raise RuntimeError(f"the hyper-parameters of group {g} were never set")
            self.steps[g] = steps[g]
        a.n_tensors = self.n
        a.size = self.size
        a.param = self.param
        a.grad = self.grad
        a.state[0] = self.state[0]
        a.state[1] = self.state[1]
        a.state[2] = self.state[2]
        a.group = self.group
        a.hyper = self.hyper
        a.step = self.steps
        a.grad_scale = grad_scale
        with nogil:
            fn(&a)
        self.converted = []

    def run(self, grads, steps, double grad_scale=1.0):
        """prepare(grads) then launch(steps, grad_scale)."""
        self.prepare(grads)
        self.launch(steps, grad_scale)


cdef class _ArrayList:
    """Pointers, sizes and dtype flags of a list of C-contiguous float32/float64 arrays."""
    cdef int64_t n
    cdef int64_t *size
    cdef void **data
    cdef int *f64
    cdef list keep

    def __cinit__(self, list arrays, bint writable):
        cdef Py_ssize_t k
        cdef int64_t m
        self.n = len(arrays)
        m = self.n if self.n > 0 else 1
        self.keep = list(arrays)
        self.size = <int64_t *>calloc(m, sizeof(int64_t))
        self.data = <void **>calloc(m, sizeof(void *))
        self.f64 = <int *>calloc(m, sizeof(int))
        if self.size == NULL or self.data == NULL or self.f64 == NULL:
            raise MemoryError()
        for k in range(self.n):
            a = arrays[k]
            self.size[k] = a.size
            self.f64[k] = a.dtype.itemsize == 8
            self.data[k] = _buffer_pointer(a, writable)

    def __dealloc__(self):
        free(self.size)
        free(self.data)
        free(self.f64)


def grad_norm_sum(list arrays, double p):
    """sum |x|^p over all elements of C-contiguous float32/float64 arrays (max |x| for
    p = inf), accumulated in float64 in a fixed order (csrc/optim.h)."""
    cdef _ArrayList a = _ArrayList(arrays, False)
    cdef double r
    cdef const lf_optim_norm_entry *e = lf_optim_norm()
    with nogil:
        r = e.sum(a.n, a.size, <const void *const *>a.data, a.f64, p)
    return r


def grad_scale_(list arrays, double s):
    """Multiply every element of writeable C-contiguous float32/float64 arrays by s."""
    cdef _ArrayList a = _ArrayList(arrays, True)
    cdef const lf_optim_norm_entry *e = lf_optim_norm()
    with nogil:
        e.scale(a.n, a.size, a.data, a.f64, s)
