package target

import (
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute/dtypes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/gmath"
)

// Mixture is a Gaussian mixture Σ_k w_k N(μ_k, s² I) with one isotropic standard
// deviation s shared by all components. Its exact noised marginal under the VE forward
// process x_t = x_0 + σ z is again a mixture with s² replaced by s² + σ², which gives the
// closed-form scores and densities the estimator is tested against.
type Mixture struct {
	// Means holds one row per component.
	Means [][]float64
	// Std is the per-dimension standard deviation s of every component.
	Std float64
	// Weights are the mixture weights (they sum to 1).
	Weights []float64
	// Box is the half-width h of the box [-h, h]^d the means were drawn in (FAB's recipe:
	// 40 in target coordinates, 0.8 in x/50), the scale of the "outside the box" metric
	// (evaluate.OutOfBox); 0 when the mixture has no such box, and BoxHalfWidth uses the
	// means' bounding box instead.
	Box float64
}

// BoxHalfWidth is Box, or, when Box is 0, the largest absolute coordinate of any mean: the
// smallest centred box [-h, h]^d holding every mean.
func (m *Mixture) BoxHalfWidth() float64 {
	if m.Box > 0 {
		return m.Box
	}
	h := 0.0
	for _, mu := range m.Means {
		for _, v := range mu {
			h = math.Max(h, math.Abs(v))
		}
	}
	return h
}

// NewMixture validates and returns a mixture; nil weights mean equal weights.
func NewMixture(means [][]float64, std float64, weights []float64) (*Mixture, error) {
	if len(means) == 0 {
		return nil, errors.New("mixture needs at least one component")
	}
	d := len(means[0])
	for i, m := range means {
		if len(m) != d || d == 0 {
			return nil, errors.Errorf("mixture mean %d has dimension %d, want %d", i, len(m), d)
		}
	}
	if !(std > 0) || math.IsInf(std, 0) {
		return nil, errors.Errorf("mixture std must be positive and finite, got %g", std)
	}
	if weights == nil {
		weights = make([]float64, len(means))
		for i := range weights {
			weights[i] = 1 / float64(len(means))
		}
	}
	if len(weights) != len(means) {
		return nil, errors.Errorf("mixture has %d means but %d weights", len(means), len(weights))
	}
	sum := 0.0
	for _, w := range weights {
		if !(w >= 0) {
			return nil, errors.Errorf("mixture weight %g is negative or NaN", w)
		}
		sum += w
	}
	if math.Abs(sum-1) > 1e-6 {
		return nil, errors.Errorf("mixture weights sum to %g, want 1", sum)
	}
	return &Mixture{Means: means, Std: std, Weights: weights}, nil
}

// Dim is the dimension of the space.
func (m *Mixture) Dim() int { return len(m.Means[0]) }

// Scaled returns the mixture of the variable x/c (means, std and box divided by c).
func (m *Mixture) Scaled(c float64) *Mixture {
	means := make([][]float64, len(m.Means))
	for i, mu := range m.Means {
		means[i] = make([]float64, len(mu))
		for j, v := range mu {
			means[i][j] = v / c
		}
	}
	return &Mixture{Means: means, Std: m.Std / c, Weights: m.Weights, Box: m.Box / c}
}

// Energy returns E(x) = -log p(x) (normalised, so that exp(-E) is the density) as a graph
// function. With equal isotropic components,
//
//	log p(x) = logsumexp_k(x·μ_k/s² + log w_k - ||μ_k||²/(2s²)) - ||x||²/(2s²) + log N
//
// so the [points, components] work is one matrix product, one bias and the log-sum-exp:
// ||x||² is constant over k and leaves the log-sum-exp. This halves the elementwise passes
// over the [B·K, components] intermediate of the Monte Carlo estimator, which dominate a
// GMM training step on the Go backend.
func (m *Mixture) Energy() EnergyFunc {
	c := m.energyConsts()
	return func(x *Node) *Node {
		dims := x.Shape().Dimensions
		flat := Reshape(x, -1, c.d)
		logp := Sub(gmath.LogSumExp(c.logits(flat, false), -1), MulScalar(ReduceSum(Square(flat), -1), 0.5/c.s2))
		return Reshape(Neg(AddScalar(logp, c.logNorm)), dims[:len(dims)-1]...)
	}
}

