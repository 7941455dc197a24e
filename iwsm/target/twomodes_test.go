package target

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// logConv1D is log ∫ N(y; μ, s²) N(x − y; 0, σ²) dy by the trapezoid rule in the variable of
// the narrower Gaussian (2001 nodes over ±12 of its std), in the log domain: a brute-force
// 1-D convolution that does not use the closed form s² + σ².
func logConv1D(x, mu, s, sigma float64) float64 {
	logN := func(v, m, sd float64) float64 {
		return -0.5*(v-m)*(v-m)/(sd*sd) - math.Log(sd) - 0.5*math.Log(2*math.Pi)
	}
	// Substitute the narrower variable u ~ N(0, 1): y = μ + s u, or y = x − σ u.
	narrow, wide, centre, wideMean := s, sigma, mu, x // y = μ + s u; the kernel's density in y is N(y; x, σ²)
	if sigma < s {
		narrow, wide, centre, wideMean = sigma, s, x, mu // y = x − σ u ~ kernel; the component's density in y
	}
	const n, half = 2001, 12.0
	h := 2 * half / float64(n-1)
	terms := make([]float64, n)
	for i := range terms {
		u := -half + float64(i)*h
		y := centre + narrow*u
		terms[i] = logN(u, 0, 1) + logN(y, wideMean, wide) + math.Log(h)
		if i == 0 || i == n-1 {
			terms[i] += math.Log(0.5)
		}
	}
	return logSumExp(terms)
}

// bruteNoisedLogDensity is log p_σ(x) of an isotropic mixture by a coordinate-wise
// brute-force convolution of every component (each factorises over coordinates).
func bruteNoisedLogDensity(m *Mixture, x []float64, sigma float64) float64 {
	lc := make([]float64, len(m.Means))
	for k, mu := range m.Means {
		lc[k] = math.Log(m.Weights[k])
		for j := range x {
			lc[k] += logConv1D(x[j], mu[j], m.Std, sigma)
		}
	}
	return logSumExp(lc)
}

// The exact noised log density and score of the two-mode family (Mixture's closed form,
// which the estimator experiments test against) equal a brute-force convolution at
// d = 2, 16, 64, over the training schedule, at exact draws, points between the modes and
// prior draws; the score equals the brute force's central differences.
func TestTwoModesNoisedDensityBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, d := range []int{2, 16, 64} {
		tg, err := TwoModes(d, TwoModesWeight, TwoModesSeparation)
		if err != nil {
			t.Fatal(err)
		}
		mix := tg.Mixture
		for _, sigma := range []float64{1e-5, 1e-3, 0.05, 0.3, 1} { // the schedule's ends, preset.TwoModes

			points := mix.Sample(rng, 3)
			mid := make([]float64, d) // between the modes, off axis
			mid[0], mid[d-1] = 0.1, 0.2
			prior := make([]float64, d)
			for j := range prior {
				prior[j] = sigma * rng.NormFloat64()
			}
			for i := range points[0] {
				points[0][i] += sigma * rng.NormFloat64()
			}
			points = append(points, mid, prior)
			for _, x := range points {
				want := bruteNoisedLogDensity(mix, x, sigma)
				got := mix.NoisedLogDensity(x, sigma)
				if math.Abs(got-want) > 1e-8*math.Max(1, math.Abs(want)) {
					t.Errorf("d=%d σ=%g: log p_σ %v, brute force %v", d, sigma, got, want)
				}
				score := mix.NoisedScore(x, sigma)
				for _, j := range []int{0, d - 1} {
					h := 1e-4 * math.Sqrt(mix.Std*mix.Std+sigma*sigma)
					xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
					xp[j] += h
					xm[j] -= h
					fd := (bruteNoisedLogDensity(mix, xp, sigma) - bruteNoisedLogDensity(mix, xm, sigma)) / (2 * h)
					if math.Abs(score[j]-fd) > 1e-5*math.Max(1, math.Abs(fd)) {
						t.Errorf("d=%d σ=%g: score[%d] %v, finite differences %v", d, sigma, j, score[j], fd)
					}
				}
			}
		}
	}
}

// The graph energy in float32 (what training evaluates) equals −log p(x) in float64 on exact
// draws and on prior draws at σ_max, at every registered dimension.
func TestTwoModesEnergyFloat32(t *testing.T) {
	backend := testBackend(t)
	rng := rand.New(rand.NewPCG(5, 6))
	for _, d := range TwoModesDims {
		tg, err := ByName(TwoModesName(d, TwoModesWeight, TwoModesSeparation))
		if err != nil {
			t.Fatal(err)
		}
		rows := tg.Mixture.Sample(rng, 64)
		for range 64 {
			row := make([]float64, d)
			for j := range row {
				row[j] = rng.NormFloat64() // σ_max = 1 in sampler coordinates
			}
			rows = append(rows, row)
		}
		flat := make([]float32, 0, len(rows)*d)
		for _, r := range rows {
			for _, v := range r {
				flat = append(flat, float32(v))
			}
		}
		out := MustExecOnce(backend, func(x *Node) *Node { return tg.Energy(x) },
			tensors.FromFlatDataAndDimensions(flat, len(rows), d))
		got := tensors.MustCopyFlatData[float32](out)
		for i, r := range rows {
			r32 := make([]float64, d)
			for j := range r {
				r32[j] = float64(float32(r[j]))
			}
			want := -tg.Mixture.NoisedLogDensity(r32, 0)
			if math.Abs(float64(got[i])-want) > 2e-6*math.Max(1, math.Abs(want))+1e-3 {
				t.Errorf("d=%d row %d: float32 energy %v, float64 %v", d, i, got[i], want)
			}
		}
	}
}

