package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// FuzzRowChecks gives arbitrary bytes, as an .npy file, to the checks `iwsm energy` and
// `iwsm eval` run on their inputs (read, CheckRows for a built-in target chosen by the
// fuzzer, conversion to sampler coordinates, centre of mass removed for particle
// systems): one-line errors or rows of the target's dimension, never a panic. Seeds
// (testdata/fuzz/FuzzRowChecks): three rows of each shipped split and the truncated file
// of issue 18.
func FuzzRowChecks(f *testing.F) {
	names := target.Names()
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, raw []byte, which uint8) {
		tg, err := target.ByName(names[int(which)%len(names)])
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, "X.npy")
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		rows, err := npyfile.Read(path)
		if err == nil {
			err = tg.CheckRows(rows)
		}
		if err != nil {
			if msg := err.Error(); strings.Contains(msg, "\n") {
				t.Fatalf("error spans several lines: %q", msg)
			}
			return
		}
		rows = tg.FromTargetCoords(rows)
		for _, r := range rows {
			if len(r) != tg.Dim {
				t.Fatalf("CheckRows passed a row of %d values for %s (dim %d)", len(r), tg.Name, tg.Dim)
			}
			if tg.IsParticleSystem() {
				target.RemoveCentreOfMass(r, tg.Particles, tg.SpatialDim)
			}
		}
	})
}
