package store

import (
	"encoding/json"
	"fmt"

	"go.etcd.io/bbolt"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// Schema version 1 layout, read only by migrate1to2:
//
//	meta    schema = "1", sn = serial
//	config  system = System as JSON
//	ivrs    <number> = one IVR as JSON, version 1 fields (digit_timeout_ms,
//	        wait_ms); the key is the IVR's number
//
// Version 2 keeps the whole config as one export document (config/current),
// so that the web page's and the importer's whole-config writes are one Put.
var (
	v1KeySystem  = []byte("system")
	v1BucketIVRs = []byte("ivrs")
)

// migrate1to2 assembles the version 1 records into a version 1 export
// document, converts it with config.Import (config's 1→2 step, then
// validation), and stores the result as config/current, removing the old
// records.
func migrate1to2(tx *bbolt.Tx) error {
	cfg := tx.Bucket([]byte(BucketConfig))
	if cfg == nil {
		return fmt.Errorf("%w: no %q bucket", ErrNotStore, BucketConfig)
	}
	system := json.RawMessage(cfg.Get(v1KeySystem))
	if system == nil {
		system = json.RawMessage("{}")
	}
	ivrs := []json.RawMessage{}
	if b := tx.Bucket(v1BucketIVRs); b != nil {
		err := b.ForEach(func(k, v []byte) error {
			var ivr map[string]json.RawMessage
			if err := json.Unmarshal(v, &ivr); err != nil {
				return fmt.Errorf("ivrs/%q: %w", k, err)
			}
			if ivr == nil {
				ivr = map[string]json.RawMessage{}
			}
			ivr["number"], _ = json.Marshal(string(k))
			raw, err := json.Marshal(ivr)
			if err != nil {
				return fmt.Errorf("ivrs/%q: %w", k, err)
			}
			ivrs = append(ivrs, raw)
			return nil
		})
		if err != nil {
			return err
		}
	}
	doc, err := json.Marshal(map[string]any{"version": 1, "system": system, "ivrs": ivrs})
	if err != nil {
		return fmt.Errorf("config/system: %w", err)
	}
	c, err := config.Import(doc)
	if err != nil {
		return err
	}
	meta := tx.Bucket([]byte(BucketMeta))
	if c.System.SN != "" && meta.Get(keySN) == nil {
		if err := meta.Put(keySN, []byte(c.System.SN)); err != nil {
			return err
		}
	}
	data, err := encode(c)
	if err != nil {
		return err
	}
	if err := cfg.Delete(v1KeySystem); err != nil {
		return err
	}
	if err := cfg.Put(keyCurrent, data); err != nil {
		return err
	}
	if tx.Bucket(v1BucketIVRs) != nil {
		return tx.DeleteBucket(v1BucketIVRs)
	}
	return nil
}
