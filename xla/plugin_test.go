package xla

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// mappedLibc returns the path of the C library this (cgo) test process has mapped: a real
// shared object for this machine that is not a PJRT plugin.
func mappedLibc(t *testing.T) string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the ELF checks are Linux-only")
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Skipf("no /proc/self/maps: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if p := fields[len(fields)-1]; strings.Contains(filepath.Base(p), "libc.so") {
			return p
		}
	}
	t.Skip("libc is not mapped into the test process")
	return ""
}

// badPlugins writes, in dir, one file per kind of bad input, named like a CPU plugin so that
// the search picks it up, and returns name → path.
func badPlugins(t *testing.T) map[string]string {
	t.Helper()
	libc, err := os.ReadFile(mappedLibc(t))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"text":      []byte("#!/bin/sh\necho this is no plugin\n"),
		"empty":     nil,
		"truncated": libc[:len(libc)/2], // headers intact, segments cut off
		"noapi":     libc,               // a good shared library without GetPjrtApi
	}
	wrongArch := bytes.Clone(libc)
	machine := uint16(183) // EM_AARCH64
	if runtime.GOARCH == "arm64" {
		machine = 62 // EM_X86_64
	}
	binary.LittleEndian.PutUint16(wrongArch[18:], machine) // e_machine
	files["wrongarch"] = wrongArch
	paths := map[string]string{}
	for name, data := range files {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "pjrt_c_api_cpu_plugin.so")
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	return paths
}

// TestCheckPluginFileRejectsBadFiles: each kind of bad file gets its own reason, and the real
// libc-derived files prove the checks read the file rather than its name.
func TestCheckPluginFileRejectsBadFiles(t *testing.T) {
	want := map[string]string{
		"text":      "not an ELF",
		"empty":     "not an ELF",
		"truncated": "truncated",
		"noapi":     "no GetPjrtApi",
		"wrongarch": "built for AARCH64",
	}
	if runtime.GOARCH == "arm64" {
		want["wrongarch"] = "built for X86_64"
	}
	for name, p := range badPlugins(t) {
		err := CheckPluginFile(p)
		if err == nil || !strings.Contains(err.Error(), want[name]) {
			t.Errorf("%s: CheckPluginFile = %v, want an error containing %q", name, err, want[name])
		}
	}
	if err := CheckPluginFile(filepath.Join(t.TempDir(), "missing.so")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: CheckPluginFile = %v", err)
	}
	if err := CheckPluginFile(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("directory: CheckPluginFile = %v", err)
	}
}

// TestBadPluginFallsBack runs the real selection on each bad file, found by the search (in
// PJRT_PLUGIN_LIBRARY_PATH) and given by path: one line naming the file and the reason, then
// the fallback line and a working Go backend; in strict mode an error naming the file.
func TestBadPluginFallsBack(t *testing.T) {
	t.Setenv(EnvGODEBUG, "asyncpreemptoff=1") // no SIMD-build warning line
	paths := badPlugins(t)
	paths["missing"] = filepath.Join(t.TempDir(), "gone", "pjrt_c_api_cpu_plugin.so")
	for name, p := range paths {
		for _, how := range []string{"search", "path"} {
			if how == "search" && name == "missing" {
				continue
			}
			t.Run(name+"/"+how, func(t *testing.T) {
				t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", filepath.Dir(p))
				req := "xla:cpu"
				if how == "path" {
					req = "xla:" + p
				}
				var out bytes.Buffer
				b, c, err := New(req, false, &out)
				if err != nil {
					t.Fatalf("New(%s): %v", req, err)
				}
				defer b.Finalize()
				lines := strings.Split(strings.TrimSpace(out.String()), "\n")
				if c.Config != GoBackendName || !c.FellBack || len(lines) != 2 ||
					!strings.Contains(lines[0], p+": ") || !strings.Contains(lines[1], "falling back") {
					t.Fatalf("New(%s) = %+v, printed %q; want a line naming the file, then the fallback", req, c, out.String())
				}
				_, _, err = New(req+"!", false, &out)
				if err == nil || !strings.Contains(err.Error(), p) {
					t.Fatalf("strict New(%s!) error = %v, want one naming %s", req, err, p)
				}
			})
		}
	}
}

// TestPluginThatReturnsNoAPI loads a real shared library whose GetPjrtApi returns NULL (built
// with the C compiler cgo uses): it passes the file checks, go-xla loads it and fails, and the
// selection still falls back, or fails in strict mode, instead of crashing.
func TestPluginThatReturnsNoAPI(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc to build a fake plugin")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "fake.c")
	so := filepath.Join(dir, "pjrt_c_api_cpu_plugin.so")
	if err := os.WriteFile(src, []byte("void *GetPjrtApi(void) { return 0; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(cc, "-shared", "-fPIC", "-o", so, src).CombinedOutput(); err != nil {
		t.Skipf("cannot build the fake plugin: %v\n%s", err, out)
	}
	if err := CheckPluginFile(so); err != nil {
		t.Fatalf("the fake plugin should pass the file checks: %v", err)
	}
	t.Setenv("PJRT_PLUGIN_LIBRARY_PATH", dir)
	t.Setenv(EnvGODEBUG, "asyncpreemptoff=1")
	var out bytes.Buffer
	b, c, err := New("xla:cpu", false, &out)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	defer b.Finalize()
	if c.Config != GoBackendName || !c.FellBack || !strings.Contains(out.String(), so) ||
		strings.Count(strings.TrimSpace(out.String()), "\n") != 0 {
		t.Fatalf("choice %+v, printed %q: want one fallback line naming %s", c, out.String(), so)
	}
	if b2, c2, err := New("xla:cpu!", false, &out); err == nil || !strings.Contains(err.Error(), so) {
		t.Fatalf("strict: error %v, want one naming %s (%+v %v)", err, so, c2, b2)
	}
}

// TestInspectGoBackend: the Go backend's Info has no plugin lines and one device.
func TestInspectGoBackend(t *testing.T) {
	b, err := NewGoBackend()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	info := Inspect(b, Choice{Requested: "go", Config: GoBackendName, Reason: "test"})
	lines := info.Lines()
	if len(lines) != 2 || lines[0] != "backend: go (test)" || lines[1] != "devices: 1" {
		t.Fatalf("Lines() = %q", lines)
	}
}
