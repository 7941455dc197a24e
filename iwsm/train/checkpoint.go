package train

import (
	"encoding/json"
	"os"
	"path/filepath"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/ml/model/checkpoint"
	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/target"
)

// A checkpoint directory holds:
//
//	config.json   the run's Config
//	model/        GoMLX checkpoint: network, Adam moments, graph RNG state, global step
//	buffer.npy    the replay buffer (float64, N × Dim)
//	state.json    epochs done, history and the host RNG, written last
//
// Every file is written through a temporary file and a rename, so an interrupted save
// leaves the previous checkpoint readable.

type trainerState struct {
	EpochsDone int          `json:"epochs_done"`
	History    []EpochStats `json:"history"`
	HostRNG    []byte       `json:"host_rng"`
}

func (tr *Trainer) checkpointHandler(dir string) (*checkpoint.Handler, error) {
	h, err := checkpoint.Build(tr.store).Dir(filepath.Join(dir, "model")).Keep(2).Done()
	return h, errors.WithMessagef(err, "opening checkpoint %s", dir)
}

// Save writes a checkpoint of the whole training state to dir.
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
	if tr.ckpt == nil {
		if tr.ckpt, err = tr.checkpointHandler(dir); err != nil {
			return err
		}
	}
	if err := tr.ckpt.Save(); err != nil {
		return errors.WithMessagef(err, "saving model to %s", dir)
	}
	d := tr.Target.Dim
	rows := make([][]float64, tr.BufferLen())
	for i := range rows {
		rows[i] = make([]float64, d)
		for j := range rows[i] {
			rows[i][j] = float64(tr.buffer[i*d+j])
		}
	}
	if len(rows) > 0 {
		if err := npyfile.Write(filepath.Join(dir, "buffer.npy"), rows); err != nil {
			return err
		}
	}
	rng, err := tr.pcg.MarshalBinary()
	if err != nil {
		return errors.Wrap(err, "saving host RNG")
	}
	st, err := json.MarshalIndent(trainerState{EpochsDone: tr.EpochsDone, History: tr.History, HostRNG: rng}, "", "  ")
	if err != nil {
		return errors.Wrap(err, "encoding trainer state")
	}
	return npyfile.WriteFileAtomic(filepath.Join(dir, "state.json"), st)
}

// ReadConfig reads the Config saved in a checkpoint directory.
func ReadConfig(dir string) (Config, error) {
	var c Config
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
	if tr.ckpt, err = tr.checkpointHandler(dir); err != nil {
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
	if err := tr.pcg.UnmarshalBinary(st.HostRNG); err != nil {
		return nil, errors.Wrap(err, "restoring host RNG")
	}
	tr.EpochsDone, tr.History = st.EpochsDone, st.History
	if _, err := os.Stat(filepath.Join(dir, "buffer.npy")); err == nil {
		rows, err := npyfile.Read(filepath.Join(dir, "buffer.npy"))
		if err != nil {
			return nil, err
		}
		if len(rows) > 0 && len(rows[0]) != t.Dim {
			return nil, errors.Errorf("checkpoint buffer has dimension %d but target %s has %d", len(rows[0]), t.Name, t.Dim)
		}
		tr.buffer = tr.buffer[:0]
		tr.addToBuffer(rows)
	}
	return tr, nil
}
