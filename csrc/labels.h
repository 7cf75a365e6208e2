/* The label check of the sparse row-wise losses (losses_classification.c):
 * the number of int64 class indices outside [0, n_classes), one parallel pass
 * on the chunk driver (NumPy's min() and max() were two single-threaded passes,
 * a fifth of sparse softmax cross-entropy on 1e6 x 10). */
#ifndef LF_LABELS_H
#define LF_LABELS_H
#include <stdint.h>

typedef struct lf_label_entry {
    int64_t (*outside)(const int64_t *y, int64_t n, int64_t n_classes);
} lf_label_entry;
const lf_label_entry *lf_labels_outside(void);

#endif
