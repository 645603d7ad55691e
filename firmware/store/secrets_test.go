package store

import (
	"errors"
	"testing"
)

func TestSecrets(t *testing.T) {
	s := openT(t, tempPath(t))
	if _, err := s.Secret("disk/1/password"); !errors.Is(err, ErrNoSecret) {
		t.Fatalf("missing secret: %v", err)
	}
	if err := s.SetSecret("disk/1/password", "pa:ss"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Secret("disk/1/password"); err != nil || v != "pa:ss" {
		t.Fatalf("Secret = %q, %v", v, err)
	}
	if err := s.SetSecret("", "x"); err == nil {
		t.Fatal("empty key accepted")
	}
	if err := s.DeleteSecret("disk/1/password"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Secret("disk/1/password"); !errors.Is(err, ErrNoSecret) {
		t.Fatalf("after delete: %v", err)
	}
	if err := s.DeleteSecret("never"); err != nil {
		t.Fatalf("delete missing: %v", err)
	}
	_ = s.SetSecret("disk/2/password", "x")
	if err := s.ResetToDefaults(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Secret("disk/2/password"); !errors.Is(err, ErrNoSecret) {
		t.Fatalf("after reset: %v", err)
	}
	_ = s.Close()
	if err := s.SetSecret("a", "b"); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}
