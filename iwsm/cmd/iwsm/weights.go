package main

import (
	"flag"
	"fmt"
	"math"
	"strconv"

	"github.com/pkg/errors"

	"github.com/iwsm-go/iwsm/iwsm/config"
	"github.com/iwsm-go/iwsm/iwsm/estimator"
	"github.com/iwsm-go/iwsm/iwsm/method"
	"github.com/iwsm-go/iwsm/iwsm/npyfile"
	"github.com/iwsm-go/iwsm/iwsm/preset"
	"github.com/iwsm-go/iwsm/iwsm/target"
	"github.com/iwsm-go/iwsm/xla"
)

// cmdWeights is `iwsm weights`: for each row of -points, the log proposal density of the
// replay buffer -buffer convolved with the noise kernel at -sigma, the K-sample Monte Carlo
// estimate of log p_t (up to log Z) and the log importance weight, as an N×3 float64 .npy
// (estimator.LogWeights), so that a user can check IWSM's weights on their own data.
//
// With -coords target (the default, as `iwsm energy`) rows and σ are in the target's own
// coordinates and both log densities are densities there (the sampler's minus
// dEff·log Scale; the weight is the same in both); with -coords sampler they are in the
// coordinates the diffusion runs in (x/50 for the mixtures).
func cmdWeights(args []string) error {
	fs := flag.NewFlagSet("weights", flag.ContinueOnError)
	name := fs.String("target", "", "target name (see 'iwsm targets')")
	bufPath := fs.String("buffer", "", "replay buffer .npy, M×d, float32 or float64")
	ptsPath := fs.String("points", "", "points x_t .npy, N×d")
	sigmaStr := fs.String("sigma", "", "noise level σ_t (> 0), in the coordinates -coords names")
	k := fs.Int("k", 0, "Monte Carlo samples K (0: the target's K in its paper configuration, e.g. 500 for gmm40)")
	coords := fs.String("coords", "target", "coordinates of rows and σ: target (the target's own, as samples.npy) or sampler "+
		"(those the diffusion runs in: x/50 for gmm40, x/100 for gmm80, x/150 for gmm120; the same for the particle systems)")
	seed := fs.Uint64("seed", 1, "seed of the Monte Carlo draws (and of the as-coded denominator's buffer draws)")
	copies := fs.Int("copies", 0, "L ≥ 2: the points are consecutive groups of L noised copies of one clean point each, weighted "+
		"within their group as iwsm-code trains (a 4th column: the normalised weight); 0: IWSM's weights")
	denominator := fs.String("denominator", config.DenominatorAsCoded, "log q of the copy-wise weights: as-coded (the paper code's), own-kernel or buffer-density")
	draws := fs.Int("draws", preset.CodeDenominatorDraws, "M, the buffer draws of the as-coded denominator")
	cleanPath := fs.String("clean", "", "the groups' clean points .npy (one row per group; the own-kernel denominator needs them)")
	out := fs.String("out", "", "output .npy, N×3 float64: log proposal density, log p_t estimate (+ log Z), log weight; with -copies a 4th column, the weight")
	if err := parse(fs, args, "target", "buffer", "points", "sigma", "out"); err != nil {
		return err
	}
	if *coords != "target" && *coords != "sampler" {
		return usageError{fmt.Sprintf("weights: -coords must be target or sampler, got %q", *coords)}
	}
	sigma, err := strconv.ParseFloat(*sigmaStr, 64)
	if err != nil || !(sigma > 0) || math.IsInf(sigma, 0) {
		return errors.Errorf("weights: -sigma must be a positive finite number, got %q", *sigmaStr)
	}
	t, err := target.ByName(*name)
	if err != nil {
		return err
	}
	K := *k
	if K == 0 {
		cfg, err := preset.For(t, method.IWSM.Name, "paper")
		if err != nil {
			return err
		}
		K = cfg.K
	}
	if K < 0 {
		return errors.Errorf("weights: -k must be positive, got %d", K)
	}
	if *copies == 1 || *copies < 0 {
		return usageError{fmt.Sprintf("weights: -copies must be 0 (IWSM's weights) or at least 2, got %d", *copies)}
	}
	paths := []string{*bufPath, *ptsPath}
	if *cleanPath != "" {
		paths = append(paths, *cleanPath)
	}
	rows := map[string][][]float64{}
	for _, path := range paths {
		r, err := npyfile.Read(path)
		if err != nil {
			return err
		}
		if err := t.CheckRows(r); err != nil {
			return errors.WithMessage(err, path)
		}
		rows[path] = r
	}
	buffer, points, clean := rows[*bufPath], rows[*ptsPath], rows[*cleanPath]
	jacobian := 0.0 // log-density shift from sampler to target coordinates
	if *coords == "target" {
		buffer, points, clean, sigma = t.FromTargetCoords(buffer), t.FromTargetCoords(points), t.FromTargetCoords(clean), sigma/t.Scale
		jacobian = -float64(estimator.EffectiveDim(t)) * math.Log(t.Scale)
	}
	backend, err := xla.Backend()
	if err != nil {
		return err
	}
	var logq, logp, logw, weights []float64
	qShift := jacobian // the as-coded denominator is no density: no change of coordinates applies
	if *copies >= 2 {
		logq, logp, logw, weights, err = estimator.CopyLogWeights(backend, t, buffer, clean, points, sigma, K, *copies, *denominator, *draws, *seed)
		if *denominator == config.DenominatorAsCoded {
			qShift = 0
		}
	} else {
		logq, logp, logw, err = estimator.LogWeights(backend, t, buffer, points, sigma, K, *seed)
	}
	if err != nil {
		return errors.WithMessage(err, "weights")
	}
	table := make([][]float64, len(points))
	for i := range table {
		table[i] = []float64{logq[i] + qShift, logp[i] + jacobian, logw[i] + jacobian - qShift}
		if weights != nil {
			table[i] = append(table[i], weights[i])
		}
	}
	if err := npyfile.Write(*out, table); err != nil {
		return err
	}
	fmt.Printf("%s: %d points, buffer %d, σ %s (%s coordinates), K %d: normalised ESS of the weights %.3g -> %s\n",
		t.Name, len(points), len(buffer), *sigmaStr, *coords, K, ess(logw), *out)
	return nil
}

// ess is the normalised effective sample size (Σw)²/(n Σw²) of log weights, in log space;
// non-finite log weights count as zero weight.
func ess(logw []float64) float64 {
	mx := math.Inf(-1)
	for _, v := range logw {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			mx = math.Max(mx, v)
		}
	}
	var s1, s2 float64
	for _, v := range logw {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			w := math.Exp(v - mx)
			s1, s2 = s1+w, s2+w*w
		}
	}
	return s1 * s1 / (float64(len(logw)) * s2)
}
