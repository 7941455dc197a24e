package estimator

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"

	"github.com/iwsm-go/iwsm/iwsm/gmath"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// MonteCarlo returns the K-sample estimates of ∇ log p_t(x_t) (shape [B, d]) and of
// log p_t(x_t) + log Z (shape [B]) for points xt [B, d] at noise levels sigma [B], using the
// standard normal draws z [B, K, d] (mean-free for particle systems).
//
// The score's norm is clipped to maxNorm (iDEM's and IWSM's safeguard; maxNorm <= 0
// disables clipping): the whole vector for ordinary targets, each particle's vector for
// particle systems (as iDEM), whose score is then projected onto the zero-centre-of-mass
// subspace.
// Non-finite energies (overlapping Lennard-Jones particles, a user energy returning NaN)
// get zero weight instead of poisoning the estimate; if all K energies of a point are
// non-finite its estimates are non-finite and the training step reports it.
//
// Energies and their gradients come from target.Target.EnergyGrad: the closed form of the
// built-in targets, automatic differentiation of the energy otherwise.
//
// The batch is evaluated in gmath.ParallelChunks independent pieces (every point's estimate
// is its own), which the Go backend runs on several cores at once.
func MonteCarlo(t *target.Target, xt, sigma, z *Node, maxNorm float64) (score, logp *Node) {
	m := gmath.Materialise(StopGradient(xt), StopGradient(sigma))
	xt, sigma = m[0], m[1]
	out := gmath.InBatchChunks(gmath.ParallelChunks, []*Node{xt, sigma, z}, func(_ int, in []*Node) []*Node {
		score, logp := monteCarlo(t, in[0], in[1], in[2])
		return []*Node{score, logp}
	})
	return StopGradient(clipScore(t, out[0], maxNorm)), StopGradient(out[1])
}

// MonteCarloLogDensity returns MonteCarlo's estimate of log p_t(x_t) + log Z alone, shape
// [B], from the same draws z [B, K, d]: for diagnostics (LogWeights, the `iwsm weights`
// command) that need no score, it skips the energy's gradient.
func MonteCarloLogDensity(t *target.Target, xt, sigma, z *Node) *Node {
	K := z.Shape().Dimensions[1]
	return gmath.InBatchChunks(gmath.ParallelChunks, []*Node{xt, sigma, z}, func(_ int, in []*Node) []*Node {
		_, _, _, _, lse := monteCarloTerms(t, in[0], in[1], in[2])
		return []*Node{StopGradient(AddScalar(lse, -math.Log(float64(K))))}
	})[0]
}

// monteCarloTerms evaluates the energy at y = x_t + σ z_k ([B, K, d]) and returns y, the
// energies [B, K], their finiteness mask, the log terms -E(y) (-Inf where not finite) and
// their log-sum-exp over k [B].
func monteCarloTerms(t *target.Target, xt, sigma, z *Node) (y, energy, finite, logw, lse *Node) {
	y = drawPoints(xt, sigma, z)
	if t.EnergyAndGradient != nil {
		// The same energies as MonteCarlo's (the unused gradient is pruned when compiled).
		energy, _ = t.EnergyAndGradient(y)
	} else {
		energy = t.Energy(y) // [B,K]
	}
	finite, logw, lse = logTerms(energy)
	return y, energy, finite, logw, lse
}

// drawPoints returns y = x_t + σ z_k [B, K, d], constant for automatic differentiation.
func drawPoints(xt, sigma, z *Node) *Node {
	return Add(InsertAxes(StopGradient(xt), 1), Mul(Reshape(StopGradient(sigma), -1, 1, 1), z))
}

// logTerms returns the finiteness mask of energies [B, K], the log terms -E (-Inf where not
// finite) and their log-sum-exp over k [B].
func logTerms(energy *Node) (finite, logw, lse *Node) {
	finite = IsFinite(energy)
	logw = Where(finite, Neg(energy), Infinity(energy.Graph(), energy.DType(), -1))
	return finite, logw, gmath.LogSumExp(logw, 1)
}

