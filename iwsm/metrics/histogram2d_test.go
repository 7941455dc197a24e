package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// searchsorted2DTVD is an independent reading of numpy.histogram2d with the reference's
// edges: per axis, linspace over the reference's [min, max] and a right-sided binary search
// (numpy's histogramdd), the upper edge counted in the last bin, points outside either
// axis's range dropped.
func searchsorted2DTVD(gen, ref [][]float64, bins int) float64 {
	edges := func(c int) []float64 {
		var v []float64
		for _, r := range ref {
			v = append(v, r[c])
		}
		lo, hi := slices.Min(v), slices.Max(v)
		if lo == hi {
			lo, hi = lo-0.5, hi+0.5
		}
		e := make([]float64, bins+1)
		for k := range e {
			e[k] = lo + float64(k)*((hi-lo)/float64(bins))
		}
		e[bins] = hi
		return e
	}
	ex, ey := edges(0), edges(1)
	find := func(e []float64, v float64) int {
		if v < e[0] || v > e[bins] {
			return -1
		}
		k := sort.Search(len(e), func(i int) bool { return e[i] > v }) - 1
		return min(k, bins-1)
	}
	count := func(rows [][]float64) (map[[2]int]float64, float64) {
		h := map[[2]int]float64{}
		var tot float64
		for _, r := range rows {
			i, j := find(ex, r[0]), find(ey, r[1])
			if i >= 0 && j >= 0 {
				h[[2]int{i, j}]++
				tot++
			}
		}
		return h, tot
	}
	hr, nr := count(ref)
	hg, ng := count(gen)
	var s float64
	for k, c := range hr {
		s += math.Abs(c/nr - hg[k]/ng)
	}
	for k, c := range hg {
		if _, ok := hr[k]; !ok {
			s += c / ng
		}
	}
	return s / 2
}

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
		if want := searchsorted2DTVD(gen, ref, bins); math.Abs(got-want) > 1e-12 {
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
