package pt

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/sampler"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// The double well of the tests: barrier ≈ 10 nats, the left well e^{2·0.5} ≈ 2.7 times as
// heavy as the right one.
const wellA, wellB = 10.0, 0.5

// leftWeight is the exact mass of x < 0 under exp(−E) by composite Simpson quadrature in
// float64 on [−3, 3] (exp(−E) < e^{−500} beyond).
func leftWeight(a, b float64) float64 {
	e := target.DoubleWell1DEnergy(a, b)
	simpson := func(lo, hi float64) float64 {
		const n = 20000
		h := (hi - lo) / n
		s := math.Exp(-e(lo)) + math.Exp(-e(hi))
		for i := 1; i < n; i++ {
			w := 2.0
			if i%2 == 1 {
				w = 4
			}
			s += w * math.Exp(-e(lo+float64(i)*h))
		}
		return s * h / 3
	}
	left, right := simpson(-3, 0), simpson(0, 3)
	return left / (left + right)
}

// wellConfig is a PT run on the double well: chains × samplesPerChain samples.
func wellConfig(t *testing.T, temperatures int, seed int64) (*target.Target, config.Config) {
	tg := target.DoubleWell1D(wellA, wellB)
	cfg, err := preset.For(tg, config.ParallelTempering, "paper")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Seed = seed
	cfg.PT.Chains, cfg.PT.Temperatures, cfg.PT.MaxTemperature = 400, temperatures, 2*wellA
	cfg.PT.Sweeps, cfg.PT.BurnIn, cfg.PT.StepSize = 1500, 300, 0.2
	cfg.EvalSamples = cfg.PT.Chains * 15
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return tg, cfg
}

// leftFraction returns the fraction of samples with x < 0 and its Monte Carlo standard error
// from the chains, which are independent: the per-chain fractions are i.i.d., so their
// standard deviation over √chains is the error of their mean (batch means, one batch a chain).
func leftFraction(res *Result, chains int) (mean, se float64) {
	per := make([]float64, chains)
	n := make([]float64, chains)
	for i, r := range res.Samples {
		c := i % chains // Run keeps the T = 1 states of every chain at each kept sweep, in chain order
		n[c]++
		if r[0] < 0 {
			per[c]++
		}
	}
	for c := range per {
		per[c] /= n[c]
		mean += per[c] / float64(chains)
	}
	v := 0.0
	for _, f := range per {
		v += (f - mean) * (f - mean)
	}
	return mean, math.Sqrt(v / float64(chains-1) / float64(chains))
}

