package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// `iwsm train -devices N` refuses, with one line and exit status 1 and before it creates the
// results folder, more devices than the pure-Go backend has (one) and a device count that
// does not divide the batch or the noise levels.
func TestTrainDevicesErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := buildCommand(t)
	for _, c := range []struct {
		backend, devices, want string
	}{
		{"go", "2", "devices=2: the pure-Go backend runs on one device; data-parallel training needs XLA"},
		{"go", "3", "devices (3) must divide batch_size (128)"},
		{"go", "32", "devices (32) must divide time_groups (16)"},
	} {
		out := filepath.Join(t.TempDir(), "run")
		cmd := exec.Command(bin, "train", "-target", "gmm40", "-budget", "smoke", "-quiet", "-devices", c.devices, "-out", out)
		cmd.Env = append(os.Environ(), "IWSM_BACKEND="+c.backend)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Errorf("-devices %s on %s: %v, want exit status 1\n%s", c.devices, c.backend, err, stderr.String())
			continue
		}
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
			if !strings.HasPrefix(l, "iwsm: warning:") { // the SIMD build's note, when run without it
				lines = append(lines, l)
			}
		}
		if len(lines) != 1 || !strings.Contains(lines[0], c.want) {
			t.Errorf("-devices %s on %s: stderr %q, want one line saying %q", c.devices, c.backend, stderr.String(), c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("-devices %s on %s: the results folder was created", c.devices, c.backend)
		}
	}
}
