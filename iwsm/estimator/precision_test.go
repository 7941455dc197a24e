package estimator_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/compute"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/iwsm-go/iwsm/iwsm/estimator"
	"github.com/iwsm-go/iwsm/iwsm/gmath"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// proposalTol is the largest error, in nats, accepted in log p_{B,t} computed by a float32
// graph. Why 1e-3: an error δ in log q multiplies the point's importance weight by e^{-δ},
// so 1e-3 nats moves a weight by 0.1 %, far below the Monte Carlo error of log p̂_t (above
// 1e-2 nats at the K training uses), while it is still 100× the float32 floor of the output
// itself (|log q| ≤ ~100 at σ_min, whose ulp is 8e-6).
const proposalTol = 1e-3

// hostBufferLogDensity is log (1/N) Σ_j N(x; b_j, σ² I_dEff) in float64 from direct
// differences x − b_j and a max-shifted log-sum-exp: the independent reference.
func hostBufferLogDensity(x []float64, buffer [][]float64, sigma float64, dEff int) float64 {
	logits := make([]float64, len(buffer))
	mx := math.Inf(-1)
	for j, b := range buffer {
		sq := 0.0
		for i := range x {
			d := x[i] - b[i]
			sq += d * d
		}
		logits[j] = -sq / (2 * sigma * sigma)
		mx = math.Max(mx, logits[j])
	}
	s := 0.0
	for _, l := range logits {
		s += math.Exp(l - mx)
	}
	return mx + math.Log(s/float64(len(buffer))) - 0.5*float64(dEff)*math.Log(2*math.Pi*sigma*sigma)
}

// round32 rounds every value to float32 (what the trainer's float32 graph sees), in place.
func round32(rows [][]float64) [][]float64 {
	for _, r := range rows {
		for j, v := range r {
			r[j] = float64(float32(v))
		}
	}
	return rows
}

// precisionCase is a realistic replay buffer and the σ schedule of one built-in target, in
// the sampler's coordinates (the ones training uses).
type precisionCase struct {
	tg       *target.Target
	buffer   [][]float64
	sigmas   []float64 // levels from σ_min to σ_max of the target's training configuration
	dEff     int
	perLevel int
}

// precisionCases builds, for every built-in target, a buffer of n realistic points (mixtures:
// half exact draws, half uniform in the box of the means, the buffer of a sampler that has
// not found the modes yet; particle systems: the shipped reference configurations) and
// `levels` geometric noise levels over its training schedule.
func precisionCases(t testing.TB, n, levels, perLevel int) []precisionCase {
	var cases []precisionCase
	for _, name := range target.Names() {
		tg, err := target.ByName(name)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := preset.For(tg, "iwsm", "paper")
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(11, uint64(len(name))))
		var buf [][]float64
		if tg.Mixture != nil {
			buf = tg.Mixture.Sample(rng, n/2)
			lo, hi := math.Inf(1), math.Inf(-1)
			for _, m := range tg.Mixture.Means {
				for _, v := range m {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
			}
			for len(buf) < n {
				row := make([]float64, tg.Dim)
				for j := range row {
					row[j] = lo + (hi-lo)*rng.Float64()
				}
				buf = append(buf, row)
			}
		} else {
			ref, err := tg.ReferenceSet()
			if err != nil {
				t.Fatal(err)
			}
			buf = ref[:min(n, len(ref))]
		}
		sig := make([]float64, levels)
		for i := range sig {
			sig[i] = cfg.SigmaMin * math.Pow(cfg.SigmaMax/cfg.SigmaMin, float64(i)/float64(levels-1))
		}
		cases = append(cases, precisionCase{tg: tg, buffer: round32(buf), sigmas: sig,
			dEff: estimator.EffectiveDim(tg), perLevel: perLevel})
	}
	return cases
}

