package train

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/sampler"
	"github.com/iwsm-go/iwsm/xla/xlatest"

	"github.com/gomlx/compute"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla"
)

// parallelBackend returns the test backend with at least n devices (XLA's CPU plugin makes
// them from one CPU), or skips the test when the tests run on the pure-Go backend.
func parallelBackend(t *testing.T, n int) compute.Backend {
	t.Helper()
	b := xlatest.Backend(t)
	if b.String() == xla.GoBackendName {
		t.Skipf("data-parallel training needs XLA (the pure-Go backend has one device): run with IWSM_BACKEND='xla:cpu!'")
	}
	nb, err := xla.ForDevices(b, n)
	if err != nil {
		t.Fatal(err)
	}
	if nb.NumDevices() < n {
		t.Fatalf("xla.ForDevices(%d) made a backend with %d devices", n, nb.NumDevices())
	}
	return nb
}

// closeRel reports whether a and b agree to rel relative to max(|a|, |b|, 1e-3).
func closeRel(a, b, rel float64) bool {
	return math.Abs(a-b) <= rel*math.Max(math.Max(math.Abs(a), math.Abs(b)), 1e-3)
}

// parallelConfig is the smoke GMM-40 configuration of the data-parallel tests: batch 128 in
// 16 noise levels, K = 64, 5 steps per epoch.
func parallelConfig(t *testing.T, method string, devices int) config.Config {
	cfg := smokeConfig(t, method)
	cfg.StepsPerEpoch, cfg.Devices = 5, devices
	return cfg
}

// compareSteps checks that two trainers' last steps agree: σ(t) per point exactly up to
// float32 rounding (the same random times on any number of devices), and loss, ESS and the
// importance weights to rel.
func compareSteps(t *testing.T, what string, one, many StepStats, rel float64) {
	t.Helper()
	if !closeRel(one.Loss, many.Loss, rel) || !closeRel(one.ESS, many.ESS, rel) {
		t.Errorf("%s: loss %.7g and ESS %.7g with several devices, %.7g and %.7g on one", what, many.Loss, many.ESS, one.Loss, one.ESS)
	}
	if len(one.Sigmas) != len(many.Sigmas) || len(one.Weights) != len(many.Weights) {
		t.Fatalf("%s: %d/%d σ and weights on several devices, %d/%d on one", what, len(many.Sigmas), len(many.Weights),
			len(one.Sigmas), len(one.Weights))
	}
	worstW := 0.0
	for i := range one.Sigmas {
		if !closeRel(one.Sigmas[i], many.Sigmas[i], 1e-6) {
			t.Fatalf("%s: point %d has σ = %.8g on several devices, %.8g on one: the random times differ", what, i,
				many.Sigmas[i], one.Sigmas[i])
		}
		worstW = math.Max(worstW, math.Abs(one.Weights[i]-many.Weights[i])/math.Max(math.Abs(one.Weights[i]), 1e-3))
	}
	if worstW > rel*10 {
		t.Errorf("%s: importance weights differ by up to %.3g relative between several devices and one", what, worstW)
	}
	t.Logf("%s: loss %.7g (with 4 devices) vs %.7g (1), ESS %.6g vs %.6g, weights within %.2g", what, many.Loss, one.Loss,
		many.ESS, one.ESS, worstW)
}

