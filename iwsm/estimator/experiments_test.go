package estimator_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/estimator"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/iwsm/train"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// TestE1ESSPerLevel is experiment E1 (skipped unless IWSM_E1 is set to a number of epochs):
// the importance weights' normalised ESS per noise level, averaged over each of the first
// IWSM_E1 epochs of GMM-40 IWSM at the cpu budget, seed 1. Run it on the code before and
// after a change of the weights to compare:
//
//	IWSM_E1=2 go test ./iwsm/estimator/ -run TestE1ESSPerLevel -v -timeout 30m
func TestE1ESSPerLevel(t *testing.T) {
	var epochs int
	if _, err := fmt.Sscan(os.Getenv("IWSM_E1"), &epochs); err != nil || epochs < 1 {
		t.Skip("experiment E1: set IWSM_E1 to a number of epochs (e.g. 2) to run")
	}
	backend := xlatest.Backend(t)
	tg, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := preset.ByName("gmm40", "iwsm", "cpu")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Seed, cfg.Epochs = 1, epochs
	tr, err := train.New(backend, tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for e := 0; e < epochs; e++ {
		st, err := tr.Epoch()
		if err != nil {
			t.Fatal(err)
		}
		row := []string{fmt.Sprintf("epoch %d ESS %.3f:", st.Epoch, st.ESS)}
		for _, v := range st.ESSByLevel {
			row = append(row, fmt.Sprintf("%.3f", v))
		}
		lines = append(lines, strings.Join(row, " "))
	}
	sig := []string{"sigma:"}
	for _, s := range tr.LevelSigmas() {
		sig = append(sig, fmt.Sprintf("%.3g", s))
	}
	t.Log(strings.Join(sig, " "))
	for _, l := range lines {
		t.Log(l)
	}
}

// TestE2MonteCarloWeights is experiment E2 (skipped unless IWSM_E2 is set: to P, the number
// of points, or to "P,uniform"). The replay buffer holds N = 10000 exact GMM-40 samples (sampler
// coordinates), so the proposal is as good as a buffer can be. At 8 noise levels from σ_min to
// σ_max, P points are drawn from the proposal as training does; each gets the K-sample
// estimate log p̂_t (K = 100, 200 as the cpu budget, 500 as the paper, 2000) and the exact noised mixture log p_t (the mixture's
// energy is normalised: log Z = 0). Reported per level and K: log p̂ − log p binned by the
// point's distance to the nearest mean in units of the component std (count, mean, std, 5 %
// quantile), and the normalised ESS of the exact and of the estimated weights, over all P
// points and in groups of 16 (the points per level of a cpu-budget training batch).
// ",uniform" replaces the buffer by uniform draws over the means' box, which puts the points
// between modes and in the tails.
//
//	IWSM_E2=2000 go test ./iwsm/estimator/ -run TestE2MonteCarloWeights -v -timeout 60m
func TestE2MonteCarloWeights(t *testing.T) {
	points, bufferKind, _ := strings.Cut(os.Getenv("IWSM_E2"), ",")
	var P int
	if _, err := fmt.Sscan(points, &P); err != nil || P < 1 {
		t.Skip("experiment E2: set IWSM_E2 to a number of points (e.g. 2000, or 2000,uniform) to run")
	}
	backend := xlatest.Backend(t)
	tg, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	mix := tg.Mixture
	rng := rand.New(rand.NewPCG(2, 14))
	buffer := round32(mix.Sample(rng, 10000))
	if bufferKind == "uniform" {
		// Points between modes and in the tails, as a buffer of an untrained sampler (or a
		// flat augmentation) gives them: uniform on the means' box [-0.8, 0.8]².
		for _, r := range buffer {
			r[0], r[1] = float64(float32(-0.8+1.6*rng.Float64())), float64(float32(-0.8+1.6*rng.Float64()))
		}
	}
	edges := []float64{1, 2, 3, 4, 6, 10, 20, 40, math.Inf(1)} // upper bin edges, in component stds
	binOf := func(x []float64) int {
		best := math.Inf(1)
		for _, m := range mix.Means {
			best = math.Min(best, math.Hypot(x[0]-m[0], x[1]-m[1]))
		}
		r := best / mix.Std
		for b, e := range edges {
			if r < e {
				return b
			}
		}
		return len(edges) - 1
	}
	const levels = 8
	for l := 0; l < levels; l++ {
		sigma := float64(float32(1e-5 * math.Pow(1e5, float64(l)/(levels-1))))
		c := precisionCase{tg: tg, buffer: buffer, sigmas: []float64{sigma}, dEff: 2, perLevel: P}
		points, _ := c.points(rng)
		exact := make([]float64, P)
		for i, x := range points {
			exact[i] = mix.NoisedLogDensity(x, sigma)
		}
		for _, K := range []int{100, 200, 500, 2000} {
			logq, logp, logw, err := estimator.LogWeights(backend, tg, buffer, points, sigma, K, uint64(K+l))
			if err != nil {
				t.Fatal(err)
			}
			trueW := make([]float64, P)
			byBin := make([][]float64, len(edges))
			var all []float64
			for i := range points {
				trueW[i] = exact[i] - logq[i]
				d := logp[i] - exact[i]
				all = append(all, d)
				byBin[binOf(points[i])] = append(byBin[binOf(points[i])], d)
			}
			mean, sd := meanStd(all)
			if se := sd / math.Sqrt(float64(P)); !(mean <= 3*se+1e-3) {
				t.Errorf("σ=%.3g K=%d: mean log p̂ − log p = %.3g > 3 standard errors (%.3g): Jensen's inequality says E[log p̂] ≤ log p", sigma, K, mean, se)
			}
			row := fmt.Sprintf("σ=%-8.3g K=%-4d ESS exact %.3f est %.3f | 16-groups exact %.3f est %.3f | all: mean %+.3g sd %.3g |",
				sigma, K, essOf(trueW), essOf(logw), groupESS(trueW, 16), groupESS(logw, 16), mean, sd)
			for b, v := range byBin {
				if len(v) == 0 {
					continue
				}
				m, s := meanStd(v)
				row += fmt.Sprintf(" <%g: n %d %+.3g±%.3g q5 %+.3g;", edges[b], len(v), m, s, quantile(v, 0.05))
			}
			t.Log(row)
		}
	}
}

func meanStd(v []float64) (mean, sd float64) {
	for _, x := range v {
		mean += x / float64(len(v))
	}
	for _, x := range v {
		sd += (x - mean) * (x - mean) / float64(len(v))
	}
	return mean, math.Sqrt(sd)
}

func quantile(v []float64, q float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[int(q*float64(len(s)-1))]
}

// essOf is the normalised ESS (Σw)²/(n Σw²) of log weights.
func essOf(logw []float64) float64 {
	mx := slices.Max(logw)
	var s1, s2 float64
	for _, v := range logw {
		w := math.Exp(v - mx)
		s1, s2 = s1+w, s2+w*w
	}
	return s1 * s1 / (float64(len(logw)) * s2)
}

// groupESS is the mean normalised ESS over consecutive groups of n log weights.
func groupESS(logw []float64, n int) float64 {
	s, g := 0.0, 0
	for start := 0; start+n <= len(logw); start += n {
		s += essOf(logw[start : start+n])
		g++
	}
	return s / float64(g)
}
