# Kernels by name: one lookup from (kind, name) to a C kernel for every
# family (losses, activations), and the named hyper-parameters of a loss
# packed into its C struct (lf_loss_params, csrc/lossfast.h).

from libc.string cimport memset

cdef extern from "activations.h" nogil:
    ctypedef struct lf_act_args:
        const void *x
        const void *grad
        void *out
        int64_t n_rows
        int64_t n_cols
        double negative_slope

    ctypedef void (*lf_act_fn)(const lf_act_args *) noexcept nogil
    ctypedef struct lf_act_entry:
        const char *name
        lf_act_fn f32
        lf_act_fn f64
    const lf_act_entry *lf_activations()

# the C tables a kernel can live in
cdef enum:
    _EW_REGRESSION = 0
    _EW_CLASSIFICATION = 1
    _RW_CLASSIFICATION = 2
    _ACTIVATIONS = 3

KINDS = ("loss", "activation")


cdef const lf_loss_entry *_loss_table(int table) noexcept nogil:
    """The loss table `table` for the SIMD level in use."""
    if table == _EW_REGRESSION:
        return lf_ew_regression()
    if table == _EW_CLASSIFICATION:
        return lf_ew_classification()
    return lf_rw_classification()


cdef class Kernel:
    """A C kernel found by ``kernel(kind, name)``: its table position (the
    function pointers are read at each call, for the SIMD level then in use),
    whether it is a row-wise loss, and the names of the hyper-parameters
    (fields of lf_loss_params) it reads."""
    cdef readonly str kind, name
    cdef readonly tuple params
    cdef readonly bint rowwise
    cdef int table, index

    def __repr__(self):
        return f"Kernel({self.kind!r}, {self.name!r}, params={self.params!r})"

    cdef lf_loss_fn loss_fn(self, bint f32) noexcept:
        cdef const lf_loss_entry *e = _loss_table(self.table) + self.index
        return e.f32 if f32 else e.f64

    cdef lf_act_fn act_fn(self, bint f32) noexcept:
        cdef const lf_act_entry *e = lf_activations() + self.index
        return e.f32 if f32 else e.f64


cdef dict _KERNELS = {}


def _scan(str kind):
    """{name: Kernel} of every kernel of `kind`."""
    cdef const lf_loss_entry *t
    cdef const lf_act_entry *a
    cdef Kernel k
    cdef int table, i
    found = {}
    if kind == "loss":
        for table in (_EW_REGRESSION, _EW_CLASSIFICATION, _RW_CLASSIFICATION):
            t = _loss_table(table)
            i = 0
            while t[i].name != NULL:
                k = Kernel.__new__(Kernel)
                k.kind, k.name = kind, t[i].name.decode()
                k.params = tuple(t[i].params.decode().split())
                k.rowwise = table == _RW_CLASSIFICATION
                k.table, k.index = table, i
                found[k.name] = k
                i += 1
    elif kind == "activation":
        a = lf_activations()
        i = 0
        while a[i].name != NULL:
            k = Kernel.__new__(Kernel)
            k.kind, k.name, k.params, k.rowwise = kind, a[i].name.decode(), (), False
            k.table, k.index = _ACTIVATIONS, i
            found[k.name] = k
            i += 1
    else:
        raise ValueError(f"unknown kernel kind {kind!r}; kinds: {', '.join(KINDS)}")
    return found


def kernel(str kind, str name):
    """The C kernel `name` of `kind` ("loss" or "activation"); an unknown
    name is a NotImplementedError naming the known ones."""
    k = _KERNELS.get((kind, name))
    if k is None:
        table = _scan(kind)
        if name not in table:
            raise NotImplementedError(f"no C {kind} kernel {name!r} in this build; known: "
                                      f"{', '.join(sorted(table))}")
        k = _KERNELS[(kind, name)] = table[name]
    return k


def kernel_names(str kind):
    """The names of every C kernel of `kind`, in table order."""
    return list(_scan(kind))


cdef dict _PARAM_OFFSETS = {}
cdef int _i = 0
while lf_loss_param_fields[_i].name != NULL:
    _PARAM_OFFSETS[lf_loss_param_fields[_i].name.decode()] = lf_loss_param_fields[_i].offset
    _i += 1

PARAM_NAMES = tuple(_PARAM_OFFSETS)


cdef class LossParams:
    """The hyper-parameters of a loss kernel by name, packed into the C struct
    lf_loss_params.  ``values`` must give exactly the names the kernel reads
    (``kernel.params``): a missing or unexpected name is a ValueError."""
    cdef lf_loss_params p
    cdef readonly dict values

    def __cinit__(self, Kernel kernel, values=None):
        cdef size_t off
        given = dict(values or {})
        missing = [n for n in kernel.params if n not in given]
        extra = [n for n in given if n not in kernel.params]
        if missing or extra:
            raise ValueError(f"kernel {kernel.name!r} takes the parameters "
                             f"{list(kernel.params)}; missing {missing}, unexpected {extra}")
        memset(&self.p, 0, sizeof(lf_loss_params))
        for name, value in given.items():
            off = _PARAM_OFFSETS[name]
            (<double *>((<char *>&self.p) + off))[0] = float(value)
        self.values = given

    def __repr__(self):
        return f"LossParams({self.values!r})"
