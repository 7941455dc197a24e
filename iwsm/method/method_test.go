package method

import (
	"slices"
	"testing"
)

// The built-in methods come first, in order; bad registrations are refused.
func TestRegistry(t *testing.T) {
	if got := Names(); len(got) < 2 || got[0] != "iwsm" || got[1] != "idem" {
		t.Fatalf("registry %v, want iwsm and idem first", got)
	}
	if m, err := ByName("idem"); err != nil || m.Name != IDEM.Name {
		t.Errorf("ByName(idem) = %v, %v", m.Name, err)
	}
	for name, m := range map[string]Method{
		"empty name": {Weights: IDEM.Weights},
		"upper case": {Name: "IWSM2", Weights: IDEM.Weights},
		"space":      {Name: "a b", Weights: IDEM.Weights},
		"no weights": {Name: "noweights"},
		"taken":      IWSM,
	} {
		if err := Register(m); err == nil {
			t.Errorf("%s: registered", name)
		}
	}
	if c := Compared(); !slices.Equal(c[:2], []string{"iwsm", "idem"}) || slices.Contains(c, IDEMLevels.Name) {
		t.Errorf("compared methods %v: want iwsm and idem, without the ablation", c)
	}
	if slices.Contains(Names(), "noweights") {
		t.Error("a refused method is in the registry")
	}
}

// The parallel-tempering baseline is registered (so `iwsm methods` lists it) as an MCMC
// method without weights, and the notebooks' default comparison leaves it out.
func TestParallelTemperingIsListedNotCompared(t *testing.T) {
	m, err := ByName("pt")
	if err != nil || !m.MCMC || m.Weights != nil || m.Description == "" {
		t.Fatalf("pt: %+v, %v", m, err)
	}
	if slices.Contains(Compared(), "pt") {
		t.Errorf("Compared() %v includes the baseline", Compared())
	}
	if err := Register(Method{Name: "noweights"}); err == nil {
		t.Error("a diffusion method without Weights was registered")
	}
}
