package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iwsm-go/iwsm/iwsm/rundir"
)

// buildCommand compiles this command into a temporary folder.
func buildCommand(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "iwsm")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// A training run killed with SIGKILL at many moments (while compiling, training, saving a
// checkpoint, sampling, writing results) and started again each time with the same
// command ends with exactly the samples and metrics of a run that was never interrupted.
func TestKilledTrainingResumesToSameResult(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and trains several times")
	}
	bin := buildCommand(t)
	root := t.TempDir()
	args := func(out string) []string {
		return []string{"train", "-target", "gmm40", "-method", "iwsm", "-budget", "smoke", "-seed", "3", "-quiet", "-out", out}
	}
	clean := filepath.Join(root, "clean")
	start := time.Now()
	if out, err := exec.Command(bin, args(clean)...).CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	full := time.Since(start)

	killed := filepath.Join(root, "killed")
	resumes := 0
	// Kill times spread over the whole run (which takes `full`), earliest first.
	for i, frac := range []float64{0.15, 0.3, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95} {
		cmd := exec.Command(bin, args(killed)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done: // finished before the kill: must have succeeded
			if err != nil {
				t.Fatalf("attempt %d: run failed: %v\n%s", i, err, stderr.String())
			}
		case <-time.After(time.Duration(frac * float64(full))):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
		}
		if strings.Contains(stderr.String(), "resuming") {
			resumes++
		}
	}
	if out, err := exec.Command(bin, args(killed)...).CombinedOutput(); err != nil {
		t.Fatalf("final run after the kills: %v\n%s", err, out)
	}
	if resumes == 0 {
		t.Error("no restarted run resumed from a checkpoint: the kills all came too early or too late to test anything")
	}
	for _, f := range []string{"samples.npy", "energies.npy", "reference.npy"} {
		a, errA := os.ReadFile(filepath.Join(clean, f))
		b, errB := os.ReadFile(filepath.Join(killed, f))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between the uninterrupted and the killed-and-resumed run (%v, %v)", f, errA, errB)
		}
	}
	ra, errA := rundir.ReadRecord(clean)
	rb, errB := rundir.ReadRecord(killed)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if len(ra.Metrics) == 0 || len(ra.Metrics) != len(rb.Metrics) {
		t.Errorf("metrics: %v uninterrupted, %v after kills", ra.Metrics, rb.Metrics)
	}
	for _, v := range ra.Metrics {
		if got, _ := rb.Metrics.Get(v.Name); got != v.Value {
			t.Errorf("metric %s: %v uninterrupted, %v after kills", v.Name, v.Value, got)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(killed, "checkpoint", "model-*"))
	if len(leftovers) != 2 { // the newest and the one before, to fall back to
		t.Errorf("checkpoint holds %d model generations after the final save, want 2: %v", len(leftovers), leftovers)
	}
	t.Logf("uninterrupted run %v; %d of 8 killed runs resumed from a checkpoint", full.Round(time.Millisecond), resumes)
}
