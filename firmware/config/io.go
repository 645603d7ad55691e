package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MaxDocumentSize is the largest export document Import accepts (4 MiB).
const MaxDocumentSize = 4 << 20

var (
	// ErrTooLarge means a document is over MaxDocumentSize.
	ErrTooLarge = errors.New("config: document larger than 4 MiB")
	// ErrNewerVersion means a document was written by a newer firmware,
	// whose layout this build cannot know.
	ErrNewerVersion = errors.New("config: document is from a newer firmware")
)

// Marshal returns c as an export document: indented JSON, fields in a fixed
// order, map keys sorted, ending in a newline. Nil lists are written as [].
// It fails only with ErrTooLarge, when the document would be over
// MaxDocumentSize (Import could not read it back).
func Marshal(c Config) ([]byte, error) {
	c = c.Clone()
	if c.IVRs == nil {
		c.IVRs = []IVR{}
	}
	for n := range c.IVRs {
		if c.IVRs[n].Prompts == nil {
			c.IVRs[n].Prompts = []string{}
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return nil, fmt.Errorf("config: marshal: %w", err)
	}
	if b.Len() > MaxDocumentSize {
		return nil, fmt.Errorf("%w (%d bytes)", ErrTooLarge, b.Len())
	}
	return b.Bytes(), nil
}

// Export writes c to w as an export document (see Marshal).
func Export(w io.Writer, c Config) error {
	data, err := Marshal(c)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("config: export: %w", err)
	}
	return nil
}

// Import reads an export document: at most MaxDocumentSize bytes, one JSON
// object, no unknown fields. A document from an older schema version is
// migrated (the same steps the store runs); one from a newer version is
// refused with ErrNewerVersion. The result is validated: on any error Import
// returns the zero Config and the error (Validate's joined problems when the
// document is well-formed but invalid; see Problems), so a caller that stores
// only what Import returns without error never stores a broken config.
func Import(data []byte) (Config, error) {
	if len(data) > MaxDocumentSize {
		return Config{}, fmt.Errorf("%w (%d bytes)", ErrTooLarge, len(data))
	}
	version, err := docVersion(data)
	if err != nil {
		return Config{}, err
	}
	if version > SchemaVersion {
		return Config{}, fmt.Errorf("%w: version %d, this firmware reads versions 1 to %d; update the firmware first",
			ErrNewerVersion, version, SchemaVersion)
	}
	if version < 1 {
		return Config{}, fmt.Errorf("config: import: version %d is not a config version (1 to %d)", version, SchemaVersion)
	}
	data, err = migrate(version, data)
	if err != nil {
		return Config{}, err
	}
	if probs := CheckNumbers(data, &Config{}, ""); len(probs) > 0 {
		errs := make([]error, len(probs))
		for n, p := range probs {
			errs[n] = p
		}
		return Config{}, errors.Join(errs...)
	}
	c, err := decodeStrict(data)
	if err != nil {
		return Config{}, err
	}
	if err := Validate(c); err != nil {
		return Config{}, err
	}
	return c, nil
}

// docVersion reads the version field of a JSON object; it also rejects
// anything that is not exactly one JSON value.
func docVersion(data []byte) (int, error) {
	var head struct {
		Version json.RawMessage `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return 0, fmt.Errorf("config: import: not a config document: %w", err)
	}
	if head.Version == nil {
		return 0, errors.New("config: import: version: missing")
	}
	var v int
	if err := json.Unmarshal(head.Version, &v); err != nil {
		return 0, errors.New("config: import: version: not a whole number")
	}
	return v, nil
}

func decodeStrict(data []byte) (Config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c Config
	if err := dec.Decode(&c); err != nil {
		return Config{}, fmt.Errorf("config: import: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Config{}, errors.New("config: import: data after the JSON document")
	}
	return c, nil
}