// Exact draws: the mean, the variance along e₁ and the mass on the first mode's side
// (x₁ > 0) match their closed forms (target coordinates, means ±a e₁, std 1):
// E x₁ = (2w − 1)a, Var x₁ = 1 + 4a²w(1 − w), P(x₁ > 0) = wΦ(a) + (1 − w)Φ(−a), the other
// coordinates N(0, 1).
func TestTwoModesExactSamples(t *testing.T) {
	const n = 200000
	for _, c := range []struct {
		d          int
		w, sep     float64
		stdErrMult float64
	}{{16, TwoModesWeight, TwoModesSeparation, 5}, {3, 0.2, 3, 5}} {
		tg, err := TwoModes(c.d, c.w, c.sep)
		if err != nil {
			t.Fatal(err)
		}
		rows := tg.ToTargetCoords(tg.Mixture.Sample(rand.New(rand.NewPCG(7, uint64(c.d))), n))
		a := c.sep / 2
		var m1, m2, pos, mOther, vOther float64
		for _, r := range rows {
			m1 += r[0]
			m2 += r[0] * r[0]
			if r[0] > 0 {
				pos++
			}
			mOther += r[c.d-1]
			vOther += r[c.d-1] * r[c.d-1]
		}
		m1, m2, pos, mOther, vOther = m1/n, m2/n, pos/n, mOther/n, vOther/n
		phi := func(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }
		wantMean, wantVar := (2*c.w-1)*a, 1+4*a*a*c.w*(1-c.w)
		wantPos := c.w*phi(a) + (1-c.w)*phi(-a)
		check := func(what string, got, want, sd float64) {
			if math.Abs(got-want) > c.stdErrMult*sd/math.Sqrt(n) {
				t.Errorf("d=%d w=%g: %s %v, closed form %v", c.d, c.w, what, got, want)
			}
		}
		check("mean of x₁", m1, wantMean, math.Sqrt(wantVar))
		check("variance of x₁", m2-m1*m1, wantVar, 2*wantVar) // sd of x² is ≤ 2 Var for these mixtures
		check("mass on x₁ > 0", pos, wantPos, math.Sqrt(wantPos*(1-wantPos)))
		check("mean of x_d", mOther, 0, 1)
		check("variance of x_d", vOther, 1, math.Sqrt2)
	}
}

// Names: the registered dimensions and any other parse; bad names, dimensions and weights
// get one line naming the problem.
func TestTwoModesNames(t *testing.T) {
	for _, name := range []string{"two-d2", "two-d64", "TWO-D16", "two-d128", "two-d5-w0.5-sep6"} {
		tg, err := ByName(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.EqualFold(tg.Name, name) || tg.Mixture == nil || len(tg.Mixture.Means) != 2 {
			t.Errorf("%s: got %s", name, tg)
		}
	}
	tg, _ := ByName("two-d5-w0.5-sep6")
	if tg.Dim != 5 || tg.Mixture.Weights[0] != 0.5 || tg.Scale != 6 || tg.Mixture.Means[0][0]*tg.Scale != 3 {
		tg2, _ := TwoModes(5, 0.5, 6)
		t.Errorf("two-d5-w0.5-sep6 is %s, want %s", tg, tg2)
	}
	if tg, _ := ByName("two-d16"); tg.Dim != 16 || math.Abs(tg.Mixture.Weights[0]-2.0/3) > 1e-15 || tg.Mixture.Weights[1] != 1-tg.Mixture.Weights[0] {
		t.Errorf("two-d16: %s, weights %v", tg, tg.Mixture.Weights)
	}
	for name, want := range map[string]string{
		"two-d0":          "dimension must be positive",
		"two-d-3":         "not an integer",
		"two-dx":          "not an integer",
		"two-d4-w1.5":     "weight must lie in (0, 1)",
		"two-d4-w0":       "weight must lie in (0, 1)",
		"two-d4-wNaN":     "not a number",
		"two-d4-sep0":     "separation must be positive",
		"two-d4-colour":   "unknown part",
		"two-modes-thing": "unknown target",
	} {
		_, err := ByName(name)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line containing %q", name, err, want)
		}
	}
	if _, err := TwoModes(4, 1, 8); err == nil {
		t.Error("TwoModes accepted weight 1")
	}
	names := Names()
	for _, d := range TwoModesDims {
		found := false
		for _, n := range names {
			found = found || n == TwoModesName(d, TwoModesWeight, TwoModesSeparation)
		}
		if !found {
			t.Errorf("two-d%d is not listed in %v", d, names)
		}
	}
}