// EnergyAndGradient returns E(x) together with its gradient in closed form,
// ∇E(x) = Σ_k r_k(x) (x − μ_k)/s², where r_k is component k's responsibility (the softmax of
// the logits log w_k − ||x − μ_k||²/(2s²)): one pass over the [points, components] logits
// instead of Energy's forward and backward passes. The result is not differentiable (it is
// for the score estimator, not for a loss).
//
// In up to smallDim dimensions the logits are built elementwise from the differences
// x − μ_k (XLA's CPU backend runs Energy's matrix product of inner dimension d poorly, and
// in float32 the differences are more accurate than the expanded form x·μ_k/s² −
// ||μ_k||²/(2s²) − ||x||²/(2s²), whose terms are each ~||x||/s² while their sum is much
// smaller), and the sums Σ_k e_k and Σ_k e_k μ_k of the shifted exponentials e_k are one
// matrix product of e with [1, μ_k] (one read of e instead of one per sum). Above smallDim
// it uses Energy's expanded logits and ∇E = x/s² − Σ_k r_k μ_k/s².
func (m *Mixture) EnergyAndGradient() EnergyGradFunc {
	c := m.energyConsts()
	return func(x *Node) (energy, grad *Node) {
		g, dt := x.Graph(), x.DType()
		dims := x.Shape().Dimensions
		flat := StopGradient(Reshape(x, -1, c.d))
		if c.d > smallDim {
			logits := c.logits(flat, false)
			mx := ReduceAndKeep(logits, ReduceMax, -1)
			e := Exp(Sub(logits, mx))
			sum := ReduceAndKeep(e, ReduceSum, -1) // [N, 1]
			lse := Add(Log(Squeeze(sum, -1)), Squeeze(mx, -1))
			energy = Neg(AddScalar(Sub(lse, MulScalar(ReduceSum(Square(flat), -1), 0.5/c.s2)), c.logNorm))
			weighted := Einsum("nk,jk->nj", e, c.meansT(g, dt)) // Σ_k e_k μ_k/s²
			grad = Sub(MulScalar(flat, 1/c.s2), Div(weighted, sum))
			return Reshape(energy, dims[:len(dims)-1]...), Reshape(grad, dims...)
		}
		means := Reshape(ConstAsDType(g, dt, c.rawMeans), c.d, c.nc)
		var dist *Node // ||x − μ_k||², [N, nc]
		for j := 0; j < c.d; j++ {
			sq := Square(Sub(Slice(flat, AxisRange(), AxisRange(j, j+1)), Slice(means, AxisRange(j, j+1))))
			if dist == nil {
				dist = sq
			} else {
				dist = Add(dist, sq)
			}
		}
		logits := Add(Reshape(ConstAsDType(g, dt, c.logWeights), 1, c.nc), MulScalar(dist, -0.5/c.s2))
		mx := ReduceAndKeep(logits, ReduceMax, -1)
		e := Exp(Sub(logits, mx))
		rhs := make([]float64, 0, c.nc*(1+c.d)) // [nc, 1+d]: 1, μ_k
		for k := 0; k < c.nc; k++ {
			rhs = append(rhs, 1)
			for j := 0; j < c.d; j++ {
				rhs = append(rhs, c.rawMeans[j*c.nc+k])
			}
		}
		sums := MatMul(e, Reshape(ConstAsDType(g, dt, rhs), c.nc, 1+c.d)) // [N, 1+d]: Σ e_k, Σ e_k μ_k
		sum := Slice(sums, AxisRange(), AxisRange(0, 1))
		energy = Neg(AddScalar(Add(Log(Squeeze(sum, -1)), Squeeze(mx, -1)), c.logNorm))
		grad = MulScalar(Div(Sub(Mul(flat, sum), Slice(sums, AxisRange(), AxisRange(1, 1+c.d))), sum), 1/c.s2)
		return Reshape(energy, dims[:len(dims)-1]...), Reshape(grad, dims...)
	}
}

// smallDim is the largest dimension for which the mixture's closed-form gradient forms its
// logits elementwise (see EnergyAndGradient).
const smallDim = 4

// mixtureConsts are the constants of the mixture's energy graphs.
type mixtureConsts struct {
	d, nc      int
	s2         float64
	means      []float64 // [d, nc], divided by s²
	rawMeans   []float64 // [d, nc]
	logWeights []float64 // log w_k
	bias       []float64 // log w_k - ||μ_k||²/(2s²)
	logNorm    float64
}

