package train

import (
	"math"
	"testing"
)

// TestPlateauMatchesPyTorch replays a loss sequence through Plateau and compares the learning
// rates with those PyTorch 1.13's ReduceLROnPlateau produced for the same sequence, recorded
// with:
//
//	opt = torch.optim.Adam([p], lr=1e-3)
//	s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode='min', factor=0.1, patience=3)
//	for m in metrics: s.step(m); print(opt.param_groups[0]['lr'])
func TestPlateauMatchesPyTorch(t *testing.T) {
	metrics := []float64{5, 4, 4.0001, 3.99999, 4.2, 4.1, 4.0, 3.9995, 3.9, 3.95, 3.96, 3.97, 3.98, 3.99, 3.9, 3.8,
		3.81, 3.82, 3.83, 3.84, 3.85, 3.86, 3.87, 3.88, 3.89, 3.90, 3.91, 3.92}
	pytorch := []float64{0.001, 0.001, 0.001, 0.001, 0.001, 0.0001, 0.0001, 0.0001, 0.0001, 0.0001, 0.0001, 0.0001,
		1e-05, 1e-05, 1e-05, 1e-05, 1e-05, 1e-05, 1e-05, 1e-06, 1e-06, 1e-06, 1e-06, 1e-07, 1e-07, 1e-07, 1e-07, 1e-08}
	p := Plateau{Factor: 0.1, Patience: 3, Threshold: 1e-4}
	lr := 1e-3
	for i, m := range metrics {
		lr = p.Step(m, lr)
		if math.Abs(lr-pytorch[i]) > 1e-12 {
			t.Fatalf("step %d (loss %v): learning rate %v, PyTorch %v", i, m, lr, pytorch[i])
		}
	}
	// A NaN loss is never an improvement.
	q := Plateau{Factor: 0.5, Patience: 0, Threshold: 1e-4}
	if lr := q.Step(math.NaN(), 1); lr != 0.5 {
		t.Errorf("NaN with patience 0: learning rate %v, want 0.5", lr)
	}
}
