package rundir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeRun(t *testing.T, dir, body string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, MetricsFile), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Find takes run folders and folders above them, skips unfinished runs and checkpoints,
// and names a folder that holds no finished run.
func TestFind(t *testing.T) {
	root := t.TempDir()
	writeRun(t, filepath.Join(root, "gmm40", "cpu", "iwsm-seed1"), `{"target":"gmm40","method":"iwsm","budget":"cpu","seed":1}`)
	writeRun(t, filepath.Join(root, "gmm40", "cpu", "idem-seed1"), `{"target":"gmm40","method":"idem","budget":"cpu","seed":1}`)
	// A checkpoint's copy of metrics.json is not a run; an unfinished run has no metrics.json.
	writeRun(t, filepath.Join(root, "gmm40", "cpu", "idem-seed1", "checkpoint"), `{"target":"x","method":"y"}`)
	if err := os.MkdirAll(filepath.Join(root, "dw4", "cpu", "iwsm-seed1", "checkpoint"), 0o755); err != nil {
		t.Fatal(err)
	}
	runs, err := Find(root, filepath.Join(root, "gmm40", "cpu", "iwsm-seed1"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range runs {
		got = append(got, r.Method)
	}
	if strings.Join(got, ",") != "idem,iwsm" {
		t.Errorf("runs %v, want idem,iwsm once each (sorted by folder)", got)
	}
	for name, path := range map[string]string{"unfinished run": filepath.Join(root, "dw4"), "missing": filepath.Join(root, "nope")} {
		if _, err := Find(path); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: error %v, want one line", name, err)
		}
	}
	if _, err := Find(filepath.Join(root, "dw4")); err == nil || !strings.Contains(err.Error(), "not a results folder") {
		t.Errorf("folder without finished runs: %v", err)
	}
}
