/* Bandwidth probes compiled per SIMD target (the table lf_probe): the
 * benchmarks' reference for a memory-bound kernel, moving its bytes with the
 * same vectors, threads and chunking. */
#include <string.h>
#include "lossfast.h"

/* Streaming probe: read the n_src buffers and write the n_dst buffers
 * (byte lengths src_bytes / dst_bytes) once, with the kernels' threads and
 * chunking: chunk c covers the same fraction of every buffer, as a kernel's
 * chunk covers the same elements of its inputs and outputs.  Reads are an
 * xor reduction of 8-byte words, writes plain stores of the result (no
 * rep movsb / non-temporal tricks a memcpy may use), so the probe moves
 * exactly a kernel's bytes the way a kernel moves them: the time a
 * memory-bound kernel of those bytes cannot beat. */
/* The xor of the 8-byte words from p + lo on and of the tail bytes up to
 * p + hi: a read of those bytes the compiler cannot drop. */
static uint64_t xor_bytes(const unsigned char *p, int64_t lo, int64_t hi) {
    const int64_t nw = (hi - lo) / 8;
    uint64_t x = 0;
    for (int64_t i = 0; i < nw; i++) {
        uint64_t w;
        memcpy(&w, p + lo + 8 * i, 8);
        x ^= w;
    }
    for (int64_t i = lo + 8 * nw; i < hi; i++) x ^= p[i];
    return x;
}

typedef struct lf_stream_ctx {
    const unsigned char *const *src;
    const int64_t *src_bytes;
    int n_src;
    unsigned char *const *dst;
    const int64_t *dst_bytes;
    int n_dst;
    int64_t n_items;
} lf_stream_ctx;

static int lf_stream_chunk(void *ctx, int64_t c, int64_t a, int64_t b, double *partial,
                           void *scratch) {
    const lf_stream_ctx *S = (const lf_stream_ctx *)ctx;
    (void)c; (void)scratch;
    uint64_t acc = 0;
    for (int k = 0; k < S->n_src; k++) {
        const int64_t len = S->src_bytes[k];
        const int64_t lo = (int64_t)((double)a / (double)S->n_items * (double)len) & ~(int64_t)7;
        const int64_t hi = b == S->n_items ? len
                         : (int64_t)((double)b / (double)S->n_items * (double)len) & ~(int64_t)7;
        acc ^= xor_bytes(S->src[k], lo, hi);
    }
    for (int k = 0; k < S->n_dst; k++) {
        const int64_t len = S->dst_bytes[k];
        const int64_t lo = (int64_t)((double)a / (double)S->n_items * (double)len) & ~(int64_t)7;
        const int64_t hi = b == S->n_items ? len
                         : (int64_t)((double)b / (double)S->n_items * (double)len) & ~(int64_t)7;
        unsigned char *p = S->dst[k];
        const int64_t nw = (hi - lo) / 8;
        for (int64_t i = 0; i < nw; i++) memcpy(p + lo + 8 * i, &acc, 8);
        for (int64_t i = lo + 8 * nw; i < hi; i++) p[i] = (unsigned char)acc;
    }
    partial[0] = (double)(acc & 1);
    return 0;
}

static int stream_probe(const unsigned char *const *src, const int64_t *src_bytes, int n_src,
                    unsigned char *const *dst, const int64_t *dst_bytes, int n_dst) {
    int64_t most = 0;
    for (int k = 0; k < n_src; k++) most = src_bytes[k] > most ? src_bytes[k] : most;
    for (int k = 0; k < n_dst; k++) most = dst_bytes[k] > most ? dst_bytes[k] : most;
    if (most <= 0) return 0;
    lf_stream_ctx ctx = {src, src_bytes, n_src, dst, dst_bytes, n_dst, (most + 7) / 8};
    lf_chunk_job job = {lf_plan_items(ctx.n_items, 1), 1, 0, 0, lf_stream_chunk, &ctx};
    double r = 0.0;
    lf_run_chunks(&job, &r);
    return (int)r;
}

/* Row-order probe: for r = 0..m-1 read, of each of the n buffers, the bytes
 * [off_k[order[r]], off_k[order[r] + 1]) (a row of a dense matrix, a CSR
 * row's values or columns, a per-row value), on one thread, prefetching the
 * row LF_PROBE_AHEAD positions on as the per-sample SGD and dual coordinate
 * descent epochs do (sgd.c, svm_dual.c): the time an epoch over those rows
 * in that order cannot beat, whatever it computes.  A shuffled order makes
 * it the machine's random-row read floor (a latency bound, not bandwidth),
 * an identity order its sequential floor. */
#define LF_PROBE_AHEAD 3
static int rows_probe(const unsigned char *const *buf, const int64_t *const *off, int n,
                      const int64_t *order, int64_t m) {
    uint64_t acc = 0;
    for (int64_t r = 0; r < m; r++) {
        if (r + LF_PROBE_AHEAD < m) {
            const int64_t f = order[r + LF_PROBE_AHEAD];
            for (int k = 0; k < n; k++)
                for (int64_t o = off[k][f]; o < off[k][f + 1]; o += 64)
                    __builtin_prefetch(buf[k] + o);
        }
        const int64_t i = order[r];
        for (int k = 0; k < n; k++) {
            acc ^= xor_bytes(buf[k], off[k][i], off[k][i + 1]);
        }
    }
    return (int)(acc & 1);
}

const lf_probe_entry LF_TARGET(lf_probe)[] = {{stream_probe, rows_probe}};
LF_DEFINE_SELECTOR(lf_probe_entry, lf_probe)
