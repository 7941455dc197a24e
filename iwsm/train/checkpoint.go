package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model/checkpoint"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// A checkpoint directory holds:
//
//	config.json          the run's Config
//	model-NNNNNN/        GoMLX checkpoint: network, Adam moments, graph RNG state, global step
//	buffer-NNNNNN.npy    the replay buffer (float64, N × Dim)
//	state.json           epochs done, history, host RNG and the generation NNNNNN, written last
//
// Each Save writes a new generation (model and buffer under a new number) and only then
// replaces state.json, atomically (write to a temporary file, rename), to point at it; older
// generations are deleted afterwards. A process killed at any moment therefore leaves
// state.json naming a complete generation, and resuming from it continues exactly where
// that checkpoint was taken.

type trainerState struct {
	EpochsDone int          `json:"epochs_done"`
	History    []EpochStats `json:"history"`
	HostRNG    []byte       `json:"host_rng"`
	Generation int          `json:"generation"`
	// LearningRate and Plateau carry the learning-rate schedule (absent in checkpoints
	// written before it existed: the configured rate and a fresh schedule then).
	LearningRate float64  `json:"learning_rate,omitempty"`
	Plateau      *Plateau `json:"plateau,omitempty"`
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
// and why an interrupted Save loses nothing).
func (tr *Trainer) Save(dir string) error {
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
	gen := tr.generation + 1
	// A generation left half-written by a killed process is never referenced; clear it.
	if err := os.RemoveAll(modelDir(dir, gen)); err != nil {
		return errors.Wrapf(err, "clearing %s", modelDir(dir, gen))
	}
	h, err := tr.checkpointHandler(modelDir(dir, gen))
	if err != nil {
		return err
	}
	if err := h.Save(); err != nil {
		return errors.WithMessagef(err, "saving model to %s", modelDir(dir, gen))
	}
	d := tr.Target.Dim
	rows := make([][]float64, tr.BufferLen())
	for i := range rows {
		rows[i] = make([]float64, d)
		for j := range rows[i] {
			rows[i][j] = float64(tr.buffer[i*d+j])
		}
	}
	if len(rows) > 0 { // a trainer saved before its first epoch has an empty buffer
		if err := npyfile.Write(bufferFile(dir, gen), rows); err != nil {
			return err
		}
	}
	rng, err := tr.pcg.MarshalBinary()
	if err != nil {
		return errors.Wrap(err, "saving host RNG")
	}
	st, err := json.MarshalIndent(trainerState{EpochsDone: tr.EpochsDone, History: tr.History, HostRNG: rng, Generation: gen,
		LearningRate: tr.learningRate, Plateau: &tr.plateau}, "", "  ")
	if err != nil {
		return errors.Wrap(err, "encoding trainer state")
	}
	if err := npyfile.WriteFileAtomic(filepath.Join(dir, "state.json"), st); err != nil {
		return err
	}
	tr.generation = gen
	return removeOtherGenerations(dir, gen)
}

// removeOtherGenerations deletes model-* and buffer-*.npy of every generation but keep.
func removeOtherGenerations(dir string, keep int) error {
	old, _ := filepath.Glob(filepath.Join(dir, "model-*"))
	bufs, _ := filepath.Glob(filepath.Join(dir, "buffer-*.npy"))
	for _, path := range append(old, bufs...) {
		if path == modelDir(dir, keep) || path == bufferFile(dir, keep) {
			continue
		}
		if err := os.RemoveAll(path); err != nil {
			return errors.Wrapf(err, "removing old checkpoint %s", path)
		}
	}
	return nil
}

// Extend lets a resumed run continue with cfg, which may differ from the run's configuration
// only in epochs (not below EpochsDone), checkpoint_every and eval_samples
// (config.CheckResume): `iwsm train -set epochs=180` on a finished 60-epoch run trains on.
func (tr *Trainer) Extend(cfg config.Config) error {
	if err := config.CheckResume(tr.Config, cfg, tr.EpochsDone); err != nil {
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
	return c, errors.Wrapf(json.Unmarshal(raw, &c), "reading %s/config.json", dir)
}

// HasCheckpoint reports whether dir holds a complete checkpoint.
func HasCheckpoint(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "state.json"))
	return err == nil
}

// Resume recreates a trainer from the checkpoint in dir (as written by Save), with the
// buffer, optimiser state and RNGs restored, so training continues as if uninterrupted.
// t must be the target the checkpoint was trained on.
func Resume(backend compute.Backend, t *target.Target, dir string) (*Trainer, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	tr, err := New(backend, t, cfg)
	if err != nil {
		return nil, err
	}
	raw, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if err != nil {
		return nil, errors.Wrapf(err, "reading trainer state of %s", dir)
	}
	var st trainerState
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, errors.Wrapf(err, "decoding %s/state.json", dir)
	}
	if _, err := os.Stat(modelDir(dir, st.Generation)); err != nil {
		return nil, errors.Errorf("checkpoint %s is incomplete: state.json names generation %d but %s is missing",
			dir, st.Generation, modelDir(dir, st.Generation))
	}
	if _, err := tr.checkpointHandler(modelDir(dir, st.Generation)); err != nil { // loads the variables
		return nil, err
	}
	if err := tr.pcg.UnmarshalBinary(st.HostRNG); err != nil {
		return nil, errors.Wrap(err, "restoring host RNG")
	}
	tr.EpochsDone, tr.History, tr.generation = st.EpochsDone, st.History, st.Generation
	if st.LearningRate > 0 { // the optimiser's variable itself comes back with the model
		tr.learningRate = st.LearningRate
	}
	if st.Plateau != nil {
		tr.plateau = *st.Plateau
	}
	tr.buffer = tr.buffer[:0]
	if path := bufferFile(dir, st.Generation); st.EpochsDone > 0 || fileExists(path) {
		rows, err := npyfile.Read(path)
		if err != nil {
			return nil, err
		}
		if len(rows[0]) != t.Dim {
			return nil, errors.Errorf("checkpoint buffer has dimension %d but target %s has %d", len(rows[0]), t.Name, t.Dim)
		}
		tr.addToBuffer(rows)
	}
	return tr, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
