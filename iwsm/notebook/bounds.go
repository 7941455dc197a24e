package notebook

import (
	"fmt"

	"gonum.org/v1/gonum/stat"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/report"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// FloorRow is the finite-sample floor of t as a table row (evaluate.Floor: the target's own n
// samples scored against the reference of each seed), mean ± std over seeds, for the given
// columns, labelled "exact samples" (held-out samples for targets that cannot draw exactly).
func FloorRow(t *target.Target, n int, seeds []int64, columns []string) report.Row {
	label := "exact samples"
	if !t.DrawsExactly() {
		label = "held-out samples"
	}
	row := report.Row{Target: t.Name, Method: label, Name: "floor", Budget: Budget(), Seeds: len(seeds),
		Mean: map[string]float64{}, Std: map[string]float64{}}
	values := map[string][]float64{}
	for _, seed := range seeds {
		ev := Must1(evaluate.Floor(Backend(), t, n, seed))
		for _, c := range columns {
			if v, ok := ev.Metrics.Get(c); ok {
				values[c] = append(values[c], v)
			}
		}
	}
	for c, v := range values {
		row.Mean[c], row.Std[c] = stat.MeanStdDev(v, nil)
		if len(v) < 2 {
			row.Std[c] = 0
		}
	}
	return row
}

// Gap is one part of a target's distance to its reference: what a stage of the pipeline
// costs in a metric, as a difference of two rows' means with its standard error.
type Gap struct {
	// What says which part: "estimator and SDE (oracle − floor)", ...
	What     string
	Contrast report.Contrast
}

// Gaps reads where a target's distance in metric goes, from its rows in tab and its floor:
// the oracle's distance above the floor is what the Monte Carlo estimator and the SDE cost,
// the data-trained sampler's (dsm) what the network and the budget cost, and each trained
// method's distance above dsm what its training signal (buffer, weights) costs. Rows missing
// from the table are left out.
func Gaps(tab report.Table, floor report.Row, metric string, methods ...string) []Gap {
	var out []Gap
	add := func(what string, a, b report.Row) {
		if c, err := report.NewContrast(metric, report.Term{Row: a, Coef: 1}, report.Term{Row: b, Coef: -1}); err == nil {
			out = append(out, Gap{What: what, Contrast: c})
		}
	}
	if oracle, ok := tab.Find(floor.Target, "oracle", ""); ok {
		add("estimator and SDE (oracle − floor)", oracle, floor)
	}
	dsm, hasDSM := tab.Find(floor.Target, "dsm", "")
	if hasDSM {
		add("network and budget (dsm − floor)", dsm, floor)
	}
	for _, m := range methods {
		if row, ok := tab.Find(floor.Target, m, ""); ok && hasDSM {
			add(fmt.Sprintf("%s's training signal (%s − dsm)", m, m), row, dsm)
		}
	}
	return out
}
