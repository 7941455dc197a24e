package net

import (
	"math"

	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/layers/fnn"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"

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
	// Style is the network's form: "" a plain MLP (Layers hidden layers of SiLU, GoMLX's
	// He-normal initialisation with zero biases), or StyleIDEM, iDEM's MyMLP.
	Style string `json:"style,omitempty"`
}

// StyleIDEM is iDEM's score network (dem/models/components/mlp.py, MyMLP): the embeddings
// (frequencies exp(−ln(10⁴)·i/(half − 1))), one linear layer and GELU, then Layers residual
// blocks h ← h + GELU(W h + b), then a linear output, every layer initialised as PyTorch's
// nn.Linear (weights and biases uniform in ±1/√fan_in).
const StyleIDEM = "idem"

// DefaultMLP is iDEM's GMM-40 architecture.
func DefaultMLP() MLP {
	return MLP{Hidden: 128, Layers: 3, EmbedSize: 128, CoordScale: 25, TimeScale: 1}
}

// sinusoidal returns [sin(s·v·f_i), cos(s·v·f_i)] for the log-spaced frequencies
// f_i = exp(−ln(10⁴)·i/denominator), i < size/2, for every entry of v [..., n], giving
// [..., n*size]. The plain MLP's denominator is size/2, iDEM's size/2 − 1.
func sinusoidal(v *Node, size int, scale float64, idem bool) *Node {
	half := size / 2
	denominator := float64(half)
	if idem {
		denominator = float64(max(half-1, 1))
	}
	freqs := make([]float64, half)
	for i := range freqs {
		freqs[i] = math.Exp(-math.Log(10000) * float64(i) / denominator)
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
	idem := c.Style == StyleIDEM
	in := Concatenate([]*Node{sinusoidal(x, c.EmbedSize, c.CoordScale, idem), sinusoidal(InsertAxes(t, -1), c.EmbedSize, c.TimeScale, idem)}, -1)
	if !idem {
		return fnn.New(scope.In("mlp"), in, d).
			NumHiddenLayers(c.Layers, c.Hidden).
			Activation(activation.TypeSwish).
			Done()
	}
	scope = scope.In("idem_mlp")
	h := activation.Gelu(torchLinear(scope.In("in"), in, c.Hidden))
	for i := range c.Layers {
		h = Add(h, activation.Gelu(torchLinear(scope.In("block%d", i), h, c.Hidden)))
	}
	return torchLinear(scope.In("out"), h, d)
}

// torchLinear is a dense layer initialised as PyTorch's nn.Linear: weights and biases uniform
// in ±1/√fan_in.
func torchLinear(scope *model.Scope, x *Node, out int) *Node {
	bound := 1 / math.Sqrt(float64(x.Shape().Dimensions[x.Rank()-1]))
	return layers.DenseWithBias(scope.WithInitializer(initializer.RandomUniformFn(scope, -bound, bound)), x, out)
}
