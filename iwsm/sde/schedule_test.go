package sde

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

func TestGeometricSchedule(t *testing.T) {
	s := Geometric{SigmaMin: 0.01, SigmaMax: 2}
	if math.Abs(s.Sigma(0)-0.01) > 1e-15 || math.Abs(s.Sigma(1)-2) > 1e-12 {
		t.Fatalf("σ(0)=%v σ(1)=%v, want 0.01 and 2", s.Sigma(0), s.Sigma(1))
	}
	for _, tt := range []float64{0.1, 0.5, 0.9} {
		h := 1e-6
		fd := (math.Pow(s.Sigma(tt+h), 2) - math.Pow(s.Sigma(tt-h), 2)) / (2 * h)
		if math.Abs(fd-s.G2(tt)) > 1e-6*math.Max(1, fd) {
			t.Errorf("t=%v: g² %v, finite difference of σ² %v", tt, s.G2(tt), fd)
		}
	}
	b := xlatest.Backend(t)
	out := MustExecOnce(b, s.SigmaNode, []float64{0, 0.5, 1})
	got := tensors.MustCopyFlatData[float64](out)
	for i, tt := range []float64{0, 0.5, 1} {
		if math.Abs(got[i]-s.Sigma(tt)) > 1e-12 {
			t.Errorf("SigmaNode(%v)=%v, Sigma=%v", tt, got[i], s.Sigma(tt))
		}
	}
	for _, bad := range []Geometric{{0, 1}, {1, 1}, {2, 1}, {-1, 1}} {
		if bad.Validate() == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
