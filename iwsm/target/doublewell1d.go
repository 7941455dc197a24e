package target

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"
)

// DoubleWell1D returns the 1-D double well E(x) = a(x² − 1)² + b·x: two wells near x = ±1
// separated by a barrier of height ≈ a at x = 0, the tilt b making the left well (b > 0)
// heavier, so the two modes have unequal masses. Its mode weights follow from a 1-D
// quadrature of exp(−E), which is what makes it the test target of samplers that must
// cross a barrier (the parallel-tempering baseline): a chain that stays in its well gets the
// weights of its starting points instead. It has no reference samples and is not in the
// registry.
func DoubleWell1D(a, b float64) *Target {
	return &Target{Name: "doublewell1d", Dim: 1, Scale: 1,
		Energy: func(x *Node) *Node {
			x0 := ReduceSum(x, -1) // [..., 1] → [...]
			return Add(MulScalar(Square(AddScalar(Square(x0), -1)), a), MulScalar(x0, b))
		},
		Description: fmt.Sprintf("1-D double well %g(x²−1)² + %g·x", a, b)}
}

// DoubleWell1DEnergy is DoubleWell1D's energy in float64 on the host, for quadratures and
// tests.
func DoubleWell1DEnergy(a, b float64) func(x float64) float64 {
	return func(x float64) float64 { return a*(x*x-1)*(x*x-1) + b*x }
}
