package call

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/sdp"
)

func TestAnswerKeys(t *testing.T) {
	theirs, _ := sdp.NewCrypto(3, sdp.SuiteAES32)
	savp := sdp.Media{Profile: "RTP/SAVP", Crypto: []sdp.Crypto{theirs}}
	bestEffort := sdp.Media{Profile: "RTP/AVP", Crypto: []sdp.Crypto{theirs}}
	plain := sdp.Media{Profile: "RTP/AVP"}
	tests := []struct {
		policy string
		m      sdp.Media
		on     bool
		err    bool
	}{
		{config.EncryptionOff, plain, false, false},
		{config.EncryptionOff, bestEffort, false, false},
		{config.EncryptionOff, savp, false, true},
		{config.EncryptionOptional, plain, false, false},
		{config.EncryptionOptional, bestEffort, true, false},
		{config.EncryptionOptional, savp, true, false},
		{config.EncryptionRequired, plain, false, true},
		{config.EncryptionRequired, bestEffort, true, false},
		{config.EncryptionRequired, savp, true, false},
	}
	for _, tt := range tests {
		k, err := answerKeys(tt.policy, tt.m, srtpKeys{})
		if (err != nil) != tt.err || (err != nil && !errors.Is(err, sdp.ErrCrypto)) || k.on != tt.on {
			t.Errorf("%s %s crypto %d: on %v err %v", tt.policy, tt.m.Profile, len(tt.m.Crypto), k.on, err)
		}
		if k.on && (k.ours.Tag != 3 || k.ours.Suite != sdp.SuiteAES32 || len(k.ours.Key) != sdp.KeyLen || k.streamCrypto() == nil) {
			t.Errorf("ours = %v", k.ours)
		}
	}
	// A re-INVITE with the same suite keeps our key.
	k, _ := answerKeys(config.EncryptionOptional, savp, srtpKeys{})
	again, _ := answerKeys(config.EncryptionOptional, savp, k)
	if string(again.ours.Key) != string(k.ours.Key) {
		t.Error("re-offer changed our key")
	}
}

func TestOfferAcceptKeys(t *testing.T) {
	local := netip.MustParseAddrPort("192.0.2.1:4000")
	for _, policy := range []string{config.EncryptionOff, config.EncryptionOptional, config.EncryptionRequired} {
		body, offered, err := offerKeys(policy, local, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		d, err := sdp.Parse(body)
		if err != nil {
			t.Fatal(err)
		}
		wantProfile := map[string]string{config.EncryptionOff: "RTP/AVP", config.EncryptionOptional: "RTP/AVP", config.EncryptionRequired: "RTP/SAVP"}[policy]
		if d.Audio.Profile != wantProfile || len(offered) != len(d.Audio.Crypto) || (policy == config.EncryptionOff) != (len(offered) == 0) {
			t.Errorf("%s: offer %s with %d keys", policy, d.Audio.Profile, len(d.Audio.Crypto))
		}
		// A plain answer.
		k, err := acceptKeys(policy, offered, sdp.Media{Profile: "RTP/AVP"})
		if (policy == config.EncryptionRequired) != errors.Is(err, sdp.ErrCrypto) || k.on {
			t.Errorf("%s: plain answer: on %v err %v", policy, k.on, err)
		}
		if len(offered) == 0 {
			continue
		}
		peer, _ := sdp.NewCrypto(offered[1].Tag, offered[1].Suite)
		k, err = acceptKeys(policy, offered, sdp.Media{Profile: "RTP/SAVP", Crypto: []sdp.Crypto{peer}})
		if err != nil || !k.on || string(k.ours.Key) != string(offered[1].Key) || string(k.theirs.Key) != string(peer.Key) {
			t.Errorf("%s: secure answer: on %v err %v", policy, k.on, err)
		}
	}
}
