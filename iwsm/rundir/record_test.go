package rundir

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/evaluate"
)

// A results folder written through rundir reads back as written: the record (history, PT
// statistics, metrics), the samples with their energies, the reference, the weights and the
// configuration; Finished says whether it holds a finished run of exactly a configuration.
func TestFolderRoundTrip(t *testing.T) {
	dir := t.TempDir()
	val := 0.25
	rec := Record{Target: "gmm40", Method: "iwsm", Budget: "cpu", Seed: 2, Overrides: []string{"k=7"},
		Metrics:      evaluate.Metrics{{Name: "x_w2", Value: 3.5}, {Name: "w2_paper", Value: 2.5}},
		History:      []Epoch{{Epoch: 1, Loss: 0.5, ESS: 0.3, ESSByLevel: []float64{0.2, 0.4}, ValLoss: &val, EnergyEvaluations: 9}},
		LevelSigmas:  []float64{0.01, 1},
		TrainSeconds: 12, SelectedStep: 3, SelectedXW2: 4.5,
		PT:       &PTStats{Temperatures: []float64{1, 10}, History: []PTBlock{{Sweep: 5, Acceptance: []float64{0.5, 0.6}}}},
		Versions: map[string]string{}, Files: map[string][]string{}}
	if err := WriteRecord(dir, rec); err != nil {
		t.Fatal(err)
	}
	got, err := ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	rec.Dir = dir
	if !reflect.DeepEqual(got, rec) {
		t.Errorf("record read back\n%+v\nwritten\n%+v", got, rec)
	}
	rows, energies := [][]float64{{1, 2}, {3, 4.5}}, []float64{-1, 2}
	if err := WriteSamples(dir, rows, energies); err != nil {
		t.Fatal(err)
	}
	if r, e, err := ReadSamples(dir); err != nil || !reflect.DeepEqual(r, rows) || !reflect.DeepEqual(e, energies) {
		t.Errorf("samples read back %v %v (%v)", r, e, err)
	}
	if _, ok, err := ReadReference(dir); ok || err != nil {
		t.Errorf("a folder without reference.npy: ok %v, %v", ok, err)
	}
	if err := WriteReference(dir, rows); err != nil {
		t.Fatal(err)
	}
	if r, ok, err := ReadReference(dir); !ok || err != nil || !reflect.DeepEqual(r, rows) {
		t.Errorf("reference read back %v %v %v", r, ok, err)
	}
	if err := WriteWeights(dir, []float64{0.1}, []float64{1, 2}); err == nil {
		t.Error("weights of unequal lengths: no error")
	}
	if err := WriteSamples(dir, rows, energies[:1]); err == nil {
		t.Error("samples without their energies: no error")
	}
	cfg := config.Config{Target: "gmm40", Method: "iwsm", Budget: "cpu", Seed: 2, K: 7}
	if err := WriteConfig(dir, cfg); err != nil {
		t.Fatal(err)
	}
	other := cfg
	other.K = 8
	if !Finished(dir, cfg) || Finished(dir, other) || Finished(t.TempDir(), cfg) {
		t.Errorf("Finished: same %v, other K %v, empty folder %v", Finished(dir, cfg), Finished(dir, other), Finished(t.TempDir(), cfg))
	}
	if err := os.WriteFile(filepath.Join(dir, MetricsFile), []byte(`{"target": ""}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRecord(dir); err == nil || !strings.Contains(err.Error(), "no target or method") {
		t.Errorf("a record without its identity: %v", err)
	}
}
