package xla

// EnvMalloc is the environment variable that, set to 0, keeps glibc's default allocator
// settings (see MallocTuned).
const EnvMalloc = "IWSM_XLA_MALLOC"

// MallocTuned reports whether this process runs with glibc's allocator tuned for XLA's CPU
// plugin: one arena, no blocks served by mmap, no trimming of the heap and a top pad of 64
// MiB, set when the program is loaded, before any thread exists (a C constructor linked in
// with this package).
//
// Why: the plugin allocates every execution's temporary buffers afresh (tens to hundreds of
// megabytes per training step). By default glibc serves blocks that large with mmap and
// unmaps them when freed, and allocations from threads other than the first go to arenas of
// at most 64 MiB whose larger blocks are always mmapped, so every execution touched fresh
// pages: a page fault and the zeroing of a page for every 4 KiB. Tuned, freed blocks stay in the one heap
// and the next execution reuses them. (An mmap threshold cannot do it: mallopt accepts at
// most 2 GiB, less than one LJ-13 step's temporaries.) It has to happen at load time: glibc fixes the number of arenas
// when threads first contend, before main runs, so setting it later (mallopt when the
// backend is created) left DW-4's step with all its faults. The cost is that the process
// keeps its peak of such memory until it exits; the pure-Go backend's memory is Go's own and
// unaffected.
//
// It is false where the allocator is not glibc's, without cgo, when EnvMalloc is "0", or when
// the user set glibc's own variables (MALLOC_ARENA_MAX, MALLOC_MMAP_THRESHOLD_,
// MALLOC_TRIM_THRESHOLD_, MALLOC_TOP_PAD_, GLIBC_TUNABLES), which are then left to act.
func MallocTuned() bool { return mallocTuned() }