func (m *Mixture) energyConsts() mixtureConsts {
	c := mixtureConsts{d: m.Dim(), nc: len(m.Means), s2: m.Std * m.Std}
	c.means = make([]float64, c.d*c.nc)
	c.rawMeans = make([]float64, c.d*c.nc)
	c.logWeights = make([]float64, c.nc)
	c.bias = make([]float64, c.nc)
	for k, mu := range m.Means {
		muSq := 0.0
		for j, v := range mu {
			c.means[j*c.nc+k] = v / c.s2
			c.rawMeans[j*c.nc+k] = v
			muSq += v * v
		}
		c.logWeights[k] = math.Log(m.Weights[k])
		c.bias[k] = c.logWeights[k] - 0.5*muSq/c.s2
	}
	c.logNorm = -0.5 * float64(c.d) * math.Log(2*math.Pi*c.s2)
	return c
}

// meansT is the [d, nc] constant of the means divided by s².
func (c mixtureConsts) meansT(g *Graph, dt dtypes.DType) *Node {
	return Reshape(ConstAsDType(g, dt, c.means), c.d, c.nc)
}

// logits returns x·μ_k/s² + bias_k for flat x [N, d] as [N, nc]: one matrix product, or
// with elementwise a sum of d broadcast products.
func (c mixtureConsts) logits(flat *Node, elementwise bool) *Node {
	g, dt := flat.Graph(), flat.DType()
	bias := Reshape(ConstAsDType(g, dt, c.bias), 1, c.nc)
	means := c.meansT(g, dt)
	if !elementwise {
		return Add(MatMul(flat, means), bias)
	}
	out := bias
	for j := 0; j < c.d; j++ {
		out = Add(out, Mul(Slice(flat, AxisRange(), AxisRange(j, j+1)), Slice(means, AxisRange(j, j+1))))
	}
	return out
}

// logComponents returns log w_k + log N(x; μ_k, (s²+σ²) I) for every k.
func (m *Mixture) logComponents(x []float64, sigma float64) []float64 {
	v := m.Std*m.Std + sigma*sigma
	d := float64(len(x))
	out := make([]float64, len(m.Means))
	for k, mu := range m.Means {
		sq := 0.0
		for j := range x {
			diff := x[j] - mu[j]
			sq += diff * diff
		}
		out[k] = math.Log(m.Weights[k]) - 0.5*sq/v - 0.5*d*math.Log(2*math.Pi*v)
	}
	return out
}

// NoisedLogDensity is the exact log p_σ(x) of the mixture convolved with N(0, σ² I).
func (m *Mixture) NoisedLogDensity(x []float64, sigma float64) float64 {
	return logSumExp(m.logComponents(x, sigma))
}

// NoisedScore is the exact ∇ log p_σ(x) of the mixture convolved with N(0, σ² I).
func (m *Mixture) NoisedScore(x []float64, sigma float64) []float64 {
	lc := m.logComponents(x, sigma)
	lse := logSumExp(lc)
	v := m.Std*m.Std + sigma*sigma
	score := make([]float64, len(x))
	for k, mu := range m.Means {
		r := math.Exp(lc[k] - lse)
		for j := range x {
			score[j] += r * (mu[j] - x[j]) / v
		}
	}
	return score
}

// Component returns the index of the component with the highest responsibility for x.
func (m *Mixture) Component(x []float64) int {
	lc := m.logComponents(x, 0)
	best := 0
	for k := range lc {
		if lc[k] > lc[best] {
			best = k
		}
	}
	return best
}

// Sample draws n exact samples (rows) from the mixture.
func (m *Mixture) Sample(rng *rand.Rand, n int) [][]float64 {
	cum := make([]float64, len(m.Weights))
	acc := 0.0
	for k, w := range m.Weights {
		acc += w
		cum[k] = acc
	}
	out := make([][]float64, n)
	for i := range out {
		u := rng.Float64() * acc
		k := 0
		for k < len(cum)-1 && cum[k] < u {
			k++
		}
		row := make([]float64, m.Dim())
		for j := range row {
			row[j] = m.Means[k][j] + m.Std*rng.NormFloat64()
		}
		out[i] = row
	}
	return out
}

func logSumExp(v []float64) float64 {
	mx := math.Inf(-1)
	for _, x := range v {
		mx = math.Max(mx, x)
	}
	if math.IsInf(mx, -1) {
		return mx
	}
	s := 0.0
	for _, x := range v {
		s += math.Exp(x - mx)
	}
	return mx + math.Log(s)
}