// The data-parallel step on 4 devices (batch split, network replicated, gradients reduced by
// XLA) trains what one device trains from the same seed: the same random times (σ per point
// to float32 rounding), and losses, ESS and weights within float32 tolerance over an epoch
// (the first buffer, 5 steps, Adam updates), a second epoch (its buffer sampled with the
// network on one device) and 3 more steps, for both the stratified levels (IWSM) and t per
// point (iDEM).
func TestDataParallelMatchesOneDevice(t *testing.T) {
	backend := parallelBackend(t, 4)
	tg, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"iwsm", "idem"} {
		one, err := New(backend, tg, parallelConfig(t, m, 0))
		if err != nil {
			t.Fatal(err)
		}
		four, err := New(backend, tg, parallelConfig(t, m, 4))
		if err != nil {
			t.Fatal(err)
		}
		if one.Devices() != 1 || four.Devices() != 4 {
			t.Fatalf("%s: Devices() = %d and %d, want 1 and 4", m, one.Devices(), four.Devices())
		}
		e1, err := one.Epoch()
		if err != nil {
			t.Fatal(err)
		}
		e4, err := four.Epoch()
		if err != nil {
			t.Fatalf("%+v", err)
		}
		if !closeRel(e1.Loss, e4.Loss, 1e-4) || !closeRel(e1.ESS, e4.ESS, 1e-4) || len(e1.ESSByLevel) != len(e4.ESSByLevel) {
			t.Errorf("%s epoch 1: loss %.7g ESS %.7g on 4 devices, %.7g %.7g on one", m, e4.Loss, e4.ESS, e1.Loss, e1.ESS)
		}
		for i := range e1.ESSByLevel {
			if !closeRel(e1.ESSByLevel[i], e4.ESSByLevel[i], 1e-4) {
				t.Errorf("%s epoch 1: ESS of level %d %.7g on 4 devices, %.7g on one", m, i, e4.ESSByLevel[i], e1.ESSByLevel[i])
			}
		}
		compareSteps(t, m+" last step of epoch 1", one.LastStep, four.LastStep, 1e-4)
		// Epoch 2 samples its buffer with the network on one device between sharded steps.
		if e1, err = one.Epoch(); err != nil {
			t.Fatal(err)
		}
		if e4, err = four.Epoch(); err != nil {
			t.Fatal(err)
		}
		if !closeRel(e1.Loss, e4.Loss, 1e-4) || !closeRel(e1.ESS, e4.ESS, 1e-4) {
			t.Errorf("%s epoch 2: loss %.7g ESS %.7g on 4 devices, %.7g %.7g on one", m, e4.Loss, e4.ESS, e1.Loss, e1.ESS)
		}
		compareSteps(t, m+" last step of epoch 2", one.LastStep, four.LastStep, 1e-4)
		for s := 0; s < 3; s++ {
			s1, err := one.GradientStep()
			if err != nil {
				t.Fatal(err)
			}
			s4, err := four.GradientStep()
			if err != nil {
				t.Fatal(err)
			}
			compareSteps(t, m+" step "+string(rune('1'+s))+" after the epoch", s1, s4, 1e-4)
		}
	}
}

