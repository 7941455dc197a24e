package notebook

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// The stages are the fractions of the budget's epochs or sweeps, at least one sample per
// chain, without repeats.
func TestCostStages(t *testing.T) {
	gmm, err := target.GMM40()
	if err != nil {
		t.Fatal(err)
	}
	idem, err := preset.For(gmm, "idem", "cpu")
	if err != nil {
		t.Fatal(err)
	}
	if got := CostStages(idem); idem.Epochs != 240 || !slices.Equal(got, []int{20, 60, 120, 240}) {
		t.Errorf("iDEM at cpu (%d epochs): stages %v, want 1/12, 1/4, 1/2 and all of 240", idem.Epochs, got)
	}
	pt, err := preset.For(gmm, config.ParallelTempering, "smoke")
	if err != nil {
		t.Fatal(err)
	}
	if got := CostStages(pt); !slices.Equal(got, []int{5, 25, 100, 400}) { // 500 samples / 100 chains: 5 sweeps at least
		t.Errorf("pt at smoke (100 sweeps): stages %v", got)
	}
	idem.Epochs = 3
	if got := CostStages(idem); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("3 epochs: stages %v", got)
	}
}

// CheapestReaching and Final pick the right points, and the table has a dash where a metric
// does not apply.
func TestCostSelectionAndTable(t *testing.T) {
	m := func(w2 float64) evaluate.Metrics {
		return evaluate.Metrics{{Name: evaluate.XW2.Name, Value: w2}}
	}
	points := []CostPoint{
		{Target: "dw4", Method: "pt", Stage: "sweeps=5", EnergyEvaluations: 100, Metrics: m(3)},
		{Target: "dw4", Method: "pt", Stage: "sweeps=25", EnergyEvaluations: 400, Metrics: m(2)},
		{Target: "dw4", Method: "pt", Stage: "sweeps=100", EnergyEvaluations: 1600, Metrics: m(1.5)},
		{Target: "dw4", Method: "idem", Stage: "epochs=30", EnergyEvaluations: 9000, Metrics: m(2.1)},
	}
	last, ok := Final(points, "idem")
	if !ok || last.Stage != "epochs=30" {
		t.Fatalf("Final: %+v", last)
	}
	p, ok := CheapestReaching(points, "pt", evaluate.XW2, last.Metric(evaluate.XW2))
	if !ok || p.Stage != "sweeps=25" {
		t.Errorf("CheapestReaching: %+v, want sweeps=25", p)
	}
	if _, ok := CheapestReaching(points, "pt", evaluate.XW2, 1); ok {
		t.Error("a level no point reaches was reached")
	}
	md, csv := CostTable(points, evaluate.XW2, evaluate.ModeTV)
	if !strings.Contains(md, "| dw4 | idem | epochs=30 | 9e+03 | 0 | 0 | 2.1 | – |") || !strings.Contains(csv, "dw4,pt,sweeps=5,100,0,0,3,\n") {
		t.Errorf("table:\n%s\n%s", md, csv)
	}
	if !math.IsNaN(points[0].Metric(evaluate.ModeTV)) {
		t.Error("a metric the run lacks is not NaN")
	}
	if _, err := CostFigures(points, evaluate.XW2); err != nil {
		t.Error(err)
	}
}