// PT's samples put the exact mass in each well (within 4 Monte Carlo standard errors), a
// wrong weight (equal wells, or the tilt b = 0.35) is rejected by the same tolerance, plain
// single-temperature MALA from the same starts fails it, and every pair's swap acceptance
// lies strictly between 0 and 1.
func TestParallelTemperingMatchesModeWeights(t *testing.T) {
	backend := xlatest.Backend(t)
	exact := leftWeight(wellA, wellB)
	wrong := leftWeight(wellA, 0.35)
	if math.Abs(exact-1/(1+math.Exp(-2*wellB))) > 0.02 { // the Laplace estimate, as a check of the quadrature
		t.Fatalf("quadrature: left weight %.4f, Laplace estimate %.4f", exact, 1/(1+math.Exp(-2*wellB)))
	}
	tg, cfg := wellConfig(t, 6, 1)
	res, err := Run(backend, tg, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, se := leftFraction(res, cfg.PT.Chains)
	t.Logf("left weight: PT %.4f ± %.4f, exact %.4f; swap acceptance %.3f; acceptance %.3f; steps %.3g",
		got, se, exact, res.Stats.SwapAcceptance, res.Stats.Acceptance, res.Stats.StepSizes)
	tol := 4 * se
	if se <= 0 || se > 0.015 {
		t.Fatalf("standard error %.4f: the run is too short or the chains all agree", se)
	}
	if math.Abs(got-exact) > tol {
		t.Errorf("PT's left weight %.4f differs from the exact %.4f by more than 4 s.e. (%.4f)", got, exact, tol)
	}
	for _, w := range []float64{0.5, wrong} {
		if math.Abs(got-w) <= tol {
			t.Errorf("the tolerance %.4f cannot tell the exact weight %.4f from the wrong %.4f", tol, exact, w)
		}
	}
	for l, a := range res.Stats.SwapAcceptance {
		if !(a > 0 && a < 1) {
			t.Errorf("swap acceptance of pair %d is %g, want in (0, 1)", l, a)
		}
	}
	for l, a := range res.Stats.Acceptance {
		if math.Abs(a-cfg.PT.Acceptance()) > 0.1 {
			t.Errorf("temperature %d: acceptance %.3f after adaptation, target %.3f", l, a, cfg.PT.Acceptance())
		}
	}

	tg, single := wellConfig(t, 1, 1)
	res1, err := Run(backend, tg, single, nil)
	if err != nil {
		t.Fatal(err)
	}
	got1, se1 := leftFraction(res1, single.PT.Chains)
	t.Logf("left weight: single-temperature MALA %.4f ± %.4f", got1, se1)
	if math.Abs(got1-exact) <= 4*se1 {
		t.Errorf("single-temperature MALA passes the test (%.4f ± %.4f against %.4f): the test cannot fail", got1, se1, exact)
	}
	if len(res1.Stats.SwapAcceptance) != 0 {
		t.Errorf("one temperature has swap pairs: %v", res1.Stats.SwapAcceptance)
	}
}

// The compiled move accepts exactly when log u < log α, with log α computed on the host in
// float64 from the MALA and random-walk formulas (E and ∇E of the double well by hand).
func TestMoveAcceptanceMatchesHostFormula(t *testing.T) {
	backend := xlatest.Backend(t)
	energy := target.DoubleWell1DEnergy(wellA, wellB)
	grad := func(x float64) float64 { return 4*wellA*x*(x*x-1) + wellB }
	for _, move := range []string{config.MoveMALA, config.MoveRWM} {
		tg, cfg := wellConfig(t, 2, 1)
		cfg.PT.Move = move
		s, err := New(backend, tg, cfg)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(5, 6))
		const R = 64
		x, e, g, xi, beta, eps := make([]float64, R), make([]float64, R), make([]float64, R), make([]float64, R), make([]float64, R), make([]float64, R)
		logAlpha := make([]float64, R)
		for r := range x {
			x[r], xi[r] = 1.5*rng.NormFloat64(), rng.NormFloat64()
			beta[r], eps[r] = 1/(1+3*rng.Float64()), 0.05+0.3*rng.Float64()
			e[r] = energy(x[r])
			drift := func(x float64) float64 { return x }
			if move == config.MoveMALA {
				g[r] = grad(x[r])
				drift = func(x float64) float64 { return x - 0.5*eps[r]*eps[r]*beta[r]*grad(x) }
			}
			y := drift(x[r]) + eps[r]*xi[r]
			logAlpha[r] = -beta[r] * (energy(y) - e[r])
			if move == config.MoveMALA {
				fwd, bwd := y-drift(x[r]), x[r]-drift(y)
				logAlpha[r] += (fwd*fwd - bwd*bwd) / (2 * eps[r] * eps[r])
			}
		}
		for _, delta := range []float64{-1e-6, 1e-6} {
			logu := make([]float64, R)
			for r := range logu {
				logu[r] = logAlpha[r] + delta*math.Max(1, math.Abs(logAlpha[r]))
			}
			outs, err := s.move.Exec(tensors.FromFlatDataAndDimensions(x, R, 1), tensors.FromFlatDataAndDimensions(e, R),
				tensors.FromFlatDataAndDimensions(g, R, 1), tensors.FromFlatDataAndDimensions(xi, R, 1),
				tensors.FromFlatDataAndDimensions(logu, R), tensors.FromFlatDataAndDimensions(beta, R),
				tensors.FromFlatDataAndDimensions(eps, R))
			if err != nil {
				t.Fatal(err)
			}
			acc := flat(outs[3])
			for r := range acc {
				if want := delta < 0; (acc[r] == 1) != want {
					t.Errorf("%s replica %d: log α %.6g, log u %.6g: accepted=%v", move, r, logAlpha[r], logu[r], acc[r] == 1)
				}
			}
			for _, o := range outs[:3] {
				o.MustFinalizeAll()
			}
		}
	}
}

