# Fused optimizer steps (csrc/optim.h): one C call updates every parameter of
# an optimizer.  The Python layer (lossfast.optim) validates hyper-parameters
# and parameters; here a MultiTensorStep holds the pointer arrays built once at
# construction and, per step, checks each gradient through the buffer protocol
# (no copy, no allocation of parameter size) before releasing the GIL.

from cpython.buffer cimport (PyBUF_C_CONTIGUOUS, PyBUF_FORMAT, PyBUF_RECORDS_RO, PyBUF_WRITABLE,
                             PyBuffer_IsContiguous, PyBuffer_Release, PyObject_GetBuffer)
from libc.stdlib cimport calloc, free
from numpy import ndarray as _ndarray

cdef extern from "optim.h" nogil:
    enum:
        LF_OPT_NESTEROV
        LF_OPT_MAXIMIZE
        LF_OPT_AMSGRAD
        LF_OPT_CENTERED

    ctypedef struct lf_optim_args:
        int64_t n_tensors
        const int64_t *size
        void **param
        const void **grad
        void **state[3]
        int64_t step
        double lr
        double weight_decay
        double momentum
        double dampening
        double alpha
        double beta1
        double beta2
        double eps
        double lr_decay
        int flags

    ctypedef void (*lf_optim_fn)(const lf_optim_args *) noexcept nogil
    ctypedef struct lf_optim_entry:
        const char *name
        lf_optim_fn f32
        lf_optim_fn f64
    const lf_optim_entry *lf_optim()

OPT_NESTEROV = LF_OPT_NESTEROV
OPT_MAXIMIZE = LF_OPT_MAXIMIZE
OPT_AMSGRAD = LF_OPT_AMSGRAD
OPT_CENTERED = LF_OPT_CENTERED


def optim_names():
    """Names of the optimizer kernels in table order (the `kernel` index of MultiTensorStep.run)."""
    cdef const lf_optim_entry *t = lf_optim()
    names = []
    while t.name != NULL:
        names.append(t.name.decode())
        t += 1
    return names


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
    """Parameters of one dtype (float32 or float64), with their state arrays, as the
    pointer arrays of one multi-tensor C step.

    ``MultiTensorStep(params, states, index, fix_grad)``: ``params`` are writeable
    C-contiguous arrays of one dtype (validated by the caller), ``states`` three
    lists of state arrays (or None for an unused slot) matching ``params``, ``index``
    the position of each parameter in the list of gradients passed to ``run``, and
    ``fix_grad(position, grad)`` the slow path called for a gradient that is not a
    C-contiguous ndarray of the parameter's dtype and shape: it returns a usable
    array or raises the error the user sees.  The object keeps every array alive.
    """
    cdef int64_t n
    cdef bint f64
    cdef int64_t *size
    cdef void **param
    cdef const void **grad
    cdef void **state[3]
    cdef int64_t *ndim
    cdef int64_t *shape      # n * max_ndim entries
    cdef int64_t max_ndim
    cdef Py_ssize_t *index
    cdef object fix_grad
    cdef list arrays         # keeps params and states alive
    cdef list converted      # gradients converted by fix_grad, alive until launch

    def __cinit__(self, list params, list states, list index, fix_grad):
        cdef Py_ssize_t k, j, s
        self.n = len(params)
        if len(index) != self.n or len(states) != 3:
            raise ValueError("MultiTensorStep: params, index and states do not match")
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
        if (self.size == NULL or self.ndim == NULL or self.shape == NULL or self.index == NULL
                or self.param == NULL or self.grad == NULL):
            raise MemoryError()
        self.f64 = self.n > 0 and params[0].dtype.itemsize == 8
        for k in range(self.n):
            p = params[k]
            self.size[k] = p.size
            self.ndim[k] = p.ndim
            for j in range(p.ndim):
                self.shape[k * self.max_ndim + j] = p.shape[j]
            self.index[k] = index[k]
            self.param[k] = _buffer_pointer(p, True)
        for s in range(3):
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
        for s in range(3):
            free(self.state[s])

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

    def launch(self, int kernel, int64_t step, double lr, double weight_decay, double momentum,
               double dampening, double alpha, double beta1, double beta2, double eps,
               double lr_decay, int flags):
        """Run optimizer `kernel` (index into optim_names()) on the prepared gradients."""
        cdef lf_optim_args a
        cdef const lf_optim_entry *e = lf_optim() + kernel
        cdef lf_optim_fn fn = e.f64 if self.f64 else e.f32
        a.n_tensors = self.n
        a.size = self.size
        a.param = self.param
        a.grad = self.grad
        a.state[0] = self.state[0]
        a.state[1] = self.state[1]
        a.state[2] = self.state[2]
        a.step = step
        a.lr = lr
        a.weight_decay = weight_decay
        a.momentum = momentum
        a.dampening = dampening
        a.alpha = alpha
        a.beta1 = beta1
        a.beta2 = beta2
        a.eps = eps
        a.lr_decay = lr_decay
        a.flags = flags
        with nogil:
            fn(&a)
        self.converted = []

    def run(self, grads, int kernel, int64_t step, double lr, double weight_decay,
            double momentum, double dampening, double alpha, double beta1, double beta2,
            double eps, double lr_decay, int flags):
        """prepare(grads) then launch(...)."""
        self.prepare(grads)
        self.launch(kernel, step, lr, weight_decay, momentum, dampening, alpha, beta1, beta2,
                    eps, lr_decay, flags)
