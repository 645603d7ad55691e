package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ivrbox/ivrbox/firmware/box"
	"github.com/ivrbox/ivrbox/firmware/certs"
)

// runCert implements `ivrbox cert [show|regenerate] [-data DIR]`: show
// prints the HTTPS certificate's fingerprint, names and validity (making
// one when there is none yet, as the box would on start); regenerate
// replaces it, uploaded or not, by a new self-signed one. A running box
// reads the store at start, so restart it after regenerate.
func runCert(args []string, stdout, stderr io.Writer) error {
	sub := "show"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		sub, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("ivrbox cert "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", "data", "data directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || (sub != "show" && sub != "regenerate") {
		return errors.New("usage: ivrbox cert [show|regenerate] [-data DIR]")
	}
	st, err := openStore(*dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	m, err := box.OpenCerts(st, nil)
	if err != nil {
		return err
	}
	info := m.Info()
	if sub == "regenerate" {
		if info, err = m.Regenerate(); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "new certificate made; restart the box to serve it")
	}
	printCert(stdout, info)
	return nil
}

// printCert writes info as "key: value" lines.
func printCert(w io.Writer, info certs.Info) {
	fmt.Fprintf(w, "fingerprint: SHA256 %s\n", info.Fingerprint)
	fmt.Fprintf(w, "source:      %s\n", info.Source)
	fmt.Fprintf(w, "subject:     %s\n", info.Subject)
	fmt.Fprintf(w, "issuer:      %s\n", info.Issuer)
	fmt.Fprintf(w, "names:       %s\n", strings.Join(append(append([]string(nil), info.DNSNames...), info.IPs...), ", "))
	fmt.Fprintf(w, "not before:  %s\n", info.NotBefore.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "not after:   %s\n", info.NotAfter.UTC().Format(time.RFC3339))
}
