package metrics

import (
	"math"
	"testing"
)

// Hand-counted: which samples lie strictly within the radius of some reference point, and
// which outside the box (a point on the boundary is neither near nor out).
func TestNearShareAndOutsideBoxByHand(t *testing.T) {
	reference := [][]float64{{0, 0}, {0, 5}}
	samples := [][]float64{
		{0, 0},     // on a reference point: near
		{0, 4.999}, // 0.001 from (0, 5): near
		{2, 0},     // exactly the radius from (0, 0): not near
		{3, 0},     // 3 and √34 away: not near
		{10, 10},   // far: not near
	}
	got, err := NearShare(samples, reference, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got != 2.0/5 {
		t.Errorf("NearShare = %v, want 2/5", got)
	}
	if got, _ := NearShare(reference, reference, 1e-9); got != 1 {
		t.Errorf("a set near itself: %v, want 1", got)
	}
	rows := [][]float64{{0, 0}, {60, 0}, {60.0001, 0}, {-1, -61}, {-59.9, 59.9}}
	out, err := OutsideBox(rows, 60)
	if err != nil {
		t.Fatal(err)
	}
	if out != 2.0/5 {
		t.Errorf("OutsideBox = %v, want 2/5 ((60.0001, 0) and (-1, -61))", out)
	}
	for name, err := range map[string]error{
		"zero radius":        second(NearShare(samples, reference, 0)),
		"empty samples":      second(NearShare(nil, reference, 1)),
		"dimension mismatch": second(NearShare([][]float64{{1, 2, 3}}, reference, 1)),
		"NaN sample":         second(NearShare([][]float64{{math.NaN(), 0}}, reference, 1)),
		"zero half-width":    second(OutsideBox(rows, 0)),
		"empty rows":         second(OutsideBox(nil, 1)),
		"ragged rows":        second(OutsideBox([][]float64{{1, 2}, {1}}, 1)),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func second(_ float64, err error) error { return err }
