package estimator_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/iwsm-go/iwsm/iwsm/estimator"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// logSumExp64 is a host log-sum-exp.
func logSumExp64(v []float64) float64 {
	mx := math.Inf(-1)
	for _, x := range v {
		mx = math.Max(mx, x)
	}
	s := 0.0
	for _, x := range v {
		s += math.Exp(x - mx)
	}
	return mx + math.Log(s)
}

// mcLogStdErr is the standard error of the K-sample estimate log p̂_σ(x) of a mixture
// Σ_k w_k N(μ_k, s² I) by the delta method, from the exact second moment of the Monte Carlo
// terms p(x + σ z):
//
//	E_z[p(x+σz)²] = Σ_{k,l} w_k w_l N(μ_k; μ_l, 2s² I) N(x; (μ_k+μ_l)/2, (s²/2 + σ²) I)
//
// (the product of two Gaussians in y is a Gaussian, then averaged over y ~ N(x, σ² I)), so
// se = sqrt((E[p²]/p_σ(x)² − 1)/K).
func mcLogStdErr(m *target.Mixture, x []float64, sigma float64, K int) float64 {
	s2, d := m.Std*m.Std, float64(len(x))
	v := s2/2 + sigma*sigma
	terms := make([]float64, 0, len(m.Means)*len(m.Means))
	for k, mk := range m.Means {
		for l, ml := range m.Means {
			dm, dx := 0.0, 0.0
			for j := range x {
				dm += (mk[j] - ml[j]) * (mk[j] - ml[j])
				c := x[j] - (mk[j]+ml[j])/2
				dx += c * c
			}
			terms = append(terms, math.Log(m.Weights[k]*m.Weights[l])-dm/(4*s2)-0.5*d*math.Log(4*math.Pi*s2)-
				dx/(2*v)-0.5*d*math.Log(2*math.Pi*v))
		}
	}
	ratio := math.Exp(logSumExp64(terms) - 2*m.NoisedLogDensity(x, sigma))
	return math.Sqrt(math.Max(ratio-1, 0) / float64(K))
}

// logpFloor is the float32 floor of the mixture's log-density in the graph: its energy's
// logits x·μ/s² reach ~930 in GMM-40's x/50 coordinates, whose float32 ulp is 6e-5, and a
// few such roundings survive the log-sum-exp (1.7e-4 nats seen at σ_min, where the Monte
// Carlo error itself is ~1e-9).
const logpFloor = 5e-4

// LogWeights' three columns against host computations on GMM-40 (sampler coordinates,
// float32 graph): the proposal against the float64 direct sum, the Monte Carlo log p_t
// against the exact noised mixture density within 5 standard errors (exact, see
// mcLogStdErr) at K = 20000, from σ_min = 1e-5 to 0.1, and log w as their difference.
func TestLogWeightsMatchHost(t *testing.T) {
	backend := xlatest.Backend(t)
	tg, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(21, 22))
	buffer := round32(tg.Mixture.Sample(rng, 500))
	const K = 20000
	for _, sigma := range []float64{1e-5, 1e-2, 0.1} {
		sigma = float64(float32(sigma))
		c := precisionCase{tg: tg, buffer: buffer, sigmas: []float64{sigma}, dEff: 2, perLevel: 24}
		points, _ := c.points(rng)
		logq, logp, logw, err := estimator.LogWeights(backend, tg, buffer, points, sigma, K, 5)
		if err != nil {
			t.Fatal(err)
		}
		worstQ, worstP, worstPSE := 0.0, 0.0, 0.0
		for i, x := range points {
			if e := math.Abs(logq[i] - hostBufferLogDensity(x, buffer, sigma, 2)); !(e <= proposalTol) {
				t.Errorf("σ=%g point %d: log q %v, float64 direct sum off by %.3g nats", sigma, i, logq[i], e)
			} else {
				worstQ = math.Max(worstQ, e)
			}
			exact, se := tg.Mixture.NoisedLogDensity(x, sigma), mcLogStdErr(tg.Mixture, x, sigma, K)
			if e := math.Abs(logp[i] - exact); !(e <= 5*se+logpFloor) {
				t.Errorf("σ=%g point %d: log p̂ %v, exact %v: off by %.3g, standard error %.3g", sigma, i, logp[i], exact, e, se)
			} else {
				worstP, worstPSE = math.Max(worstP, e), math.Max(worstPSE, e/(5*se+logpFloor))
			}
			if logw[i] != logp[i]-logq[i] {
				t.Errorf("log w %v ≠ log p̂ − log q = %v", logw[i], logp[i]-logq[i])
			}
		}
		t.Logf("σ=%.3g: worst log q error %.3g nats; worst log p̂ error %.3g nats, %.2f of its tolerance", sigma, worstQ, worstP, worstPSE)
	}
}

