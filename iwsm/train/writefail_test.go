package train

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/npyfile"
)

// A write that fails in the middle of a checkpoint (disk full) stops Save with one line
// naming the file and the cause; the half-written generation is removed and the previous
// checkpoint still resumes.
func TestFailedCheckpointWriteKeepsLastCheckpoint(t *testing.T) {
	backend, tg := gmm40Setup(t)
	for _, file := range []string{"buffer-000002.npy", "state-000002.json", "state.json", "config.json"} {
		t.Run(file, func(t *testing.T) {
			tr, err := New(backend, tg, smokeConfig(t, "iwsm"))
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if _, err := tr.Epoch(); err != nil {
				t.Fatal(err)
			}
			if err := tr.Save(dir); err != nil {
				t.Fatal(err)
			}
			if _, err := tr.Epoch(); err != nil {
				t.Fatal(err)
			}
			failing := filepath.Join(dir, file)
			npyfile.FailWrite = func(path string) error {
				if path == failing {
					return syscall.ENOSPC
				}
				return nil
			}
			err = tr.Save(dir)
			npyfile.FailWrite = nil
			if err == nil {
				t.Fatal("Save with a failing write succeeded")
			}
			if msg := err.Error(); !strings.Contains(msg, failing) || !strings.Contains(msg, "no space left on device") || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line naming %s and the cause", msg, failing)
			}
			if gens := generationsOnDisk(dir); len(gens) != 1 || gens[0] != 1 {
				t.Errorf("generations on disk after the failed save: %v, want [1]", gens)
			}
			back, err := Resume(backend, tg, dir)
			if err != nil || back.EpochsDone != 1 {
				t.Fatalf("resuming the last good checkpoint: %v", err)
			}
			// Once the disk has room again, the same trainer saves.
			if err := tr.Save(dir); err != nil {
				t.Errorf("save after the failure: %v", err)
			}
		})
	}
}
