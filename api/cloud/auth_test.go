package cloud

import (
	"testing"

	"github.com/ivrbox/ivrbox/firmware/config"
)

// TestValidToken: the cloud IVR API takes the tokens that open it — those
// listing it and those listing nothing (made before the WebSocket ivrapi)
// — and refuses a token for the WebSocket ivrapi only, an unknown token
// and an empty one.
func TestValidToken(t *testing.T) {
	c := config.Cloud{Tokens: []config.CloudToken{
		{ID: "old", SHA256: HashToken("old-token")},
		{ID: "cloud", SHA256: HashToken("cloud-token"), APIs: []string{config.APICloud}},
		{ID: "both", SHA256: HashToken("both-token"), APIs: []string{config.APIWS, config.APICloud}},
		{ID: "ws", SHA256: HashToken("ws-token"), APIs: []string{config.APIWS}},
	}}
	for raw, want := range map[string]bool{
		"old-token": true, "cloud-token": true, "both-token": true,
		"ws-token": false, "other-token": false, "": false,
	} {
		if got := validToken(c, raw); got != want {
			t.Errorf("validToken(%q) = %v, want %v", raw, got, want)
		}
	}
}
