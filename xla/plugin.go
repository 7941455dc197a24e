package xla

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// This file finds PJRT plugins without ever handing a bad file to the dynamic loader.
//
// go-xla's own search (pjrt.AvailablePlugins) dlopens every file whose name looks like a
// plugin and, in v0.4.5, panics on a nil handle when dlopen fails (checkPlugin closes the
// handle it never got); a truncated file can also crash the process inside dlopen, where no
// recover helps. So the search is done here: each candidate is checked as an ELF file first
// (magic, class, this machine's architecture, every segment inside the file, a GetPjrtApi
// export), and the backend is then always created from the plugin's absolute path, so go-xla
// never searches on its own.

// VenvDir is the project's Python virtual environment, relative to the checkout root:
// `make install` creates it and installs kernel/requirements-xla.txt (the pinned CPU plugin)
// into it.
const VenvDir = ".venv"

// EnvModuleRoot names the checkout root. kernel.json sets it for the Jupyter kernel
// (kernel/launch.sh), so notebook cells, which GoNB builds in a temporary directory, find the
// checkout's .venv. Elsewhere it is rarely needed: see CheckoutRoot.
const EnvModuleRoot = "IWSM_MODULE_ROOT"

// modulePath is this project's Go module path, used to recognise the checkout's go.mod.
const modulePath = "github.com/iwsm-go/iwsm"

// venvPlugin is a PJRT plugin shipped inside a Python wheel, found relative to site-packages.
type venvPlugin struct {
	name, pkg, rel string
}

// venvPlugins are the wheels' plugin files, in order of preference. The first is the one
// kernel/requirements-xla.txt pins (fastatomstruct-xla-cpu: PJRT API 0.106, closest to go-xla
// v0.4.5's header 0.104, and no Python dependencies); the other two CPU plugins also loaded
// and passed the same checks here (lammps-jax-pjrt-cpu 0.11.2: API 0.115 but it requires
// jax<=0.11.2; xla-cpu-pjrt 0.0.1: API 0.81, older than the header), so they are used when
// someone installs them instead. JAX's CUDA 13 plugin is the file go-xla's CUDA installer takes.
var venvPlugins = []venvPlugin{
	{"cpu", "fastatomstruct-xla-cpu", "fastatomstruct_xla_cpu/libpjrt_cpu.so"},
	{"cpu", "lammps-jax-pjrt-cpu", "lammps_jax_pjrt_cpu/pjrt_c_api_cpu_plugin.so"},
	{"cpu", "xla-cpu-pjrt", "xla_plugins/xla_cpu_pjrt/xla_cpu_pjrt.so"},
	{"cuda", "jax-cuda13-pjrt", "jax_plugins/xla_cuda13/xla_cuda_plugin.so"},
}

// Plugin is a PJRT plugin file found on this machine.
type Plugin struct {
	// Name is the platform it is selected by: "cpu", "cuda", or go-xla's name for files
	// named pjrt_c_api_NAME_plugin.so (e.g. "cpu_v0.83.1").
	Name string
	// Path is the plugin file's absolute path; the backend is created from it.
	Path string
	// Source says where it was found, e.g. "fastatomstruct-xla-cpu in /repo/.venv".
	Source string
}

// PluginProblem is a file that looked like a plugin but cannot be one.
type PluginProblem struct {
	Path string
	Err  error
}

// String is the one line printed for a problem: the file and the reason.
func (p PluginProblem) String() string {
	return fmt.Sprintf("ignoring PJRT plugin %s: %v", p.Path, p.Err)
}

// CheckoutRoot returns the root of the checkout this package was built from, or "" if none
// is found. It tries, in order: $IWSM_MODULE_ROOT (the Jupyter kernel sets it); the
// directory of this source file as the compiler recorded it (right for `go test` in any
// package, `go run ./iwsm/cmd/iwsm` and GoNB cells, which build this package from the
// checkout through go.work; not with -trimpath); the working directory and its parents (a
// binary built with -trimpath and run inside the checkout). A root is a directory whose
// go.mod declares this module.
func CheckoutRoot() string {
	candidates := []string{os.Getenv(EnvModuleRoot)}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		candidates = append(candidates, filepath.Dir(filepath.Dir(file)))
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			candidates = append(candidates, dir)
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	for _, dir := range candidates {
		if dir != "" && isModuleRoot(dir) {
			return dir
		}
	}
	return ""
}

