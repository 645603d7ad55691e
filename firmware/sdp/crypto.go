package sdp

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
)

// SRTP crypto suites of SDES (RFC 4568 section 6.2) that ivrbox supports.
// Both use a 128-bit AES master key and a 112-bit salt; they differ in the
// length of the authentication tag.
const (
	SuiteAES80 = "AES_CM_128_HMAC_SHA1_80"
	SuiteAES32 = "AES_CM_128_HMAC_SHA1_32"
)

// KeyLen is the length of an inline key: master key (16) and salt (14).
const KeyLen = 30

// maxMKILen bounds the MKI length we accept (RFC 4568 allows 1-128 bytes;
// real agents use 1-4).
const maxMKILen = 4

// Suites lists the supported suites in the order we prefer them.
var Suites = []string{SuiteAES80, SuiteAES32}

// Key is an SRTP master key and salt (key||salt). It never prints: String,
// GoString and LogValue give "[redacted]", so a Media or Crypto that ends
// up in a log line or an error shows no key.
type Key []byte

// String returns "[redacted]".
func (Key) String() string { return "[redacted]" }

// GoString returns "[redacted]".
func (Key) GoString() string { return "[redacted]" }

// LogValue hides the key from log/slog.
func (Key) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// MarshalText hides the key from encoders (JSON logs of a Media).
func (Key) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }

// Crypto is one a=crypto attribute with an inline SDES key:
// "a=crypto:<tag> <suite> inline:<key||salt>[|lifetime][|MKI:length]".
type Crypto struct {
	// Tag identifies the attribute in an offer; the answer names the tag it
	// accepts (1-999999999).
	Tag int
	// Suite is SuiteAES80 or SuiteAES32.
	Suite string
	// Key is the master key and salt, KeyLen bytes.
	Key Key
	// Lifetime is the key's lifetime in packets; 0 when not given (the
	// suite's maximum). Calls are far shorter than the smallest lifetime
	// we accept (2^20 packets, 5.8 hours of 20 ms audio), so keys are
	// never renewed within a call.
	Lifetime uint64
	// MKI is the master key identifier the sender appends to each packet
	// (MKILen bytes, big-endian); MKILen 0 means none.
	MKI    uint32
	MKILen int
}

// minLifetime is the smallest key lifetime we accept (see Crypto.Lifetime).
const minLifetime = 1 << 20

// String describes c without its key.
func (c Crypto) String() string {
	return fmt.Sprintf("%d %s inline:[redacted]", c.Tag, c.Suite)
}

// GoString describes c without its key.
func (c Crypto) GoString() string { return "sdp.Crypto{" + c.String() + "}" }

// LogValue hides the key from log/slog.
func (c Crypto) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MKIBytes returns the MKI as the bytes that end each packet, nil if none.
func (c Crypto) MKIBytes() []byte {
	if c.MKILen == 0 {
		return nil
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], c.MKI)
	return b[4-c.MKILen:]
}

// attribute is the a=crypto value with its key, for the SDP we send.
func (c Crypto) attribute() string {
	s := strconv.Itoa(c.Tag) + " " + c.Suite + " inline:" + base64.StdEncoding.EncodeToString(c.Key)
	if c.Lifetime != 0 {
		s += "|" + strconv.FormatUint(c.Lifetime, 10)
	}
	if c.MKILen != 0 {
		s += "|" + strconv.FormatUint(uint64(c.MKI), 10) + ":" + strconv.Itoa(c.MKILen)
	}
	return s
}

// NewCrypto makes a crypto attribute with a fresh random key.
func NewCrypto(tag int, suite string) (Crypto, error) {
	key := make(Key, KeyLen)
	if _, err := rand.Read(key); err != nil {
		return Crypto{}, fmt.Errorf("sdp: srtp key: %w", err)
	}
	return Crypto{Tag: tag, Suite: suite, Key: key}, nil
}

// ParseCrypto parses the value of an a=crypto attribute (what follows
// "a=crypto:"). An attribute that is well formed but that we cannot use (an
// unknown suite, a key method other than inline, several keys, session
// parameters) yields ErrUnsupported; a malformed one, ErrCrypto. Errors
// never quote the key.
func ParseCrypto(value string) (Crypto, error) {
	fields := strings.Fields(value)
	if len(fields) < 3 {
		return Crypto{}, fmt.Errorf("%w: want <tag> <suite> inline:<key>, got %d fields", ErrCrypto, len(fields))
	}
	tag, err := strconv.Atoi(fields[0])
	if err != nil || tag < 1 || tag > 999999999 || len(fields[0]) > 9 {
		return Crypto{}, fmt.Errorf("%w: tag %q is not 1-999999999", ErrCrypto, clip(fields[0]))
	}
	c := Crypto{Tag: tag, Suite: fields[1]}
	if c.Suite != SuiteAES80 && c.Suite != SuiteAES32 {
		return Crypto{}, fmt.Errorf("%w: suite %q (tag %d)", ErrUnsupported, clip(c.Suite), tag)
	}
	if len(fields) > 3 {
		return Crypto{}, fmt.Errorf("%w: session parameters %q (tag %d)", ErrUnsupported, clip(strings.Join(fields[3:], " ")), tag)
	}
	params := fields[2]
	if strings.Contains(params, ";") {
		return Crypto{}, fmt.Errorf("%w: more than one key (tag %d)", ErrUnsupported, tag)
	}
	method, info, ok := strings.Cut(params, ":")
	if !ok {
		return Crypto{}, fmt.Errorf("%w: no key method, want inline:<key> (tag %d)", ErrUnsupported, tag)
	}
	if !strings.EqualFold(method, "inline") {
		return Crypto{}, fmt.Errorf("%w: key method %q is not inline (tag %d)", ErrUnsupported, clip(method), tag)
	}
	if err := c.parseKeyInfo(info); err != nil {
		return Crypto{}, fmt.Errorf("%w (tag %d)", err, tag)
	}
	return c, nil
}

