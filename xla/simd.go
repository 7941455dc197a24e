package xla

import (
	"os"
	"strings"
)

// EnvGODEBUG is the Go runtime's debug-settings variable, read here for asyncpreemptoff.
const EnvGODEBUG = "GODEBUG"

// SIMDBuild reports whether this binary was built with GOEXPERIMENT=simd, which turns on the
// AVX2/AVX-512 matrix-product kernels of GoMLX's Go backend (2.3-4.2× faster EGNN training
// steps here; see the README's Performance section).
func SIMDBuild() bool { return simdBuild }

// AsyncPreemptOff reports whether a GODEBUG value turns the Go runtime's asynchronous
// preemption off (asyncpreemptoff=1; the last setting wins, as in the runtime).
func AsyncPreemptOff(godebug string) bool {
	off := false
	for _, field := range strings.Split(godebug, ",") {
		key, value, found := strings.Cut(strings.TrimSpace(field), "=")
		if found && key == "asyncpreemptoff" {
			off = value == "1"
		}
	}
	return off
}

// GoBuild describes how the pure-Go backend was built, in a few words for the backend line,
// and returns a warning (else "") when the build is the slow combination: GOEXPERIMENT=simd
// with asynchronous preemption on. Go 1.26's runtime (GOEXPERIMENT=simd) restores the full
// AVX-512/AVX2 registers after every asynchronous preemption and leaves their upper halves
// dirty; every legacy-SSE instruction after that (all of Go's scalar float code, math.Exp)
// then pays a state-transition penalty: math.Exp ran 100× slower here, the GMM-40 training
// step 10×. GODEBUG=asyncpreemptoff=1 avoids it; the Makefile, the scripts and the Jupyter
// kernel set both variables together (kernel/goenv.sh).
func GoBuild(godebug string, simd bool) (description, warning string) {
	switch {
	case !simd:
		return "scalar matrix products: built without GOEXPERIMENT=simd", ""
	case AsyncPreemptOff(godebug):
		return "SIMD build: GOEXPERIMENT=simd, GODEBUG=asyncpreemptoff=1", ""
	default:
		return "SIMD build with async preemption on", "built with GOEXPERIMENT=simd but GODEBUG lacks " +
			"asyncpreemptoff=1: Go's preemption leaves the AVX registers dirty and scalar math " +
			"(exp, log) runs up to 100× slower; rerun with GODEBUG=asyncpreemptoff=1 " +
			"(or source kernel/goenv.sh)"
	}
}

// goBuildNow is GoBuild for this process.
func goBuildNow() (description, warning string) {
	return GoBuild(os.Getenv(EnvGODEBUG), simdBuild)
}
