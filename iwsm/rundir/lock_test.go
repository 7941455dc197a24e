package rundir

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A folder locked by one holder cannot be locked again until it is released, and the
// error is one line naming the holder's process.
func TestClaimExcludesASecondRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	l, err := Claim(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Claim(dir, nil)
	if err == nil {
		t.Fatal("second lock of a held folder succeeded")
	}
	if msg := err.Error(); !strings.Contains(msg, fmt.Sprintf("process %d", os.Getpid())) || strings.Contains(msg, "\n") {
		t.Errorf("error %q should be one line naming process %d", msg, os.Getpid())
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, LockFile)); !os.IsNotExist(err) {
		t.Errorf("lock file still there after Release: %v", err)
	}
	l2, err := Claim(dir, nil)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	l2.Release()
	l2.Release() // twice is harmless
}

// A lock file left by a process that no longer exists is taken over, with one line
// saying so; so is an unreadable one.
func TestStaleLockIsTakenOver(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("no true command:", err)
	}
	dead := cmd.Process.Pid
	host, _ := os.Hostname()
	for _, content := range []string{
		fmt.Sprintf(`{"pid": %d, "host": %q, "started": "2026-01-01T00:00:00Z"}`, dead, host),
		"garbage",
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, LockFile), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		var log bytes.Buffer
		l, err := Claim(dir, &log)
		if err != nil {
			t.Fatalf("stale lock %q not taken over: %v", content, err)
		}
		if content != "garbage" && !strings.Contains(log.String(), fmt.Sprintf("taking over %s from process %d", filepath.Join(dir, LockFile), dead)) {
			t.Errorf("log %q does not say the lock of process %d was taken over", log.String(), dead)
		}
		raw, _ := os.ReadFile(filepath.Join(dir, LockFile))
		if !strings.Contains(string(raw), fmt.Sprintf(`"pid":%d`, os.Getpid())) {
			t.Errorf("lock file holds %q, not this process", raw)
		}
		l.Release()
	}
}
