package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ivrbox/ivrbox/api/admin"
)

const fleetUsage = `usage:
  ivrbox fleet push -from URL -to URL [-to URL...]   make the -to boxes identical to -from (config and prompts)
  ivrbox fleet drain -box URL [-grace SECONDS]       take a box out of service (-grace -1: never hang up)
  ivrbox fleet undrain -box URL                      put it back in service
  ivrbox fleet status -box URL                       show whether it is draining
Admin API tokens: IVRBOX_TOKEN (or -token-file) for -box; IVRBOX_FROM_TOKEN
and IVRBOX_TO_TOKEN (or -from-token-file, -to-token-file) for push, the same
token for every -to box.`

// urls collects repeated -to flags.
type urls []string

func (u *urls) String() string     { return strings.Join(*u, ",") }
func (u *urls) Set(s string) error { *u = append(*u, s); return nil }

// runFleet implements `ivrbox fleet push|drain|undrain|status`, talking to
// running boxes over their admin API.
func runFleet(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(fleetUsage)
	}
	sub := args[0]
	fs := flag.NewFlagSet("ivrbox fleet "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var to urls
	from := fs.String("from", "", "the box to copy from (base URL, e.g. http://192.168.1.30:8080)")
	fs.Var(&to, "to", "a box to make identical (repeatable)")
	boxURL := fs.String("box", "", "the box to drain, undrain or show")
	grace := fs.Int("grace", -2, "drain: seconds before the calls left are hung up (-1 never; default: the box's system.drain_seconds)")
	tokenFile := fs.String("token-file", "", "file holding -box's admin API token")
	fromFile := fs.String("from-token-file", "", "file holding -from's admin API token")
	toFile := fs.String("to-token-file", "", "file holding the -to boxes' admin API token")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q\n%s", fs.Arg(0), fleetUsage)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	c := &http.Client{}
	switch sub {
	case "push":
		return fleetPush(ctx, c, stdout, *from, to, *fromFile, *toFile)
	case "drain", "undrain", "status":
		if err := admin.CheckBoxURL(*boxURL); err != nil {
			return fmt.Errorf("-box: %w", err)
		}
		token, err := tokenOf("IVRBOX_TOKEN", *tokenFile)
		if err != nil {
			return err
		}
		return fleetDrain(ctx, c, stdout, sub, *boxURL, token, *grace)
	}
	return fmt.Errorf("unknown fleet command %q\n%s", sub, fleetUsage)
}

// tokenOf reads a token from file, else from the environment variable env.
func tokenOf(env, file string) (string, error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(data)), nil
	}
	if t := os.Getenv(env); t != "" {
		return t, nil
	}
	return "", fmt.Errorf("no admin API token: set %s or give its -...token-file", env)
}

// fleetPush copies -from's bundle to every -to box, one after the other.
func fleetPush(ctx context.Context, c *http.Client, stdout io.Writer, from string, to []string, fromFile, toFile string) error {
	if err := admin.CheckBoxURL(from); err != nil {
		return fmt.Errorf("-from: %w", err)
	}
	if len(to) == 0 {
		return errors.New("push: give at least one -to box")
	}
	for _, u := range to {
		if err := admin.CheckBoxURL(u); err != nil {
			return fmt.Errorf("-to: %w", err)
		}
	}
	fromToken, err := tokenOf("IVRBOX_FROM_TOKEN", fromFile)
	if err != nil {
		return err
	}
	toToken, err := tokenOf("IVRBOX_TO_TOKEN", toFile)
	if err != nil {
		return err
	}
	body, err := admin.FetchBundle(ctx, c, from, fromToken)
	if err != nil {
		return fmt.Errorf("fetch from %s: %w", from, err)
	}
	bundle, err := io.ReadAll(body) // once, for every target
	body.Close()
	if err != nil {
		return fmt.Errorf("fetch from %s: %w", from, err)
	}
	for _, u := range to {
		res, err := admin.PushBundle(ctx, c, bytes.NewReader(bundle), u, toToken)
		if err != nil {
			return fmt.Errorf("push to %s: %w", u, err)
		}
		fmt.Fprintf(stdout, "%s: %d IVRs, %d prompt files\n", u, res.IVRs, res.Prompts)
	}
	return nil
}

// fleetDrain drains, undrains or shows one box and prints its drain state.
func fleetDrain(ctx context.Context, c *http.Client, stdout io.Writer, sub, base, token string, grace int) error {
	method, body := http.MethodGet, []byte(nil)
	switch sub {
	case "drain":
		method = http.MethodPost
		if grace >= -1 {
			body = fmt.Appendf(nil, `{"grace_seconds":%d}`, grace)
		}
	case "undrain":
		method = http.MethodDelete
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(base, "/")+admin.Prefix+"drain", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %d: %.300s", base, res.StatusCode, data)
	}
	var st admin.DrainState
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("%s: bad answer: %w", base, err)
	}
	state := "in service"
	if st.Draining {
		state = "draining since " + st.Since.Format(time.RFC3339)
	}
	fmt.Fprintf(stdout, "%s: %s, %d calls\n", base, state, st.Calls)
	return nil
}
