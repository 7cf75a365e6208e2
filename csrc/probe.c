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
        const unsigned char *p = S->src[k];
        const int64_t nw = (hi - lo) / 8;
        uint64_t x = 0;
        for (int64_t i = 0; i < nw; i++) {
            uint64_t w;
            memcpy(&w, p + lo + 8 * i, 8);
            x ^= w;
        }
        for (int64_t i = lo + 8 * nw; i < hi; i++) x ^= p[i];
        acc ^= x;
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

const lf_probe_entry LF_TARGET(lf_probe)[] = {{stream_probe}};
LF_DEFINE_SELECTOR(lf_probe_entry, lf_probe)
