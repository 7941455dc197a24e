package rundir

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
)

// Name is the name of a run's results folder inside ROOT/TARGET/BUDGET/, one folder per
// (method, overrides, seed), so that a run with changed settings never meets the checkpoint
// of another run:
//
//	METHOD-seedS                          no overrides (the budget's defaults)
//	METHOD+KEY=VALUE,KEY=VALUE,...-seedS  with overrides
//
// overrides are "key=value" as config.Diff lists them against the run's preset (in the
// order of Config's fields, values as %v prints them: augment_fraction=0.1, time_groups=4),
// joined by commas. Only letters, digits and . _ - + = may appear in a method or an
// override, so the name is a plain folder name; anything else, or an override without "=",
// is an error naming it.
func Name(method string, overrides []string, seed int64) (string, error) {
	if method == "" || !folderSafe(method) || strings.ContainsAny(method, "+=") {
		return "", errors.Errorf("method %q cannot name a results folder (letters, digits, . _ - only)", method)
	}
	name := method
	if len(overrides) > 0 {
		for _, o := range overrides {
			if key, _, ok := strings.Cut(o, "="); !ok || key == "" || !folderSafe(o) {
				return "", errors.Errorf("override %q cannot name a results folder (want key=value of letters, digits and . _ - + =)", o)
			}
		}
		name += "+" + strings.Join(overrides, ",")
	}
	return fmt.Sprintf("%s-seed%d", name, seed), nil
}

// Path is the results folder of the run cfg under root: root/TARGET/BUDGET/Name, with the
// overrides of cfg against its preset (preset.Overrides). A run started with
// `iwsm train -target T -method M -budget B -seed S -set key=value ...` has this folder;
// `iwsm rundir` prints it for the same flags.
func Path(root string, cfg config.Config, overrides []string) (string, error) {
	name, err := Name(cfg.Method, overrides, cfg.Seed)
	if err != nil {
		return "", err
	}
	if cfg.Target == "" || !folderSafe(cfg.Target) || cfg.Budget == "" || !folderSafe(cfg.Budget) {
		return "", errors.Errorf("target %q and budget %q cannot name a results folder", cfg.Target, cfg.Budget)
	}
	return filepath.Join(root, cfg.Target, cfg.Budget, name), nil
}

// OfTarget is the folder of a target's runs at a budget under root: root/TARGET/BUDGET.
func OfTarget(root, target, budget string) string { return filepath.Join(root, target, budget) }

func folderSafe(s string) bool {
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-+=", c)
		if !ok {
			return false
		}
	}
	return true
}
