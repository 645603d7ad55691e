// Package store keeps ivrbox's configuration and data in one bbolt file under
// the data directory: the schema version and serial number (bucket "meta"),
// the config (bucket "config", key "current": an export document as written
// by config.Marshal, without the serial), and buckets reserved for other
// packages (Bucket* constants) which they reach through DB.
//
// Every write is one bbolt transaction, synced to disk before it returns, so a
// power cut leaves either the old or the new config. Open creates a fresh
// file with the factory defaults and a generated serial, migrates an older
// file step by step (each step one transaction), and refuses a file from a
// newer firmware. The current config lives in memory and readers never touch
// the disk: Config returns a deep copy to edit, Current the shared read-only
// snapshot (an atomic pointer swapped by every commit) for hot paths.
//
// The store never stores a config that config.Validate rejects, never opens
// the file with NoSync, and never changes the serial after it is generated.
package store
