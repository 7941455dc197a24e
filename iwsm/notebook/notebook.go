package notebook

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gomlx/compute"
	"github.com/janpfeifer/gonb/gonbui"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/xla"
)

// DefaultBudget is the budget of a notebook run when IWSM_BUDGET is not set.
const DefaultBudget = "cpu"

// Budget returns the run size: IWSM_BUDGET (smoke, cpu or paper) or DefaultBudget. An
// unknown value stops the cell with a message listing the valid ones.
func Budget() string {
	b := strings.TrimSpace(os.Getenv("IWSM_BUDGET"))
	if b == "" {
		return DefaultBudget
	}
	if !slices.Contains(config.Budgets, b) {
		Fail(fmt.Errorf("IWSM_BUDGET=%q: use one of %s", b, strings.Join(config.Budgets, ", ")))
	}
	return b
}

// Seeds returns the seeds to run: IWSM_SEEDS (comma-separated) if set, otherwise three seeds
// at the paper budget (the papers report mean ± std over three) and one below it.
func Seeds() []int64 {
	if s := strings.TrimSpace(os.Getenv("IWSM_SEEDS")); s != "" {
		var seeds []int64
		for _, f := range strings.Split(s, ",") {
			v, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
			if err != nil {
				Fail(fmt.Errorf("IWSM_SEEDS=%q: %q is not an integer seed", s, f))
			}
			seeds = append(seeds, v)
		}
		return seeds
	}
	if Budget() == "paper" {
		return []int64{1, 2, 3}
	}
	return []int64{1}
}

// ResultsDir returns a folder under IWSM_RESULTS (default "results" next to the notebook)
// for the given path parts, e.g. ResultsDir("gmm40", "iwsm-seed1").
func ResultsDir(parts ...string) string {
	root := os.Getenv("IWSM_RESULTS")
	if root == "" {
		root = "results"
	}
	return filepath.Join(append([]string{root}, parts...)...)
}

// RunDir is the results folder of a run with the budget's default settings:
// ResultsDir(target, budget, "METHOD-seedS") (rundir.Name's rule). A run with
// overrides has its own (RunDirOf). A method name that cannot name a folder stops the cell.
func RunDir(target string, method string, seed int64) string {
	return ResultsDir(target, Budget(), Must1(rundir.Name(method, nil, seed)))
}

// Backend returns the compute backend every cell runs its graphs on (the one Setup
// describes), or stops the cell with one line saying why there is none. For the library's
// functions that take a backend, e.g. target.CheckEnergy(notebook.Backend(), t).
func Backend() compute.Backend {
	return Must1(xla.Backend())
}

// Setup prints the backend the graphs run on and the budget, the first output of every
// notebook.
func Setup() {
	fmt.Println(xla.Describe())
	fmt.Printf("budget: %s (set IWSM_BUDGET to smoke, cpu or paper); seeds: %v; results in %s\n",
		Budget(), Seeds(), ResultsDir())
}

// Fail stops the cell with one line "error: ...", without a goroutine dump.
func Fail(err error) {
	fmt.Println("error:", err)
	// A GoNB cell is a process of its own, and exiting is the only way to stop it without a
	// panic's trace; the library calls Fail only on an error a call has returned, after that
	// call's deferred releases (results-folder locks) have run.
	os.Exit(1)
}

// Must stops the cell with one readable line when err is not nil.
func Must(err error) {
	if err != nil {
		Fail(err)
	}
}

// Must1 returns v, or stops the cell with one readable line when err is not nil:
// gmm := notebook.Must1(target.GMM40()).
func Must1[T any](v T, err error) T {
	Must(err)
	return v
}

// Markdown displays markdown inline in a notebook, and prints it elsewhere.
func Markdown(md string) {
	if gonbui.IsNotebook {
		gonbui.DisplayMarkdown(md)
		return
	}
	fmt.Println(md)
}
