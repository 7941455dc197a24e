package metrics_test

import (
	"fmt"

	"github.com/iwsm-go/iwsm/iwsm/metrics"
)

func ExampleW2() {
	// b is a shifted by (3, 4), listed in another order: the optimal matching undoes the
	// reordering and W2 is the length of the shift.
	a := [][]float64{{0, 0}, {1, 0}, {0, 2}}
	b := [][]float64{{3, 6}, {3, 4}, {4, 4}}
	w, err := metrics.W2(a, b)
	if err != nil {
		panic(err)
	}
	fmt.Printf("W2 = %.4f\n", w)
	// Output:
	// W2 = 5.0000
}

func ExampleEnergyW2() {
	// iDEM's E-W2 is POT's emd2_1d: the squared 1-D 2-Wasserstein distance.
	e, _ := metrics.EnergyW2([]float64{2, 0}, []float64{0, 3})
	w, _ := metrics.W2Scalar([]float64{2, 0}, []float64{0, 3})
	fmt.Printf("EnergyW2 = %.4f, W2Scalar = %.4f\n", e, w)
	// Output:
	// EnergyW2 = 0.5000, W2Scalar = 0.7071
}

func ExampleModeCoverage() {
	means := [][]float64{{-5, 0}, {5, 0}}
	samples := [][]float64{{-5.2, 0.1}, {-4.9, -0.3}, {-5.5, 0.4}, {4.8, 0}}
	m, _ := metrics.ModeCoverage(samples, means, nil, 0.3)
	fmt.Println(m.Counts, m.Mass, m.Covered, m.TV)
	// Output:
	// [3 1] [0.75 0.25] 1 0.25
}
