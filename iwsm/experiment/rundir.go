package experiment

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// RunName is the name of a run's results folder inside ROOT/TARGET/BUDGET/, one folder per
// (method, overrides, seed), so that a run with changed settings never meets the checkpoint
// of another run:
//
//	METHOD-seedS                          no overrides (the budget's defaults)
//	METHOD+KEY=VALUE,KEY=VALUE,...-seedS  with overrides
//
// overrides are "key=value" as config.Diff lists them (in the order of Config's fields, values
// as %v prints them: augment_fraction=0.1, time_groups=4), joined by commas. Only letters,
// digits and . _ - + = may appear in a method or an override, so the name is a plain folder
// name; anything else, or an override without "=", is an error naming it.
func RunName(method string, overrides []string, seed int64) (string, error) {
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

func folderSafe(s string) bool {
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._-+=", c)
		if !ok {
			return false
		}
	}
	return true
}

// RunDir is the results folder of the run cfg of t under root: root/TARGET/BUDGET/RunName,
// with the overrides config.Diff finds between cfg and t's defaults for cfg's method at cfg's
// budget (target.Target.Config), the list metrics.json records. A run started with
// `iwsm train -target T -method M -budget B -seed S -set key=value ...` has the folder
// RunDir(root, T, its configuration): `iwsm rundir` prints it for the same flags.
func RunDir(root string, t *target.Target, cfg config.Config) (string, error) {
	base, err := t.Config(cfg.Method, cfg.Budget)
	if err != nil {
		return "", errors.WithMessagef(err, "the defaults of %s %s at budget %s", t.Name, cfg.Method, cfg.Budget)
	}
	name, err := RunName(cfg.Method, config.Diff(base, cfg), cfg.Seed)
	if err != nil {
		return "", err
	}
	return filepath.Join(root, t.Name, cfg.Budget, name), nil
}
