package xla

import "os"

// mallocEnv are the environment variables through which a user sets glibc's allocator
// themselves; when one is set, TuneMalloc leaves the allocator alone.
var mallocEnv = []string{"MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES"}

// EnvMalloc is the environment variable that, set to 0, keeps glibc's default allocator
// settings for the XLA backends (see TuneMalloc).
const EnvMalloc = "IWSM_XLA_MALLOC"

// TuneMalloc makes glibc's allocator keep and reuse the memory that XLA's CPU plugin frees,
// instead of returning it to the system, and reports whether it changed anything. The plugin
// allocates every execution's temporary buffers afresh (tens of megabytes per training
// step): by default glibc serves blocks that large with mmap and unmaps them on free, and
// allocations from the plugin's worker threads go to per-thread arenas of at most 64 MiB,
// so every execution touched fresh pages, each a page fault plus zeroing. With one arena and
// mmap and trim thresholds of 2 GiB, freed blocks stay in the heap and the next execution
// reuses them. The cost is that the process keeps its peak of such memory until it exits.
//
// The backends call it before creating an XLA client (the setting only affects arenas
// created afterwards). It does nothing where the allocator is not glibc's, when EnvMalloc is
// "0", or when the user set glibc's own variables (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_,
// MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_, GLIBC_TUNABLES). It is safe to call repeatedly.
func TuneMalloc() bool {
	if os.Getenv(EnvMalloc) == "0" {
		return false
	}
	for _, v := range mallocEnv {
		if _, set := os.LookupEnv(v); set {
			return false
		}
	}
	return tuneMalloc()
}