// The counts are the hand count: one energy (and, for MALA, one gradient) evaluation per
// replica at the start and per sweep; the history's last entry carries the totals.
func TestEvaluationCounts(t *testing.T) {
	backend := xlatest.Backend(t)
	for _, move := range []string{config.MoveMALA, config.MoveRWM} {
		tg, cfg := wellConfig(t, 3, 2)
		cfg.PT.Chains, cfg.PT.Sweeps, cfg.PT.BurnIn, cfg.EvalSamples, cfg.PT.Move = 4, 10, 3, 8, move
		res, err := Run(backend, tg, cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		replicas := int64(4 * 3)
		want := replicas * (1 + 10 + 3)
		wantGrad := want
		if move == config.MoveRWM {
			wantGrad = 0
		}
		st := res.Stats
		if st.EnergyEvaluations != want || st.GradientEvaluations != wantGrad {
			t.Errorf("%s: %d energy and %d gradient evaluations, want %d and %d", move, st.EnergyEvaluations, st.GradientEvaluations, want, wantGrad)
		}
		last := st.History[len(st.History)-1]
		if last.Sweep != 13 || last.EnergyEvaluations != want || last.GradientEvaluations != wantGrad {
			t.Errorf("%s: last history entry %+v, want sweep 13 and the totals", move, last)
		}
		if len(res.Samples) != 8 {
			t.Errorf("%s: %d samples, want 8", move, len(res.Samples))
		}
	}
}

// Impossible settings are one error naming the setting.
func TestValidateNamesTheSetting(t *testing.T) {
	for set, want := range map[string]string{
		"pt.chains=0": "pt.chains", "pt.move=hmc": "pt.move", "pt.max_temperature=0.5": "pt.max_temperature",
		"pt.sweeps=1": "pt.sweeps", "pt.burn_in=-1": "pt.burn_in", "pt.step_size=0": "pt.step_size",
		"pt.target_acceptance=1": "pt.target_acceptance", "pt.temperatures=0": "pt.temperatures",
	} {
		_, cfg := wellConfig(t, 4, 1)
		err := cfg.Apply(nil, []string{set})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want one naming %s", set, err, want)
		}
	}
}

// A run stopped after some blocks, saved and resumed ends exactly where an uninterrupted run
// ends: the same samples, energies, step sizes, acceptance rates and history.
func TestResumeContinuesExactly(t *testing.T) {
	backend := xlatest.Backend(t)
	tg, cfg := wellConfig(t, 3, 5)
	cfg.PT.Chains, cfg.PT.Sweeps, cfg.PT.BurnIn, cfg.EvalSamples = 8, 60, 20, 16
	full, err := Run(backend, tg, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	first, err := New(backend, tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := sampler.RunUntil(first, 3); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := first.Save(dir); err != nil {
		t.Fatal(err)
	}
	if !HasCheckpoint(dir) {
		t.Fatal("no checkpoint after Save")
	}
	resumed, err := Resume(backend, tg, cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	if done, _ := resumed.Progress(); done != 3 {
		t.Fatalf("resumed at block %d, want 3", done)
	}
	if err := sampler.Run(resumed); err != nil {
		t.Fatal(err)
	}
	rows, err := resumed.Samples(cfg.EvalSamples)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if !slices.Equal(rows[i], full.Samples[i]) {
			t.Fatalf("sample %d: %v after the resume, %v uninterrupted", i, rows[i], full.Samples[i])
		}
	}
	if got := resumed.Stats(); !reflect.DeepEqual(got.StepSizes, full.Stats.StepSizes) || !reflect.DeepEqual(got.Acceptance, full.Stats.Acceptance) ||
		!reflect.DeepEqual(got.SwapAcceptance, full.Stats.SwapAcceptance) || len(got.History) != len(full.Stats.History) {
		t.Errorf("statistics after the resume %+v, uninterrupted %+v", got, full.Stats)
	}
	other := cfg
	other.PT = &config.PT{}
	*other.PT = *cfg.PT
	other.PT.Chains = 9
	if _, err := Resume(backend, tg, other, dir); err == nil {
		t.Error("resuming with another number of chains: no error")
	}
}