// points draws perLevel points x_t = b_j + σ z per noise level from random buffer points b_j
// (z mean-free for particle systems), as the training step does, rounded to float32.
func (c precisionCase) points(rng *rand.Rand) (xs [][]float64, sig []float64) {
	for _, s := range c.sigmas {
		for p := 0; p < c.perLevel; p++ {
			b := c.buffer[rng.IntN(len(c.buffer))]
			x := make([]float64, len(b))
			for i := range x {
				x[i] = s * rng.NormFloat64()
			}
			if c.tg.IsParticleSystem() {
				target.RemoveCentreOfMass(x, c.tg.Particles, c.tg.SpatialDim)
			}
			for i := range x {
				x[i] += b[i]
			}
			xs = append(xs, x)
			sig = append(sig, s)
		}
	}
	return round32(xs), sig
}

func flat32(rows [][]float64) []float32 {
	out := make([]float32, 0, len(rows)*len(rows[0]))
	for _, r := range rows {
		for _, v := range r {
			out = append(out, float32(v))
		}
	}
	return out
}

func to32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// proposalFunc is the signature of BufferLogDensity (and of the candidates benchmarked).
type proposalFunc func(xt, sigma, buffer *Node, dEff int) *Node

// proposalErrors evaluates f in a float32 graph on every case and returns, per target and
// level, the worst and mean absolute error against the float64 host sum.
func proposalErrors(t testing.TB, backend compute.Backend, f proposalFunc, cases []precisionCase) (worst float64, report []string) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range cases {
		xs, sig := c.points(rng)
		out := MustExecOnce(backend, func(x, s, b *Node) *Node { return f(x, s, b, c.dEff) },
			tensors.FromFlatDataAndDimensions(flat32(xs), len(xs), c.tg.Dim),
			tensors.FromFlatDataAndDimensions(to32(sig), len(sig)),
			tensors.FromFlatDataAndDimensions(flat32(c.buffer), len(c.buffer), c.tg.Dim))
		got := tensors.MustCopyFlatData[float32](out)
		for l, s := range c.sigmas {
			mx, mean := 0.0, 0.0
			for p := 0; p < c.perLevel; p++ {
				i := l*c.perLevel + p
				e := math.Abs(float64(got[i]) - hostBufferLogDensity(xs[i], c.buffer, s, c.dEff))
				if math.IsNaN(e) {
					e = math.Inf(1)
				}
				mx, mean = math.Max(mx, e), mean+e/float64(c.perLevel)
			}
			worst = math.Max(worst, mx)
			report = append(report, fmt.Sprintf("%-6s σ=%-9.3g mean %-9.3g max %-9.3g", c.tg.Name, s, mean, mx))
		}
	}
	return worst, report
}

// BufferLogDensity in a float32 graph must match the float64 direct sum within proposalTol
// on every built-in target, at every noise level of its training schedule (σ_min = 1e-5 for
// the mixtures and DW-4, where a point's squared distance to its own buffer source, about
// dσ², lies far below float32's resolution of ||x||²).
func TestBufferLogDensityFloat32MatchesFloat64(t *testing.T) {
	backend := xlatest.Backend(t)
	worst, report := proposalErrors(t, backend, estimator.BufferLogDensity, precisionCases(t, 2000, 8, 16))
	for _, line := range report {
		t.Log(line)
	}
	if !(worst <= proposalTol) {
		t.Errorf("float32 buffer log density: worst error %.3g nats against the float64 direct sum, want ≤ %g", worst, proposalTol)
	}
}

// expandedFloat32 is the proposal density as it was before the fix: squared distances as
// ||x||² − 2 x·b + ||b||² in the graph's dtype, clamped at 0.
func expandedFloat32(xt, sigma, buffer *Node, dEff int) *Node {
	n := buffer.Shape().Dimensions[0]
	xSq := ReduceAndKeep(Square(xt), ReduceSum, -1)
	bSq := InsertAxes(ReduceSum(Square(buffer), -1), 0)
	cross := Einsum("bd,nd->bn", xt, buffer)
	sq := Add(Sub(xSq, MulScalar(cross, 2)), bSq)
	sq = Max(sq, ZerosLike(sq))
	s2 := Square(Reshape(sigma, -1, 1))
	lse := gmath.LogSumExp(Neg(Div(sq, MulScalar(s2, 2))), 1)
	logNorm := MulScalar(Log(MulScalar(Reshape(s2, -1), 2*math.Pi)), -0.5*float64(dEff))
	return Add(AddScalar(lse, -math.Log(float64(n))), logNorm)
}

