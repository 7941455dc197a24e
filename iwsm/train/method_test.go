package train

import (
	"slices"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/sampler"
	"github.com/iwsm-go/iwsm/xla/xlatest"

	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"

	"github.com/iwsm-go/iwsm/iwsm/method"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// uniform is a third training method, written as a user adding an ablation would: one
// value, one Register call. Its weights are all one and it keeps the default stratified
// levels, so it is the idem-levels ablation under another name.
var uniform = method.Method{
	Name:        "uniform",
	Description: "equal weights on stratified levels (a test method: idem-levels under another name)",
	Weights: func(b method.Batch) (weights, essByLevel *Node) {
		return OnesLike(b.Sigma), Ones(b.Sigma.Graph(), shapes.Make(b.Sigma.DType(), b.Groups))
	},
}

// A method added with one value and one registry line trains, appears in the registry's
// list, and, having idem-levels' weights and time sampling, reproduces that run bit for bit
// with the same seed: a method enters the step only through its weights and times.
func TestThirdMethodRegistersAndTrains(t *testing.T) {
	if err := method.Register(uniform); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(method.Names(), "uniform") {
		t.Fatalf("registry %v lacks the new method", method.Names())
	}
	if err := method.Register(uniform); err == nil {
		t.Error("registering a name twice gave no error")
	}
	backend := xlatest.Backend(t)
	gmm, _ := target.GMM40()
	run := func(name string) ([][]float64, []rundir.Epoch) {
		cfg, err := preset.For(gmm, name, "smoke")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Epochs, cfg.StepsPerEpoch = 2, 5
		tr, err := New(backend, gmm, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := sampler.Run(tr); err != nil {
			t.Fatal(err)
		}
		s, err := tr.Samples(50)
		if err != nil {
			t.Fatal(err)
		}
		return s, tr.History
	}
	su, hu := run("uniform")
	si, hi := run("idem-levels")
	for i := range si {
		if !slices.Equal(su[i], si[i]) {
			t.Fatalf("sample %d: uniform %v, idem-levels %v", i, su[i], si[i])
		}
	}
	for e := range hi {
		if hu[e].Loss != hi[e].Loss || hu[e].ESS != 1 {
			t.Errorf("epoch %d: loss %v vs idem-levels %v, ESS %v", e+1, hu[e].Loss, hi[e].Loss, hu[e].ESS)
		}
	}
	// IWSM, by contrast, weighs the loss: another loss from the first step on.
	sw, hw := run("iwsm")
	if hw[0].Loss == hi[0].Loss || slices.Equal(sw[0], si[0]) {
		t.Error("IWSM's run equals idem-levels': the weights did not reach the loss")
	}
	if _, err := method.ByName("nope"); err == nil {
		t.Error("unknown method: no error")
	}
}

// A trainer trains a diffusion method: New refuses a name that is none (the parallel-tempering
// baseline, a typo) naming the methods it knows.
func TestTrainerRefusesOtherSamplers(t *testing.T) {
	backend, tg := gmm40Setup(t)
	for _, name := range []string{"pt", "sgd"} {
		cfg := smokeConfig(t, "idem")
		cfg.Method = name
		if _, err := New(backend, tg, cfg); err == nil || !strings.Contains(err.Error(), "unknown method") || !strings.Contains(err.Error(), "idem") {
			t.Errorf("New with method %s: %v, want an error naming the methods", name, err)
		}
	}
}
