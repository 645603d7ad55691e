package config

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Schema migrations of the export document. docSteps[n] turns a version n+1
// document into a version n+2 one; migrate runs them in order, and the store
// runs them (through Import) when it upgrades an older file. A step works on
// the raw JSON object and touches only what changed in its version, so old
// steps stay right when later versions change other fields; the strict decode
// after the last step rejects anything left unknown.
//
// Adding version N+1: raise SchemaVersion, append the N → N+1 step here, and
// add the store's layout step (firmware/store) if the bbolt layout changed.
var docSteps = []func(doc map[string]json.RawMessage) error{
	upgrade1to2,
}

// migrate upgrades a document of the given version to SchemaVersion.
func migrate(version int, data []byte) ([]byte, error) {
	if version == SchemaVersion {
		return data, nil
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("config: import: not a config document: %w", err)
	}
	for v := version; v < SchemaVersion; v++ {
		if err := docSteps[v-1](doc); err != nil {
			return nil, fmt.Errorf("config: migrating version %d to %d: %w", v, v+1, err)
		}
		doc["version"] = json.RawMessage(strconv.Itoa(v + 1))
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("config: migrating version %d: %w", version, err)
	}
	return out, nil
}

// upgrade1to2: version 1 kept an IVR's digit timeout and wait in milliseconds
// (digit_timeout_ms, wait_ms); version 2 keeps whole seconds (digit_timeout,
// wait). Milliseconds round up, so a short non-zero time never becomes 0
// (which means "default").
func upgrade1to2(doc map[string]json.RawMessage) error {
	raw, ok := doc["ivrs"]
	if !ok {
		return nil
	}
	var ivrs []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &ivrs); err != nil {
		return fmt.Errorf("ivrs: %w", err)
	}
	renames := [...]struct{ old, new string }{
		{"digit_timeout_ms", "digit_timeout"},
		{"wait_ms", "wait"},
	}
	for n, ivr := range ivrs {
		for _, r := range renames {
			raw, ok := ivr[r.old]
			if !ok {
				continue
			}
			if _, both := ivr[r.new]; both {
				return fmt.Errorf("ivrs[%d]: both %s and %s", n, r.old, r.new)
			}
			var ms int64
			if err := json.Unmarshal(raw, &ms); err != nil {
				return fmt.Errorf("ivrs[%d].%s: not a whole number of milliseconds", n, r.old)
			}
			if ms < 0 {
				return fmt.Errorf("ivrs[%d].%s: %d must not be negative", n, r.old, ms)
			}
			secs := ms / 1000
			if ms%1000 != 0 {
				secs++
			}
			delete(ivr, r.old)
			ivr[r.new] = json.RawMessage(strconv.FormatInt(secs, 10))
		}
	}
	out, err := json.Marshal(ivrs)
	if err != nil {
		return fmt.Errorf("ivrs: %w", err)
	}
	doc["ivrs"] = out
	return nil
}