// The check above must be able to fail: the expanded float32 form it replaced has errors of
// tens of nats at σ_min.
func TestPrecisionCheckCatchesExpandedFloat32(t *testing.T) {
	backend := xlatest.Backend(t)
	worst, report := proposalErrors(t, backend, expandedFloat32, precisionCases(t, 2000, 8, 16))
	for _, line := range report {
		t.Log(line)
	}
	if worst < 1 {
		t.Errorf("the expanded float32 form's worst error is only %.3g nats: the precision check no longer tests σ_min", worst)
	}
}

// BufferLogDensity's direct float32 path (taken on XLA for targets of dimension ≤
// DirectDim) must match the float64 direct sum within proposalTol on every built-in target
// of such a dimension, at every noise level, σ_min included, on whichever backend the test
// runs (the path is called directly, so the Go backend tests it too).
func TestBufferLogDensityDirectMatchesFloat64(t *testing.T) {
	backend := xlatest.Backend(t)
	var low []precisionCase
	for _, c := range precisionCases(t, 2000, 8, 16) {
		if c.tg.Dim <= estimator.DirectDim {
			low = append(low, c)
		}
	}
	if len(low) == 0 {
		t.Fatal("no built-in target of dimension ≤ DirectDim")
	}
	worst, report := proposalErrors(t, backend, estimator.BufferLogDensityDirect, low)
	for _, line := range report {
		t.Log(line)
	}
	if !(worst <= proposalTol) {
		t.Errorf("direct float32 buffer log density: worst error %.3g nats against the float64 direct sum, want ≤ %g", worst, proposalTol)
	}
}

// PaddedBufferLogDensity must count the buffer's first rows rows and nothing of the padding
// after them, on every built-in target at every noise level of its schedule, by both paths
// (the one the backend picks and the direct float32 one, for targets where it applies). The
// padding is the query points themselves: counted, even with weight 1/N, it would be each
// point's nearest buffer row and move log q by nats at small σ.
func TestPaddedBufferLogDensityLeavesOutThePadding(t *testing.T) {
	backend := xlatest.Backend(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range precisionCases(t, 600, 6, 8) {
		xs, sig := c.points(rng)
		padded := append(append([][]float64(nil), c.buffer...), xs...)
		paths := map[string]func(x, s, b, rows *Node, dEff int) *Node{"picked": estimator.PaddedBufferLogDensity}
		if c.tg.Dim <= estimator.DirectDim {
			paths["direct"] = estimator.PaddedBufferLogDensityDirect
		}
		for name, f := range paths {
			out := MustExecOnce(backend, func(x, s, b, rows *Node) *Node { return f(x, s, b, rows, c.dEff) },
				tensors.FromFlatDataAndDimensions(flat32(xs), len(xs), c.tg.Dim),
				tensors.FromFlatDataAndDimensions(to32(sig), len(sig)),
				tensors.FromFlatDataAndDimensions(flat32(padded), len(padded), c.tg.Dim),
				tensors.FromScalar(int32(len(c.buffer))))
			got := tensors.MustCopyFlatData[float32](out)
			worst := 0.0
			for i, x := range xs {
				e := math.Abs(float64(got[i]) - hostBufferLogDensity(x, c.buffer, sig[i], c.dEff))
				if math.IsNaN(e) {
					e = math.Inf(1)
				}
				worst = math.Max(worst, e)
			}
			if !(worst <= proposalTol) {
				t.Errorf("%s, %s path: %d rows in use of %d: worst error %.3g nats against the float64 sum over the rows in use, want ≤ %g",
					c.tg.Name, name, len(c.buffer), len(padded), worst, proposalTol)
			}
		}
	}
}
