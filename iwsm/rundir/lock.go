package rundir

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/pkg/errors"
)

// Lock is a results folder claimed by this process for one run, so that a second
// run into the same folder fails at once instead of resuming from the first one's
// checkpoint and rewriting the same files. The claim is an exclusive flock(2) on LockFile
// (which holds {"pid", "host", "started"} as JSON and is removed when the run ends), which the kernel drops when the process dies, however it dies (kill -9
// included): a lock file left behind by a killed process is therefore taken over.
type Lock struct {
	f    *os.File
	path string
}

// lockOwner is the content of a lock file.
type lockOwner struct {
	PID     int    `json:"pid"`
	Host    string `json:"host"`
	Started string `json:"started"`
}

func (o lockOwner) String() string {
	if o.PID == 0 { // a lock file not yet (or no longer) filled in
		return "another process"
	}
	return fmt.Sprintf("process %d on %s (started %s)", o.PID, o.Host, o.Started)
}

// Claim claims dir (created if missing) for this process until Release. It fails
// with one line naming the process that holds dir when another live process does. When
// the lock file names a process that is gone, log (if not nil) gets one line saying that
// its lock is taken over.
func Claim(dir string, log io.Writer) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, errors.Wrapf(err, "creating results folder %s", dir)
	}
	path := filepath.Join(dir, LockFile)
	for attempt := 0; attempt < 10; attempt++ {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, errors.Wrapf(err, "opening lock file %s", path)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			owner := readOwner(f)
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, errors.Errorf("results folder %s is in use by %s: wait for it to finish, stop it, or use another folder",
					dir, owner)
			}
			return nil, errors.Wrapf(err, "locking %s", path)
		}
		// The holder before us may have removed the file between our open and our flock:
		// then we hold a lock on a file nobody else can see; start again.
		if !samePath(f, path) {
			f.Close()
			continue
		}
		if prev := readOwner(f); prev.PID != 0 && log != nil {
			state := "no longer running"
			if host, _ := os.Hostname(); prev.Host == host && prev.PID != os.Getpid() && processAlive(prev.PID) {
				state = "no longer holding it"
			}
			fmt.Fprintf(log, "taking over %s from %s, %s\n", path, prev, state)
		}
		host, _ := os.Hostname()
		raw, _ := json.Marshal(lockOwner{PID: os.Getpid(), Host: host, Started: time.Now().Format(time.RFC3339)})
		if err := f.Truncate(0); err == nil {
			_, err = f.WriteAt(append(raw, '\n'), 0)
		}
		if err != nil {
			f.Close()
			return nil, errors.Wrapf(err, "writing lock file %s", path)
		}
		return &Lock{f: f, path: path}, nil
	}
	return nil, errors.Errorf("could not lock %s: its lock file keeps being replaced", dir)
}

// Release gives the folder back: the lock file is removed, then unlocked. Calling it
// twice, or on nil, is harmless.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := os.Remove(l.path)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return errors.Wrapf(err, "releasing %s", l.path)
}

// RemoveCheckpoint deletes the checkpoint of the results folder dir under its lock (so
// never while another run uses it), for a run that must start again from the first epoch
// (`iwsm train -restart`).
func RemoveCheckpoint(dir string, log io.Writer) error {
	l, err := Claim(dir, log)
	if err != nil {
		return err
	}
	defer l.Release()
	ckpt := Checkpoint(dir)
	return errors.Wrapf(os.RemoveAll(ckpt), "removing %s", ckpt)
}

func readOwner(f *os.File) lockOwner {
	var o lockOwner
	raw := make([]byte, 4096)
	n, _ := f.ReadAt(raw, 0)
	if json.Unmarshal(raw[:n], &o) != nil {
		return lockOwner{Host: "?", Started: "?"}
	}
	return o
}

// samePath reports whether the open file f is still the file at path.
func samePath(f *os.File, path string) bool {
	a, err1 := f.Stat()
	b, err2 := os.Stat(path)
	return err1 == nil && err2 == nil && os.SameFile(a, b)
}

// processAlive reports whether a process with this id exists on this host.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
