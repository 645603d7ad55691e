package sdp

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
)

// testKey is a fixed key for golden files: bytes 0..29.
func testKey(first byte) Key {
	k := make(Key, KeyLen)
	for i := range k {
		k[i] = first + byte(i)
	}
	return k
}

var testKeyB64 = base64.StdEncoding.EncodeToString(testKey(0))

func TestParseCrypto(t *testing.T) {
	k := testKeyB64
	tests := []struct {
		name    string
		value   string
		want    Crypto
		wantErr error
	}{
		{name: "80", value: "1 AES_CM_128_HMAC_SHA1_80 inline:" + k, want: Crypto{Tag: 1, Suite: SuiteAES80, Key: testKey(0)}},
		{name: "32", value: "7 AES_CM_128_HMAC_SHA1_32 inline:" + k, want: Crypto{Tag: 7, Suite: SuiteAES32, Key: testKey(0)}},
		{name: "lifetime power", value: "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|2^31", want: Crypto{Tag: 1, Suite: SuiteAES80, Key: testKey(0), Lifetime: 1 << 31}},
		{name: "lifetime decimal and MKI", value: "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|1048576|1:4", want: Crypto{Tag: 1, Suite: SuiteAES80, Key: testKey(0), Lifetime: 1 << 20, MKI: 1, MKILen: 4}},
		{name: "MKI only", value: "2 AES_CM_128_HMAC_SHA1_32 inline:" + k + "|3:1", want: Crypto{Tag: 2, Suite: SuiteAES32, Key: testKey(0), MKI: 3, MKILen: 1}},
		{name: "unpadded base64", value: "1 AES_CM_128_HMAC_SHA1_80 inline:" + strings.TrimRight(k, "="), want: Crypto{Tag: 1, Suite: SuiteAES80, Key: testKey(0)}},
		{name: "tabs between fields", value: "1\tAES_CM_128_HMAC_SHA1_80\tinline:" + k, want: Crypto{Tag: 1, Suite: SuiteAES80, Key: testKey(0)}},
		{name: "too few fields", value: "1 AES_CM_128_HMAC_SHA1_80", wantErr: ErrCrypto},
		{name: "empty", value: "", wantErr: ErrCrypto},
		{name: "tag zero", value: "0 AES_CM_128_HMAC_SHA1_80 inline:" + k, wantErr: ErrCrypto},
		{name: "tag not a number", value: "x AES_CM_128_HMAC_SHA1_80 inline:" + k, wantErr: ErrCrypto},
		{name: "tag too long", value: "1234567890 AES_CM_128_HMAC_SHA1_80 inline:" + k, wantErr: ErrCrypto},
		{name: "unknown suite", value: "1 AEAD_AES_256_GCM inline:" + k, wantErr: ErrUnsupported},
		{name: "F8 suite", value: "1 F8_128_HMAC_SHA1_80 inline:" + k, wantErr: ErrUnsupported},
		{name: "session parameter", value: "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + " UNENCRYPTED_SRTP", wantErr: ErrUnsupported},
		{name: "two keys", value: "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|2^20|1:4;inline:" + k + "|2^20|2:4", wantErr: ErrUnsupported},
		{name: "other key method", value: "1 AES_CM_128_HMAC_SHA1_80 uri:" + k, wantErr: ErrUnsupported},
		{name: "no key method", value: "1 AES_CM_128_HMAC_SHA1_80 " + k, wantErr: ErrUnsupported},
		{name: "not base64", value: "1 AES_CM_128_HMAC_SHA1_80 inline:!!!not-base64!!!", wantErr: ErrCrypto},
		{name: "short key", value: "1 AES_CM_128_HMAC_SHA1_80 inline:" + base64.StdEncoding.EncodeToString(make([]byte, 16)), wantErr: ErrCrypto},
		{name: "long key", value: "1 AES_CM_128_HMAC_SHA1_80 inline:" + base64.StdEncoding.EncodeToString(make([]byte, 46)), wantErr: ErrCrypto},
		{name: "short lifetime", value: "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|2^10", wantErr: ErrUnsupported},
		{name: "lifetime over 2^48", value: "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|2^49", wantErr: ErrCrypto},
		{name: "lifetime garbage", value: "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|soon", wantErr: ErrCrypto},
		{name: "lifetime after MKI", value: "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|1:4|2^20", wantErr: ErrCrypto},
		{name: "two MKIs", value: "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|1:4|2:4", wantErr: ErrCrypto},
		{name: "MKI length zero", value: "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|1:0", wantErr: ErrCrypto},
		{name: "MKI too long for us", value: "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|1:16", wantErr: ErrUnsupported},
		{name: "MKI value too big", value: "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|256:1", wantErr: ErrCrypto},
		{name: "too many fields", value: "1 AES_CM_128_HMAC_SHA1_80 inline:" + k + "|2^20|1:4|x", wantErr: ErrCrypto},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCrypto(tt.value)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), k[:20]) {
					t.Fatalf("error quotes the key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Tag != tt.want.Tag || got.Suite != tt.want.Suite || !bytes.Equal(got.Key, tt.want.Key) ||
				got.Lifetime != tt.want.Lifetime || got.MKI != tt.want.MKI || got.MKILen != tt.want.MKILen {
				t.Errorf("got %#v (lifetime %d mki %d/%d)", got, got.Lifetime, got.MKI, got.MKILen)
			}
			back, err := ParseCrypto(got.attribute())
			if err != nil || !bytes.Equal(back.Key, got.Key) || back.Lifetime != got.Lifetime || back.MKI != got.MKI {
				t.Errorf("attribute %q does not read back: %v", got.attribute(), err)
			}
		})
	}
}

