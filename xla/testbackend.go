package xla

import (
	"os"
	"sync"
	"testing"

	"github.com/gomlx/compute"
)

var (
	testOnce    sync.Once
	testBackend compute.Backend
	testChoice  Choice
	testErr     error
)

// TestBackend returns the backend the project's tests run on, so that CI can run the whole
// suite on each backend: the pure-Go backend when IWSM_BACKEND is unset (tests keep the
// backend their tolerances were set on, even where `auto` would pick XLA), else the requested
// one in strict mode (IWSM_BACKEND=xla:cpu fails the test instead of silently testing the Go
// backend again). It is created once per test binary and never finalised (it is shared);
// its choice is logged.
func TestBackend(tb testing.TB) compute.Backend {
	tb.Helper()
	testOnce.Do(func() {
		requested := os.Getenv(EnvBackend)
		if requested == "" {
			testBackend, testErr = NewGoBackend()
			testChoice = Choice{Requested: "go", Config: GoBackendName, Reason: "tests default to the pure-Go backend; set " + EnvBackend + " to choose"}
			return
		}
		testBackend, testChoice, testErr = New(requested, true, os.Stderr)
	})
	if testErr != nil {
		tb.Fatalf("test backend %s=%q: %v", EnvBackend, os.Getenv(EnvBackend), testErr)
	}
	tb.Logf("%s", testChoice)
	return testBackend
}