// parseKeyInfo reads "<base64 key||salt>[|lifetime][|MKI:length]".
func (c *Crypto) parseKeyInfo(info string) error {
	parts := strings.Split(info, "|")
	if len(parts) > 3 {
		return fmt.Errorf("%w: %d '|' fields in key", ErrCrypto, len(parts))
	}
	key, err := base64.StdEncoding.DecodeString(parts[0])
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(parts[0]) // some agents drop the padding
	}
	if err != nil {
		return fmt.Errorf("%w: key is not base64", ErrCrypto)
	}
	if len(key) != KeyLen {
		return fmt.Errorf("%w: key is %d bytes, want %d (16 of key, 14 of salt)", ErrCrypto, len(key), KeyLen)
	}
	c.Key = key
	for _, p := range parts[1:] {
		if mki, size, isMKI := strings.Cut(p, ":"); isMKI {
			if c.MKILen != 0 {
				return fmt.Errorf("%w: two MKIs", ErrCrypto)
			}
			if err := c.parseMKI(mki, size); err != nil {
				return err
			}
			continue
		}
		if c.Lifetime != 0 || c.MKILen != 0 {
			return fmt.Errorf("%w: lifetime %q out of place", ErrCrypto, clip(p))
		}
		if c.Lifetime, err = parseLifetime(p); err != nil {
			return err
		}
	}
	return nil
}

// parseMKI reads the MKI value and its length in bytes.
func (c *Crypto) parseMKI(value, size string) error {
	n, err := strconv.Atoi(size)
	if err != nil || n < 1 || n > 128 {
		return fmt.Errorf("%w: MKI length %q is not 1-128", ErrCrypto, clip(size))
	}
	if n > maxMKILen {
		return fmt.Errorf("%w: MKI length %d over %d bytes", ErrUnsupported, n, maxMKILen)
	}
	v, err := strconv.ParseUint(value, 10, 32)
	if err != nil || (n < 4 && v >= 1<<(8*n)) {
		return fmt.Errorf("%w: MKI %q does not fit %d bytes", ErrCrypto, clip(value), n)
	}
	c.MKI, c.MKILen = uint32(v), n
	return nil
}

// parseLifetime reads "2^N" or a decimal number of packets.
func parseLifetime(s string) (uint64, error) {
	var v uint64
	if exp, ok := strings.CutPrefix(s, "2^"); ok {
		n, err := strconv.Atoi(exp)
		if err != nil || n < 0 || n > 48 {
			return 0, fmt.Errorf("%w: lifetime %q is not 2^0-2^48", ErrCrypto, clip(s))
		}
		v = 1 << n
	} else {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 || n > 1<<48 {
			return 0, fmt.Errorf("%w: lifetime %q is not a packet count up to 2^48", ErrCrypto, clip(s))
		}
		v = n
	}
	if v < minLifetime {
		return 0, fmt.Errorf("%w: key lifetime of %d packets is shorter than a call may last (2^20)", ErrUnsupported, v)
	}
	return v, nil
}

// AnswerCrypto picks the attribute of an offer's stream we accept, the
// first usable one in the offer's order, and makes our key for it (the
// same tag and suite). ok is false when the offer carries none.
func AnswerCrypto(offer Media) (ours, theirs Crypto, ok bool, err error) {
	if len(offer.Crypto) == 0 {
		return Crypto{}, Crypto{}, false, nil
	}
	theirs = offer.Crypto[0]
	ours, err = NewCrypto(theirs.Tag, theirs.Suite)
	if err != nil {
		return Crypto{}, Crypto{}, false, err
	}
	return ours, theirs, true, nil
}

// Accepted matches an answer to the attributes we offered: the answer
// must name exactly one of our tags, with its suite. ok is false for an
// answer without keys (plain RTP); an answer whose key we cannot match
// yields ErrCrypto.
func Accepted(offered []Crypto, answer Media) (ours, theirs Crypto, ok bool, err error) {
	switch len(answer.Crypto) {
	case 0:
		return Crypto{}, Crypto{}, false, nil
	case 1:
	default:
		return Crypto{}, Crypto{}, false, fmt.Errorf("%w: answer has %d a=crypto attributes, want 1", ErrCrypto, len(answer.Crypto))
	}
	theirs = answer.Crypto[0]
	for _, c := range offered {
		if c.Tag == theirs.Tag {
			if c.Suite != theirs.Suite {
				return Crypto{}, Crypto{}, false, fmt.Errorf("%w: answer's tag %d has suite %s, we offered %s", ErrCrypto, c.Tag, theirs.Suite, c.Suite)
			}
			return c, theirs, true, nil
		}
	}
	return Crypto{}, Crypto{}, false, fmt.Errorf("%w: answer's tag %d is not one we offered", ErrCrypto, theirs.Tag)
}

// OfferCrypto makes our offer's attributes: one per supported suite, each
// with its own fresh key, tags 1 and up in Suites order.
func OfferCrypto() ([]Crypto, error) {
	out := make([]Crypto, 0, len(Suites))
	for i, s := range Suites {
		c, err := NewCrypto(i+1, s)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
