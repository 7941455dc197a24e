package xla

import (
	"bytes"
	"strings"
	"testing"
)

func noFile(string) bool { return false }

func TestResolve(t *testing.T) {
	tests := []struct {
		name      string
		requested string
		plugins   []string
		strict    bool
		want      string
		fellBack  bool
		wantErr   string
	}{
		{"auto without plugins is go", "auto", nil, false, "go", false, ""},
		{"empty is auto", "", nil, false, "go", false, ""},
		{"auto prefers cuda", "auto", []string{"cpu", "cuda"}, false, "xla:cuda", false, ""},
		{"auto takes cpu", "auto", []string{"cpu_v0.83.1"}, false, "xla:cpu", false, ""},
		{"go as asked", "go", []string{"cpu"}, false, "go", false, ""},
		{"xla:cpu offline falls back", "xla:cpu", nil, false, "go", true, ""},
		{"xla:cpu installed", "xla:cpu", []string{"cpu"}, false, "xla:cpu", false, ""},
		{"strict suffix fails", "xla:cuda!", []string{"cpu"}, false, "", false, "not installed"},
		{"strict flag fails", "xla:cpu", nil, true, "", false, "install-xla"},
		{"missing plugin file falls back", "xla:/nope/pjrt_c_api_cuda_plugin.so", nil, false, "go", true, ""},
		{"unknown backend", "tpu-magic", nil, false, "", false, "unknown backend"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Resolve(tc.requested, tc.plugins, tc.strict, noFile)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Resolve(%q) error = %v, want one containing %q", tc.requested, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve(%q): %v", tc.requested, err)
			}
			if c.Config != tc.want || c.FellBack != tc.fellBack {
				t.Errorf("Resolve(%q) = %+v, want config %q fellBack %v", tc.requested, c, tc.want, tc.fellBack)
			}
		})
	}
}

// TestOfflineFallbackCreatesGoBackend checks the real path: asking for xla:cpu on a machine
// without the plugin prints exactly one line and returns a working Go backend (no panic,
// no download).
func TestOfflineFallbackCreatesGoBackend(t *testing.T) {
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", t.TempDir()) // an empty plugin directory
	t.Setenv(EnvGODEBUG, "asyncpreemptoff=1")         // no SIMD-build warning (tested below)
	var out bytes.Buffer
	b, c, err := New("xla:cpu", false, &out)
	if err != nil {
		t.Fatalf("New(xla:cpu) offline: %v", err)
	}
	defer b.Finalize()
	if c.Config != "go" || !c.FellBack {
		t.Fatalf("choice = %+v, want fallback to go", c)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], "falling back") {
		t.Fatalf("want one fallback line, got %q", out.String())
	}
	if b.Name() == "" {
		t.Fatal("backend has no name")
	}
	if !strings.Contains(c.Reason, "GOEXPERIMENT=simd") {
		t.Errorf("the backend line %q does not say how the Go backend was built", c.Reason)
	}
	if SIMDBuild() {
		t.Setenv(EnvGODEBUG, "")
		out.Reset()
		b2, _, err := New("go", false, &out)
		if err != nil {
			t.Fatal(err)
		}
		b2.Finalize()
		if !strings.Contains(out.String(), "asyncpreemptoff=1") {
			t.Errorf("a SIMD build with async preemption on printed %q, want the warning", out.String())
		}
	}
	if _, _, err := New("xla:cpu!", false, &out); err == nil {
		t.Fatal("strict xla:cpu offline should fail")
	}
}
