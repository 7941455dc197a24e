package xlatest

import (
	"os"
	"testing"

	"github.com/iwsm-go/iwsm/xla"
)

// TestBackendDefaultsToGo: without IWSM_BACKEND, tests get the Go backend.
func TestBackendDefaultsToGo(t *testing.T) {
	if os.Getenv(xla.EnvBackend) != "" {
		t.Skip("IWSM_BACKEND is set: Backend follows it")
	}
	if b := Backend(t); b.Name() != "Go Backend" {
		t.Fatalf("Backend without IWSM_BACKEND = %q, want the Go backend", b.Name())
	}
}
