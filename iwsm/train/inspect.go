package train

import (
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/iwsm-go/iwsm/iwsm/gmath"
	"github.com/pkg/errors"

	. "github.com/gomlx/gomlx/core/graph"
)

// Score evaluates the network's score s_θ(x, t) at rows (sampler coordinates) and one time
// t ∈ [0, 1], on the host: to compare the learned score with a closed form (the noised
// mixture's, target.Mixture.NoisedScore) or to draw it as a vector field.
func (tr *Trainer) Score(rows [][]float64, t float64) ([][]float64, error) {
	if err := tr.Target.CheckRows(rows); err != nil {
		return nil, err
	}
	if tr.scoreExec == nil {
		var err error
		tr.scoreExec, err = model.NewExec(tr.backend, tr.store, func(scope *model.Scope, x, tt *Node) *Node {
			return tr.score(scope, x, BroadcastToDims(tt, x.Shape().Dimensions[0]), 1)
		})
		if err != nil {
			return nil, errors.WithMessage(err, "building the score graph")
		}
		tr.scoreExec.SetMaxCache(-1) // one small graph per grid size a caller uses
	}
	d := tr.Target.Dim
	flat := gmath.AppendFlat32(make([]float32, 0, len(rows)*d), rows)
	out, err := tr.scoreExec.Call1(tensors.FromFlatDataAndDimensions(flat, len(rows), d), tensors.FromScalar(float32(t)))
	if err != nil {
		return nil, errors.WithMessage(err, "evaluating the score")
	}
	defer out.MustFinalizeAll()
	if out.DType() != dtypes.Float32 {
		return nil, errors.Errorf("score has dtype %s, want float32", out.DType())
	}
	return gmath.Rows(tensors.MustCopyFlatData[float32](out), d), nil
}

// SampleWithPrior is Samples that also returns each sample's starting point, the prior draw
// the reverse SDE began from (sampler coordinates): to see where outlying samples come from.
func (tr *Trainer) SampleWithPrior(n int) (samples, prior [][]float64, err error) {
	if n <= 0 {
		return nil, nil, errors.Errorf("number of samples must be positive, got %d", n)
	}
	flat, d := tr.sde.Prior(tr.rng, n), tr.Target.Dim
	if samples, err = tr.sampling.GenerateFrom(flat); err != nil {
		return nil, nil, err
	}
	return samples, gmath.Rows(flat, d), nil
}
