package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/rundir"
)

// FuzzReadRun reads arbitrary bytes as a results folder's metrics.json, as `iwsm table`
// does, and builds the three tables from it: an error or tables, never a panic; errors on
// one line. Seeds (testdata/fuzz/FuzzReadRun): a smoke run's metrics.json.
func FuzzReadRun(f *testing.F) {
	f.Fuzz(func(t *testing.T, raw []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "metrics.json"), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := rundir.ReadRecord(dir)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error spans several lines: %q", err)
			}
			return
		}
		tab := Collect([]rundir.Record{r, r}, nil)
		_ = tab.Markdown()
		_ = tab.CSV()
		_ = tab.LaTeX("fuzz")
	})
}
