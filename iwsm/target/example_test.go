package target_test

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph"

	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla"
)

// A user-defined target: a ring of radius 3, E(x) = 8 (|x| - 3)².
func ExampleNew() {
	ring := target.New("ring", 2, func(x *Node) *Node {
		r := Squeeze(L2Norm(x, -1), -1)
		return MulScalar(Square(AddScalar(r, -3)), 8)
	})
	backend, _ := xla.NewGoBackend()
	e, err := target.Energies(backend, ring, [][]float64{{3, 0}, {0, 4}})
	fmt.Println(e, err)
	// Output: [0 8] <nil>
}

func ExampleByName() {
	dw4, _ := target.ByName("dw4")
	fmt.Println(dw4.Dim, dw4.Particles, dw4.SpatialDim)
	// Output: 8 4 2
}
