package config

import (
	"strings"
	"testing"
)

// Every budget shrinks the paper settings to a valid configuration, cpu and smoke are smaller
// than paper, and each impossible setting names its field.
func TestShrinkAndValidate(t *testing.T) {
	for _, b := range Budgets {
		c := Base("x", "iwsm")
		c.SigmaMin, c.SigmaMax = 1e-3, 1
		if err := c.Shrink(b); err != nil {
			t.Fatal(err)
		}
		if c.Budget != b || c.Validate() != nil {
			t.Errorf("%s: budget %q, validate %v", b, c.Budget, c.Validate())
		}
		if b != "paper" && (c.Epochs >= 1000 || c.IntegrationSteps >= 1000) {
			t.Errorf("%s: %d epochs, %d SDE steps: not reduced", b, c.Epochs, c.IntegrationSteps)
		}
	}
	c := Base("x", "iwsm")
	if err := c.Shrink("huge"); err == nil || !strings.Contains(err.Error(), "smoke, cpu, paper") {
		t.Errorf("unknown budget: %v", err)
	}
	ok := Base("x", "iwsm")
	ok.SigmaMin, ok.SigmaMax = 1e-3, 1
	for field, mutate := range map[string]func(*Config){
		"sigma_min":        func(c *Config) { c.SigmaMin = 0 },
		"k":                func(c *Config) { c.K = 0 },
		"time_groups":      func(c *Config) { c.TimeGroups = 7 },
		"initial_samples":  func(c *Config) { c.InitialSamples = c.BatchSize - 1 },
		"checkpoint_every": func(c *Config) { c.CheckpointEvery = 0 },
		"lr_factor":        func(c *Config) { c.LRFactor = 1 },
		"diffusion_scale":  func(c *Config) { c.DiffusionScale = 0 },
	} {
		c := ok
		mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("%s: error %v does not name the field", field, err)
		}
	}
}