func isModuleRoot(dir string) bool {
	raw, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`) == modulePath
		}
	}
	return false
}

// sitePackages lists the site-packages directories of the virtual environment venv.
func sitePackages(venv string) []string {
	dirs, _ := filepath.Glob(filepath.Join(venv, "lib", "python3*", "site-packages"))
	slices.Sort(dirs)
	return dirs
}

// pluginSearchDirs are the directories go-xla v0.4.5 searches: PJRT_PLUGIN_LIBRARY_PATH if
// set (it replaces the defaults), else ~/.local/lib/go-xla (+ nvidia/), the older
// ~/.local/lib/gomlx/pjrt, the same under /usr/local/lib, and LD_LIBRARY_PATH. (go-xla also
// reads /etc/ld.so.conf; plugins are not installed in system library folders, so that is
// left out.)
func pluginSearchDirs() []string {
	if paths, ok := os.LookupEnv("PJRT_PLUGIN_LIBRARY_PATH"); ok {
		return slices.DeleteFunc(strings.Split(paths, ":"), func(p string) bool { return p == "" })
	}
	var dirs []string
	if home, err := os.UserHomeDir(); err == nil {
		d := filepath.Join(home, ".local", "lib", "go-xla")
		dirs = append(dirs, d, filepath.Join(d, "nvidia"), filepath.Join(home, ".local", "lib", "gomlx", "pjrt"))
	}
	dirs = append(dirs, "/usr/local/lib/go-xla", "/usr/local/lib/go-xla/nvidia", "/usr/local/lib/gomlx/pjrt")
	for p := range strings.SplitSeq(os.Getenv("LD_LIBRARY_PATH"), ":") {
		if filepath.IsAbs(p) {
			dirs = append(dirs, p)
		}
	}
	return dirs
}

// goxlaPluginName is go-xla's name for a plugin file: NAME in pjrt_c_api_NAME_plugin.so,
// pjrt-plugin-NAME.so or pjrt_plugin_NAME.so; "" for other files.
func goxlaPluginName(path string) string {
	base := filepath.Base(path)
	if n, ok := strings.CutPrefix(base, "pjrt_c_api_"); ok {
		if n, ok = strings.CutSuffix(n, "_plugin.so"); ok && n != "" {
			return n
		}
		return ""
	}
	for _, prefix := range []string{"pjrt-plugin-", "pjrt_plugin_"} {
		if n, ok := strings.CutPrefix(base, prefix); ok {
			if n, ok = strings.CutSuffix(n, ".so"); ok && n != "" {
				return n
			}
		}
	}
	return ""
}

// FindPlugins lists the usable PJRT plugins, first match per name first, and the files that
// looked like plugins but fail CheckPluginFile. With PJRT_PLUGIN_LIBRARY_PATH unset it looks
// in the checkout's .venv first (the pinned plugin `make install` puts there), then where
// go-xla looks; PJRT_PLUGIN_LIBRARY_PATH, as in go-xla, replaces all default places (the
// checkout's .venv included), so it selects exactly the plugins in the folders it names.
// CUDA plugins are skipped on machines without an NVIDIA GPU, as go-xla does. Nothing is
// loaded: only the files are read.
func FindPlugins() (plugins []Plugin, problems []PluginProblem) {
	seen := map[string]bool{}
	add := func(name, path, source string) {
		if seen[name] || (isCUDA(name) && !hasNvidiaGPU()) {
			return
		}
		if err := CheckPluginFile(path); err != nil {
			problems = append(problems, PluginProblem{Path: path, Err: err})
			return
		}
		seen[name] = true
		plugins = append(plugins, Plugin{Name: name, Path: path, Source: source})
	}
	if _, set := os.LookupEnv("PJRT_PLUGIN_LIBRARY_PATH"); !set {
		if root := CheckoutRoot(); root != "" {
			venv := filepath.Join(root, VenvDir)
			for _, sp := range sitePackages(venv) {
				for _, vp := range venvPlugins {
					path := filepath.Join(sp, vp.rel)
					if _, err := os.Lstat(path); err == nil {
						add(vp.name, path, wheelVersion(sp, vp.pkg)+" in "+venv)
					}
				}
			}
		}
	}
	for _, dir := range pluginSearchDirs() {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range entries { // sorted by name, as go-xla's glob
			if name := goxlaPluginName(e.Name()); name != "" && !e.IsDir() {
				add(name, filepath.Join(dir, e.Name()), dir)
			}
		}
	}
	return plugins, problems
}

// wheelVersion returns "pkg VERSION" for a package installed in site-packages sp, read from
// its .dist-info folder name, or just pkg if that is not found.
func wheelVersion(sp, pkg string) string {
	dist := strings.ReplaceAll(pkg, "-", "_")
	matches, _ := filepath.Glob(filepath.Join(sp, dist+"-*.dist-info"))
	if len(matches) == 1 {
		v := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(matches[0]), dist+"-"), ".dist-info")
		return pkg + " " + v
	}
	return pkg
}

func isCUDA(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "cuda") || strings.Contains(n, "nvidia")
}

// hasNvidiaGPU reports whether the NVIDIA driver shows a GPU, the way go-xla decides to skip
// CUDA plugins.
func hasNvidiaGPU() bool {
	gpus, _ := os.ReadDir("/proc/driver/nvidia/gpus")
	return len(gpus) > 0
}

// elfMachines maps GOARCH to the ELF machine a plugin for it must have.
var elfMachines = map[string]elf.Machine{
	"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64, "386": elf.EM_386, "arm": elf.EM_ARM,
	"ppc64le": elf.EM_PPC64, "s390x": elf.EM_S390, "riscv64": elf.EM_RISCV,
}

// CheckPluginFile checks, without loading it, that path can be a PJRT plugin for this
// process: a regular ELF shared object for this architecture, not truncated (every
// segment's bytes lie inside the file, as the dynamic loader maps them; reading past the end
// of a mapped file kills a process with SIGBUS), exporting GetPjrtApi. The error says which
// of these fails. On systems other than Linux it only checks that the file exists.
func CheckPluginFile(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		if os.IsNotExist(err) {
			return errors.New("no such file")
		}
		return errors.Wrap(err, "cannot read the file")
	}
	if !st.Mode().IsRegular() {
		return errors.New("not a regular file")
	}
	if runtime.GOOS != "linux" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return errors.Wrap(err, "cannot read the file")
	}
	defer func() { _ = f.Close() }()
	magic := make([]byte, 4)
	if _, err := f.ReadAt(magic, 0); err != nil || !bytes.Equal(magic, []byte(elf.ELFMAG)) {
		return errors.Errorf("not an ELF shared library (%d bytes)", st.Size())
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		return errors.Wrap(err, "damaged or truncated ELF file")
	}
	if want, ok := elfMachines[runtime.GOARCH]; ok && ef.Machine != want {
		return errors.Errorf("built for %s, but this program runs on %s (%s)",
			strings.TrimPrefix(ef.Machine.String(), "EM_"), runtime.GOARCH, strings.TrimPrefix(want.String(), "EM_"))
	}
	if is64 := strconv.IntSize == 64; (ef.Class == elf.ELFCLASS64) != is64 {
		return errors.Errorf("an %s file, but this program is %d-bit", ef.Class, strconv.IntSize)
	}
	if ef.Type != elf.ET_DYN {
		return errors.Errorf("an ELF %s, not a shared library", ef.Type)
	}
	size := uint64(st.Size())
	for _, p := range ef.Progs {
		if p.Off+p.Filesz > size {
			return errors.Errorf("truncated: a segment ends at byte %d, the file has %d", p.Off+p.Filesz, size)
		}
	}
	syms, err := ef.DynamicSymbols()
	if err != nil {
		return errors.Wrap(err, "cannot read its dynamic symbols (damaged or truncated?)")
	}
	for _, s := range syms {
		if s.Name == "GetPjrtApi" && elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Section != elf.SHN_UNDEF {
			return nil
		}
	}
	return errors.New("exports no GetPjrtApi function: not a PJRT plugin")
}