func TestMKIBytes(t *testing.T) {
	c := Crypto{MKI: 0x0102, MKILen: 3}
	if got := c.MKIBytes(); !bytes.Equal(got, []byte{0, 1, 2}) {
		t.Errorf("MKIBytes = %x", got)
	}
	if (Crypto{}).MKIBytes() != nil {
		t.Error("MKIBytes without MKI is not nil")
	}
}

// TestKeysNeverPrint: a key is redacted however a Crypto, a Media or an
// error holding one is printed or logged.
func TestKeysNeverPrint(t *testing.T) {
	offer := withHead("m=audio 4000 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"+testKeyB64)
	m, err := Negotiate(offer, g711)
	if err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logged, nil))
	log.Info("offer", "media", m, "crypto", m.Crypto[0], "key", m.Crypto[0].Key, "list", m.Crypto)
	log.Info("offer", "media", fmt.Sprint(m))
	outputs := []string{
		fmt.Sprint(m), fmt.Sprintf("%+v", m), fmt.Sprintf("%#v", m), fmt.Sprintf("%v", m.Crypto),
		fmt.Sprintf("%+v", m.Crypto[0]), fmt.Sprintf("%#v", m.Crypto[0]), fmt.Sprintf("%x", m.Crypto[0].Key),
		fmt.Sprintf("%s", m.Crypto[0].Key), logged.String(),
	}
	raw := string(testKey(0))
	hex := fmt.Sprintf("%x", []byte(testKey(0)))
	for _, out := range outputs {
		if strings.Contains(out, testKeyB64[:16]) || strings.Contains(out, raw) || strings.Contains(out, hex[:16]) {
			t.Errorf("key shows in %q", out)
		}
	}
	_, err = Parse(withHead("m=audio 4000 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"+testKeyB64+"|2^99"))
	if !errors.Is(err, ErrCrypto) || strings.Contains(err.Error(), testKeyB64[:16]) {
		t.Errorf("err = %v: want ErrCrypto without the key", err)
	}
}

func TestParseSecure(t *testing.T) {
	k2 := base64.StdEncoding.EncodeToString(testKey(100))
	tests := []struct {
		name     string
		body     []byte
		profile  string
		wantTags []int
		wantErr  error
	}{
		{name: "SAVP two suites", body: withHead("m=audio 4000 RTP/SAVP 0 101", "a=rtpmap:101 telephone-event/8000",
			"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"+testKeyB64, "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:"+k2), profile: "RTP/SAVP", wantTags: []int{1, 2}},
		{name: "SAVPF", body: withHead("m=audio 4000 RTP/SAVPF 0", "a=crypto:3 AES_CM_128_HMAC_SHA1_32 inline:"+k2), profile: "RTP/SAVPF", wantTags: []int{3}},
		{name: "unknown suites skipped", body: withHead("m=audio 4000 RTP/SAVP 0", "a=crypto:1 AEAD_AES_256_GCM inline:"+testKeyB64,
			"a=crypto:2 AES_256_CM_HMAC_SHA1_80 inline:"+testKeyB64, "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:"+k2), profile: "RTP/SAVP", wantTags: []int{3}},
		{name: "only unknown suites", body: withHead("m=audio 4000 RTP/SAVP 0", "a=crypto:1 AEAD_AES_256_GCM inline:"+testKeyB64), wantErr: ErrCrypto},
		{name: "best effort AVP", body: withHead("m=audio 4000 RTP/AVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"+testKeyB64), profile: "RTP/AVP", wantTags: []int{1}},
		{name: "plain", body: withHead("m=audio 4000 RTP/AVP 0"), profile: "RTP/AVP"},
		{name: "malformed crypto", body: withHead("m=audio 4000 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:short"), wantErr: ErrCrypto},
		{name: "malformed crypto in plain stream", body: withHead("m=audio 4000 RTP/AVP 0", "a=crypto:x"), wantErr: ErrCrypto},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse(tt.body)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var tags []int
			for _, c := range d.Audio.Crypto {
				tags = append(tags, c.Tag)
			}
			if d.Audio.Profile != tt.profile || fmt.Sprint(tags) != fmt.Sprint(tt.wantTags) {
				t.Errorf("profile %s tags %v, want %s %v", d.Audio.Profile, tags, tt.profile, tt.wantTags)
			}
		})
	}
}

