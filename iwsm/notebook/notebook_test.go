package notebook

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/iwsm-go/iwsm/iwsm/evaluate"
)

func TestSettingsFromEnvironment(t *testing.T) {
	t.Setenv("IWSM_BUDGET", "")
	t.Setenv("IWSM_SEEDS", "")
	t.Setenv("IWSM_RESULTS", "")
	if Budget() != DefaultBudget || !slices.Equal(Seeds(), []int64{1}) || ResultsDir("a") != filepath.Join("results", "a") {
		t.Errorf("defaults: budget %q seeds %v dir %q", Budget(), Seeds(), ResultsDir("a"))
	}
	t.Setenv("IWSM_BUDGET", "paper")
	if !slices.Equal(Seeds(), []int64{1, 2, 3}) {
		t.Errorf("paper seeds %v, want 1,2,3", Seeds())
	}
	t.Setenv("IWSM_BUDGET", "smoke")
	t.Setenv("IWSM_SEEDS", "7, 8")
	t.Setenv("IWSM_RESULTS", "/tmp/r")
	if Budget() != "smoke" || !slices.Equal(Seeds(), []int64{7, 8}) {
		t.Errorf("budget %q seeds %v", Budget(), Seeds())
	}
	if got := RunDir("dw4", "iwsm", 7); got != "/tmp/r/dw4/smoke/iwsm-seed7" {
		t.Errorf("RunDir = %q", got)
	}
	// A run's folder names the settings it changes, in the order of the fields; the defaults
	// give RunDir's folder.
	tg := Target("two-d4")
	cfg := Config(tg, "idem", 2)
	if got := RunDirOf(tg, cfg); got != "/tmp/r/two-d4/smoke/idem-seed2" {
		t.Errorf("RunDirOf of the defaults = %q", got)
	}
	if got := RunDirOf(tg, With(cfg, "augment_fraction=0.1", "k=16")); got != "/tmp/r/two-d4/smoke/idem+k=16,augment_fraction=0.1-seed2" {
		t.Errorf("RunDirOf with overrides = %q", got)
	}
}

// A bad setting stops the cell with exit status 1 and one "error:" line, no panic trace.
func TestBadBudgetStopsWithOneLine(t *testing.T) {
	if os.Getenv("IWSM_NOTEBOOK_HELPER") == "1" {
		Budget()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestBadBudgetStopsWithOneLine$")
	cmd.Env = append(os.Environ(), "IWSM_NOTEBOOK_HELPER=1", "IWSM_BUDGET=huge")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1; output %q", err, out)
	}
	want := "error: IWSM_BUDGET=\"huge\": use one of smoke, cpu, paper\n"
	if string(out) != want {
		t.Errorf("output %q, want %q", out, want)
	}
}

// Table columns come from the typed metrics, in order.
func TestColumns(t *testing.T) {
	if got := Columns(evaluate.XW2, evaluate.ModesCovered); !slices.Equal(got, []string{"x_w2", "modes_covered"}) {
		t.Errorf("Columns = %v", got)
	}
}

// FinishedTargets finds TARGET/BUDGET/RUN/metrics.json only: not other budgets, not the
// exported figures and tables, not a run kept apart with TrainIn (quickstart/BUDGET/).
func TestFinishedTargets(t *testing.T) {
	root := t.TempDir()
	t.Setenv("IWSM_RESULTS", root)
	t.Setenv("IWSM_BUDGET", "smoke")
	for _, f := range []string{
		"lj13/smoke/iwsm-seed1/metrics.json", "gmm40/smoke/idem-seed1/metrics.json", "gmm40/smoke/iwsm-seed1/metrics.json",
		"dw4/cpu/iwsm-seed1/metrics.json", "figures/smoke/gmm40_iwsm-seed1_loss.png", "tables/smoke/table.md",
		"quickstart/smoke/metrics.json", "ring/smoke/iwsm-seed1/config.json",
	} {
		path := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := FinishedTargets(); !slices.Equal(got, []string{"gmm40", "lj13"}) {
		t.Errorf("FinishedTargets = %v, want [gmm40 lj13]", got)
	}
}

// Training on more devices than the pure-Go backend has (one) stops the cell with exit
// status 1 and one "error:" line before anything is trained or written; so does a device
// count that does not divide the batch.
func TestDevicesOnGoBackendStopWithOneLine(t *testing.T) {
	if h := os.Getenv("IWSM_NOTEBOOK_HELPER"); h != "" {
		gmm := Target("gmm40")
		Train(gmm, With(Config(gmm, "iwsm", 1), "devices="+h), nil)
		return
	}
	for devices, want := range map[string]string{
		"2": "error: devices=2: the pure-Go backend runs on one device; data-parallel training needs XLA " +
			"(IWSM_BACKEND=xla:cpu: its CPU plugin makes several devices from one CPU)\n",
		"3": "error: invalid training configuration: devices (3) must divide batch_size (128): each device takes an equal share of the batch\n",
	} {
		results := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestDevicesOnGoBackendStopWithOneLine$")
		cmd.Env = append(os.Environ(), "IWSM_NOTEBOOK_HELPER="+devices, "IWSM_BACKEND=go", "IWSM_BUDGET=smoke", "IWSM_RESULTS="+results)
		out, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Fatalf("devices=%s: exit %v, want status 1; output %q", devices, err, out)
		}
		if string(out) != want {
			t.Errorf("devices=%s: output %q, want %q", devices, out, want)
		}
		if entries, _ := os.ReadDir(results); len(entries) != 0 {
			t.Errorf("devices=%s: %d entries written to the results folder", devices, len(entries))
		}
	}
}
