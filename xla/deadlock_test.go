package xla

import (
	"reflect"
	"testing"
	"time"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
)

// TestGoBackendDoesNotDeadlock runs a graph of 16 independent matrix products, the pattern
// that stops compute v0.1.6's Go backend with its default worker pool (ops started in
// parallel each wait in workerspool.Saturate for workers the others hold: 0 % CPU, no
// progress; with "ops_parallel" and the default pool this test hangs within seconds). With
// GoBackendOptions 20 calls take a few seconds; the bound only detects a hang.
func TestGoBackendDoesNotDeadlock(t *testing.T) {
	backend, err := NewGoBackend()
	if err != nil {
		t.Fatal(err)
	}
	exec := MustNewExec(backend, func(x *Node) *Node {
		sum := ScalarZero(x.Graph(), x.DType())
		for i := 0; i < 16; i++ {
			sum = Add(sum, ReduceAllSum(MatMul(AddScalar(x, float64(i)), x)))
		}
		return sum
	})
	x := tensors.FromShape(shapes.Make(dtypes.Float32, 256, 256))
	done := make(chan error, 1)
	go func() {
		for i := 0; i < 20; i++ {
			out, err := exec.Exec(x)
			if err != nil {
				done <- err
				return
			}
			out[0].MustFinalizeAll()
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(3 * time.Minute):
		t.Fatal("20 calls of a 16-matmul graph did not finish in 3 minutes: the Go backend's worker pool deadlocked")
	}
}

// NewGoBackend's worker pool is unlimited (what the option "parallelism=-1" sets), read back
// through the pool's own MaxParallelism.
func TestGoBackendHasUnlimitedParallelism(t *testing.T) {
	backend, err := NewGoBackend()
	if err != nil {
		t.Fatal(err)
	}
	get := reflect.ValueOf(backend).Elem().FieldByName("Workers").MethodByName("MaxParallelism")
	if !get.IsValid() {
		t.Fatal("the Go backend's worker pool has no MaxParallelism")
	}
	if got := get.Call(nil)[0].Int(); got != -1 {
		t.Errorf("max parallelism %d, want -1 (unlimited)", got)
	}
}
