package rundir

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/npyfile"
)

// The files and folders of a results folder (see the package documentation).
const (
	ConfigFile    = "config.json"
	MetricsFile   = "metrics.json"
	SamplesFile   = "samples.npy"
	EnergiesFile  = "energies.npy"
	ReferenceFile = "reference.npy"
	WeightsFile   = "weights.npy"
	CheckpointDir = "checkpoint"
	FiguresDir    = "figures"
	LockFile      = "run.lock"
)

// Checkpoint is the checkpoint folder of the results folder dir.
func Checkpoint(dir string) string { return filepath.Join(dir, CheckpointDir) }

// Figures is the figures folder of the results folder dir.
func Figures(dir string) string { return filepath.Join(dir, FiguresDir) }

// WriteJSON writes v as indented JSON to path, atomically (write then rename).
func WriteJSON(path string, v any) error {
	raw, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return errors.Wrapf(err, "encoding %s", path)
	}
	return npyfile.WriteFileAtomic(path, append(raw, '\n'))
}

// WriteConfig writes cfg as dir/config.json (dir a results or checkpoint folder).
func WriteConfig(dir string, cfg config.Config) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrapf(err, "creating %s", dir)
	}
	return WriteJSON(filepath.Join(dir, ConfigFile), cfg)
}

// ReadConfig reads dir/config.json (dir a results or checkpoint folder). Keys it does not
// know are ignored, so that folders written by older versions stay readable.
func ReadConfig(dir string) (config.Config, error) {
	var cfg config.Config
	path := filepath.Join(dir, ConfigFile)
	raw, err := os.ReadFile(path)
	if err != nil {
		return cfg, errors.Wrapf(err, "%s holds no run configuration", dir)
	}
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return cfg, errors.Wrapf(err, "decoding %s", path)
	}
	return cfg, nil
}

// HasConfig reports whether dir holds a config.json.
func HasConfig(dir string) bool { return exists(filepath.Join(dir, ConfigFile)) }

// Finished reports whether dir holds a finished run (metrics.json) of exactly cfg: its
// config.json has the same settings and seed (config.Diff). Such a run is loaded rather
// than run again.
func Finished(dir string, cfg config.Config) bool {
	if !exists(filepath.Join(dir, MetricsFile)) {
		return false
	}
	saved, err := ReadConfig(dir)
	return err == nil && saved.Seed == cfg.Seed && len(config.Diff(saved, cfg)) == 0
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
