//go:build linux && cgo

package xla

/*
#include <stdlib.h>
#include <string.h>
#include <malloc.h>

static int iwsm_malloc_tuned = 0;

// Runs when the program is loaded, before the Go runtime starts any thread (see MallocTuned).
__attribute__((constructor)) static void iwsm_tune_malloc(void) {
#if defined(__GLIBC__) && defined(M_ARENA_MAX) && defined(M_MMAP_MAX) && defined(M_TRIM_THRESHOLD) && defined(M_TOP_PAD)
	const char *off = getenv("IWSM_XLA_MALLOC");
	if (off != NULL && strcmp(off, "0") == 0) {
		return;
	}
	const char *user[] = {"MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES"};
	for (size_t i = 0; i < sizeof(user) / sizeof(user[0]); i++) {
		if (getenv(user[i]) != NULL) {
			return;
		}
	}
	// One arena; no block served by mmap (XLA's temporaries of an execution can exceed the
	// largest mmap threshold mallopt accepts, 2 GiB: LJ-13's step); never trim the heap.
	iwsm_malloc_tuned = mallopt(M_ARENA_MAX, 1) && mallopt(M_MMAP_MAX, 0) &&
		mallopt(M_TRIM_THRESHOLD, -1) && mallopt(M_TOP_PAD, 64 << 20);
#endif
}

static int iwsm_malloc_is_tuned(void) { return iwsm_malloc_tuned; }
*/
import "C"

// mallocTuned reports what the load-time constructor did (see MallocTuned).
func mallocTuned() bool { return C.iwsm_malloc_is_tuned() != 0 }
