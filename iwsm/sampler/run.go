package sampler

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Hook is attached to Run from outside the loop, as GoMLX's train.Loop takes its callbacks
// (ml/train/loop_callbacks.go): checkpoints and the progress bar are hooks, and a notebook
// can add its own (snapshots of the samples, early stopping, a live plot).
type Hook struct {
	// Name identifies the hook in error messages.
	Name string
	// Start, if set, runs once before the first step of Run (after a resume too).
	Start func(s Sampler) error
	// AfterStep, if set, runs after each step, in the order the hooks were given.
	AfterStep func(s Sampler, info Info) error
	// End, if set, runs once after the last step.
	End func(s Sampler) error
	// Stop, if set, runs once when the run stops early on an error (of a step or a hook),
	// before Run returns it: a progress bar ends its line, so that the error is printed on a
	// line of its own.
	Stop func(s Sampler, err error)
}

// Run steps s until it has done the steps its configuration asks for (continuing a resumed
// sampler), calling Init first when no step is done and the hooks around each step. A hook's
// error stops the run and is returned with its name.
func Run(s Sampler, hooks ...Hook) error {
	_, total := s.Progress()
	return RunUntil(s, total, hooks...)
}

// RunUntil is Run up to `step` steps done (at most the configuration's): run part of a
// sampler, look at it, and continue with another call.
func RunUntil(s Sampler, step int, hooks ...Hook) (err error) {
	defer func() {
		if err == nil {
			return
		}
		for _, h := range hooks {
			if h.Stop != nil {
				h.Stop(s, err)
			}
		}
	}()
	done, total := s.Progress()
	step = min(step, total)
	if done == 0 {
		if err := s.Init(); err != nil {
			return err
		}
	}
	for _, h := range hooks {
		if h.Start != nil {
			if err := h.Start(s); err != nil {
				return fmt.Errorf("%s: %w", h.Name, err)
			}
		}
	}
	for ; done < step; done, _ = s.Progress() {
		info, err := s.Step()
		if err != nil {
			return err
		}
		for _, h := range hooks {
			if h.AfterStep != nil {
				if err := h.AfterStep(s, info); err != nil {
					return fmt.Errorf("%s: %w", h.Name, err)
				}
			}
		}
	}
	for _, h := range hooks {
		if h.End != nil {
			if err := h.End(s); err != nil {
				return fmt.Errorf("%s: %w", h.Name, err)
			}
		}
	}
	return nil
}

// DefaultHooks are the hooks of a full run: Checkpoints into checkpointDir every `every`
// steps (none when checkpointDir is empty), then a ProgressBar labelled label on progress
// (none when progress is nil).
func DefaultHooks(checkpointDir string, every int, progress io.Writer, label string) []Hook {
	var hooks []Hook
	if checkpointDir != "" {
		hooks = append(hooks, Checkpoints(checkpointDir, every))
	}
	if progress != nil {
		hooks = append(hooks, ProgressBar(progress, label))
	}
	return hooks
}

// Checkpoints saves the sampler into dir every `every` steps (1 when every < 1) and after
// the last one (Sampler.Save); a resumed run continues from the newest.
func Checkpoints(dir string, every int) Hook {
	every = max(every, 1)
	return Hook{Name: "checkpoints", AfterStep: func(s Sampler, info Info) error {
		if _, total := s.Progress(); info.Step%every == 0 || info.Step == total {
			return s.Save(dir)
		}
		return nil
	}}
}

// ProgressBar draws a progress bar on w (schollz/progressbar, as GoMLX's command-line
// progress bar): steps done of the total, label and the last step's Summary, and the time
// left. A sampler without steps (the Monte Carlo oracle) gets none.
func ProgressBar(w io.Writer, label string) Hook {
	var bar *progressbar.ProgressBar
	return Hook{
		Name: "progress bar",
		Start: func(s Sampler) error {
			done, total := s.Progress()
			if total == 0 {
				return nil
			}
			bar = progressbar.NewOptions(total,
				progressbar.OptionSetWriter(w),
				progressbar.OptionSetDescription(label),
				progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(500*time.Millisecond))
			return bar.Set(done)
		},
		AfterStep: func(_ Sampler, info Info) error {
			if bar == nil {
				return nil
			}
			bar.Describe(label + " " + info.Summary)
			return bar.Add(1)
		},
		End: func(Sampler) error {
			if bar == nil {
				return nil
			}
			err := bar.Finish()
			fmt.Fprintln(w)
			return err
		},
		Stop: func(Sampler, error) {
			if bar != nil {
				fmt.Fprintln(w)
			}
		},
	}
}
