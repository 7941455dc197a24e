package xla

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	goxla "github.com/gomlx/go-xla/compute/xla"
	"github.com/pkg/errors"
)

// EnvBackend is the environment variable that selects the backend (see the package doc).
const EnvBackend = "IWSM_BACKEND"

// GoBackendName is the configuration of GoMLX's pure-Go backend.
const GoBackendName = "go"

// Choice describes the backend that was selected and why; it is what notebooks print.
type Choice struct {
	// Requested is the configuration asked for ("auto", "go", "xla:cpu", ...).
	Requested string
	// Config is the configuration actually used ("go", "xla:cpu", ...).
	Config string
	// Reason explains the choice in one line.
	Reason string
	// FellBack is true when XLA was asked for but the Go backend is used instead.
	FellBack bool
	// Plugin is the PJRT plugin file behind an XLA Config ("" for the Go backend), and
	// PluginSource where it was found (e.g. "fastatomstruct-xla-cpu in /repo/.venv").
	Plugin, PluginSource string
}

// String returns the one-line description printed by notebooks and the command line.
func (c Choice) String() string {
	return fmt.Sprintf("backend: %s (%s)", c.Config, c.Reason)
}

func init() {
	// Never download a plugin behind the user's back, even if some other package links
	// GoMLX's auto-installer in.
	goxla.EnableAutoInstall(false)
}

