package config

import "testing"

// FuzzCheckNumbers: any document gives problems or none, never a panic,
// and a document it passes decodes its numbers.
func FuzzCheckNumbers(f *testing.F) {
	f.Add([]byte(`{"version": 2, "ivrs": [{"number": "6500", "digit_timeout": "abc"}]}`))
	f.Add([]byte(`{"ivrs": [{"keys": {"1": {"api": {"timeout": null}, "next": {"record": {"max_seconds": 1.5}}}}]}`))
	f.Add([]byte(`{"system": {"max_calls": 1e99}}`))
	f.Add([]byte(`[1, 2]`))
	f.Add([]byte(`{"outbound_routes": [{"strip": "x"}], "disks": [{"number": true}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		probs := CheckNumbers(data, &Config{}, "")
		if len(probs) > maxProblems {
			t.Fatalf("%d problems", len(probs))
		}
		for _, p := range probs {
			if p.Field == "" || p.Code == "" {
				t.Fatalf("problem %+v", p)
			}
		}
	})
}
