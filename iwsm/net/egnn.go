package net

import (
	. "github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/layers/activation"
	"github.com/gomlx/gomlx/ml/layers/fnn"
	"github.com/gomlx/gomlx/ml/model"
)

// EGNN configures the E(n)-equivariant graph network (Satorras et al. 2021) used by iDEM
// for particle systems: each layer computes messages m_ij = φ_e(h_i, h_j, |x_i − x_j|²) on
// the fully connected graph, moves the particles by x_i += mean_j (x_i − x_j) φ_x(m_ij) and
// updates the features h_i += φ_h(h_i, Σ_j m_ij). The score is the total displacement with
// its centre of mass removed, so rotating, translating or permuting the particles rotates
// or permutes the score in the same way.
type EGNN struct {
	// Particles and SpatialDim describe the system (e.g. 13 and 3 for LJ-13).
	Particles  int `json:"particles"`
	SpatialDim int `json:"spatial_dim"`
	// Hidden is the feature width and Layers the number of message-passing layers
	// (iDEM: 128 and 3 for DW-4, 128 and 5 for LJ-13/LJ-55).
	Hidden int `json:"hidden"`
	Layers int `json:"layers"`
}

func (c EGNN) mlp(scope *model.Scope, x *Node, out int) *Node {
	return fnn.New(scope, x, out).NumHiddenLayers(1, c.Hidden).Activation(activation.TypeSwish).Done()
}

// edgeMLP is φ_e(h_i, h_j, d²_ij), a one-hidden-layer SiLU MLP on every edge, for node
// features h [B,n,H] and squared distances d2 [B,n,n,1]. Its first layer, a linear map of the
// concatenation [h_i, h_j, d²], is computed as A h_i + B h_j + c d² + b: the products A h and
// B h are taken once per particle and broadcast over the n² edges, n times fewer operations
// than applying the layer to the concatenated edge features (the same function).
func (c EGNN) edgeMLP(scope *model.Scope, h, d2 *Node) *Node {
	fromI := layers.Dense(scope.In("from_i"), h, true, c.Hidden)      // [B,n,H], with the bias
	fromJ := layers.Dense(scope.In("from_j"), h, false, c.Hidden)     // [B,n,H]
	fromD := layers.Dense(scope.In("from_dist"), d2, false, c.Hidden) // [B,n,n,H]
	hidden := Add(Add(InsertAxes(fromI, 2), InsertAxes(fromJ, 1)), fromD)
	return layers.Dense(scope.In("out"), activation.Swish(hidden), true, c.Hidden)
}

// Score returns s_θ(x, t) for x [B, Particles*SpatialDim] and t [B].
func (c EGNN) Score(scope *model.Scope, x, t *Node) *Node {
	g, dt := x.Graph(), x.DType()
	B, n, s := x.Shape().Dimensions[0], c.Particles, c.SpatialDim
	pos0 := Reshape(x, B, n, s)
	pos := pos0
	// Node features start from a sinusoidal embedding of time, the same for every particle.
	temb := sinusoidal(InsertAxes(t, -1), 32, 1) // [B, 32]
	h := fnn.New(scope.In("embed"), temb, c.Hidden).Done()
	h = BroadcastToDims(InsertAxes(h, 1), B, n, c.Hidden)
	offDiag := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j {
				offDiag[i*n+j] = 1
			}
		}
	}
	mask := Reshape(ConvertDType(Const(g, offDiag), dt), 1, n, n, 1)
	for l := 0; l < c.Layers; l++ {
		ls := scope.In("layer_%d", l)
		diff := Sub(InsertAxes(pos, 2), InsertAxes(pos, 1)) // [B,n,n,s]: x_i − x_j
		d2 := ReduceAndKeep(Square(diff), ReduceSum, -1)    // [B,n,n,1]
		m := c.edgeMLP(ls.In("edge"), h, d2)
		m = Mul(activation.Swish(m), mask)     // no self-messages
		w := Tanh(c.mlp(ls.In("coord"), m, 1)) // bounded step per layer
		pos = Add(pos, DivScalar(ReduceSum(Mul(diff, w), 2), float64(n-1)))
		agg := ReduceSum(m, 2) // [B,n,H]
		h = Add(h, c.mlp(ls.In("node"), Concatenate([]*Node{h, agg}, -1), c.Hidden))
	}
	v := Sub(pos, pos0)
	v = Sub(v, ReduceAndKeep(v, ReduceMean, 1))
	return Reshape(v, B, n*s)
}
