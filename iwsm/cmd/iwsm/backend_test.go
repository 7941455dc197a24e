package main

import (
	"errors"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/iwsm-go/iwsm/xla"
)

// runBackendCommand runs `iwsm backend` in a child process (the backend is chosen once per
// process) with the given environment, returning its output and exit status.
func runBackendCommand(t *testing.T, env ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBackendCommand$")
	cmd.Env = append(os.Environ(), append([]string{"IWSM_TEST_BACKEND_MAIN=1", "GODEBUG=asyncpreemptoff=1"}, env...)...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return string(out), exit.ExitCode()
	} else if err != nil {
		t.Fatalf("running iwsm backend: %v", err)
	}
	return string(out), 0
}

// TestBackendCommand: a strict request without a plugin exits 1 with the reason; the
// fallback prints the Go backend and exits 0; with the CPU plugin installed, a strict
// xla:cpu prints the plugin file, its version and the device count.
func TestBackendCommand(t *testing.T) {
	if os.Getenv("IWSM_TEST_BACKEND_MAIN") == "1" {
		os.Args = []string{"iwsm", "backend"}
		main()
		os.Exit(0)
	}
	empty := "PJRT_PLUGIN_LIBRARY_PATH=" + t.TempDir()
	for _, env := range [][]string{{"IWSM_BACKEND=xla:cpu!"}} {
		out, code := runBackendCommand(t, append(env, empty)...)
		if code != 1 || !strings.Contains(out, "not installed") || strings.Contains(out, "backend: ") {
			t.Errorf("%v without a plugin: exit %d, output %q; want exit 1 and the reason", env, code, out)
		}
	}
	out, code := runBackendCommand(t, "IWSM_BACKEND=xla:cpu", empty)
	if code != 0 || !strings.Contains(out, "backend: go (") || !strings.Contains(out, "devices: 1") {
		t.Errorf("xla:cpu without a plugin: exit %d, output %q; want the fallback to go", code, out)
	}
	if !slices.Contains(xla.InstalledPlugins(), "cpu") {
		t.Skip("no XLA CPU plugin installed (make install puts one into .venv): strict xla:cpu not checked")
	}
	out, code = runBackendCommand(t, "IWSM_BACKEND=xla:cpu!")
	if code != 0 || !strings.Contains(out, "backend: xla:cpu (") || !strings.Contains(out, "\nplugin: /") ||
		!strings.Contains(out, "PJRT C API 0.") || !strings.Contains(out, "\ndevices: ") {
		t.Errorf("xla:cpu! with the plugin: exit %d, output %q", code, out)
	}
}
