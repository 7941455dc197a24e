package sde

import (
	"math"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/iwsm-go/iwsm/iwsm/gmath"
)

// normal draws standard normal values of the given shape from scope's random state exactly
// as GoMLX's RandomNormal does (the same two uniform draws, in the same order, so the same
// stream), by the Box–Muller transform √(−2 log u₁) cos(2π u₂), except that for float32 on
// XLA the cosine comes from gmath.SinCos instead of XLA's per-element C library call (a
// visible share of a particle system's training step): the values agree to float32 rounding. The pure-Go
// backend keeps the Cos op, one pass where SinCos's operations are one pass each.
func normal(scope *model.Scope, g *Graph, shape shapes.Shape) *Node {
	if shape.DType != dtypes.Float32 {
		return scope.RandomNormal(g, shape)
	}
	u1 := scope.RandomUniform(g, shape)
	u1 = Max(u1, Const(g, shape.DType.SmallestNonZeroValueForDType())) // as RandomNormal: never log 0
	u2 := scope.RandomUniform(g, shape)
	var cos *Node
	if gmath.Fuses(g) {
		_, cos = gmath.SinCos(MulScalar(u2, 2*math.Pi))
	} else {
		cos = Cos(MulScalar(u2, 2*math.Pi)) // one pass; SinCos's operations would be ~20 passes here
	}
	return Mul(Sqrt(MulScalar(Log(u1), -2)), cos)
}
