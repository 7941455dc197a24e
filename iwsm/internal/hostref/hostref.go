// Package hostref holds float64 host computations that the tests of several packages use as
// their independent reference: written from the recipe they reproduce (numpy's histogram and
// histogram2d), never from the code under test, so that a test comparing the two can fail.
package hostref

import (
	"math"
	"slices"
	"sort"
)

// HistogramTV is an independent reading of the histogram total variation of iDEM's recipe and
// of the paper code's protocol: numpy.histogram(ref, bins) and numpy.histogram(gen,
// bins=edges), edges by numpy.linspace over the reference's range (widened by ±0.5 when the
// range is empty, as numpy does), each value counted by a right-sided binary search on the
// edges (edge_k ≤ x < edge_{k+1}, the last bin closed), values outside the edges dropped, and
// half the L1 distance of the two normalised histograms.
func HistogramTV(ref, gen []float64, bins int) float64 {
	e := edges(ref, bins)
	count := func(x []float64) (map[[2]int]float64, float64) {
		h, total := map[[2]int]float64{}, 0.0
		for _, v := range x {
			if k := bin(e, v); k >= 0 {
				h[[2]int{k, 0}]++
				total++
			}
		}
		return h, total
	}
	hr, nr := count(ref)
	hg, ng := count(gen)
	return halfL1(hr, nr, hg, ng)
}

// HistogramTV2D is the same reading of numpy.histogram2d with the reference's edges: per axis,
// edges over the reference's range of that coordinate (numpy's histogramdd), a point counted
// when both coordinates fall inside, as the paper code's 2-D sample TV.
func HistogramTV2D(ref, gen [][]float64, bins int) float64 {
	column := func(c int) []float64 {
		v := make([]float64, len(ref))
		for i, r := range ref {
			v[i] = r[c]
		}
		return v
	}
	ex, ey := edges(column(0), bins), edges(column(1), bins)
	count := func(rows [][]float64) (map[[2]int]float64, float64) {
		h, total := map[[2]int]float64{}, 0.0
		for _, r := range rows {
			if i, j := bin(ex, r[0]), bin(ey, r[1]); i >= 0 && j >= 0 {
				h[[2]int{i, j}]++
				total++
			}
		}
		return h, total
	}
	hr, nr := count(ref)
	hg, ng := count(gen)
	return halfL1(hr, nr, hg, ng)
}

// edges are numpy.linspace(min, max, bins+1) over v, with numpy's ±0.5 for an empty range.
func edges(v []float64, bins int) []float64 {
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

// bin is the bin of v by a right-sided binary search on e, the upper edge in the last bin,
// or -1 outside [e[0], e[bins]].
func bin(e []float64, v float64) int {
	bins := len(e) - 1
	if v < e[0] || v > e[bins] {
		return -1
	}
	return min(sort.Search(len(e), func(i int) bool { return e[i] > v })-1, bins-1)
}

// halfL1 is half the L1 distance between two histograms, each normalised by its total (a cell
// absent from a map counts 0).
func halfL1(hr map[[2]int]float64, nr float64, hg map[[2]int]float64, ng float64) float64 {
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
