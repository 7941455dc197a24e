package estimator_test

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/estimator"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// The copy-wise weights follow the paper code's rules, computed here by hand in float64: a
// softmax over each group's copies; a group with a NaN, or with only −Inf, weighs its copies
// equally; +Inf log weights take the whole weight, shared equally; and the weights are scaled
// to mean 1 per group (sum L). Their ESS per group is (Σw)²/(L Σw²).
func TestCopyWeightsFollowTheCodesRules(t *testing.T) {
	b := xlatest.Backend(t)
	inf, nan := math.Inf(1), math.NaN()
	groups := [][]float64{
		{0, math.Log(2), math.Log(3), math.Log(4)}, // softmax: 1, 2, 3, 4 over 10
		{100, 100 + math.Log(3), -inf, 100},        // shifted: 1, 3, 0, 1 over 5
		{nan, 0, 1, 2},                             // a NaN: equal
		{-inf, -inf, -inf, -inf},                   // all −Inf: equal
		{inf, 0, inf, -inf},                        // +Inf: half each on the two
	}
	want := [][]float64{{0.1, 0.2, 0.3, 0.4}, {0.2, 0.6, 0, 0.2}, {0.25, 0.25, 0.25, 0.25}, {0.25, 0.25, 0.25, 0.25}, {0.5, 0, 0.5, 0}}
	var flat []float32
	for _, g := range groups {
		for _, v := range g {
			flat = append(flat, float32(v))
		}
	}
	exec := MustNewExec(b, func(lw *Node) []*Node {
		w := estimator.CopyWeights(lw, len(groups))
		return []*Node{w, estimator.WeightsESSPerGroup(w, len(groups))}
	})
	out := exec.MustExec(tensors.FromFlatDataAndDimensions(flat, len(flat)))
	w, ess := out[0].Value().([]float32), out[1].Value().([]float32)
	for g := range groups {
		var s1, s2 float64
		for l := range 4 {
			if got := float64(w[4*g+l]); math.Abs(got-4*want[g][l]) > 1e-5 {
				t.Errorf("group %d copy %d: weight %v, want %v (4 × %v)", g, l, got, 4*want[g][l], want[g][l])
			}
			s1, s2 = s1+want[g][l], s2+want[g][l]*want[g][l]
		}
		if e := s1 * s1 / (4 * s2); math.Abs(float64(ess[g])-e) > 1e-5 {
			t.Errorf("group %d: ESS %v, want %v", g, ess[g], e)
		}
	}
}

// The as-coded denominator and the own kernel against float64 host code, at the smallest
// noise level training uses (σ = 1e-5 on the mixtures' x/50 coordinates) and at σ = 1, in
// float32.
func TestCopyDenominatorsMatchHostComputation(t *testing.T) {
	b := xlatest.Backend(t)
	rng := rand.New(rand.NewPCG(5, 6))
	const N, M, d = 6, 10, 2
	for _, sigma := range []float64{1e-5, 1} {
		x0, xt, draws := make([]float32, N*d), make([]float32, N*d), make([]float32, N*M*d)
		sig := make([]float32, N)
		for i := range N {
			sig[i] = float32(sigma)
			for j := range d {
				x0[i*d+j] = float32(rng.Float64()*1.6 - 0.8)
				xt[i*d+j] = x0[i*d+j] + float32(sigma*rng.NormFloat64())
			}
		}
		for i := range draws {
			draws[i] = float32(rng.Float64()*1.6 - 0.8)
		}
		exec := MustNewExec(b, func(xtN, x0N, sigmaN, drawsN *Node) []*Node {
			return []*Node{estimator.AsCodedLogDenominator(xtN, sigmaN, drawsN), estimator.OwnKernelLogDensity(xtN, x0N, sigmaN, d)}
		})
		out := exec.MustExec(tensors.FromFlatDataAndDimensions(xt, N, d), tensors.FromFlatDataAndDimensions(x0, N, d),
			tensors.FromFlatDataAndDimensions(sig, N), tensors.FromFlatDataAndDimensions(draws, N, M, d))
		asCoded, own := out[0].Value().([]float32), out[1].Value().([]float32)
		for i := range N {
			s := float64(sig[i])
			mean := 0.0
			for m := range M {
				dist := 0.0
				for j := range d {
					v := float64(draws[(i*M+m)*d+j]) - float64(xt[i*d+j])
					dist += v * v
				}
				mean -= math.Sqrt(dist) / (2 * s) / M
			}
			if math.Abs(float64(asCoded[i])-mean) > 1e-5*math.Max(1, math.Abs(mean)) {
				t.Errorf("σ %g point %d: as-coded %v, host %v", sigma, i, asCoded[i], mean)
			}
			sq := 0.0
			for j := range d {
				v := float64(xt[i*d+j]) - float64(x0[i*d+j])
				sq += v * v
			}
			kernel := -sq/(2*s*s) - float64(d)/2*math.Log(2*math.Pi*s*s)
			if math.Abs(float64(own[i])-kernel) > 1e-4*math.Max(1, math.Abs(kernel)) {
				t.Errorf("σ %g point %d: own kernel %v, host %v", sigma, i, own[i], kernel)
			}
		}
	}
}

// CopyLogWeights with the own-kernel denominator, against a host computation: log q is the
// Gaussian kernel of each copy's clean point, log w = log p̂ − log q, and the weights are the
// softmax of log w over each group's copies (summing to 1).
func TestCopyLogWeightsOwnKernelMatchesHost(t *testing.T) {
	b := xlatest.Backend(t)
	tg, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(8, 9))
	const n, L, sigma = 5, 3, 0.05
	clean := tg.Mixture.Sample(rng, n)
	var points [][]float64
	for _, c := range clean {
		for range L {
			points = append(points, []float64{c[0] + sigma*rng.NormFloat64(), c[1] + sigma*rng.NormFloat64()})
		}
	}
	buffer := tg.Mixture.Sample(rng, 200)
	logq, logp, logw, w, err := estimator.CopyLogWeights(b, tg, buffer, clean, points, sigma, 200, L, config.DenominatorOwnKernel, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	for g := range n {
		var lw []float64
		for l := range L {
			i := g*L + l
			sq := 0.0
			for j := range 2 {
				v := float32(points[i][j]) - float32(clean[g][j])
				sq += float64(v) * float64(v)
			}
			want := -sq/(2*sigma*sigma) - math.Log(2*math.Pi*sigma*sigma)
			if math.Abs(logq[i]-want) > 1e-3*math.Max(1, math.Abs(want)) {
				t.Errorf("point %d: log q %v, host %v", i, logq[i], want)
			}
			if math.Abs(logw[i]-(logp[i]-logq[i])) > 1e-9 {
				t.Errorf("point %d: log w %v ≠ %v − %v", i, logw[i], logp[i], logq[i])
			}
			lw = append(lw, logp[i]-logq[i])
		}
		lse := logSumExp64(lw)
		for l := range L {
			if want := math.Exp(lw[l] - lse); math.Abs(w[g*L+l]-want) > 1e-4 {
				t.Errorf("group %d copy %d: weight %v, host softmax %v", g, l, w[g*L+l], want)
			}
		}
	}
	if _, _, _, _, err := estimator.CopyLogWeights(b, tg, buffer, clean[:2], points, sigma, 200, L, config.DenominatorOwnKernel, 1, 3); err == nil {
		t.Error("too few clean points: no error")
	}
	if _, _, _, _, err := estimator.CopyLogWeights(b, tg, buffer, clean, points, sigma, 200, 1, config.DenominatorAsCoded, 1, 3); err == nil {
		t.Error("one copy: no error")
	}
}
