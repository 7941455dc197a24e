package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model/checkpoint"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/gmath"
	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// A checkpoint directory holds:
//
//	config.json          the run's Config
//	model-NNNNNN/        GoMLX checkpoint: network, Adam moments, graph RNG state, global step
//	buffer-NNNNNN.npy    the replay buffer (float64, N × Dim)
//	state-NNNNNN.json    epochs done, history, host RNG and the generation NNNNNN
//	state.json           a copy of the newest generation's state, written last
//
// Each Save writes a new generation (model, buffer and state under a new number), reads
// it back to verify it, and only then replaces state.json, atomically (write to a
// temporary file, rename), to point at it; the generation before it is kept, older ones are
// deleted. A process killed at any moment therefore leaves state.json naming a complete
// generation, and resuming from it continues exactly where that checkpoint was taken.
// When the newest generation is damaged afterwards (a garbled state.json, a truncated
// model file, a missing buffer), Resume falls back to the previous one and says so.

type trainerState struct {
	EpochsDone int            `json:"epochs_done"`
	History    []rundir.Epoch `json:"history"`
	HostRNG    []byte         `json:"host_rng"`
	Generation int            `json:"generation"`
	// LearningRate and Plateau carry the learning-rate schedule (absent in checkpoints
	// written before it existed: the configured rate and a fresh schedule then).
	LearningRate float64  `json:"learning_rate,omitempty"`
	Plateau      *Plateau `json:"plateau,omitempty"`
	// SHA256 maps each file of the generation (model files, buffer), relative to the
	// checkpoint directory, to its SHA-256, so that damage that still decodes is found
	// (absent in checkpoints written before it existed: not checked then).
	SHA256 map[string]string `json:"sha256,omitempty"`
}

func modelDir(dir string, generation int) string {
	return filepath.Join(dir, fmt.Sprintf("model-%06d", generation))
}

func bufferFile(dir string, generation int) string {
	return filepath.Join(dir, fmt.Sprintf("buffer-%06d.npy", generation))
}

func (tr *Trainer) checkpointHandler(dir string) (*checkpoint.Handler, error) {
	h, err := checkpoint.Build(tr.store).Dir(dir).Keep(1).Done()
	return h, errors.WithMessagef(err, "opening checkpoint %s", dir)
}

// Save writes a checkpoint of the whole training state to dir (see above for the layout
// and why an interrupted Save loses nothing). When it fails (disk full, read-only folder)
// the error names the file, the half-written generation is removed and the previous
// checkpoint is left as it was.
func (tr *Trainer) Save(dir string) (err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errors.Wrapf(err, "creating checkpoint directory %s", dir)
	}
	cfg, err := json.MarshalIndent(tr.Config, "", "  ")
	if err != nil {
		return errors.Wrap(err, "encoding config")
	}
	if err := npyfile.WriteFileAtomic(filepath.Join(dir, "config.json"), cfg); err != nil {
		return err
	}
	// A generation number is never used twice: one left half-written by a killed process,
	// or a damaged one Resume fell back from, is cleared rather than overwritten.
	gen := max(tr.generation, newestGeneration(dir)) + 1
	defer func() {
		if err != nil {
			removeGeneration(dir, gen)
		}
	}()
	h, err := tr.checkpointHandler(modelDir(dir, gen))
	if err != nil {
		return err
	}
	if err := h.Save(); err != nil {
		return errors.WithMessagef(err, "saving model to %s", modelDir(dir, gen))
	}
	rows := gmath.Rows(tr.buffer, tr.Target.Dim)
	if len(rows) > 0 { // a trainer saved before its first epoch has an empty buffer
		if err := npyfile.Write(bufferFile(dir, gen), rows); err != nil {
			return err
		}
	}
	rng, err := tr.pcg.MarshalBinary()
	if err != nil {
		return errors.Wrap(err, "saving host RNG")
	}
	sums, err := generationSums(dir, gen)
	if err != nil {
		return err
	}
	st, err := json.MarshalIndent(trainerState{EpochsDone: tr.EpochsDone, History: tr.History, HostRNG: rng, Generation: gen,
		LearningRate: tr.learningRate, Plateau: &tr.plateau, SHA256: sums}, "", "  ")
	if err != nil {
		return errors.Wrap(err, "encoding trainer state")
	}
	if err := npyfile.WriteFileAtomic(stateFile(dir, gen), st); err != nil {
		return err
	}
	if _, err := checkGeneration(dir, gen, tr.Config, tr.Target.Dim); err != nil {
		return errors.WithMessagef(err, "checkpoint generation %d does not read back", gen)
	}
	prev := tr.generation
	keepOldState(dir, prev)
	if err := npyfile.WriteFileAtomic(filepath.Join(dir, "state.json"), st); err != nil {
		return err
	}
	tr.generation = gen
	return removeOtherGenerations(dir, gen, prev)
}

// removeOtherGenerations deletes model-*, buffer-*.npy and state-*.json of every
// generation but the given ones.
func removeOtherGenerations(dir string, keep ...int) error {
	for _, g := range generationsOnDisk(dir) {
		if !slices.Contains(keep, g) {
			if err := removeGeneration(dir, g); err != nil {
				return err
			}
		}
	}
	return nil
}

// Extend lets a resumed run continue with cfg, which may differ from the run's configuration
// only in epochs (not below EpochsDone), checkpoint_every, eval_samples and devices
// (config.CheckResume): `iwsm train -set epochs=180` on a finished 60-epoch run trains on,
// and a run saved on 4 devices continues on cfg.Devices (SetDevices).
func (tr *Trainer) Extend(cfg config.Config) error {
	if err := config.CheckResume(tr.Config, cfg, tr.EpochsDone); err != nil {
		return err
	}
	if err := tr.SetDevices(cfg.Devices); err != nil {
		return err
	}
	tr.Config.Epochs, tr.Config.CheckpointEvery, tr.Config.EvalSamples = cfg.Epochs, cfg.CheckpointEvery, cfg.EvalSamples
	return nil
}

// ReadConfig reads the Config saved in a checkpoint directory.
func ReadConfig(dir string) (config.Config, error) {
	var c config.Config
	raw, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return c, errors.Wrapf(err, "%s is not a checkpoint directory (no config.json)", dir)
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, errors.Wrapf(err, "decoding %s/config.json (%s)", dir, RestartHint)
	}
	return c, nil
}

// HasCheckpoint reports whether dir holds a checkpoint to resume from (state.json, or a
// generation's own state when state.json is lost).
func HasCheckpoint(dir string) bool {
	return fileExists(filepath.Join(dir, "state.json")) || len(stateGenerations(dir)) > 0
}

// Resume recreates a trainer from the checkpoint in dir (as written by Save), with the
// buffer, optimiser state and RNGs restored, so training continues as if uninterrupted.
// t must be the target the checkpoint was trained on. A damaged newest generation is
// replaced by the previous one silently; ResumeLog says so.
func Resume(backend compute.Backend, t *target.Target, dir string) (*Trainer, error) {
	return ResumeLog(backend, t, dir, nil)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
