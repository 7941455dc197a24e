package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/pkg/errors"
)

// Find returns the table's row of method on target with the given overrides (as Row.Overrides
// holds them: "" for the budget's defaults, "augment_fraction=0.1, time_groups=4"), and
// whether there is one. Quoted rows are not found.
func (t Table) Find(target, method, overrides string) (Row, bool) {
	for _, r := range t.Rows {
		if r.Quoted == "" && r.Target == target && r.Method == method && r.Overrides == overrides {
			return r, true
		}
	}
	return Row{}, false
}

// Term is one row of a Contrast with its coefficient.
type Term struct {
	Row  Row
	Coef float64
}

// Contrast is a linear combination Σ cᵢ meanᵢ of one metric's means over rows, each row
// averaged over its own seeds: a difference (IWSM − iDEM: coefficients 1, −1) or an
// interaction ((IWSM with − IWSM without) − (iDEM with − iDEM without): 1, −1, −1, 1). StdErr
// is its standard error √(Σ cᵢ² sᵢ²/nᵢ), sᵢ the rows' sample standard deviations over their
// nᵢ seeds, taken as independent (Welch's).
type Contrast struct {
	Metric        string
	Value, StdErr float64
	// MinSeeds is the fewest seeds of any row: with one, StdErr is 0 and says nothing.
	MinSeeds int
}

// NewContrast computes the contrast of metric over terms; a row without the metric is an
// error naming it.
func NewContrast(metric string, terms ...Term) (Contrast, error) {
	if len(terms) == 0 {
		return Contrast{}, errors.New("a contrast needs at least one row")
	}
	c := Contrast{Metric: metric, MinSeeds: math.MaxInt}
	variance := 0.0
	for _, t := range terms {
		mean, ok := t.Row.Mean[metric]
		if !ok || t.Row.Seeds == 0 {
			return Contrast{}, errors.Errorf("%s %s (%s) has no %s over seeds", t.Row.Target, t.Row.Method, t.Row.Overrides, metric)
		}
		sd := t.Row.Std[metric]
		c.Value += t.Coef * mean
		variance += t.Coef * t.Coef * sd * sd / float64(t.Row.Seeds)
		c.MinSeeds = min(c.MinSeeds, t.Row.Seeds)
	}
	c.StdErr = math.Sqrt(variance)
	return c, nil
}

// Clear reports whether the contrast is larger than twice its standard error, with at least
// two seeds in every row: a difference the seeds' spread does not explain away (not a test
// of significance at any stated level).
func (c Contrast) Clear() bool {
	return c.MinSeeds >= 2 && math.Abs(c.Value) > 2*c.StdErr
}

// String is the contrast as "+3.9 ± 2.7 (standard error; larger than twice it)", or, with
// one seed in a row, the value and the note that there is no spread to compare it with.
func (c Contrast) String() string {
	if c.MinSeeds < 2 {
		return fmt.Sprintf("%+.3g (one seed in a variant: no spread over seeds to compare with)", c.Value)
	}
	verdict := "within twice it"
	if c.Clear() {
		verdict = "larger than twice it"
	}
	return fmt.Sprintf("%+.3g ± %.2g (standard error over seeds; %s)", c.Value, c.StdErr, verdict)
}

// Short is the contrast for a table cell: "+3.9 ± 2.7", in bold ("**+5 ± 0.82**") when it is
// Clear, and "+3.9 (1 seed)" when a row has one seed.
func (c Contrast) Short() string {
	switch {
	case c.MinSeeds < 2:
		return fmt.Sprintf("%+.3g (1 seed)", c.Value)
	case c.Clear():
		return fmt.Sprintf("**%+.3g ± %.2g**", c.Value, c.StdErr)
	}
	return fmt.Sprintf("%+.3g ± %.2g", c.Value, c.StdErr)
}

// OverridesLabel joins overrides as Row.Overrides holds them ("k=1, m=2"): the key Find takes.
func OverridesLabel(overrides []string) string { return strings.Join(overrides, ", ") }
