package sampler

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/rundir"
)

// counter is a sampler that records what Run asks of it.
type counter struct {
	done, total int
	inits       int
	saved       []int
	failAt      int
}

func (c *counter) Init() error { c.inits++; return nil }
func (c *counter) Step() (Info, error) {
	if c.done+1 == c.failAt {
		return Info{}, errors.New("step failed")
	}
	c.done++
	return Info{Step: c.done, Summary: "ok"}, nil
}
func (c *counter) Samples(n int) ([][]float64, error) { return make([][]float64, n), nil }
func (c *counter) Progress() (int, int)               { return c.done, c.total }
func (c *counter) Save(string) error                  { c.saved = append(c.saved, c.done); return nil }
func (c *counter) Report(*rundir.Record)              {}

// Run calls Init once when nothing is done, steps to the total, runs the hooks in order
// around every step, checkpoints every `every` steps and at the end; RunUntil stops early and
// a second call continues without a second Init; a failing step or hook stops the run with
// its error.
func TestRunStepsAndHooks(t *testing.T) {
	c := &counter{total: 7}
	var order []string
	hook := func(name string) Hook {
		return Hook{Name: name,
			Start:     func(Sampler) error { order = append(order, name+" start"); return nil },
			AfterStep: func(_ Sampler, info Info) error { order = append(order, name); return nil },
			End:       func(Sampler) error { order = append(order, name+" end"); return nil }}
	}
	if err := RunUntil(c, 2, Checkpoints("ckpt", 3), hook("a"), hook("b")); err != nil {
		t.Fatal(err)
	}
	if c.done != 2 || c.inits != 1 || len(c.saved) != 0 || strings.Join(order, ",") != "a start,b start,a,b,a,b,a end,b end" {
		t.Fatalf("after RunUntil(2): done %d, inits %d, saved %v, hooks %v", c.done, c.inits, c.saved, order)
	}
	var bar bytes.Buffer
	if err := Run(c, Checkpoints("ckpt", 3), ProgressBar(&bar, "test")); err != nil {
		t.Fatal(err)
	}
	if c.done != 7 || c.inits != 1 || len(c.saved) != 3 || c.saved[0] != 3 || c.saved[1] != 6 || c.saved[2] != 7 {
		t.Errorf("after Run: done %d, inits %d, saved at %v (want 3, 6, 7)", c.done, c.inits, c.saved)
	}
	if !strings.Contains(bar.String(), "(7/7)") {
		t.Errorf("progress bar %q does not reach 7/7", bar.String())
	}
	failing := &counter{total: 5, failAt: 3}
	var failBar bytes.Buffer
	stopped := 0
	counting := Hook{Name: "count", Stop: func(Sampler, error) { stopped++ }}
	if err := Run(failing, ProgressBar(&failBar, "failing"), counting); err == nil || failing.done != 2 || stopped != 1 {
		t.Errorf("a failing step: error %v after %d steps, Stop called %d times", err, failing.done, stopped)
	}
	if !strings.HasSuffix(failBar.String(), "\n") {
		t.Errorf("the progress bar of a failed run does not end its line: %q", failBar.String())
	}
	stop := Hook{Name: "stopper", AfterStep: func(_ Sampler, info Info) error {
		if info.Step == 2 {
			return errors.New("enough")
		}
		return nil
	}}
	h := &counter{total: 5}
	if err := Run(h, stop); err == nil || !strings.Contains(err.Error(), "stopper: enough") || h.done != 2 {
		t.Errorf("a failing hook: error %v after %d steps", err, h.done)
	}
	none := &counter{}
	if err := Run(none, ProgressBar(&bar, "nothing")); err != nil || none.inits != 1 {
		t.Errorf("a sampler without steps: %v, %d inits", err, none.inits)
	}
}

// A Kind needs a plain name, New and Resume.
func TestKindValidate(t *testing.T) {
	ok := Kind{Name: "a-b.c_1", New: nil, Resume: nil}
	if err := ok.Validate(); err == nil {
		t.Error("a Kind without New: no error")
	}
	for _, name := range []string{"", "Upper", "a b", "a/b", "a+b"} {
		if err := (Kind{Name: name}).Validate(); err == nil || !strings.Contains(err.Error(), "name") {
			t.Errorf("name %q: %v", name, err)
		}
	}
}
