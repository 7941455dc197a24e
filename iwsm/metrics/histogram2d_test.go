package metrics

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/internal/hostref"
)

func TestReferenceHistogram2DTVD(t *testing.T) {
	// By hand: 2×2 cells over the reference box [0, 2] × [0, 2] (edges 0, 1, 2). The
	// reference puts (0,0) in cell (0,0), (2,2) in (1,1) (upper edges count in the last bin)
	// and (1,0) in (1,0); the generated (0.5,0.5) falls in (0,0), (1,1.5) in (1,1), and
	// (3,1) outside is dropped: p = (1/3, 0, 1/3, 1/3), q = (1/2, 0, 0, 1/2), TV = ½(1/6 +
	// 1/3 + 1/6) = 1/3.
	ref := [][]float64{{0, 0}, {2, 2}, {1, 0}}
	gen := [][]float64{{0.5, 0.5}, {1, 1.5}, {3, 1}}
	if got, err := ReferenceHistogram2DTVD(gen, ref, 2); err != nil || math.Abs(got-1.0/3) > 1e-15 {
		t.Errorf("by hand: got %v, %v; want 1/3", got, err)
	}
	if got, _ := ReferenceHistogram2DTVD(ref, ref, 7); got != 0 {
		t.Errorf("a set against itself: %v", got)
	}
	if got, _ := ReferenceHistogram2DTVD([][]float64{{5, 5}}, ref, 3); got != 1 {
		t.Errorf("every generated point outside the box: %v, want 1", got)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for rep := range 20 {
		n, bins := 1+rng.IntN(300), 1+rng.IntN(12)
		integer := rep%2 == 0 // points on the edges
		ref := randRows(rng, n, 2+rep%3, 2, integer)
		gen := randRows(rng, 1+rng.IntN(300), 2+rep%3, 2.5, integer)
		if rep == 3 { // a constant axis: numpy widens it by 0.5
			for _, r := range ref {
				r[1] = 1
			}
		}
		got, err := ReferenceHistogram2DTVD(gen, ref, bins)
		if err != nil {
			t.Fatal(err)
		}
		if want := hostref.HistogramTV2D(ref, gen, bins); math.Abs(got-want) > 1e-12 {
			t.Errorf("rep %d (n=%d, bins=%d): %v, binary search %v", rep, n, bins, got, want)
		}
	}
	for name, args := range map[string][3]any{
		"no bins":  {gen, ref, 0},
		"empty":    {[][]float64{}, ref, 3},
		"1-D rows": {[][]float64{{1}}, ref, 3},
		"NaN":      {gen, [][]float64{{0, math.NaN()}}, 3},
	} {
		if _, err := ReferenceHistogram2DTVD(args[0].([][]float64), args[1].([][]float64), args[2].(int)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