// InstalledPlugins lists the names of the PJRT plugins found on this machine (e.g. "cpu",
// "cuda"), searching as FindPlugins does. It never downloads or loads anything.
func InstalledPlugins() []string {
	found, _ := FindPlugins()
	var names []string
	for _, p := range found {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return names
}

// pluginFor returns the first plugin called name (or a versioned "name_vX.Y.Z").
func pluginFor(plugins []Plugin, name string) (Plugin, bool) {
	for _, p := range plugins {
		if p.Name == name || strings.HasPrefix(p.Name, name+"_v") {
			return p, true
		}
	}
	return Plugin{}, false
}

// hasPlugin reports whether name (or a versioned "name_vX.Y.Z") is among plugins.
func hasPlugin(plugins []string, name string) bool {
	for _, p := range plugins {
		if p == name || strings.HasPrefix(p, name+"_v") {
			return true
		}
	}
	return false
}

// Resolve decides which backend configuration to use for the requested one, given the
// installed plugins. It is pure (no I/O) so that the fallback rules can be tested.
//
// requested is "", "auto", "go", "xla", "xla:NAME" or "xla:/abs/path.so", optionally
// followed by "!" for strict mode. An unknown backend name is an error.
func Resolve(requested string, plugins []string, strict bool, fileExists func(string) bool) (Choice, error) {
	req := strings.TrimSpace(requested)
	if strings.HasSuffix(req, "!") {
		strict = true
		req = strings.TrimSuffix(req, "!")
	}
	if req == "" {
		req = "auto"
	}
	choice := Choice{Requested: req}
	name, config, _ := strings.Cut(req, ":")
	switch name {
	case "auto":
		for _, p := range []string{"cuda", "cpu"} {
			if hasPlugin(plugins, p) {
				choice.Config = "xla:" + p
				choice.Reason = fmt.Sprintf("auto: installed PJRT plugin %q found", p)
				return choice, nil
			}
		}
		choice.Config = GoBackendName
		choice.Reason = "auto: no PJRT plugin installed, using the pure-Go backend"
		return choice, nil
	case GoBackendName:
		choice.Config = GoBackendName
		choice.Reason = "pure-Go backend, as requested"
		return choice, nil
	case "xla", "stablehlo", "pjrt":
		if config == "" {
			config = "cpu"
			if hasPlugin(plugins, "cuda") {
				config = "cuda"
			}
		}
		pluginName, _, _ := strings.Cut(config, ",")
		found := false
		if filepath.IsAbs(pluginName) {
			found = fileExists(pluginName)
		} else {
			found = hasPlugin(plugins, pluginName)
		}
		if found {
			choice.Config = "xla:" + config
			choice.Reason = "XLA with PJRT plugin " + pluginName + ", as requested"
			return choice, nil
		}
		missing := fmt.Sprintf("%s was requested but PJRT plugin %q is not installed (found: %s)",
			req, pluginName, pluginList(plugins))
		if filepath.IsAbs(pluginName) {
			missing = fmt.Sprintf("%s was requested but that PJRT plugin file cannot be used", req)
			if strict {
				return choice, errors.New(missing)
			}
			choice.Config, choice.FellBack = GoBackendName, true
			choice.Reason = missing + "; falling back to the pure-Go backend"
			return choice, nil
		}
		if strict {
			return choice, errors.Errorf("%s; install it with `make install` (the pinned CPU plugin, into the checkout's .venv), "+
				"on a connected machine with `go run github.com/iwsm-go/iwsm/iwsm/cmd/iwsm install-xla -plugin %s`, "+
				"or point %s at a plugin file", missing, pluginName, EnvBackend)
		}
		choice.Config = GoBackendName
		choice.FellBack = true
		choice.Reason = missing + "; falling back to the pure-Go backend (install: `make install`, or `iwsm install-xla -plugin " +
			pluginName + "` on a connected machine)"
		return choice, nil
	default:
		return choice, errors.Errorf("unknown backend %q in %s: use auto, go, xla:cpu, xla:cuda or xla:/path/to/plugin.so",
			requested, EnvBackend)
	}
}

func pluginList(plugins []string) string {
	if len(plugins) == 0 {
		return "none"
	}
	return strings.Join(plugins, ", ")
}

// RequestedFromEnv returns the backend requested by the environment: IWSM_BACKEND, else
// GOMLX_BACKEND, else "auto"; and whether strict mode is on (a trailing "!" on the request;
// New reads it).
func RequestedFromEnv() (requested string, strict bool) {
	requested = os.Getenv(EnvBackend)
	if requested == "" {
		requested = os.Getenv(compute.ConfigEnvVar)
	}
	if requested == "" {
		requested = "auto"
	}
	return requested, strings.HasSuffix(requested, "!")
}

// New creates the backend for the given request ("auto", "go", "xla:cpu", ...), printing to
// w one line per unusable plugin file (naming it and the reason) and the fallback line when
// XLA was requested but cannot be used. Unlike GoMLX's own constructor it never downloads
// and never panics.
func New(requested string, strict bool, w io.Writer) (backend compute.Backend, choice Choice, err error) {
	var (
		found    []Plugin
		problems []PluginProblem
		names    []string
	)
	if strings.HasSuffix(strings.TrimSpace(requested), "!") {
		strict = true // for the start-up failure below; Resolve reads the suffix itself
	}
	if !strings.HasPrefix(strings.TrimSpace(requested), GoBackendName) {
		found, problems = FindPlugins()
		for _, p := range found {
			names = append(names, p.Name)
		}
	}
	choice, err = Resolve(requested, names, strict, func(p string) bool {
		if err := CheckPluginFile(p); err != nil {
			if !slices.ContainsFunc(problems, func(q PluginProblem) bool { return q.Path == p }) {
				problems = append(problems, PluginProblem{Path: p, Err: err})
			}
			return false
		}
		return true
	})
	if w != nil {
		for _, p := range problems {
			fmt.Fprintln(w, "iwsm: "+p.String())
		}
	}
	if err != nil {
		for _, p := range problems {
			err = errors.WithMessage(err, p.String())
		}
		return nil, choice, err
	}
	if choice.FellBack && w != nil {
		fmt.Fprintln(w, "iwsm: "+choice.Reason)
	}
	config := choice.Config
	if name, opts, ok := strings.Cut(strings.TrimPrefix(config, "xla:"), ","); strings.HasPrefix(config, "xla:") {
		if filepath.IsAbs(name) {
			choice.Plugin, choice.PluginSource = name, "as requested"
		} else if p, found := pluginFor(found, name); found {
			choice.Plugin, choice.PluginSource = p.Path, p.Source
			// Always by path: go-xla's own search dlopens files unchecked (see plugin.go).
			config = "xla:" + p.Path
			if ok {
				config += "," + opts
			}
		}
	}
	backend, err = construct(config)
	if err != nil && choice.Config != GoBackendName {
		if strict {
			return nil, choice, errors.WithMessagef(err, "creating backend %s from PJRT plugin %s", choice.Config, choice.Plugin)
		}
		choice.Reason = fmt.Sprintf("%s (PJRT plugin %s) failed to start (%v); falling back to the pure-Go backend",
			choice.Config, choice.Plugin, err)
		choice.Config, choice.FellBack = GoBackendName, true
		choice.Plugin, choice.PluginSource = "", ""
		if w != nil {
			fmt.Fprintln(w, "iwsm: "+choice.Reason)
		}
		backend, err = construct(GoBackendName)
	}
	if err != nil {
		return nil, choice, errors.WithMessagef(err, "creating backend %s", choice.Config)
	}
	if choice.Config == GoBackendName {
		build, warning := goBuildNow()
		choice.Reason += "; " + build
		if warning != "" && w != nil {
			fmt.Fprintln(w, "iwsm: warning: "+warning)
		}
	}
	return backend, choice, nil
}

// GoBackendOptions configures the pure-Go backend: independent graph ops run in parallel
// (when no other computation is running) with an unlimited worker pool. The default pool of
// compute v0.1.6 (2 × GOMAXPROCS workers) deadlocks: every op started in parallel takes a
// worker, and each matrix product then waits in workerspool.Saturate for a free worker while
// holding its own, so enough products ready at once stop the process at 0 % CPU (two DW-4
// training runs hung here; TestGoBackendDoesNotDeadlock has a 16-product graph that hangs
// with the default pool within seconds). With parallelism=-1 an op never waits for a pool
// slot and each product's fan-out waits only for its own workers.
const GoBackendOptions = "parallelism=-1"

// NewGoBackend creates the pure-Go backend with GoBackendOptions, what Backend falls back to
// and what tests and examples use. gobackend.New prints a line on standard output when it is
// given the parallelism option, so the backend is made with no option and its worker pool is
// set by setUnlimitedParallelism: a notebook (or an Example's checked output) shows only our
// own lines, and standard output is never redirected.
func NewGoBackend() (compute.Backend, error) {
	b, err := gobackend.New("")
	if err != nil {
		return nil, err
	}
	if err := setUnlimitedParallelism(b); err != nil {
		return nil, errors.WithMessage(err, "configuring the pure-Go backend ("+GoBackendOptions+")")
	}
	return b, nil
}

// setUnlimitedParallelism does what the option "parallelism=-1" does (GoBackendOptions):
// Workers.SetMaxParallelism(-1) on the backend, whose type is internal to compute, through
// reflection on its exported field and method. An upstream change that removes either is an
// error here, which TestGoBackendHasUnlimitedParallelism would report.
func setUnlimitedParallelism(b compute.Backend) error {
	v := reflect.ValueOf(b)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return errors.Errorf("backend %T is not a pointer to a struct", b)
	}
	workers := v.Elem().FieldByName("Workers")
	if !workers.IsValid() {
		return errors.Errorf("backend %T has no Workers pool", b)
	}
	set := workers.MethodByName("SetMaxParallelism")
	if !set.IsValid() {
		return errors.Errorf("the worker pool %s has no SetMaxParallelism", workers.Type())
	}
	set.Call([]reflect.Value{reflect.ValueOf(-1)})
	return nil
}

