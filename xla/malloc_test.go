package xla_test

import (
	"runtime"
	"slices"
	"syscall"
	"testing"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"

	"github.com/iwsm-go/iwsm/xla"
)

// TestXLAReusesTemporaryMemory checks that, with the allocator tuned (MallocTuned), repeated
// executions of an XLA graph with a 40 MB temporary reuse its memory once the heap has grown
// to its steady state: the process takes far fewer page faults per execution than one fresh
// temporary costs (10,000 pages; measured: 0 tuned, 10,001 with IWSM_XLA_MALLOC=0).
func TestXLAReusesTemporaryMemory(t *testing.T) {
	if !slices.Contains(xla.InstalledPlugins(), "cpu") {
		t.Skip("no XLA CPU plugin installed: nothing to tune")
	}
	if runtime.GOOS != "linux" {
		t.Skip("glibc's allocator is tuned on Linux only")
	}
	backend, _, err := xla.New("xla:cpu!", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !xla.MallocTuned() {
		t.Skip("allocator not tuned here (not glibc, no cgo, or MALLOC_*/GLIBC_TUNABLES/IWSM_XLA_MALLOC set)")
	}
	const rows, cols = 256000, 40 // a 40 MB float32 temporary
	data := make([]float32, rows)
	for i := range data {
		data[i] = float32(i%97) * 0.01
	}
	x := tensors.FromFlatDataAndDimensions(data, rows)
	defer x.MustFinalizeAll()
	exec, err := NewExec(backend, func(x *Node) *Node {
		c := Iota(x.Graph(), shapes.Make(dtypes.Float32, 1, cols), 1)
		return ReduceSum(Exp(Mul(InsertAxes(x, -1), c)), -1) // the [rows, cols] exponentials are a temporary
	})
	if err != nil {
		t.Fatal(err)
	}
	defer exec.Finalize()
	run := func() {
		out, err := exec.Exec1(x)
		if err != nil {
			t.Fatal(err)
		}
		out.MustFinalizeAll()
	}
	for range 20 {
		run() // compile, transfer, and the heap's growth to its steady state (frees are deferred)
	}
	const calls = 40
	before := minorFaults(t)
	for range calls {
		run()
	}
	perCall := (minorFaults(t) - before) / calls
	t.Logf("%d minor page faults per execution", perCall)
	if fresh := int64(rows * cols * 4 / 4096); perCall > fresh/4 {
		t.Errorf("%d page faults per execution: the 40 MB temporary is not reused (a fresh one costs %d)", perCall, fresh)
	}
}

func minorFaults(t *testing.T) int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return ru.Minflt
}
