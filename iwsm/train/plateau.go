package train

import "math"

// Plateau lowers the learning rate when a monitored loss stops improving: PyTorch's
// ReduceLROnPlateau in mode "min" with a relative threshold and no cooldown, the schedule of
// iDEM's model config (factor 0.1, patience 10, on the validation loss every 10 epochs).
// A value counts as an improvement when it is below Best·(1 − Threshold); after more than
// Patience checks in a row without one, the rate is multiplied by Factor and the count
// restarts. The zero Plateau (Best nil) has seen no value yet. It is part of the trainer's
// checkpointed state, so a resumed run continues the same schedule.
type Plateau struct {
	Factor    float64 `json:"factor"`
	Patience  int     `json:"patience"`
	Threshold float64 `json:"threshold"`
	// Best is the lowest value seen (nil before the first) and Bad the number of checks since.
	Best *float64 `json:"best,omitempty"`
	Bad  int      `json:"bad"`
}

// Step records one value of the monitored loss and returns the learning rate to use from now
// on, given the current one. A non-finite value counts as no improvement.
func (p *Plateau) Step(value, lr float64) float64 {
	improved := !math.IsNaN(value) && !math.IsInf(value, 0) && (p.Best == nil || value < *p.Best*(1-p.Threshold))
	if improved {
		v := value
		p.Best, p.Bad = &v, 0
		return lr
	}
	p.Bad++
	if p.Bad <= p.Patience {
		return lr
	}
	p.Bad = 0
	if next := lr * p.Factor; lr-next > 1e-8 { // PyTorch's eps: changes smaller than 1e-8 are ignored
		return next
	}
	return lr
}
