package train

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Hook is attached to Run from outside the training loop, as GoMLX's train.Loop takes its
// callbacks (ml/train/loop_callbacks.go): validation with the learning-rate schedule,
// checkpoints and the progress bar are hooks, and a notebook can add its own (snapshots of
// the samples, early stopping, a live plot).
type Hook struct {
	// Name identifies the hook in error messages.
	Name string
	// Start, if set, runs once before the first epoch of Run (after a resume too).
	Start func(tr *Trainer) error
	// AfterEpoch, if set, runs after each epoch, in the order the hooks were given; stats
	// is the epoch's entry in tr.History, so a hook may add to it (validation records its
	// loss there) and later hooks see that.
	AfterEpoch func(tr *Trainer, stats *EpochStats) error
	// End, if set, runs once after the last epoch.
	End func(tr *Trainer) error
}

// Run trains until Config.Epochs epochs are done (continuing a resumed run), calling the
// hooks around each epoch. A hook's error stops the run and is returned with its name.
func (tr *Trainer) Run(hooks ...Hook) error { return tr.RunUntil(tr.Config.Epochs, hooks...) }

// RunUntil trains until `epoch` epochs are done (at most Config.Epochs), calling the hooks as
// Run does: train part of a run, look at it, and continue with another call.
func (tr *Trainer) RunUntil(epoch int, hooks ...Hook) error {
	epoch = min(epoch, tr.Config.Epochs)
	for _, h := range hooks {
		if h.Start != nil {
			if err := h.Start(tr); err != nil {
				return fmt.Errorf("%s: %w", h.Name, err)
			}
		}
	}
	for tr.EpochsDone < epoch {
		if _, err := tr.Epoch(); err != nil {
			return err
		}
		stats := &tr.History[len(tr.History)-1]
		for _, h := range hooks {
			if h.AfterEpoch != nil {
				if err := h.AfterEpoch(tr, stats); err != nil {
					return fmt.Errorf("%s: %w", h.Name, err)
				}
			}
		}
	}
	for _, h := range hooks {
		if h.End != nil {
			if err := h.End(tr); err != nil {
				return fmt.Errorf("%s: %w", h.Name, err)
			}
		}
	}
	return nil
}

// DefaultHooks are the hooks of a full run, in the order they must run: Validation (which
// records its loss in the epoch's statistics), then Checkpoints into checkpointDir (skipped
// when empty), then a ProgressBar on progress (skipped when nil).
func DefaultHooks(checkpointDir string, progress io.Writer) []Hook {
	hooks := []Hook{Validation()}
	if checkpointDir != "" {
		hooks = append(hooks, Checkpoints(checkpointDir))
	}
	if progress != nil {
		hooks = append(hooks, ProgressBar(progress))
	}
	return hooks
}

// Validation computes iDEM's validation loss every Config.ValidateEvery epochs, records it in
// the epoch's statistics (EpochStats.ValLoss) and lets ReduceLROnPlateau lower the learning
// rate (Config.LRFactor, LRPatience). Without validation samples it monitors the mean
// training loss since the previous check.
func Validation() Hook {
	return Hook{Name: "validation", AfterEpoch: func(tr *Trainer, stats *EpochStats) error { return tr.validate(stats) }}
}

// Checkpoints saves a checkpoint into dir every Config.CheckpointEvery epochs and after the
// last epoch (see Save); a resumed run continues from the newest.
func Checkpoints(dir string) Hook {
	return Hook{Name: "checkpoints", AfterEpoch: func(tr *Trainer, _ *EpochStats) error {
		if tr.EpochsDone%tr.Config.CheckpointEvery == 0 || tr.EpochsDone == tr.Config.Epochs {
			return tr.Save(dir)
		}
		return nil
	}}
}

// ProgressBar draws a progress bar on w (schollz/progressbar, as GoMLX's commandline
// progress bar): epochs done of Config.Epochs, the last epoch's loss and ESS, and the time
// left.
func ProgressBar(w io.Writer) Hook {
	var bar *progressbar.ProgressBar
	return Hook{
		Name: "progress bar",
		Start: func(tr *Trainer) error {
			bar = progressbar.NewOptions(tr.Config.Epochs,
				progressbar.OptionSetWriter(w),
				progressbar.OptionSetDescription(fmt.Sprintf("%s %s", tr.Config.Method, tr.Target.Name)),
				progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(500*time.Millisecond))
			return bar.Set(tr.EpochsDone)
		},
		AfterEpoch: func(tr *Trainer, st *EpochStats) error {
			bar.Describe(fmt.Sprintf("%s %s loss %.4g ess %.2f", tr.Config.Method, tr.Target.Name, st.Loss, st.ESS))
			return bar.Add(1)
		},
		End: func(tr *Trainer) error {
			err := bar.Finish()
			fmt.Fprintln(w)
			return err
		},
	}
}