func TestSecureGolden(t *testing.T) {
	ours := []Crypto{{Tag: 1, Suite: SuiteAES80, Key: testKey(0)}, {Tag: 2, Suite: SuiteAES32, Key: testKey(50)}}
	off := Offer(local, 7, 1, ours...)
	golden(t, "offer_savp.sdp", off)
	golden(t, "offer_best_effort.sdp", OfferBestEffort(local, 7, 1, ours))
	d, err := Parse(off)
	if err != nil || !d.Audio.Secure() || len(d.Audio.Crypto) != 2 || !bytes.Equal(d.Audio.Crypto[1].Key, ours[1].Key) {
		t.Fatalf("offer reads back as %+v, %v", d, err)
	}

	// The far end answers with tag 2 and its own key.
	peer := Crypto{Tag: 2, Suite: SuiteAES32, Key: testKey(100)}
	ans := Answer(netip.MustParseAddrPort("192.0.2.20:6000"), Media{Codecs: []uint8{PCMU}, Profile: "RTP/SAVP"}, 9, 1, peer)
	golden(t, "answer_savp.sdp", ans)
	m, err := ParseAnswer(ans)
	if err != nil {
		t.Fatal(err)
	}
	mine, theirs, ok, err := Accepted(ours, m)
	if err != nil || !ok || mine.Tag != 2 || !bytes.Equal(mine.Key, ours[1].Key) || !bytes.Equal(theirs.Key, peer.Key) {
		t.Errorf("Accepted = %v %v %v %v", mine, theirs, ok, err)
	}
}

func TestAnswerCryptoAndAccepted(t *testing.T) {
	offer := withHead("m=audio 4000 RTP/SAVP 0", "a=crypto:5 AES_CM_128_HMAC_SHA1_32 inline:"+testKeyB64,
		"a=crypto:6 AES_CM_128_HMAC_SHA1_80 inline:"+testKeyB64)
	m, err := Negotiate(offer, g711)
	if err != nil {
		t.Fatal(err)
	}
	ours, theirs, ok, err := AnswerCrypto(m)
	if err != nil || !ok || ours.Tag != 5 || ours.Suite != SuiteAES32 || theirs.Tag != 5 || len(ours.Key) != KeyLen || bytes.Equal(ours.Key, theirs.Key) {
		t.Fatalf("AnswerCrypto = %v %v %v %v", ours, theirs, ok, err)
	}
	ans, err := Parse(Answer(local, m, 1, 1, ours))
	if err != nil || ans.Audio.Profile != "RTP/SAVP" || len(ans.Audio.Crypto) != 1 || !bytes.Equal(ans.Audio.Crypto[0].Key, ours.Key) {
		t.Fatalf("answer reads back as %+v, %v", ans, err)
	}
	if _, _, ok, _ := AnswerCrypto(Media{}); ok {
		t.Error("AnswerCrypto without crypto is ok")
	}

	offered, _ := OfferCrypto()
	if len(offered) != 2 || offered[0].Tag != 1 || offered[1].Suite != SuiteAES32 || bytes.Equal(offered[0].Key, offered[1].Key) {
		t.Fatalf("OfferCrypto = %v", offered)
	}
	for name, ans := range map[string]Media{
		"unknown tag": {Crypto: []Crypto{{Tag: 9, Suite: SuiteAES80, Key: testKey(0)}}},
		"wrong suite": {Crypto: []Crypto{{Tag: 1, Suite: SuiteAES32, Key: testKey(0)}}},
		"two crypto":  {Crypto: []Crypto{{Tag: 1, Suite: SuiteAES80}, {Tag: 2, Suite: SuiteAES32}}},
	} {
		if _, _, _, err := Accepted(offered, ans); !errors.Is(err, ErrCrypto) {
			t.Errorf("%s: err = %v, want ErrCrypto", name, err)
		}
	}
	if _, _, ok, err := Accepted(offered, Media{}); ok || err != nil {
		t.Errorf("plain answer: ok %v err %v", ok, err)
	}
}
