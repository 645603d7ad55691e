package config

import (
	"slices"
	"testing"
)

func TestMediaEncryption(t *testing.T) {
	tests := []struct {
		name string
		edit func(c *Config)
		want []string
	}{
		{"trunk required", func(c *Config) { c.Trunks[0].MediaEncryption = EncryptionRequired }, nil},
		{"trunk optional", func(c *Config) { c.Trunks[0].MediaEncryption = EncryptionOptional }, nil},
		{"trunk off", func(c *Config) { c.Trunks[0].MediaEncryption = EncryptionOff }, nil},
		{"system required", func(c *Config) { c.System.MediaEncryption = EncryptionRequired }, nil},
		{"trunk unknown", func(c *Config) { c.Trunks[0].MediaEncryption = "srtp" }, []string{
			`trunks[0].media_encryption: "srtp" must be off, optional or required`}},
		{"system unknown", func(c *Config) { c.System.MediaEncryption = "on" }, []string{
			`system.media_encryption: "on" must be off, optional or required`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := telephony(t)
			tt.edit(&c)
			var got []string
			for _, p := range Problems(Validate(c)) {
				got = append(got, p.Error())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
	if (Trunk{}).Encryption() != EncryptionOff || (System{MediaEncryption: EncryptionOptional}).Encryption() != EncryptionOptional {
		t.Error("Encryption defaults")
	}
}
