package train

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/sampler"
	"github.com/iwsm-go/iwsm/xla/xlatest"

	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// A process killed in the middle of Save (new model and buffer written, state.json not yet
// replaced) must resume from the previous checkpoint exactly, not from a mix of the new
// model and the old trainer state.
func TestInterruptedSaveKeepsPreviousCheckpoint(t *testing.T) {
	backend := xlatest.Backend(t)
	tg, _ := target.GMM40()
	cfg := smokeConfig(t, "iwsm")
	dir, ref := t.TempDir(), t.TempDir()
	tr, err := New(backend, tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Epoch(); err != nil {
		t.Fatal(err)
	}
	if err := tr.Save(dir); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", dir+"/.", ref).CombinedOutput(); err != nil {
		t.Fatalf("copying the checkpoint: %v %s", err, out)
	}
	if _, err := tr.Epoch(); err != nil {
		t.Fatal(err)
	}
	// The first half of the next Save, then the "kill".
	h, err := tr.checkpointHandler(modelDir(dir, tr.generation+1))
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Save(); err != nil {
		t.Fatal(err)
	}
	if err := npyfile.Write(bufferFile(dir, tr.generation+1), [][]float64{{9, 9}}); err != nil {
		t.Fatal(err)
	}

	sample := func(dir string) [][]float64 {
		r, err := Resume(backend, tg, dir)
		if err != nil {
			t.Fatal(err)
		}
		if r.EpochsDone != 1 {
			t.Fatalf("resumed at epoch %d, want 1", r.EpochsDone)
		}
		s, err := r.Samples(20)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	got, want := sample(dir), sample(ref)
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("resuming after an interrupted save gave other samples than the last complete checkpoint (row %d)", i)
			}
		}
	}
	// The next complete save clears the orphaned generation.
	r, _ := Resume(backend, tg, dir)
	if err := r.Save(dir); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 8 { // config, state, two generations of model, buffer and state
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("checkpoint folder holds %v, want config.json, state.json and two generations (the new one and the one before)", names)
	}
}

// heapAfterGC is the live Go heap after a full collection (the Go backend keeps tensors on
// the Go heap, so leaked tensors or recompiled graphs show up here).
func heapAfterGC() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc)
}

// residentBytes is the process's resident set size (Linux /proc; 0 elsewhere).
func residentBytes() float64 {
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, rss float64
	if _, err := fmt.Sscan(string(raw), &size, &rss); err != nil {
		return 0
	}
	return rss * float64(os.Getpagesize())
}

// Memory stays flat over a long run: the live heap after 100 epochs is within a small
// margin of the heap after 10 (the replay buffer is full from the start, so nothing should
// grow but the per-epoch history).
func TestMemoryStaysFlatOverManySteps(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 100 epochs")
	}
	backend := xlatest.Backend(t)
	tg, _ := target.GMM40()
	cfg := smokeConfig(t, "iwsm")
	cfg.Epochs, cfg.StepsPerEpoch, cfg.IntegrationSteps = 100, 3, 5
	cfg.BufferSize, cfg.InitialSamples, cfg.SamplesPerEpoch, cfg.BatchSize, cfg.K = 256, 256, 32, 64, 16
	tr, err := New(backend, tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var at10, rss10 float64
	for tr.EpochsDone < cfg.Epochs {
		if _, err := tr.Epoch(); err != nil {
			t.Fatal(err)
		}
		if tr.EpochsDone == 10 {
			at10, rss10 = heapAfterGC(), residentBytes()
		}
	}
	at100, rss100 := heapAfterGC(), residentBytes()
	t.Logf("after 10 and 100 epochs (%d training steps, %d SDE steps in all): live heap %.1f → %.1f MiB, resident %.1f → %.1f MiB",
		cfg.Epochs*cfg.StepsPerEpoch, cfg.Epochs*cfg.IntegrationSteps, at10/(1<<20), at100/(1<<20), rss10/(1<<20), rss100/(1<<20))
	if growth := at100 - at10; growth > math.Max(0.1*at10, 2<<20) {
		t.Errorf("live heap grew by %.1f MiB between epoch 10 and 100", growth/(1<<20))
	}
	if growth := rss100 - rss10; growth > math.Max(0.2*rss10, 32<<20) {
		t.Errorf("resident memory grew by %.1f MiB between epoch 10 and 100", growth/(1<<20))
	}
}

// A run whose loss stops being finite skips and counts those steps, stops after 10 in a row
// with a message naming the likely causes, and leaves the last good checkpoint intact.
func TestDivergenceStopsAndKeepsLastCheckpoint(t *testing.T) {
	backend := xlatest.Backend(t)
	tg, _ := target.GMM40()
	cfg := smokeConfig(t, "iwsm")
	cfg.Epochs, cfg.StepsPerEpoch = 1, 20
	dir := t.TempDir()
	good, err := New(backend, tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := sampler.Run(good, sampler.Checkpoints(dir, good.Config.CheckpointEvery)); err != nil {
		t.Fatal(err)
	}
	state, _ := os.ReadFile(dir + "/state.json")

	// The same run with a learning rate so large that the first update throws the weights to
	// ~1e30: every later loss is Inf/NaN. It writes into the same checkpoint folder.
	bad := cfg
	bad.LearningRate, bad.Epochs = 1e30, 3
	tr, err := New(backend, tg, bad)
	if err != nil {
		t.Fatal(err)
	}
	err = sampler.Run(tr, sampler.Checkpoints(dir, tr.Config.CheckpointEvery))
	if err == nil || !strings.Contains(err.Error(), "diverged") || !strings.Contains(err.Error(), "learning rate") {
		t.Fatalf("error %v, want a divergence message pointing at the learning rate", err)
	}
	after, _ := os.ReadFile(dir + "/state.json")
	if string(after) != string(state) {
		t.Error("the diverged run changed the last good checkpoint")
	}
	if _, err := Resume(backend, tg, dir); err != nil {
		t.Errorf("last good checkpoint no longer resumes: %v", err)
	}
}
