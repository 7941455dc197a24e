package estimator

import (
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/gmath"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// maxDrawsPerCall bounds the points × K energy evaluations of one LogWeights graph call
// (memory: the mixtures' [points·K, components] intermediate stays near 160 MB).
const maxDrawsPerCall = 1 << 20

// LogWeights computes, for each row of points at noise level sigma, IWSM's importance-weight
// diagnostics with the rows of buffer as the replay buffer, exactly as the training step does
// (float32 graph, the same functions):
//
//   - logq: the log proposal density log p_{B,t}(x) (BufferLogDensity);
//   - logp: the K-sample Monte Carlo estimate of log p_t(x) + log Z (MonteCarloLogDensity,
//     iDEM's estimator; log Z is the same for every point, so it cancels in self-normalised
//     weights, and it is 0 for the built-in mixtures, whose energies are normalised);
//   - logw = logp − logq, the unnormalised log importance weight.
//
// Rows are in the sampler's coordinates (see target.Target.Scale), and so is sigma. For
// particle systems the centre of mass of every row is removed first (the proposal lives on
// the zero-centre-of-mass subspace). The Monte Carlo draws come from seed, so a call is
// reproducible. A point whose K energies are all non-finite gets logp = −Inf.
//
// Why a library function: a user can check the estimator on their own buffer and points
// (in a notebook, or with `iwsm weights`), e.g. compare logp with an exact density.
func LogWeights(backend compute.Backend, t *target.Target, buffer, points [][]float64, sigma float64, K int, seed uint64) (logq, logp, logw []float64, err error) {
	if err := t.Validate(); err != nil {
		return nil, nil, nil, err
	}
	if err := t.CheckRows(buffer); err != nil {
		return nil, nil, nil, errors.WithMessage(err, "buffer")
	}
	if err := t.CheckRows(points); err != nil {
		return nil, nil, nil, errors.WithMessage(err, "points")
	}
	if !(sigma > 0) || math.IsInf(sigma, 0) {
		return nil, nil, nil, errors.Errorf("noise level sigma must be positive and finite, got %g", sigma)
	}
	if K <= 0 {
		return nil, nil, nil, errors.Errorf("number of Monte Carlo samples K must be positive, got %d", K)
	}
	if err := target.CheckEnergy(backend, t); err != nil {
		return nil, nil, nil, err
	}
	d := t.Dim
	flat := func(rows [][]float64) []float32 { // on the target's space
		projected := make([][]float64, len(rows))
		for i, r := range rows {
			projected[i] = append([]float64(nil), r...)
			t.ProjectRow(projected[i])
		}
		return gmath.AppendFlat32(make([]float32, 0, len(rows)*d), projected)
	}
	bufT := tensors.FromFlatDataAndDimensions(flat(buffer), len(buffer), d)
	defer bufT.MustFinalizeAll()
	pts := flat(points)
	dEff := EffectiveDim(t)
	exec, err := NewExec(backend, func(x, s, z, buf *Node) (*Node, *Node) {
		return BufferLogDensity(x, s, buf, dEff), MonteCarloLogDensity(t, x, s, z)
	})
	if err != nil {
		return nil, nil, nil, errors.WithMessage(err, "building the weights graph")
	}
	defer exec.Finalize()

	n := len(points)
	chunk := max(1, min(n, maxDrawsPerCall/K)) // every call has this batch size (padded): one compilation
	rng := rand.New(rand.NewPCG(seed, 0x5e1f))
	sig := make([]float32, chunk)
	for i := range sig {
		sig[i] = float32(sigma)
	}
	sigT := tensors.FromFlatDataAndDimensions(sig, chunk)
	defer sigT.MustFinalizeAll()
	logq, logp, logw = make([]float64, n), make([]float64, n), make([]float64, n)
	x, z := make([]float32, chunk*d), make([]float32, chunk*K*d)
	zRow := make([]float64, d)
	for start := 0; start < n; start += chunk {
		m := min(chunk, n-start)
		copy(x, pts[start*d:(start+m)*d])
		for i := m * d; i < len(x); i++ { // padding rows repeat the first point
			x[i] = pts[start*d+i%d]
		}
		for k := 0; k < chunk*K; k++ {
			t.NormalRow(rng, 1, zRow)
			for j, v := range zRow {
				z[k*d+j] = float32(v)
			}
		}
		xT := tensors.FromFlatDataAndDimensions(x, chunk, d)
		zT := tensors.FromFlatDataAndDimensions(z, chunk, K, d)
		outs, err := exec.Exec(xT, sigT, zT, bufT)
		xT.MustFinalizeAll()
		zT.MustFinalizeAll()
		if err != nil {
			return nil, nil, nil, errors.WithMessagef(err, "weights of points %d..%d", start, start+m-1)
		}
		lq, lp := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
		for _, o := range outs {
			o.MustFinalizeAll()
		}
		for i := 0; i < m; i++ {
			logq[start+i], logp[start+i] = float64(lq[i]), float64(lp[i])
			logw[start+i] = logp[start+i] - logq[start+i]
		}
	}
	return logq, logp, logw, nil
}
