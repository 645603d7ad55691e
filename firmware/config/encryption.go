package config

// Media encryption settings (Trunk.MediaEncryption,
// System.MediaEncryption): whether a call's RTP is SRTP, keyed by SDES
// (RFC 4568: the keys travel in the SDP, so they are only as private as
// the signalling: use them with SIP over TLS).
const (
	// EncryptionOff is plain RTP: offers are RTP/AVP without keys, and an
	// RTP/SAVP offer is refused (488).
	EncryptionOff = "off"
	// EncryptionOptional is SRTP when the peer does it: outbound offers
	// are RTP/AVP with a=crypto keys (best effort), inbound offers with
	// keys are answered with SRTP and plain ones with plain RTP.
	EncryptionOptional = "optional"
	// EncryptionRequired is SRTP or no call: outbound offers are RTP/SAVP
	// and a plain answer ends the leg (488); a plain inbound offer gets 488.
	EncryptionRequired = "required"
)

// Encryption is the trunk's media encryption: MediaEncryption, or
// EncryptionOff when empty.
func (t Trunk) Encryption() string { return encryptionOr(t.MediaEncryption) }

// Encryption is the media encryption of calls placed to the box (by
// phones, softphones and trunks alike) and of calls the box places to its
// registered accounts: MediaEncryption, or EncryptionOff when empty.
func (s System) Encryption() string { return encryptionOr(s.MediaEncryption) }

func encryptionOr(v string) string {
	if v == "" {
		return EncryptionOff
	}
	return v
}

// encryption checks a media_encryption value.
func (v *validator) encryption(p, value string) {
	switch value {
	case "", EncryptionOff, EncryptionOptional, EncryptionRequired:
	default:
		v.add(p, "%q must be off, optional or required", value)
	}
}
