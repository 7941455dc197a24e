package experiment

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/xla/xlatest"
)

// A results file that cannot be written (disk full) ends Run with one line naming the
// file and the cause, leaves the final checkpoint and no lock behind, and the same Run
// afterwards writes the results without training again.
func TestFailedResultsWriteStopsRun(t *testing.T) {
	b := xlatest.Backend(t)
	tg, cfg := smoke(t, "gmm40", "iwsm")
	cfg.Epochs = 2
	out := t.TempDir()
	failing := filepath.Join(out, "samples.npy")
	npyfile.FailWrite = func(path string) error {
		if path == failing {
			return syscall.ENOSPC
		}
		return nil
	}
	_, err := Run(b, tg, cfg, Options{Out: out})
	npyfile.FailWrite = nil
	if err == nil {
		t.Fatal("Run with a failing results write succeeded")
	}
	if msg := err.Error(); !strings.Contains(msg, failing) || !strings.Contains(msg, "no space left on device") || strings.Contains(msg, "\n") {
		t.Errorf("error %q: want one line naming %s and the cause", msg, failing)
	}
	res, err := Run(b, tg, cfg, Options{Out: out})
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	if res.Record.ResumedFrom != cfg.Epochs {
		t.Errorf("second run resumed from epoch %d, want %d (the checkpoint of the failed run)", res.Record.ResumedFrom, cfg.Epochs)
	}
}
