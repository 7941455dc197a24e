package notebook

import (
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
	"github.com/iwsm-go/iwsm/iwsm/experiment"
	"github.com/iwsm-go/iwsm/iwsm/plot"
)

// ShowModeMasses displays the per-mode masses of runs of one mixture against its true
// weights on one set of axes, one series per run (experiment.ModeMassFigure), or stops the
// cell with one line saying why it cannot.
func ShowModeMasses(runs ...*experiment.Result) {
	Must(plot.Show(Must1(experiment.ModeMassFigure(runs...))))
}

// ModeMasses returns a run's per-mode masses with the true weights (see
// evaluate.Evaluation.ModeMasses), or stops the cell with one line when the run has none
// (not a mixture, or no reference).
func ModeMasses(res *experiment.Result) []evaluate.ModeMass {
	if res.Evaluation == nil {
		Fail(errors.Errorf("run %s has no evaluation (no reference samples): no mode masses", res.Dir))
	}
	return Must1(res.Evaluation.ModeMasses())
}
