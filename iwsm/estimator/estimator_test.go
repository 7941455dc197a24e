package estimator

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

func normals(rng *rand.Rand, n int) []float64 {
	z := make([]float64, n)
	for i := range z {
		z[i] = rng.NormFloat64()
	}
	return z
}

// The Monte Carlo estimates must converge to the closed-form noised score and density of a
// Gaussian mixture as K grows.
func TestMonteCarloConvergesToClosedForm(t *testing.T) {
	backend := xlatest.Backend(t)
	tg, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	mix := tg.Mixture
	rng := rand.New(rand.NewPCG(7, 8))
	xs := [][]float64{
		{mix.Means[0][0] + 0.01, mix.Means[0][1] - 0.02},
		{mix.Means[5][0], mix.Means[5][1] + 0.05},
		{(mix.Means[1][0] + mix.Means[2][0]) / 2, (mix.Means[1][1] + mix.Means[2][1]) / 2},
	}
	sigmas := []float64{0.02, 0.1, 0.4}
	B := len(xs)
	exec := MustNewExec(backend, func(x, sigma, z *Node) (*Node, *Node) {
		return MonteCarlo(tg, x, sigma, z, 0)
	})
	var prevErr float64
	for _, K := range []int{50, 20000} {
		flat := []float64{}
		for _, x := range xs {
			flat = append(flat, x...)
		}
		outs := exec.MustExec(tensors.FromFlatDataAndDimensions(flat, B, 2),
			tensors.FromFlatDataAndDimensions(sigmas, B),
			tensors.FromFlatDataAndDimensions(normals(rng, B*K*2), B, K, 2))
		score := tensors.MustCopyFlatData[float64](outs[0])
		logp := tensors.MustCopyFlatData[float64](outs[1])
		maxRel := 0.0
		for i, x := range xs {
			want := mix.NoisedScore(x, sigmas[i])
			norm := math.Hypot(want[0], want[1])
			diff := math.Hypot(score[2*i]-want[0], score[2*i+1]-want[1])
			rel := diff / math.Max(norm, 1/sigmas[i])
			// Between modes at large σ only a few of the K draws land on a mode, so the
			// estimator's variance is much larger there (the reason IWSM/iDEM need large K).
			tol := []float64{0.02, 0.1, 0.35}[i]
			if K == 20000 && rel > tol {
				t.Errorf("K=%d point %d: relative score error %v, want < %v", K, i, rel, tol)
			}
			maxRel = math.Max(maxRel, rel)
			if K == 20000 {
				if wl := mix.NoisedLogDensity(x, sigmas[i]); math.Abs(logp[i]-wl) > 0.05 {
					t.Errorf("K=%d x=%v σ=%v: log p estimate %v, exact %v", K, x, sigmas[i], logp[i], wl)
				}
			}
		}
		if K == 20000 {
			if maxRel > prevErr {
				t.Errorf("error did not shrink with K: %v (K=50) -> %v (K=20000)", prevErr, maxRel)
			}
		}
		prevErr = maxRel
	}
}

