package target

import (
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/core/graph"
)

// fuzzEnergy builds a user energy from program: each byte picks an operation applied to
// the running node (starting from x), the last ones reduce it; the ops include faulty ones
// a user might write (wrong shape, nil, NaN, piecewise constant, a bad reshape).
func fuzzEnergy(program []byte) EnergyFunc {
	return func(x *Node) *Node {
		h := x
		for i, b := range program {
			if i == 6 { // keep graphs small: the fuzzer's time goes into variety, not size
				break
			}
			c := float64(b%7) - 3
			switch b % 16 {
			case 0:
				h = Square(h)
			case 1:
				h = Abs(h)
			case 2:
				h = Floor(h)
			case 3:
				h = Log(h)
			case 4:
				h = Exp(h)
			case 5:
				h = Sqrt(h)
			case 6:
				h = Inverse(h)
			case 7:
				h = Sin(h)
			case 8:
				h = AddScalar(h, c)
			case 9:
				h = MulScalar(h, c)
			case 10:
				h = Max(h, Scalar(h.Graph(), h.DType(), c))
			case 11:
				h = ReduceSum(h, -1) // drops an axis: later ops see another shape
			case 12:
				h = Reshape(h, 7, 7)
			case 13:
				return nil
			case 14:
				h = ReduceAllSum(h)
			case 15:
				h = Sign(h)
			}
		}
		if h.Rank() == x.Rank() {
			h = ReduceSum(h, -1)
		}
		return h
	}
}

// FuzzCheckEnergy runs CheckEnergy on energies built from the fuzz input (see fuzzEnergy):
// it must return nil or a one-line error, never panic.
func FuzzCheckEnergy(f *testing.F) {
	b := testBackend(f)
	for _, seed := range []string{"\x00", "\x00\x03", "\x02", "\x0c", "\x0d", "\x0e", "\x00\x06\x09", "\x0b\x0b\x0b"} {
		f.Add([]byte(seed), uint8(2))
	}
	f.Fuzz(func(t *testing.T, program []byte, dim uint8) {
		err := CheckEnergy(b, New("fuzz", int(dim%4)+1, fuzzEnergy(program)))
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Fatalf("error spans several lines: %q", err)
		}
	})
}
