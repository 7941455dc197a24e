package experiment

import (
	"os"

	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/rundir"
	"github.com/iwsm-go/iwsm/iwsm/train"
)

// ContinueFrom starts the results folder dst from the checkpoint of the run in src: a Run
// into dst with more epochs then continues src's run (ending where an uninterrupted run of
// that many epochs ends, as a resume with more epochs does) while src keeps its own results.
// The runs of a cost curve at increasing epochs share their first epochs this way. It does
// nothing when dst already holds a checkpoint (the continued run was started or finished
// before), and fails when src holds none. The copy is made under dst's lock, into a
// temporary folder renamed into place, so an interrupted copy leaves no half checkpoint.
func ContinueFrom(src, dst string) error {
	from, to := rundir.Checkpoint(src), rundir.Checkpoint(dst)
	if !train.HasCheckpoint(from) {
		return errors.Errorf("%s holds no checkpoint to continue from (train it first)", src)
	}
	lock, err := rundir.Claim(dst, nil)
	if err != nil {
		return err
	}
	defer lock.Release()
	if train.HasCheckpoint(to) {
		return nil
	}
	tmp := to + ".copy"
	if err := os.RemoveAll(tmp); err != nil {
		return errors.Wrapf(err, "removing %s", tmp)
	}
	if err := os.CopyFS(tmp, os.DirFS(from)); err != nil {
		return errors.Wrapf(err, "copying the checkpoint %s to %s", from, tmp)
	}
	if err := os.RemoveAll(to); err != nil { // a checkpoint folder without state: nothing to keep
		return errors.Wrapf(err, "removing %s", to)
	}
	return errors.Wrapf(os.Rename(tmp, to), "renaming %s", tmp)
}
