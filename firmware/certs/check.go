package certs

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"slices"
	"time"
)

// CheckPair parses an uploaded certificate chain (PEM, leaf first) and
// private key (PEM: PKCS #8, EC or PKCS #1) and refuses, with an error
// wrapping ErrInvalid that says why, a pair that is not PEM, whose key does
// not match the certificate, that is expired or not yet valid at now, or
// whose certificate is not usable for TLS server authentication.
func CheckPair(certPEM, keyPEM []byte, now time.Time) (*tls.Certificate, error) {
	chain, err := parseChain(certPEM)
	if err != nil {
		return nil, err
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, err
	}
	leaf := chain[0]
	if !samePublic(leaf.PublicKey, key) {
		for _, x := range chain[1:] {
			if samePublic(x.PublicKey, key) {
				return nil, fmt.Errorf("%w: the key is that of a later certificate in the chain; put the server certificate first", ErrInvalid)
			}
		}
		return nil, fmt.Errorf("%w: the private key does not match the certificate (upload the key the certificate was issued for)", ErrInvalid)
	}
	for i := 1; i < len(chain); i++ {
		if chain[i-1].CheckSignatureFrom(chain[i]) != nil {
			return nil, fmt.Errorf("%w: certificate %d of the chain is not signed by certificate %d; put the issuers in order after the server certificate", ErrInvalid, i, i+1)
		}
	}
	if now.After(leaf.NotAfter) {
		return nil, fmt.Errorf("%w: the certificate expired on %s", ErrInvalid, leaf.NotAfter.UTC().Format(time.DateTime+" MST"))
	}
	if now.Before(leaf.NotBefore) {
		return nil, fmt.Errorf("%w: the certificate is not valid before %s", ErrInvalid, leaf.NotBefore.UTC().Format(time.DateTime+" MST"))
	}
	if err := checkServerUse(leaf); err != nil {
		return nil, err
	}
	c := &tls.Certificate{PrivateKey: key, Leaf: leaf}
	for _, x := range chain {
		c.Certificate = append(c.Certificate, x.Raw)
	}
	return c, nil
}

// parseChain reads the CERTIFICATE blocks of data.
func parseChain(data []byte) ([]*x509.Certificate, error) {
	var chain []*x509.Certificate
	for rest := bytes.TrimSpace(data); len(rest) > 0; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			if len(chain) == 0 && isKeyType(b.Type) {
				return nil, fmt.Errorf("%w: the certificate field holds a private key (%s); put it in the key field", ErrInvalid, b.Type)
			}
			continue
		}
		x, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate %d of the chain cannot be parsed: %v", ErrInvalid, len(chain)+1, err)
		}
		chain = append(chain, x)
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("%w: no PEM certificate found (want a -----BEGIN CERTIFICATE----- block)", ErrInvalid)
	}
	return chain, nil
}

// parseKey reads the first private key block of data.
func parseKey(data []byte) (crypto.Signer, error) {
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, fmt.Errorf("%w: no PEM private key found (want a -----BEGIN PRIVATE KEY----- block, unencrypted)", ErrInvalid)
		}
		if !isKeyType(b.Type) {
			continue
		}
		if _, encrypted := b.Headers["DEK-Info"]; encrypted || b.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, fmt.Errorf("%w: the private key is encrypted; upload it without a passphrase", ErrInvalid)
		}
		var k any
		var err error
		switch b.Type {
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		default:
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: the private key cannot be parsed: %v", ErrInvalid, err)
		}
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("%w: unsupported private key type %T", ErrInvalid, k)
		}
		return s, nil
	}
}

func isKeyType(t string) bool {
	return t == "PRIVATE KEY" || t == "EC PRIVATE KEY" || t == "RSA PRIVATE KEY" || t == "ENCRYPTED PRIVATE KEY"
}

// samePublic reports whether the certificate's public key is key's.
func samePublic(pub crypto.PublicKey, key crypto.Signer) bool {
	p, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && p.Equal(pub)
}

// checkServerUse refuses a certificate whose key usages exclude TLS server
// authentication.
func checkServerUse(leaf *x509.Certificate) error {
	if len(leaf.ExtKeyUsage) > 0 || len(leaf.UnknownExtKeyUsage) > 0 {
		if !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) && !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageAny) {
			return fmt.Errorf("%w: the certificate is not for a TLS server (its extended key usage lacks serverAuth)", ErrInvalid)
		}
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageKeyEncipherment) == 0 {
		return fmt.Errorf("%w: the certificate is not for a TLS server (its key usage allows neither digitalSignature nor keyEncipherment)", ErrInvalid)
	}
	return nil
}
