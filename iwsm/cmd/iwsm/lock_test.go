package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iwsm-go/iwsm/iwsm/rundir"
)

// One run per results folder: while `iwsm train` runs, a second one into the same folder
// exits 1 with one line naming the first one's process; after the first is killed with
// SIGKILL (its lock file left behind), the next run takes the lock over and finishes.
func TestSecondRunIntoSameFolderFails(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command and trains")
	}
	bin := buildCommand(t)
	out := filepath.Join(t.TempDir(), "run")
	args := []string{"train", "-target", "gmm40", "-method", "iwsm", "-budget", "smoke", "-quiet", "-out", out}
	first := exec.Command(bin, args...)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- first.Wait() }()
	lockPath := filepath.Join(out, rundir.LockFile)
	deadline := time.Now().Add(60 * time.Second)
	for {
		var owner struct{ PID int }
		raw, err := os.ReadFile(lockPath)
		if err == nil && json.Unmarshal(raw, &owner) == nil && owner.PID == first.Process.Pid {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no lock file naming process %d after 60 s (%v, %q)", first.Process.Pid, err, raw)
		}
		time.Sleep(5 * time.Millisecond)
	}

	second := exec.Command(bin, args...)
	var stderr bytes.Buffer
	second.Stderr = &stderr
	err := second.Run()
	select {
	case <-done:
		t.Skip("the first run ended before the second was refused; nothing tested")
	default:
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("second run into a folder in use: %v, want exit status 1\n%s", err, stderr.String())
	}
	msg := strings.TrimSpace(stderr.String())
	if strings.Contains(msg, "\n") || !strings.Contains(msg, fmt.Sprintf("in use by process %d", first.Process.Pid)) {
		t.Errorf("second run said %q, want one line naming process %d", msg, first.Process.Pid)
	}

	_ = first.Process.Signal(syscall.SIGKILL)
	<-done
	if _, err := os.Stat(lockPath); err != nil {
		t.Fatalf("the killed run left no lock file behind, so the takeover is not tested: %v", err)
	}
	third := exec.Command(bin, args...)
	stderr.Reset()
	third.Stderr = &stderr
	if err := third.Run(); err != nil {
		t.Fatalf("run after the killed one: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), fmt.Sprintf("from process %d", first.Process.Pid)) {
		t.Errorf("run after the kill did not say it took over the lock of process %d:\n%s", first.Process.Pid, stderr.String())
	}
	if _, err := os.Stat(lockPath); !os.IsNotExist(err) {
		t.Errorf("lock file left after a finished run: %v", err)
	}
	// -restart discards the checkpoint and trains from the first epoch.
	restarted := exec.Command(bin, append(args[:len(args):len(args)], "-restart")...)
	stderr.Reset()
	restarted.Stderr = &stderr
	if err := restarted.Run(); err != nil || strings.Contains(stderr.String(), "resuming") {
		t.Errorf("-restart: %v, resumed instead of starting again?\n%s", err, stderr.String())
	}
}
