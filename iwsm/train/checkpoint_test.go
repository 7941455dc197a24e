package train

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/config"
)

// twoGenerations trains two epochs, saving after each, and returns the checkpoint folder.
func twoGenerations(t *testing.T) (dir string, cfg config.Config) {
	t.Helper()
	cfg = smokeConfig(t, "iwsm")
	backend, tg := gmm40Setup(t)
	tr, err := New(backend, tg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	for range 2 {
		if _, err := tr.Epoch(); err != nil {
			t.Fatal(err)
		}
		if err := tr.Save(dir); err != nil {
			t.Fatal(err)
		}
	}
	return dir, cfg
}

// damages are the ways a file of a checkpoint is spoilt in the tests.
var damages = map[string]func(path string) error{
	"truncated": func(path string) error {
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(path, raw[:len(raw)/2], 0o644)
	},
	"garbled": func(path string) error {
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		// NUL bytes are invalid anywhere in JSON (inside a string too, where 'g's could pass
		// as base64: the test was flaky when a third of the file fell in the host RNG state);
		// binary files are caught by their SHA-256 whatever the bytes.
		copy(raw[len(raw)/3:], bytes.Repeat([]byte{0, 'g'}, 32))
		return os.WriteFile(path, raw, 0o644)
	},
	"missing": os.Remove,
}

// Each file of the newest generation truncated, garbled or deleted in turn: Resume falls
// back to the previous generation with one line saying so, and the next Save works.
// Damage to both generations ends in one line saying how to start again.
func TestDamagedCheckpointFallsBackToPreviousGeneration(t *testing.T) {
	pristine, cfg := twoGenerations(t)
	backend, tg := gmm40Setup(t)
	model2, _ := filepath.Glob(filepath.Join(pristine, "model-000002", "checkpoint-*"))
	model1, _ := filepath.Glob(filepath.Join(pristine, "model-000001", "checkpoint-*"))
	if len(model2) != 2 || len(model1) != 2 {
		t.Fatalf("want a .json and a .bin per model generation, got %v and %v", model2, model1)
	}
	newest := append([]string{"state.json", "buffer-000002.npy"}, rel(pristine, model2)...)
	copyDir := func(t *testing.T) string {
		dir := t.TempDir()
		if out, err := exec.Command("cp", "-a", pristine+"/.", dir).CombinedOutput(); err != nil {
			t.Fatalf("copying the checkpoint: %v %s", err, out)
		}
		return dir
	}
	for _, file := range newest {
		for how, damage := range damages {
			t.Run(how+" "+file, func(t *testing.T) {
				dir := copyDir(t)
				if err := damage(filepath.Join(dir, file)); err != nil {
					t.Fatal(err)
				}
				var log bytes.Buffer
				tr, err := ResumeLog(backend, tg, dir, &log)
				if err != nil {
					t.Fatalf("no fallback: %v", err)
				}
				// A damaged state.json is replaced by the newest generation's own copy of it.
				want, wantGen := 1, "resuming from generation 1 (epoch 1)"
				if file == "state.json" {
					want, wantGen = 2, "resuming from generation 2 (epoch 2)"
				}
				if tr.EpochsDone != want {
					t.Errorf("resumed at epoch %d, want %d", tr.EpochsDone, want)
				}
				if msg := log.String(); strings.Count(msg, "\n") != 1 || !strings.Contains(msg, wantGen) || !strings.Contains(msg, file) {
					t.Errorf("log %q: want one line naming %s and saying %q", msg, file, wantGen)
				}
				if err := tr.Save(dir); err != nil {
					t.Fatalf("saving after the fallback: %v", err)
				}
				if gens := generationsOnDisk(dir); len(gens) != 2 || gens[0] != want || gens[1] != 3 {
					t.Errorf("generations on disk after the next save: %v, want [%d 3] (the one resumed from and the new one)", gens, want)
				}
				if again, err := Resume(backend, tg, dir); err != nil || again.EpochsDone != want {
					t.Errorf("resuming the new save: %v", err)
				}
			})
		}
	}
	// A damaged copy of the newest state (state.json intact) is not needed to resume.
	dir := copyDir(t)
	if err := damages["garbled"](filepath.Join(dir, "state-000002.json")); err != nil {
		t.Fatal(err)
	}
	if tr, err := Resume(backend, tg, dir); err != nil || tr.EpochsDone != 2 {
		t.Errorf("garbled state-000002.json with an intact state.json: %v", err)
	}
	// Both generations damaged, or the configuration: one line, saying how to start again.
	for _, files := range [][]string{
		{"state.json", "state-000002.json", "state-000001.json"},
		{model2[1][len(pristine)+1:], model1[1][len(pristine)+1:]},
		{"buffer-000002.npy", "buffer-000001.npy"},
		{"config.json"},
	} {
		dir := copyDir(t)
		for _, f := range files {
			if err := damages["garbled"](filepath.Join(dir, f)); err != nil {
				t.Fatal(err)
			}
		}
		_, err := Resume(backend, tg, dir)
		if err == nil || !strings.Contains(err.Error(), "-restart") || strings.Contains(err.Error(), "\n") {
			t.Errorf("garbled %v: error %v, want one line naming -restart", files, err)
		}
	}
	_ = cfg
}

func rel(base string, paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i], _ = filepath.Rel(base, p)
	}
	return out
}
