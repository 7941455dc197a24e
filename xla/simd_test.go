package xla

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

func TestAsyncPreemptOff(t *testing.T) {
	for godebug, want := range map[string]bool{
		"":                                    false,
		"asyncpreemptoff=1":                   true,
		"gctrace=1, asyncpreemptoff=1":        true,
		"asyncpreemptoff=1,asyncpreemptoff=0": false, // the last setting wins
		"asyncpreemptoff=0,asyncpreemptoff=1": true,
		"asyncpreemptoff":                     false,
		"xasyncpreemptoff=1":                  false,
	} {
		if got := AsyncPreemptOff(godebug); got != want {
			t.Errorf("AsyncPreemptOff(%q) = %v, want %v", godebug, got, want)
		}
	}
}

func TestGoBuildWarnsOnlyForSIMDWithPreemption(t *testing.T) {
	for _, c := range []struct {
		godebug string
		simd    bool
		warn    bool
	}{
		{"", false, false},
		{"asyncpreemptoff=1", false, false},
		{"", true, true},
		{"gctrace=1", true, true},
		{"asyncpreemptoff=1", true, false},
	} {
		desc, warning := GoBuild(c.godebug, c.simd)
		if (warning != "") != c.warn {
			t.Errorf("GoBuild(%q, %v) warning = %q, want a warning: %v", c.godebug, c.simd, warning, c.warn)
		}
		if c.warn && !strings.Contains(warning, "GODEBUG=asyncpreemptoff=1") {
			t.Errorf("GoBuild(%q, %v): the warning %q does not say how to fix it", c.godebug, c.simd, warning)
		}
		if strings.HasPrefix(desc, "SIMD build") != c.simd {
			t.Errorf("GoBuild(%q, %v) description = %q", c.godebug, c.simd, desc)
		}
	}
}

// TestSIMDBuildMatchesBuildInfo checks the build tag against the toolchain's own record of
// the build settings (an independent source: the GOEXPERIMENT the go command stamped).
func TestSIMDBuildMatchesBuildInfo(t *testing.T) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		t.Skip("no build information in this binary")
	}
	stamped := false
	for _, s := range info.Settings {
		if s.Key == "GOEXPERIMENT" {
			for _, e := range strings.Split(s.Value, ",") {
				stamped = stamped || e == "simd"
			}
		}
	}
	if SIMDBuild() != stamped {
		t.Errorf("SIMDBuild() = %v, but the build settings say GOEXPERIMENT simd = %v (%v)", SIMDBuild(), stamped, info.Settings)
	}
}

// BenchmarkExp times Exp over 4M float32 values on the Go backend: the scalar math that the
// SIMD build slows down when async preemption is on. Compare
//
//	GOEXPERIMENT=simd go test -run '^$' -bench Exp ./xla
//	GOEXPERIMENT=simd GODEBUG=asyncpreemptoff=1 go test -run '^$' -bench Exp ./xla
func BenchmarkExp(b *testing.B) {
	backend, err := NewGoBackend()
	if err != nil {
		b.Fatal(err)
	}
	const n = 1 << 22
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i%1000) * 1e-3
	}
	input := tensors.FromFlatDataAndDimensions(x, n)
	exec := graph.MustNewExec(backend, func(x *graph.Node) *graph.Node { return graph.ReduceAllSum(graph.Exp(x)) })
	exec.MustExec(input)
	b.ResetTimer()
	for range b.N {
		exec.MustExec(input)
	}
}
