package train

import (
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/sampler"
)

// The energy and gradient evaluation counts equal a hand count for a tiny GMM-40 run (first
// buffer from the Monte Carlo score, validation every epoch, negative-time steps), per epoch
// in the history, after a resume, and after the final samples.
func TestEvaluationCountsMatchHandCount(t *testing.T) {
	backend, tg := gmm40Setup(t)
	cfg := smokeConfig(t, "iwsm")
	cfg.Epochs, cfg.StepsPerEpoch, cfg.BatchSize, cfg.TimeGroups, cfg.K = 2, 3, 16, 4, 8
	cfg.InitialSamples, cfg.SamplesPerEpoch, cfg.IntegrationSteps, cfg.NegativeTimeSteps = 32, 16, 5, 2
	cfg.ValidateEvery, cfg.ValidationSamples, cfg.CheckpointEvery = 1, 16, 1
	// By hand: the first buffer 32 points × 5 SDE steps × K 8; each epoch 3 steps × 16 × 8 and
	// one validation batch of 16 × 8; the second epoch's refresh 16 samples × 2 negative-time
	// steps; the final 10 samples × 2.
	first := int64(32*5*8 + 3*16*8 + 16*8)
	second := first + 16*2 + 3*16*8 + 16*8
	final := second + 10*2

	tr, err := New(backend, tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := sampler.Run(tr, sampler.Checkpoints(dir, tr.Config.CheckpointEvery)); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int64{first, second} {
		h := tr.History[i]
		if h.EnergyEvaluations != want || h.GradientEvaluations != want {
			t.Errorf("epoch %d: %d energy and %d gradient evaluations, want %d", h.Epoch, h.EnergyEvaluations, h.GradientEvaluations, want)
		}
	}
	resumed, err := Resume(backend, tg, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []*Trainer{tr, resumed} {
		if _, err := r.Samples(10); err != nil {
			t.Fatal(err)
		}
		if r.EnergyEvaluations != final || r.GradientEvaluations != final {
			t.Errorf("after the final samples: %d energy and %d gradient evaluations, want %d", r.EnergyEvaluations, r.GradientEvaluations, final)
		}
	}

	prior := cfg // prior draws as the first buffer cost nothing
	prior.InitFromPrior, prior.Epochs, prior.ValidateEvery, prior.LRPatience = true, 1, 0, 0
	tr, err = New(backend, tg, prior)
	if err != nil {
		t.Fatal(err)
	}
	if err := sampler.Run(tr); err != nil {
		t.Fatal(err)
	}
	if want := int64(3 * 16 * 8); tr.History[0].EnergyEvaluations != want {
		t.Errorf("prior first buffer: %d energy evaluations in epoch 1, want %d", tr.History[0].EnergyEvaluations, want)
	}
}
