package rundir

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/pkg/errors"
)

// Find reads the finished runs named by paths: a path holding a metrics.json is one
// run; any other folder is searched for run folders below it (results/, results/gmm40/cpu),
// skipping checkpoints and runs that have not finished (no metrics.json yet). The runs come
// sorted by folder. A path that does not exist, or a folder with no finished run in or
// below it, is an error naming it, so that a typo does not silently give an empty table.
func Find(paths ...string) ([]Record, error) {
	if len(paths) == 0 {
		return nil, errors.New("no results folders given")
	}
	var runs []Record
	seen := map[string]bool{}
	for _, path := range paths {
		st, err := os.Stat(path)
		if err != nil {
			return nil, errors.Wrapf(err, "results folder %s", path)
		}
		if !st.IsDir() {
			return nil, errors.Errorf("%s is not a results folder (a file, not a folder)", path)
		}
		found := 0
		err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				return nil
			}
			if strings.HasPrefix(d.Name(), CheckpointDir) || d.Name() == FiguresDir { // checkpoint/, checkpoint-best/, figures/
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, MetricsFile)); err != nil {
				return nil
			}
			r, err := ReadRecord(p)
			if err != nil {
				return err
			}
			found++
			if abs, _ := filepath.Abs(p); !seen[abs] {
				seen[abs] = true
				runs = append(runs, r)
			}
			return filepath.SkipDir // a run folder holds no other runs
		})
		if err != nil {
			return nil, errors.WithMessagef(err, "searching %s for runs", path)
		}
		if found == 0 {
			return nil, errors.Errorf("%s is not a results folder: no finished run (metrics.json) in it or below it", path)
		}
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].Dir < runs[j].Dir })
	return runs, nil
}
