//go:build linux && cgo

package xla

/*
#include <malloc.h>

static int iwsm_tune_malloc(void) {
#if defined(__GLIBC__) && defined(M_ARENA_MAX) && defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD) && defined(M_TOP_PAD)
	const int big = 0x7fffffff;
	return mallopt(M_ARENA_MAX, 1) && mallopt(M_MMAP_THRESHOLD, big) && mallopt(M_TRIM_THRESHOLD, big) &&
		mallopt(M_TOP_PAD, 64 << 20);
#else
	return 0;
#endif
}
*/
import "C"

// tuneMalloc sets glibc's arena count and mmap/trim thresholds (see TuneMalloc).
func tuneMalloc() bool { return C.iwsm_tune_malloc() != 0 }