// monteCarlo is MonteCarlo on one piece of the batch, all K draws at once, before clipping:
// -Σ_k softmax_k(-E_k) ∇E_k [B, d] and logsumexp_k(-E_k) − log K [B].
func monteCarlo(t *target.Target, xt, sigma, z *Node) (score, logp *Node) {
	K := z.Shape().Dimensions[1]
	energy, gradE := t.FiniteEnergyGrad(drawPoints(xt, sigma, z)) // [B,K], [B,K,d]
	_, logw, lse := logTerms(energy)
	logp = AddScalar(lse, -math.Log(float64(K)))
	resp := Exp(Sub(logw, InsertAxes(lse, 1))) // softmax over k, [B,K]
	return Neg(ReduceSum(Mul(InsertAxes(resp, -1), gradE), 1)), logp
}

// clipScore clips a raw score estimate [B, d] to maxNorm (see MonteCarlo) and, for particle
// systems, projects it onto the zero-centre-of-mass subspace.
func clipScore(t *target.Target, score *Node, maxNorm float64) *Node {
	if t.IsParticleSystem() {
		// iDEM clips particle systems per particle (the norm of each particle's 2-D/3-D
		// score), then the score is projected onto the zero-centre-of-mass subspace.
		B := score.Shape().Dimensions[0]
		perParticle := gmath.ClipByNorm(Reshape(score, B, t.Particles, t.SpatialDim), maxNorm)
		score = gmath.RemoveMean(Reshape(perParticle, B, t.Dim), t.Particles, t.SpatialDim)
	} else {
		score = gmath.ClipByNorm(score, maxNorm)
	}
	return score
}

// EffectiveDim is the dimension of the space the target lives on: Dim, less SpatialDim
// for particle systems (the centre of mass is fixed). Gaussian normalisers use it.
func EffectiveDim(t *target.Target) int {
	if t.IsParticleSystem() {
		return t.Dim - t.SpatialDim
	}
	return t.Dim
}

// BufferLogDensity returns log p_{B,t}(x_t) for xt [B, d] at noise levels sigma [B], where
// p_{B,t} = (1/N) Σ_j N(x_t; b_j, σ_t² I) is the replay buffer [N, d] convolved with the
// forward kernel (IWSM's proposal). dEff is the dimension of the Gaussian (see EffectiveDim).
// The result has xt's dtype.
//
// Precision: a point drawn from its own buffer source b_i lies about √d σ from it, and at
// σ_min = 1e-5 (GMM, DW-4) that squared distance, ~dσ², is far below float32's resolution of
// ||x||²: the expanded form ||x||² − 2 x·b + ||b||² in float32 was wrong by up to 3.8e4 nats
// on DW-4 and 300-900 on the mixtures there (see TestBufferLogDensityFloat32MatchesFloat64).
// So this sum runs in float64, whatever the graph's dtype (except for d ≤ directDim on
// backends that fuse elementwise operations, where bufferLogDensityDirect sums the squared
// differences themselves, which float32 represents well enough), as
//
//	log Σ_j exp(−||x − b_j||²/(2σ²)) = −||x||²/(2σ²) + logsumexp_j(x·b_j/σ² − ||b_j||²/(2σ²))
//
// whose [B, N] logits are one matrix product of [x/σ², −1/(2σ²)] with [b_j, ||b_j||²]: fewer
// passes over [B, N] than the expanded form, so it costs no more than the float32 code it
// replaced (BenchmarkProposalCandidates times it; the README has the numbers), with errors
// below 1e-4 nats on every built-in target. The batch runs in
// gmath.ParallelChunks pieces that the Go backend can put on several cores.
func BufferLogDensity(xt, sigma, buffer *Node, dEff int) *Node {
	return PaddedBufferLogDensity(xt, sigma, buffer, nil, dEff)
}

