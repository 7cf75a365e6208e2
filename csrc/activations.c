/* Activations (docs/activations.md) and their backward passes: sigmoid, tanh, relu,
 * leaky_relu elementwise; softmax and log_softmax along rows.  Kernels for
 * one float type are in activations_t.h. */
#include "activations.h"
#include "lf_helpers.h"

#define LF_TEMPLATE "activations_t.h"
#include "lf_per_type.h"

#define LF_ACT_ENTRY(NAME) {#NAME, NAME##_f32, NAME##_f64}

const lf_act_entry LF_TARGET(lf_activations)[] = {
    LF_ACT_ENTRY(sigmoid),          LF_ACT_ENTRY(sigmoid_backward),
    LF_ACT_ENTRY(tanh),             LF_ACT_ENTRY(tanh_backward),
    LF_ACT_ENTRY(relu),             LF_ACT_ENTRY(relu_backward),
    LF_ACT_ENTRY(leaky_relu),       LF_ACT_ENTRY(leaky_relu_backward),
    LF_ACT_ENTRY(softmax),          LF_ACT_ENTRY(softmax_backward),
    LF_ACT_ENTRY(log_softmax),      LF_ACT_ENTRY(log_softmax_backward),
    {NULL, NULL, NULL},
};
LF_DEFINE_SELECTOR(lf_act_entry, lf_activations)