// Self-normalised importance weights with the buffer proposal must turn proposal draws into
// expectations under the target: here the mean and second moment of a two-mode mixture.
func TestBufferImportanceWeightsGiveTargetExpectations(t *testing.T) {
	backend := xlatest.Backend(t)
	mix, err := target.NewMixture([][]float64{{-1, 0}, {2, 1}}, 0.3, []float64{0.3, 0.7})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(9, 10))
	const N, B, sigma = 400, 20000, 0.5
	buffer := make([]float64, 0, 2*N)
	for i := 0; i < N; i++ { // a broad, wrong proposal: uniform on [-3, 4] × [-2, 3]
		buffer = append(buffer, -3+7*rng.Float64(), -2+5*rng.Float64())
	}
	xt := make([]float64, 0, 2*B)
	for i := 0; i < B; i++ {
		j := rng.IntN(N)
		xt = append(xt, buffer[2*j]+sigma*rng.NormFloat64(), buffer[2*j+1]+sigma*rng.NormFloat64())
	}
	sig := make([]float64, B)
	for i := range sig {
		sig[i] = sigma
	}
	logq := MustExecOnce(backend, func(x, s, buf *Node) *Node { return BufferLogDensity(x, s, buf, 2) },
		tensors.FromFlatDataAndDimensions(xt, B, 2), tensors.FromFlatDataAndDimensions(sig, B),
		tensors.FromFlatDataAndDimensions(buffer, N, 2))
	lq := tensors.MustCopyFlatData[float64](logq)
	// Check the proposal density itself against a direct sum for a few points.
	for i := 0; i < 3; i++ {
		p := 0.0
		for j := 0; j < N; j++ {
			dx, dy := xt[2*i]-buffer[2*j], xt[2*i+1]-buffer[2*j+1]
			p += math.Exp(-(dx*dx+dy*dy)/(2*sigma*sigma)) / (2 * math.Pi * sigma * sigma) / N
		}
		if math.Abs(math.Log(p)-lq[i]) > 1e-9 {
			t.Fatalf("buffer log density %v, direct %v", lq[i], math.Log(p))
		}
	}
	logw := make([]float64, B)
	for i := range logw {
		logw[i] = mix.NoisedLogDensity(xt[2*i:2*i+2], sigma) - lq[i]
	}
	w := MustExecOnce(backend, SelfNormalisedWeights, tensors.FromFlatDataAndDimensions(logw, B))
	ws := tensors.MustCopyFlatData[float64](w)
	var m0, m1, sq float64
	for i, wi := range ws {
		m0 += wi * xt[2*i] / B
		m1 += wi * xt[2*i+1] / B
		sq += wi * (xt[2*i]*xt[2*i] + xt[2*i+1]*xt[2*i+1]) / B
	}
	// Exact moments of the noised mixture.
	want0, want1 := 0.3*-1+0.7*2, 0.7*1.0
	wantSq := 0.3*1 + 0.7*5 + 2*(0.3*0.3+sigma*sigma)
	if math.Abs(m0-want0) > 0.05 || math.Abs(m1-want1) > 0.05 || math.Abs(sq-wantSq) > 0.15 {
		t.Errorf("weighted moments (%v, %v, %v), exact (%v, %v, %v)", m0, m1, sq, want0, want1, wantSq)
	}
	ess := tensors.MustCopyFlatData[float64](MustExecOnce(backend, ESS, tensors.FromFlatDataAndDimensions(logw, B)))[0]
	if !(ess > 0.05 && ess < 1) {
		t.Errorf("ESS fraction %v out of (0.05, 1)", ess)
	}
}

func TestGroupedWeights(t *testing.T) {
	backend := xlatest.Backend(t)
	// Two groups; the second group's log weights are shifted by +50, which a single
	// normalisation would turn into all the mass.
	logw := []float64{0, math.Log(3), 50, 50 + math.Log(1)}
	w := tensors.MustCopyFlatData[float64](MustExecOnce(backend, func(x *Node) *Node {
		return GroupedSelfNormalisedWeights(x, 2)
	}, logw))
	want := []float64{0.5, 1.5, 1, 1}
	for i := range want {
		if math.Abs(w[i]-want[i]) > 1e-12 {
			t.Fatalf("grouped weights %v, want %v", w, want)
		}
	}
	ess := tensors.MustCopyFlatData[float64](MustExecOnce(backend, func(x *Node) *Node { return GroupedESS(x, 2) }, logw))[0]
	// Group 1: (1+3)²/(2·(1+9)) = 0.8; group 2: 1.
	if math.Abs(ess-0.9) > 1e-12 {
		t.Errorf("grouped ESS %v, want 0.9", ess)
	}
	per := tensors.MustCopyFlatData[float64](MustExecOnce(backend, func(x *Node) *Node { return ESSPerGroup(x, 2) }, logw))
	if math.Abs(per[0]-0.8) > 1e-12 || math.Abs(per[1]-1) > 1e-12 {
		t.Errorf("ESS per group %v, want [0.8 1]", per)
	}
}

// Particle systems clip the score per particle, as iDEM: a linear energy pulling particle 0
// and 1 apart along x with force 100 has the exact score (-100,0, 100,0, 0,0); clipped at 10
// per particle it is (-10,0, 10,0, 0,0), where clipping the whole vector would give ±7.07.
func TestParticleScoreIsClippedPerParticle(t *testing.T) {
	backend := xlatest.Backend(t)
	pull := target.NewParticles("pull", 3, 2, func(x *Node) *Node {
		p0 := Squeeze(Slice(x, AxisRange(), AxisRange(), AxisElem(0)), -1)
		p1 := Squeeze(Slice(x, AxisRange(), AxisRange(), AxisElem(2)), -1)
		return MulScalar(Sub(p0, p1), 100)
	})
	out := MustExecOnce(backend, func(xt, sigma, z *Node) *Node {
		score, _ := MonteCarlo(pull, xt, sigma, z, 10)
		return score
	}, [][]float64{{0, 0, 1, 0, 0, 1}}, []float64{0.1}, [][][]float64{{{0, 0, 0, 0, 0, 0}, {1, 0, -1, 0, 0, 0}}})
	got := tensors.MustCopyFlatData[float64](out)
	want := []float64{-10, 0, 10, 0, 0, 0}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-9 {
			t.Fatalf("score %v, want %v", got, want)
		}
	}
}
