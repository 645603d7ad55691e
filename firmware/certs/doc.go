// Package certs keeps the box's TLS server certificate: made on first start
// (ECDSA P-256, self-signed, named after the box's host name, its serial
// number (subject serialNumber and DNS name ivrbox-<serial>), "localhost",
// its LAN addresses and 127.0.0.1), stored as PEM in the store's secrets
// bucket (so never in a config export), renewed 30 days before it expires,
// and replaceable by an uploaded certificate and key that are checked before
// use.
//
// Servers take their TLS configuration from Manager.ServerTLS: its
// GetCertificate reads the current certificate at every handshake, so a
// replacement (upload, regeneration, renewal) applies without a restart.
//
// The package never logs or returns the private key but to the store.
package certs