// PaddedBufferLogDensity is BufferLogDensity of the buffer's first rows rows only: rows is a
// scalar integer node, and the buffer's later rows are padding that counts for nothing
// (nil rows: every row counts). The trainer pads its replay buffer to the most it holds
// (its buffer_size), so that the training step's graph keeps one input shape while the buffer
// fills and XLA compiles it once per run rather than once per epoch (see train.Trainer).
func PaddedBufferLogDensity(xt, sigma, buffer, rows *Node, dEff int) *Node {
	m := gmath.Materialise(xt, sigma)
	xt, sigma = m[0], m[1]
	if buffer.Shape().Dimensions[1] <= directDim && gmath.Fuses(xt.Graph()) {
		return bufferLogDensityDirect(xt, sigma, buffer, rows, dEff)
	}
	b := ConvertDType(buffer, dtypes.Float64)
	rhs := Concatenate([]*Node{b, ReduceAndKeep(Square(b), ReduceSum, -1)}, 1) // [N, d+1]
	out := gmath.InBatchChunks(gmath.ParallelChunks, []*Node{xt, sigma}, func(_ int, in []*Node) []*Node {
		x, s := ConvertDType(in[0], dtypes.Float64), ConvertDType(in[1], dtypes.Float64)
		s2 := Reshape(Square(s), -1, 1)                                                 // [B,1]
		inv := Inverse(s2)                                                              // 1/σ²
		lhs := Concatenate([]*Node{Mul(x, inv), MulScalar(inv, -0.5)}, 1)               // [B, d+1]
		lse := gmath.LogSumExp(leaveOutPadding(Einsum("bd,nd->bn", lhs, rhs), rows), 1) // [B]
		xTerm := Mul(ReduceSum(Square(x), -1), MulScalar(Reshape(inv, -1), 0.5))
		logNorm := MulScalar(Log(MulScalar(Reshape(s2, -1), 2*math.Pi)), -0.5*float64(dEff))
		logq := Add(Sub(Sub(lse, xTerm), logRows(buffer, rows, dtypes.Float64)), logNorm)
		return []*Node{ConvertDType(logq, xt.DType())}
	})
	return out[0]
}

// directDim is the largest dimension in which BufferLogDensity forms the squared distances
// from the coordinates' differences on backends that fuse elementwise operations.
const directDim = 4

// bufferLogDensityDirect is BufferLogDensity in the graph's dtype with the squared distances
// summed from the differences x_j − b_j, one [B, N] broadcast per coordinate. No term is
// larger than the result, so float32 is as accurate as the float64 expanded form (the
// rounding of ||x − b||² is relative), and on XLA the differences, squares, scaling and the
// log-sum-exp's exponentials fuse into a few loops over [B, N] in float32, where the float64
// product and log-sum-exp took twice as long (GMM-40 at batch 512, buffer 10,000). On the
// pure-Go backend, which runs every op as its own pass, the d passes per coordinate cost
// more than the product, so BufferLogDensity keeps the expanded form there.
func bufferLogDensityDirect(xt, sigma, buffer, rows *Node, dEff int) *Node {
	d := buffer.Shape().Dimensions[1]
	bT := Transpose(buffer, 0, 1) // [d, N]
	return gmath.InBatchChunks(gmath.ParallelChunks, []*Node{xt, sigma}, func(_ int, in []*Node) []*Node {
		x, s := in[0], in[1]
		var sq *Node // ||x − b_j||², [B, N]
		for j := 0; j < d; j++ {
			dj := Square(Sub(Slice(x, AxisRange(), AxisRange(j, j+1)), Slice(bT, AxisRange(j, j+1))))
			if sq == nil {
				sq = dj
			} else {
				sq = Add(sq, dj)
			}
		}
		s2 := Reshape(Square(s), -1, 1) // [B,1]
		lse := gmath.LogSumExp(leaveOutPadding(Mul(sq, MulScalar(Inverse(s2), -0.5)), rows), 1)
		logNorm := MulScalar(Log(MulScalar(Reshape(s2, -1), 2*math.Pi)), -0.5*float64(dEff))
		return []*Node{Add(Sub(lse, logRows(buffer, rows, lse.DType())), logNorm)}
	})[0]
}

