# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""The compiled core of lossfast: thin typed-memoryview wrappers that release
the GIL and call the C kernels in csrc/.  No maths lives here; validation and
the API are in the Python modules.  Each kernel family has its own .pxi."""

from libc.stdint cimport int64_t

ctypedef fused floating:
    float
    double

lf_dispatch_init()

include "_config.pxi"
include "_kernels.pxi"
include "_losses.pxi"
include "_activations.pxi"
include "_optim.pxi"
include "_linear_model.pxi"
include "_sparse.pxi"
include "_cd.pxi"
include "_ridge_loo.pxi"
include "_sgd.pxi"
include "_svm_dual.pxi"