// A checkpoint written while training on 4 devices resumes on one device (Resume always
// does; the saved config keeps devices=4), and the resumed epoch's loss is that of an
// uninterrupted one-device run within float32 tolerance; Extend moves a resumed run back
// onto 4 devices.
func TestDataParallelCheckpointResumesOnOneDevice(t *testing.T) {
	backend := parallelBackend(t, 4)
	tg, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	full, err := New(backend, tg, parallelConfig(t, "iwsm", 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := sampler.Run(full); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	four, err := New(backend, tg, parallelConfig(t, "iwsm", 4))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := four.Epoch(); err != nil {
		t.Fatal(err)
	}
	if err := four.Save(dir); err != nil {
		t.Fatal(err)
	}
	if saved, err := ReadConfig(dir); err != nil || saved.Devices != 4 {
		t.Fatalf("saved config: devices %d, %v; want 4", saved.Devices, err)
	}
	resumed, err := Resume(backend, tg, dir)
	if err != nil {
		t.Fatal(err)
	}
	if resumed.Devices() != 1 || resumed.EpochsDone != 1 {
		t.Fatalf("resumed on %d devices at epoch %d, want 1 and 1", resumed.Devices(), resumed.EpochsDone)
	}
	if err := sampler.Run(resumed); err != nil {
		t.Fatal(err)
	}
	if len(resumed.History) != 2 || len(full.History) != 2 {
		t.Fatalf("histories of %d and %d epochs, want 2", len(resumed.History), len(full.History))
	}
	for e := range full.History {
		if w, g := full.History[e].Loss, resumed.History[e].Loss; !closeRel(w, g, 1e-4) {
			t.Errorf("epoch %d: loss %.7g (4 devices, then resumed on 1), %.7g uninterrupted on 1", e+1, g, w)
		}
		t.Logf("epoch %d: loss %.7g (4 devices, then 1) vs %.7g (1 device)", e+1, resumed.History[e].Loss, full.History[e].Loss)
	}
	compareSteps(t, "last step after resuming", full.LastStep, resumed.LastStep, 1e-4)

	again, err := Resume(backend, tg, dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := again.Config
	cfg.Devices = 4
	if err := again.Extend(cfg); err != nil || again.Devices() != 4 {
		t.Fatalf("Extend to 4 devices: %v, now on %d", err, again.Devices())
	}
	e2, err := again.Epoch()
	if err != nil {
		t.Fatal(err)
	}
	if w := full.History[1].Loss; !closeRel(w, e2.Loss, 1e-4) {
		t.Errorf("epoch 2 resumed on 4 devices: loss %.7g, %.7g uninterrupted on 1", e2.Loss, w)
	}
	t.Logf("epoch 2 resumed on 4 devices: loss %.7g vs %.7g (1 device)", e2.Loss, full.History[1].Loss)
}

// More devices than the backend has is one error naming the pure-Go backend (on any test
// backend: the Go backend is made here), and a device count that does not divide the batch
// or the noise levels is one error naming both numbers.
func TestDevicesErrors(t *testing.T) {
	goBackend, err := xla.NewGoBackend()
	if err != nil {
		t.Fatal(err)
	}
	tg, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	_, err = New(goBackend, tg, parallelConfig(t, "iwsm", 2))
	if err == nil || !strings.Contains(err.Error(), "devices=2: the pure-Go backend runs on one device") {
		t.Errorf("2 devices on the Go backend: error %v", err)
	}
	if _, err := xla.ForDevices(goBackend, 2); err == nil || !strings.Contains(err.Error(), "pure-Go backend runs on one device") {
		t.Errorf("xla.ForDevices(go, 2): error %v", err)
	}
	if b, err := xla.ForDevices(goBackend, 1); err != nil || b != goBackend {
		t.Errorf("xla.ForDevices(go, 1) = %v, %v; want the backend itself", b, err)
	}
	for devices, msg := range map[int]string{
		3:  "devices (3) must divide batch_size (128)",
		32: "devices (32) must divide time_groups (16)",
		-1: "devices must not be negative",
	} {
		if _, err := New(goBackend, tg, parallelConfig(t, "iwsm", devices)); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("devices=%d: error %v, want it to say %q", devices, err, msg)
		}
	}
}

// BenchmarkDataParallelStep times one training step of cpu-budget GMM-40 IWSM (batch 256,
// K = 200, a buffer of 10,000 stand-in samples) on 1, 2 and 4 devices of the XLA backend
// (IWSM_BACKEND=xla:cpu; skipped on the Go backend): `go test -run '^$' -bench
// DataParallelStep ./iwsm/train`. On the CPU plugin all devices share the machine's cores.
func BenchmarkDataParallelStep(b *testing.B) {
	backend := benchBackend(b)
	if backend.String() == xla.GoBackendName {
		b.Skip("data-parallel training needs XLA: run with IWSM_BACKEND='xla:cpu!'")
	}
	tg, err := target.GMM40()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1, 2, 4} {
		b.Run(fmt.Sprintf("devices=%d", n), func(b *testing.B) {
			nb, err := xla.ForDevices(backend, n)
			if err != nil {
				b.Fatal(err)
			}
			cfg, err := preset.ByName("gmm40", "iwsm", "cpu")
			if err != nil {
				b.Fatal(err)
			}
			cfg.Devices = n
			tr, err := New(nb, tg, cfg)
			if err != nil {
				b.Fatal(err)
			}
			tr.buffer = flat32(gaussianRows(tg, cfg.BufferSize, 0.5, 1))
			start := time.Now()
			if _, err := tr.GradientStep(); err != nil { // compiles
				b.Fatal(err)
			}
			b.Logf("devices=%d: the first step (compiling) took %.1f s", n, time.Since(start).Seconds())
			for b.Loop() {
				if _, err := tr.GradientStep(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
