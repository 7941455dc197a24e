package hostref

import (
	"math"
	"testing"
)

// The references against counts made by hand, so that a test comparing code with them rests
// on something checked.
func TestHistogramTVByHand(t *testing.T) {
	// Edges 0, 1, 2 over the reference {0, 2, 1}: p = (1/3, 2/3) (1 and the upper edge 2 fall
	// in the last bin); the generated 0.5, 1.5, 1.5 and 3 (dropped): q = (1/3, 2/3); TV 0.
	if got := HistogramTV([]float64{0, 2, 1}, []float64{0.5, 1.5, 1.5, 3}, 2); got != 0 {
		t.Errorf("equal histograms: TV %v", got)
	}
	// The generated 0.2, 0.4: q = (1, 0); TV = ½(2/3 + 2/3) = 2/3.
	if got := HistogramTV([]float64{0, 2, 1}, []float64{0.2, 0.4}, 2); math.Abs(got-2.0/3) > 1e-15 {
		t.Errorf("TV %v, want 2/3", got)
	}
	// A constant reference is widened to [c − 0.5, c + 0.5], as numpy does.
	if got := HistogramTV([]float64{1, 1}, []float64{0.6, 1.4}, 2); math.Abs(got-0.5) > 1e-15 {
		t.Errorf("constant reference: TV %v, want 1/2", got)
	}
}

func TestHistogramTV2DByHand(t *testing.T) {
	// 2×2 cells over [0, 2]²: p = (1/3, 0, 1/3, 1/3) over cells (0,0), (0,1), (1,0), (1,1); the
	// generated (0.5, 0.5) in (0,0), (1, 1.5) in (1,1), (3, 1) dropped: q = (1/2, 0, 0, 1/2);
	// TV = ½(1/6 + 1/3 + 1/6) = 1/3.
	ref := [][]float64{{0, 0}, {2, 2}, {1, 0}}
	gen := [][]float64{{0.5, 0.5}, {1, 1.5}, {3, 1}}
	if got := HistogramTV2D(ref, gen, 2); math.Abs(got-1.0/3) > 1e-15 {
		t.Errorf("TV %v, want 1/3", got)
	}
}
