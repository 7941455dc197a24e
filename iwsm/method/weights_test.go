package method

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// hostWeights computes, in float64, the weights a method should give: log q by a direct
// sum over the buffer, log w = log p − log q times beta, self-normalised within groups of n,
// then mixed with equal weights by lambda; and each group's normalised ESS.
func hostWeights(x, buffer [][]float64, sigma, logp []float64, groups int, beta, lambda float64) (w, ess []float64) {
	B, d := len(x), len(x[0])
	logw := make([]float64, B)
	for i := range x {
		terms := make([]float64, len(buffer))
		m := math.Inf(-1)
		for j, b := range buffer {
			s := 0.0
			for k := range b {
				s += (x[i][k] - b[k]) * (x[i][k] - b[k])
			}
			terms[j] = -s / (2 * sigma[i] * sigma[i])
			m = math.Max(m, terms[j])
		}
		sum := 0.0
		for _, v := range terms {
			sum += math.Exp(v - m)
		}
		logq := m + math.Log(sum/float64(len(buffer))) - 0.5*float64(d)*math.Log(2*math.Pi*sigma[i]*sigma[i])
		logw[i] = beta * (logp[i] - logq)
	}
	n := B / groups
	w = make([]float64, B)
	for g := 0; g < groups; g++ {
		m := math.Inf(-1)
		for i := g * n; i < (g+1)*n; i++ {
			m = math.Max(m, logw[i])
		}
		sum := 0.0
		for i := g * n; i < (g+1)*n; i++ {
			sum += math.Exp(logw[i] - m)
		}
		s1, s2 := 0.0, 0.0
		for i := g * n; i < (g+1)*n; i++ {
			w[i] = (1-lambda)*float64(n)*math.Exp(logw[i]-m)/sum + lambda
			s1, s2 = s1+w[i], s2+w[i]*w[i]
		}
		ess = append(ess, s1*s1/(float64(n)*s2))
	}
	return w, ess
}

// IWSM's weights and its variants' match the float64 host computation on a GMM-40 batch at
// training's noise levels (σ from 1e-5 to 1 in x/50 coordinates, float32 graph); iDEM's are
// all one; Tempered(1) is IWSM.
func TestWeightsMatchHostComputation(t *testing.T) {
	backend := xlatest.Backend(t)
	gmm, _ := target.GMM40()
	rng := rand.New(rand.NewPCG(4, 5))
	buffer := gmm.Mixture.Sample(rng, 300)
	const groups, per = 4, 8
	B := groups * per
	levels := []float64{1e-5, 1e-3, 0.05, 1}
	x, sigma, logp := make([][]float64, B), make([]float64, B), make([]float64, B)
	for i := range x {
		sigma[i] = levels[i/per]
		src := buffer[rng.IntN(len(buffer))]
		x[i] = []float64{src[0] + sigma[i]*rng.NormFloat64(), src[1] + sigma[i]*rng.NormFloat64()}
		logp[i] = 3 * rng.NormFloat64() // any finite estimate of log p_t
	}
	flat := func(rows [][]float64) []float32 {
		var out []float32
		for _, r := range rows {
			for _, v := range r {
				out = append(out, float32(v))
			}
		}
		return out
	}
	f32 := func(v []float64) []float32 {
		out := make([]float32, len(v))
		for i, x := range v {
			out[i] = float32(x)
		}
		return out
	}
	// The graph sees the float32-rounded inputs; so does the host reference.
	round := func(v float64) float64 { return float64(float32(v)) }
	for i := range x {
		x[i][0], x[i][1], sigma[i], logp[i] = round(x[i][0]), round(x[i][1]), round(sigma[i]), round(logp[i])
	}
	for i := range buffer {
		buffer[i][0], buffer[i][1] = round(buffer[i][0]), round(buffer[i][1])
	}
	for _, tc := range []struct {
		m            Method
		beta, lambda float64
	}{{IWSM, 1, 0}, {must(Tempered(1)), 1, 0}, {must(Tempered(0.5)), 0.5, 0}, {must(Defensive(0.1)), 1, 0.1}, {IDEM, 0, 0}} {
		exec, err := NewExec(backend, func(xt, sig, lp, buf *Node) (*Node, *Node) {
			return tc.m.Weights(Batch{Target: gmm, Xt: xt, Sigma: sig, LogP: lp, Buffer: buf, Groups: groups})
		})
		if err != nil {
			t.Fatal(err)
		}
		outs, err := exec.Exec(tensors.FromFlatDataAndDimensions(flat(x), B, 2), f32(sigma), f32(logp),
			tensors.FromFlatDataAndDimensions(flat(buffer), len(buffer), 2))
		if err != nil {
			t.Fatal(err)
		}
		gotW, gotESS := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
		wantW, wantESS := hostWeights(x, buffer, sigma, logp, groups, tc.beta, tc.lambda)
		for i := range wantW {
			if math.Abs(float64(gotW[i])-wantW[i]) > 1e-4*math.Max(1, wantW[i]) {
				t.Errorf("%s: weight %d (σ %g) = %v, host %v", tc.m.Name, i, sigma[i], gotW[i], wantW[i])
			}
		}
		for g := range wantESS {
			if math.Abs(float64(gotESS[g])-wantESS[g]) > 1e-4 {
				t.Errorf("%s: ESS of level %d = %v, host %v", tc.m.Name, g, gotESS[g], wantESS[g])
			}
		}
	}
}

// TestVariantParameters: a tempering exponent outside (0, 1] or a defensive share outside
// (0, 1), NaN included, is an error naming the parameter, not a method that trains on NaN
// weights; the ends that are valid build.
func TestVariantParameters(t *testing.T) {
	for _, beta := range []float64{0, -0.5, 1.5, math.NaN(), math.Inf(1)} {
		if _, err := Tempered(beta); err == nil || !strings.Contains(err.Error(), "beta") {
			t.Errorf("Tempered(%g): err = %v, want one naming beta", beta, err)
		}
	}
	for _, lambda := range []float64{0, 1, -0.1, 2, math.NaN()} {
		if _, err := Defensive(lambda); err == nil || !strings.Contains(err.Error(), "lambda") {
			t.Errorf("Defensive(%g): err = %v, want one naming lambda", lambda, err)
		}
	}
	for _, ok := range []func() (Method, error){
		func() (Method, error) { return Tempered(1) },
		func() (Method, error) { return Tempered(1e-3) },
		func() (Method, error) { return Defensive(0.5) },
	} {
		if m, err := ok(); err != nil || m.Weights == nil {
			t.Errorf("valid parameter: %+v, %v", m.Name, err)
		}
	}
}
