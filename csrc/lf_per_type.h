/* Instantiates a per-type template twice: the file named by LF_TEMPLATE is
 * included with T float / SFX f32, then with T double / SFX f64.  No include
 * guard: include it once per template, after #define LF_TEMPLATE "file_t.h". */
#define T float
#define SFX f32
#include LF_TEMPLATE
#undef T
#undef SFX
#define T double
#define SFX f64
#include LF_TEMPLATE
#undef T
#undef SFX
#undef LF_TEMPLATE
