package train

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/sampler"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// iwsm-code trains on groups of L consecutive noised copies of each buffer point: the copies
// of a point share its noise level, their weights sum to L (mean 1, the code's softmax over
// the copies), and a step evaluates the energy at B·L·K points; for every denominator.
func TestCopyWiseStepShapesWeightsAndCounts(t *testing.T) {
	backend, tg := gmm40Setup(t)
	for _, denominator := range []string{config.DenominatorAsCoded, config.DenominatorOwnKernel, config.DenominatorBufferDensity} {
		cfg := smokeConfig(t, "iwsm-code")
		cfg.Epochs, cfg.StepsPerEpoch, cfg.Copies, cfg.DenominatorDraws, cfg.Denominator = 1, 2, 4, 3, denominator
		cfg.ValidateEvery = 0
		tr, err := New(backend, tg, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := sampler.Run(tr); err != nil {
			t.Fatal(err)
		}
		st := tr.LastStep
		L := cfg.Copies
		if len(st.Weights) != cfg.BatchSize*L {
			t.Fatalf("%s: %d weights, want B·L = %d", denominator, len(st.Weights), cfg.BatchSize*L)
		}
		for g := 0; g < cfg.BatchSize; g++ {
			sum := 0.0
			for l := range L {
				i := g*L + l
				if st.Sigmas[i] != st.Sigmas[g*L] {
					t.Fatalf("%s: copies of point %d have noise levels %v and %v", denominator, g, st.Sigmas[g*L], st.Sigmas[i])
				}
				sum += st.Weights[i]
			}
			if math.Abs(sum-float64(L)) > 1e-3 {
				t.Fatalf("%s: the weights of point %d's copies sum to %v, want %d", denominator, g, sum, L)
			}
		}
		first := int64(cfg.InitialSamples) * int64(cfg.IntegrationSteps) * int64(cfg.K)
		steps := int64(cfg.StepsPerEpoch) * int64(cfg.BatchSize) * int64(L) * int64(cfg.K)
		if got := tr.History[0].EnergyEvaluations; got != first+steps {
			t.Errorf("%s: %d energy evaluations, want %d (first buffer) + %d (steps of B·L·K)", denominator, got, first, steps)
		}
	}
}

// iwsm-code-equal is iwsm-code without its weights, at its cost: given a seed it draws the
// same random numbers as iwsm-code step after step (its second step has iwsm-code's noise
// levels, which the first step's as-coded denominator draws would shift if they were left
// out), every copy weighs exactly 1 where iwsm-code's weights differ, and it makes the same
// energy evaluations. The preset gives it iwsm-code's copies and denominator.
func TestEqualCopyWeightsKeepTheCodesDrawsAndCost(t *testing.T) {
	backend, tg := gmm40Setup(t)
	run := func(name string) *Trainer {
		cfg := smokeConfig(t, name)
		cfg.Epochs, cfg.StepsPerEpoch, cfg.ValidateEvery = 1, 2, 0
		tr, err := New(backend, tg, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := sampler.Run(tr); err != nil {
			t.Fatal(err)
		}
		return tr
	}
	code, equal := run("iwsm-code"), run("iwsm-code-equal")
	cc, ec := code.Config, equal.Config
	cc.Method = ec.Method
	if !reflect.DeepEqual(cc, ec) {
		t.Fatalf("the presets differ beyond the method:\n%+v\n%+v", code.Config, equal.Config)
	}
	if !slices.Equal(code.LastStep.Sigmas, equal.LastStep.Sigmas) {
		t.Errorf("the second step's noise levels differ: the two methods draw different random streams")
	}
	differ := false
	for i, w := range equal.LastStep.Weights {
		if w != 1 {
			t.Fatalf("copy %d weighs %v, want 1", i, w)
		}
		differ = differ || math.Abs(code.LastStep.Weights[i]-1) > 1e-3
	}
	if !differ {
		t.Error("iwsm-code's weights are all 1 too: the test cannot tell the two methods apart")
	}
	if code.EnergyEvaluations != equal.EnergyEvaluations || code.History[0].EnergyEvaluations == 0 {
		t.Errorf("energy evaluations %d (iwsm-code) and %d (equal weights), want the same", code.EnergyEvaluations, equal.EnergyEvaluations)
	}
}

// The copy-wise settings are checked where they are used: iwsm-code needs L ≥ 2, the other
// methods L ≤ 1, the denominator must be known and the as-coded one needs M ≥ 1.
func TestCopyWiseSettingsAreChecked(t *testing.T) {
	backend, tg := gmm40Setup(t)
	for name, c := range map[string]struct {
		method string
		set    func(*config.Config)
		want   string
	}{
		"one copy":          {"iwsm-code", func(c *config.Config) { c.Copies = 1 }, "copies (L) must be at least 2"},
		"copies for iwsm":   {"iwsm", func(c *config.Config) { c.Copies, c.Denominator = 3, config.DenominatorAsCoded; c.DenominatorDraws = 1 }, "copy-wise method"},
		"unknown":           {"iwsm-code", func(c *config.Config) { c.Denominator = "kde" }, `denominator must be`},
		"no draws":          {"iwsm-code", func(c *config.Config) { c.DenominatorDraws = 0 }, "denominator_draws (M) must be at least 1"},
		"negative copies":   {"iwsm-code", func(c *config.Config) { c.Copies = -1 }, "copies must not be negative"},
		"copies on devices": {"iwsm-code", func(c *config.Config) { c.Devices = 2 }, "train on one device"},
	} {
		cfg := smokeConfig(t, c.method)
		c.set(&cfg)
		if _, err := New(backend, tg, cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", name, err, c.want)
		}
	}
}

// dsm trains on the target's data (a mixture's exact draws) without a single energy
// evaluation in training, with a loss of order one, keeps all of its data as its buffer
// beyond buffer_size, and resumes from a checkpoint holding it.
func TestDataTrainedSampler(t *testing.T) {
	backend, tg := gmm40Setup(t)
	cfg := smokeConfig(t, "dsm")
	cfg.Epochs, cfg.StepsPerEpoch = 2, 3
	tr, err := New(backend, tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := sampler.Run(tr, sampler.Checkpoints(dir, 1)); err != nil {
		t.Fatal(err)
	}
	if tr.EnergyEvaluations != 0 || tr.History[1].EnergyEvaluations != 0 {
		t.Errorf("dsm evaluated the energy %d times in training", tr.EnergyEvaluations)
	}
	// Weighted by σ², a point's error ‖σ s_θ + ε‖²/d is of order 1 for a small network
	// output at every noise level; iDEM's σ² + 10⁻³ would make it ~10⁷ at σ_min = 1e-5.
	if loss := tr.History[0].Loss; !(loss > 0.1 && loss < 10) {
		t.Errorf("dsm's first loss %v, want of order 1 (the σ² weighting)", loss)
	}
	if n := tr.BufferLen(); n != target.MixtureTrainingSamples || n <= cfg.BufferSize {
		t.Errorf("buffer of %d rows, want the %d training samples", n, target.MixtureTrainingSamples)
	}
	resumed, err := Resume(backend, tg, dir)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.BufferLen() != tr.BufferLen() || resumed.EpochsDone != 2 {
		t.Errorf("resumed with %d rows after %d epochs", resumed.BufferLen(), resumed.EpochsDone)
	}
	lj, _ := target.ByName("lj55")
	data, err := lj.Training(1)
	if err != nil || len(data) != 1000 || len(data[0]) != 165 {
		t.Errorf("lj55 training data: %d rows, %v", len(data), err)
	}
	quad := target.New("quad", 2, tg.Energy)
	qcfg, _ := preset.For(quad, "dsm", "smoke")
	if _, err := New(backend, quad, qcfg); err == nil || !strings.Contains(err.Error(), "has none") {
		t.Errorf("dsm on a target without data: %v", err)
	}
}