// leaveOutPadding sets the logits [B, N] of the buffer's padding rows (index ≥ rows) to −∞,
// so that a log-sum-exp over the rows leaves them out; nil rows: no padding.
func leaveOutPadding(logits, rows *Node) *Node {
	if rows == nil {
		return logits
	}
	g, dims := logits.Graph(), logits.Shape().Dimensions
	index := Iota(g, shapes.Make(rows.DType(), dims...), 1)
	inUse := LessThan(index, BroadcastToDims(rows, dims...))
	return Where(inUse, logits, Infinity(g, logits.DType(), -1))
}

// logRows is log n for the n rows of buffer in use (rows, or all of them when rows is nil),
// in dtype.
func logRows(buffer, rows *Node, dtype dtypes.DType) *Node {
	if rows == nil {
		return Scalar(buffer.Graph(), dtype, math.Log(float64(buffer.Shape().Dimensions[0])))
	}
	return Log(ConvertDType(rows, dtype))
}

// SelfNormalisedWeights turns log importance weights [B] into weights that sum to B
// (mean 1), so that a weighted mean loss has the scale of an unweighted one.
func SelfNormalisedWeights(logW *Node) *Node {
	return GroupedSelfNormalisedWeights(logW, 1)
}

// ESS returns the normalised effective sample size (Σw)²/(B Σw²) ∈ (0, 1] of log weights [B].
func ESS(logW *Node) *Node {
	return GroupedESS(logW, 1)
}

// GroupedSelfNormalisedWeights self-normalises log weights [B] within each of `groups`
// consecutive groups of equal size (B/groups points sharing one noise level t), so that the
// weights of each group sum to its size.
//
// Why per noise level: w = p_t / p_{B,t} estimates a ratio of densities at one t. Across
// different t the proposal's density scales like σ_t^{-d} (the buffer convolved with a
// narrow kernel is nearly atomic) while p_t stays smooth, so one normalisation over a batch
// of mixed t hands all the weight to the point with the largest σ (the normalised ESS
// collapses to exactly 1/B). Normalising per t keeps each level's loss an importance-
// weighted estimate of E_{p_t}, and the levels are averaged with equal weight, as the
// uniform t of the score-matching objective asks.
func GroupedSelfNormalisedWeights(logW *Node, groups int) *Node {
	B := logW.Shape().Dimensions[0]
	per := B / groups
	w := SelfNormalisedWeightsAxis(Reshape(logW, groups, per))
	return Reshape(w, B)
}

// SelfNormalisedWeightsAxis normalises log weights [G, n] along the last axis so that each
// row sums to n.
func SelfNormalisedWeightsAxis(logW *Node) *Node {
	n := logW.Shape().Dimensions[logW.Rank()-1]
	lse := ReduceAndKeep(logW, func(x *Node, axes ...int) *Node { return gmath.LogSumExp(x, axes[0]) }, -1)
	return StopGradient(MulScalar(Exp(Sub(logW, lse)), float64(n)))
}

// GroupedESS is the mean over groups of the normalised effective sample size of each
// group's weights (see GroupedSelfNormalisedWeights).
func GroupedESS(logW *Node, groups int) *Node {
	return ReduceAllMean(ESSPerGroup(logW, groups))
}

// ESSPerGroup returns, for each of `groups` consecutive equal groups of the log weights
// [B], the normalised effective sample size (Σw)²/(n Σw²) ∈ (0, 1] of that group's
// weights, computed in log space: shape [groups]. With one noise level per group it shows
// at which noise levels the buffer proposal is far from p_t (the weight diagnostics figure).
func ESSPerGroup(logW *Node, groups int) *Node {
	B := logW.Shape().Dimensions[0]
	per := B / groups
	lw := Reshape(logW, groups, per)
	l1 := gmath.LogSumExp(lw, 1)
	l2 := gmath.LogSumExp(MulScalar(lw, 2), 1)
	return MulScalar(Exp(Sub(MulScalar(l1, 2), l2)), 1/float64(per))
}