// For a particle system the rows' centres of mass are removed first: translating a buffer
// row and a point changes nothing.
func TestLogWeightsRemoveCentreOfMass(t *testing.T) {
	backend := xlatest.Backend(t)
	tg := target.DW4()
	ref, err := tg.ReferenceSet()
	if err != nil {
		t.Fatal(err)
	}
	buffer, points := ref[:50], ref[50:54]
	shift := func(rows [][]float64) [][]float64 {
		out := make([][]float64, len(rows))
		for i, r := range rows {
			out[i] = make([]float64, len(r))
			for j, v := range r {
				out[i][j] = v + 3 + float64(j%2)
			}
		}
		return out
	}
	q1, p1, _, err := estimator.LogWeights(backend, tg, buffer, points, 0.3, 64, 9)
	if err != nil {
		t.Fatal(err)
	}
	q2, p2, _, err := estimator.LogWeights(backend, tg, shift(buffer), shift(points), 0.3, 64, 9)
	if err != nil {
		t.Fatal(err)
	}
	for i := range q1 {
		if !(math.Abs(q1[i]-q2[i]) <= 1e-4 && math.Abs(p1[i]-p2[i]) <= 1e-3) {
			t.Errorf("point %d: translated rows give (%v, %v), want (%v, %v)", i, q2[i], p2[i], q1[i], p1[i])
		}
	}
}

func TestLogWeightsBadInput(t *testing.T) {
	backend := xlatest.Backend(t)
	tg, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	good := [][]float64{{0.1, 0.2}, {0.3, -0.1}}
	for name, c := range map[string]struct {
		buffer, points [][]float64
		sigma          float64
		K              int
		want           string
	}{
		"points dimension": {good, [][]float64{{0.1, 0.2, 0.3}}, 0.1, 10, "points"},
		"buffer dimension": {[][]float64{{0.1}}, good, 0.1, 10, "buffer"},
		"NaN point":        {good, [][]float64{{0.1, math.NaN()}}, 0.1, 10, "NaN"},
		"empty buffer":     {nil, good, 0.1, 10, "buffer"},
		"zero sigma":       {good, good, 0, 10, "sigma"},
		"negative sigma":   {good, good, -1, 10, "sigma"},
		"NaN sigma":        {good, good, math.NaN(), 10, "sigma"},
		"zero K":           {good, good, 0.1, 0, "K"},
	} {
		_, _, _, err := estimator.LogWeights(backend, tg, c.buffer, c.points, c.sigma, c.K, 1)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q should be one line naming %q", name, msg, c.want)
		}
	}
}

// MonteCarloLogDensity is MonteCarlo's log-density estimate without the score: the same
// numbers from the same draws.
func TestMonteCarloLogDensityIsMonteCarlos(t *testing.T) {
	backend := xlatest.Backend(t)
	tg, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const B, K = 16, 50
	x, s, z := make([]float32, B*2), make([]float32, B), make([]float32, B*K*2)
	for i := range x {
		x[i] = float32(0.5 * rng.NormFloat64())
	}
	for i := range s {
		s[i] = float32(math.Pow(10, -5+5*float64(i)/B))
	}
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	outs := MustExecOnceN(backend, func(x, s, z *Node) []*Node {
		_, lp := estimator.MonteCarlo(tg, x, s, z, 70)
		return []*Node{lp, estimator.MonteCarloLogDensity(tg, x, s, z)}
	}, tensors.FromFlatDataAndDimensions(x, B, 2), tensors.FromFlatDataAndDimensions(s, B),
		tensors.FromFlatDataAndDimensions(z, B, K, 2))
	a, b := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
	for i := range a {
		if a[i] != b[i] || math.IsNaN(float64(a[i])) {
			t.Fatalf("point %d: MonteCarlo log p %v, MonteCarloLogDensity %v", i, a[i], b[i])
		}
	}
}
