package train

import (
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/sampler"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// TestValidationDrivesLearningRate runs the plateau schedule with patience 1 on a network
// that barely learns (learning rate 1e-6), so the validation loss only fluctuates and the
// schedule must lower the rate. It checks that every epoch records the validation loss, that
// the rates follow the schedule replayed on those losses, that the optimiser's variable holds
// the current rate, and that a run saved and resumed midway has the same history.
func TestValidationDrivesLearningRate(t *testing.T) {
	backend, tg := gmm40Setup(t)
	cfg := smokeConfig(t, "iwsm")
	cfg.Epochs, cfg.StepsPerEpoch, cfg.LearningRate, cfg.Seed = 6, 2, 1e-6, 2
	cfg.ValidateEvery, cfg.ValidationSamples, cfg.LRPatience, cfg.LRFactor = 1, 256, 1, 0.5

	full, err := New(backend, tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := sampler.Run(full); err != nil {
		t.Fatal(err)
	}
	replay := Plateau{Factor: 0.5, Patience: 1, Threshold: 1e-4}
	lr, lowered := cfg.LearningRate, 0
	for _, h := range full.History {
		if h.ValLoss == nil || !(*h.ValLoss > 0) {
			t.Fatalf("epoch %d: validation loss %v, want a positive value", h.Epoch, h.ValLoss)
		}
		if h.LearningRate != lr {
			t.Fatalf("epoch %d trained with rate %g, the schedule says %g", h.Epoch, h.LearningRate, lr)
		}
		if next := replay.Step(*h.ValLoss, lr); next != lr {
			lr, lowered = next, lowered+1
		}
	}
	t.Logf("validation losses %v", valLosses(full.History))
	if lowered == 0 {
		t.Fatalf("validation losses %v never triggered the schedule: the test does not exercise it (change the seed)", valLosses(full.History))
	}
	if full.LearningRate() != lr {
		t.Errorf("trainer rate %g, replayed schedule %g", full.LearningRate(), lr)
	}
	v := full.store.RootScope().At(optimizer.Scope).GetVariable(optimizer.ParamLearningRate)
	if got := float64(tensors.MustCopyFlatData[float32](v.MustValue())[0]); got != float64(float32(lr)) {
		t.Errorf("optimiser variable %g, want %g", got, lr)
	}

	dir := t.TempDir()
	half, err := New(backend, tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Mid-way through a plateau: the schedule state (best, count) must survive.
	if err := sampler.RunUntil(half, 2); err != nil {
		t.Fatal(err)
	}
	if err := half.Save(dir); err != nil {
		t.Fatal(err)
	}
	resumed, err := Resume(backend, tg, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := sampler.Run(resumed); err != nil {
		t.Fatal(err)
	}
	for i, h := range resumed.History {
		w := full.History[i]
		if h.Loss != w.Loss || *h.ValLoss != *w.ValLoss || h.LearningRate != w.LearningRate {
			t.Errorf("epoch %d after resume: loss %v val %v rate %g; uninterrupted: %v %v %g",
				h.Epoch, h.Loss, *h.ValLoss, h.LearningRate, w.Loss, *w.ValLoss, w.LearningRate)
		}
	}
}

func valLosses(h []rundir.Epoch) []float64 {
	var out []float64
	for _, e := range h {
		if e.ValLoss != nil {
			out = append(out, *e.ValLoss)
		}
	}
	return out
}