// construct creates a backend, turning GoMLX/PJRT panics into errors.
func construct(config string) (backend compute.Backend, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.Errorf("%v", r)
		}
	}()
	if config == GoBackendName {
		return NewGoBackend()
	}
	return compute.NewWithConfig(config)
}

var (
	sharedOnce    sync.Once
	sharedBackend compute.Backend
	sharedChoice  Choice
	sharedErr     error
)

// Backend returns the process-wide backend chosen from the environment (see the package
// doc). It is created once; the fallback line, if any, goes to standard error.
func Backend() (compute.Backend, error) {
	sharedOnce.Do(func() {
		requested, strict := RequestedFromEnv()
		sharedBackend, sharedChoice, sharedErr = New(requested, strict, os.Stderr)
	})
	return sharedBackend, sharedErr
}

// Describe returns the one-line description of the process-wide backend, creating it if
// needed, e.g. "backend: go (auto: no PJRT plugin installed, using the pure-Go backend; SIMD
// build: GOEXPERIMENT=simd, GODEBUG=asyncpreemptoff=1)".
func Describe() string {
	if _, err := Backend(); err != nil {
		return "backend: none (" + err.Error() + ")"
	}
	return sharedChoice.String()
}

// Selected returns the Choice behind the process-wide backend.
func Selected() (Choice, error) {
	_, err := Backend()
	return sharedChoice, err
}
