package net

import (
	"math"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/layers/fnn"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/iwsm-go/iwsm/iwsm/gmath"
)

// MLP configures the time-conditioned score MLP.
type MLP struct {
	// Hidden is the width and Layers the number of hidden layers (iDEM: 128 × 3 on GMM-40).
	Hidden, Layers int
	// EmbedSize is the size of each sinusoidal embedding (iDEM: 128).
	EmbedSize int
	// CoordScale and TimeScale scale the embedding frequencies (iDEM: 25 and 1).
	CoordScale, TimeScale float64
}

// DefaultMLP is iDEM's GMM-40 architecture.
func DefaultMLP() MLP {
	return MLP{Hidden: 128, Layers: 3, EmbedSize: 128, CoordScale: 25, TimeScale: 1}
}

// sinusoidal returns [sin(s·v·f_i), cos(s·v·f_i)] for log-spaced frequencies f_i, for every
// entry of v [..., n], giving [..., n*size].
func sinusoidal(v *Node, size int, scale float64) *Node {
	half := size / 2
	freqs := make([]float64, half)
	for i := range freqs {
		freqs[i] = math.Exp(-math.Log(10000) * float64(i) / float64(half))
	}
	f := ConvertDType(Const(v.Graph(), freqs), v.DType())
	arg := Mul(InsertAxes(MulScalar(v, scale), -1), ExpandLeftToRank(f, v.Rank()+1)) // [..., n, half]
	sin, cos := gmath.SinCos(arg)
	emb := Concatenate([]*Node{sin, cos}, -1)
	dims := v.Shape().Dimensions
	return Reshape(emb, append(append([]int{}, dims[:len(dims)-1]...), dims[len(dims)-1]*2*half)...)
}

// Score returns s_θ(x, t) for x [B, d] and t [B] using variables under scope.
func (c MLP) Score(scope *model.Scope, x, t *Node) *Node {
	d := x.Shape().Dimensions[1]
	in := Concatenate([]*Node{sinusoidal(x, c.EmbedSize, c.CoordScale), sinusoidal(InsertAxes(t, -1), c.EmbedSize, c.TimeScale)}, -1)
	return fnn.New(scope.In("mlp"), in, d).
		NumHiddenLayers(c.Layers, c.Hidden).
		Activation(activation.TypeSwish).
		Done()
}
