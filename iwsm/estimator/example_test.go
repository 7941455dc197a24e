package estimator_test

import (
	"fmt"
	"math"

	"github.com/iwsm-go/iwsm/iwsm/estimator"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla"
)

// LogWeights on GMM-40 (sampler coordinates, x/50): a buffer of one point at a mixture mean
// and the same point evaluated at σ = 0.1, where the proposal density is exactly
// N(0; 0, σ² I) = 1/(2πσ²), and the Monte Carlo log p_t is compared with the exact noised
// mixture density.
func ExampleLogWeights() {
	backend, err := xla.NewGoBackend()
	if err != nil {
		panic(err)
	}
	tg, err := target.GMM40()
	if err != nil {
		panic(err)
	}
	mean := tg.Mixture.Means[0]
	const sigma = 0.1
	logq, logp, logw, err := estimator.LogWeights(backend, tg, [][]float64{mean}, [][]float64{mean}, sigma, 2000, 1)
	if err != nil {
		panic(err)
	}
	fmt.Printf("log q %.3f (exact %.3f)\n", logq[0], -math.Log(2*math.Pi*sigma*sigma))
	exact := tg.Mixture.NoisedLogDensity(mean, sigma)
	fmt.Printf("|log p̂ - log p| < 0.1: %v\n", math.Abs(logp[0]-exact) < 0.1)
	fmt.Printf("log w = log p̂ - log q: %v\n", logw[0] == logp[0]-logq[0])
	// Output:
	// log q 2.767 (exact 2.767)
	// |log p̂ - log p| < 0.1: true
	// log w = log p̂ - log q: true
}
