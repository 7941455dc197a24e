package target

import (
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
)

// Each faulty energy a user might paste into a notebook gets a one-line error naming the
// problem; the built-in targets pass.
func TestCheckEnergyFaults(t *testing.T) {
	b := testBackend(t)
	sq := func(x *Node) *Node { return ReduceSum(Square(x), -1) }
	for _, c := range []struct {
		name   string
		energy EnergyFunc
		want   string // in the error; "" = no error
	}{
		{"quadratic", sq, ""},
		{"panics", func(x *Node) *Node { return Reshape(x, 7, 7) }, "failed on input"},
		{"wrong shape", func(x *Node) *Node { return ReduceAllSum(x) }, "one value per configuration"},
		{"nil", func(x *Node) *Node { return nil }, "returned nil"},
		{"NaN everywhere", func(x *Node) *Node { return Log(Neg(AddScalar(sq(x), 1))) }, "NaN or Inf at all"},
		{"Inf everywhere", func(x *Node) *Node { return Inverse(MulScalar(sq(x), 0)) }, "NaN or Inf at all"},
		{"piecewise constant", func(x *Node) *Node { return ReduceSum(Floor(MulScalar(x, 0.01)), -1) }, "gradient"},
		{"NaN at some points only", func(x *Node) *Node { return Log(ReduceSum(x, -1)) }, ""},
	} {
		err := CheckEnergy(b, New(c.name, 3, c.energy))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: unexpected error %v", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		case err != nil && strings.Contains(err.Error(), "\n"):
			t.Errorf("%s: error spans several lines: %q", c.name, err)
		}
	}
	for _, name := range Names() {
		tg, err := ByName(name)
		if err != nil {
			t.Fatal(err)
		}
		if err := CheckEnergy(b, tg); err != nil {
			t.Errorf("built-in %s: %v", name, err)
		}
	}
}
