package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/pkg/errors"
)

// fixedKeys name the run rather than configure it: they come from the command line's
// -target and -budget (a budget is a set of defaults, not a setting).
var fixedKeys = map[string]string{"target": "-target", "budget": "-budget"}

// Merge applies a full or partial configuration in JSON (as `iwsm config` prints it) over
// c: the keys it holds replace c's values, the others are kept. An unknown key, a value of
// the wrong type, or a key that names the run (target, budget) is an error naming it.
func (c *Config) Merge(raw []byte) error {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		return errors.Wrap(err, "configuration is not a JSON object")
	}
	for k := range keys { // encoding/json matches keys case-insensitively, so must this
		if flag, ok := fixedKeys[strings.ToLower(k)]; ok {
			return errors.Errorf("setting %q cannot be overridden: use %s", k, flag)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	next := *c
	if next.PT != nil { // decode into a copy: c's PT is left as it was on an error
		pt := *next.PT
		next.PT = &pt
	}
	if err := dec.Decode(&next); err != nil {
		msg := err.Error()
		if i := strings.Index(msg, "unknown field "); i >= 0 {
			return errors.Errorf("unknown setting %s (see `iwsm config` for the keys)", msg[i+len("unknown field "):])
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return errors.Errorf("setting %q must be a %s, got a JSON %s", te.Field, te.Type, te.Value)
		}
		return errors.Wrap(err, "decoding the configuration")
	}
	*c = next
	return nil
}

// Set applies one override "key=value", the key a JSON name of the configuration (nested with
// a dot: net.hidden, egnn.layers) and the value JSON (a number, true/false, or a string with
// or without quotes): Set("epochs=180"), Set("k=500"), Set("augment_distribution=gaussian").
func (c *Config) Set(assignment string) error {
	key, value, ok := strings.Cut(assignment, "=")
	key = strings.TrimSpace(key)
	if !ok || key == "" {
		return errors.Errorf("override %q: want key=value, e.g. epochs=180", assignment)
	}
	var v any
	if err := json.Unmarshal([]byte(value), &v); err != nil {
		v = value // a bare string
	}
	if v == nil {
		return errors.Errorf("override %q: a setting cannot be null; give a value", assignment)
	}
	doc := any(v)
	parts := strings.Split(key, ".")
	for i := len(parts) - 1; i >= 0; i-- {
		doc = map[string]any{parts[i]: doc}
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return errors.Wrapf(err, "override %q", assignment)
	}
	if err := c.Merge(raw); err != nil {
		return errors.WithMessagef(err, "override %q", assignment)
	}
	return nil
}

// Apply merges the JSON file's configuration (if path is not empty) and then every
// override, in order, and validates the result.
func (c *Config) Apply(raw []byte, overrides []string) error {
	if len(raw) > 0 {
		if err := c.Merge(raw); err != nil {
			return err
		}
	}
	for _, o := range overrides {
		if err := c.Set(o); err != nil {
			return err
		}
	}
	return c.Validate()
}

// Diff lists, as "key=value" in the order of the fields, the settings in which c differs from
// base (nested keys with a dot), leaving out the seed, the devices and the step pieces (how a
// run trains, not what: a run may resume on another number of either): a run's label in
// tables ("iwsm (cpu, epochs=180, k=500)").
func Diff(base, c Config) []string {
	var out []string
	var walk func(prefix string, a, b reflect.Value)
	walk = func(prefix string, a, b reflect.Value) {
		for i := 0; i < a.NumField(); i++ {
			f := a.Type().Field(i)
			name := strings.Split(f.Tag.Get("json"), ",")[0]
			if name == "" {
				name = f.Name // as encoding/json writes an untagged field
			}
			if name == "-" || (prefix == "" && (name == "seed" || name == "devices" || name == "step_pieces")) {
				continue
			}
			if f.Type.Kind() == reflect.Struct {
				walk(prefix+name+".", a.Field(i), b.Field(i))
				continue
			}
			if f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct {
				if a.Field(i).IsNil() && b.Field(i).IsNil() {
					continue
				}
				deref := func(v reflect.Value) reflect.Value { // a missing section compares as its zero value
					if v.IsNil() {
						return reflect.Zero(f.Type.Elem())
					}
					return v.Elem()
				}
				walk(prefix+name+".", deref(a.Field(i)), deref(b.Field(i)))
				continue
			}
			if !reflect.DeepEqual(a.Field(i).Interface(), b.Field(i).Interface()) {
				out = append(out, fmt.Sprintf("%s%s=%v", prefix, name, b.Field(i).Interface()))
			}
		}
	}
	walk("", reflect.ValueOf(base), reflect.ValueOf(c))
	return out
}

// resumable are the settings a resumed run may change: more epochs continue the same run,
// and when checkpoints are taken or how many samples are evaluated does not change what was
// trained.
var resumable = map[string]bool{"epochs": true, "checkpoint_every": true, "eval_samples": true}

// CheckResume reports whether a run saved with configuration saved can continue with next:
// they may differ only in epochs (not below doneEpochs), checkpoint_every, eval_samples and
// devices (which Diff leaves out).
// The error names the settings that differ.
func CheckResume(saved, next Config, doneEpochs int) error {
	var changed []string
	augmentOff := saved.AugmentFraction == 0 && next.AugmentFraction == 0
	for _, d := range Diff(saved, next) {
		key, _, _ := strings.Cut(d, "=")
		if augmentOff && strings.HasPrefix(key, "augment_") {
			continue // no augmentation either way (checkpoints from before these settings have none)
		}
		if !resumable[key] {
			changed = append(changed, d)
		}
	}
	if saved.Seed != next.Seed {
		changed = append(changed, fmt.Sprintf("seed=%d", next.Seed))
	}
	if len(changed) > 0 {
		return errors.Errorf("the checkpoint is of a different run (%s %s %s seed %d; now %s)",
			saved.Target, saved.Method, saved.Budget, saved.Seed, strings.Join(changed, ", "))
	}
	if next.Epochs < doneEpochs {
		return errors.Errorf("the checkpoint has %d epochs done; epochs=%d would go back", doneEpochs, next.Epochs)
	}
	return nil
}
