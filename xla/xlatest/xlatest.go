// Package xlatest gives the project's tests their backend: the pure-Go one unless
// IWSM_BACKEND names another, in strict mode. It is a package of its own so that package xla
// does not import testing.
package xlatest

import (
	"os"
	"sync"
	"testing"

	"github.com/gomlx/compute"

	"github.com/iwsm-go/iwsm/xla"
)

var (
	testOnce    sync.Once
	testBackend compute.Backend
	testChoice  xla.Choice
	testErr     error
)

// Backend returns the backend the project's tests run on, so that CI can run the whole
// suite on each backend: the pure-Go backend when IWSM_BACKEND is unset (tests keep the
// backend their tolerances were set on, even where `auto` would pick XLA), else the requested
// one in strict mode (IWSM_BACKEND=xla:cpu fails the test instead of silently testing the Go
// backend again). It is created once per test binary and never finalised (it is shared);
// its choice is logged.
func Backend(tb testing.TB) compute.Backend {
	tb.Helper()
	testOnce.Do(func() {
		requested := os.Getenv(xla.EnvBackend)
		if requested == "" {
			testBackend, testErr = xla.NewGoBackend()
			testChoice = xla.Choice{Requested: "go", Config: xla.GoBackendName, Reason: "tests default to the pure-Go backend; set " + xla.EnvBackend + " to choose"}
			return
		}
		testBackend, testChoice, testErr = xla.New(requested, true, os.Stderr)
	})
	if testErr != nil {
		tb.Fatalf("test backend %s=%q: %v", xla.EnvBackend, os.Getenv(xla.EnvBackend), testErr)
	}
	tb.Logf("%s", testChoice)
	return testBackend
}
