package notebook

import "github.com/iwsm-go/iwsm/iwsm/config"

// With returns cfg with overrides applied, "key=value" as on the command line
// (config.Config.Set: notebook.With(cfg, "epochs=180", "k=500")), or stops the cell with one
// line naming the bad key or value. The changed settings appear in the run's label in tables.
func With(cfg config.Config, overrides ...string) config.Config {
	Must(cfg.Apply(nil, overrides))
	return cfg
}
