package metrics

import (
	"math"
	"runtime"
	"sync"

	"github.com/pkg/errors"
)

// MMDSigmas are the bandwidths of the Gaussian-kernel mixture iDEM uses for its
// "RBF_MMD" metric (dem/models/components/distribution_distances.py:
// mix_rbf_mmd2(a, b, sigma_list=[0.01, 0.1, 1, 10, 100])). Treat it as read-only.
var MMDSigmas = []float64{0.01, 0.1, 1, 10, 100}

// MMD2 returns the biased (V-statistic) squared maximum mean discrepancy between the
// sample sets x (n rows) and y (m rows) under the kernel
//
//	k(p, q) = Σ_σ exp(−‖p − q‖² / (2σ²)),   σ ∈ sigmas,
//
//	MMD2 = (1/n²) Σ_ij k(x_i, x_j) + (1/m²) Σ_ij k(y_i, y_j) − (2/(nm)) Σ_ij k(x_i, y_j),
//
// diagonal terms included. With sigmas = MMDSigmas and n == m this is exactly iDEM's
// "RBF_MMD" (mix_rbf_mmd2 with biased=True in dem/models/components/mmd.py, which sums
// the kernel over the sigma list and returns the squared MMD, no square root). iDEM
// requires n == m; MMD2 also accepts different sizes. The value is ≥ 0 up to rounding.
// Distances are computed from coordinate differences; iDEM expands ‖p‖²−2p·q+‖q‖², which
// differs only by rounding. Time is O((n+m)²·(d+len(sigmas))), split across GOMAXPROCS.
//
// The IWSM paper's own MMD kernel could not be checked against its code; pass other
// sigmas to reproduce a different bandwidth set.
//
// MMD2 returns an error for empty sets, mismatched or empty rows, non-finite values, an
// empty sigma list or a sigma that is not finite and positive.
func MMD2(x, y [][]float64, sigmas []float64) (float64, error) {
	if len(sigmas) == 0 {
		return 0, errors.New("metrics.MMD2: no kernel bandwidths given")
	}
	gammas := make([]float64, len(sigmas))
	for i, s := range sigmas {
		if !(s > 0) || math.IsInf(s, 0) {
			return 0, errors.Errorf("metrics.MMD2: bandwidth %d is %v, must be finite and positive", i, s)
		}
		gammas[i] = 1 / (2 * s * s)
	}
	dim, err := checkRows(x, 0)
	if err != nil {
		return 0, errors.WithMessage(err, "metrics.MMD2: first set")
	}
	if _, err := checkRows(y, dim); err != nil {
		return 0, errors.WithMessage(err, "metrics.MMD2: second set")
	}
	n, m := float64(len(x)), float64(len(y))
	kxx := kernelSum(x, x, gammas, true)
	kyy := kernelSum(y, y, gammas, true)
	kxy := kernelSum(x, y, gammas, false)
	return kxx/(n*n) + kyy/(m*m) - 2*kxy/(n*m), nil
}

// kernelSum returns Σ_ij k(a_i, b_j) for the Gaussian mixture with the given inverse
// bandwidths γ = 1/(2σ²). When symmetric (a and b are the same set) only i < j is
// evaluated and doubled, plus the diagonal k(a_i, a_i) = len(gammas).
func kernelSum(a, b [][]float64, gammas []float64, symmetric bool) float64 {
	workers := min(runtime.GOMAXPROCS(0), len(a))
	partial := make([]float64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var s float64
			// Interleave rows so the triangular workload is balanced.
			for i := w; i < len(a); i += workers {
				ai := a[i]
				start := 0
				if symmetric {
					start = i + 1
				}
				var row float64
				for _, bj := range b[start:] {
					d2 := sqEuclid(ai, bj)
					for _, g := range gammas {
						row += math.Exp(-g * d2)
					}
				}
				s += row
			}
			partial[w] = s
		}(w)
	}
	wg.Wait()
	var s float64
	for _, p := range partial {
		s += p
	}
	if symmetric {
		s = 2*s + float64(len(a)*len(gammas))
	}
	return s
}
