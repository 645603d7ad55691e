package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ivrbox/ivrbox/api/admin/auth"
	"github.com/ivrbox/ivrbox/firmware/box"
)

// runPasswd implements `ivrbox passwd [-data DIR]`: it reads a new admin
// password from stdin (twice, without echo, when stdin is a terminal; the
// first line when piped), sets it and ends every web session. It is the way
// back in after a lost password, and a way to skip the first-run setup.
func runPasswd(args []string, stdin *os.File, stderr io.Writer) error {
	fs := flag.NewFlagSet("ivrbox passwd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", "data", "data directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New("usage: ivrbox passwd [-data DIR] (the password is read from stdin)")
	}
	pw, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	if err := auth.CheckPassword(pw); err != nil {
		return fmt.Errorf("nothing changed: %w", err)
	}
	st, err := openStore(*dataDir)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := auth.New(st.DB(), auth.Options{}).SetPassword(context.Background(), pw); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "admin password set in %s; every web session has ended\n", box.StorePath(*dataDir))
	return nil
}

// readPassword reads the new password: from a terminal twice with echo
// off, otherwise one line.
func readPassword(in *os.File, prompt io.Writer) (string, error) {
	if fi, err := in.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		line, err := bufio.NewReader(in).ReadString('\n')
		if err != nil && (err != io.EOF || line == "") {
			return "", fmt.Errorf("reading the password from stdin: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	restore := noEcho(in)
	defer restore()
	rd := bufio.NewReader(in)
	ask := func(q string) (string, error) {
		fmt.Fprint(prompt, q)
		line, err := rd.ReadString('\n')
		fmt.Fprintln(prompt)
		if err != nil {
			return "", fmt.Errorf("reading the password: %w", err)
		}
		return strings.TrimRight(line, "\r\n"), nil
	}
	first, err := ask("New admin password: ")
	if err != nil {
		return "", err
	}
	second, err := ask("Again: ")
	if err != nil {
		return "", err
	}
	if first != second {
		return "", errors.New("the passwords differ; nothing changed")
	}
	return first, nil
}
