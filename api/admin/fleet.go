package admin

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/media/prompt"
)

// A fleet bundle is a box's whole configuration, prompts included: a
// gzipped tar of config.json (the export document, as GET backup gives)
// followed by prompts/<file> for every uploaded prompt file. PUT
// fleet/bundle makes a box identical to the one that made it.
const (
	bundleConfig  = "config.json"
	bundlePrompts = "prompts/"
	// BundleType is the bundle's media type.
	BundleType = "application/gzip"
	// maxBundle bounds a bundle's compressed size and maxBundleFiles its
	// prompt files.
	maxBundle      = 1 << 30
	maxBundleFiles = 20000
)

// getBundle answers the box's fleet bundle.
func (a *API) getBundle(w http.ResponseWriter, r *http.Request) error {
	c := a.opt.Store.Config()
	local, err := a.localPrompts()
	if err != nil {
		return err
	}
	name := fmt.Sprintf("ivrbox-fleet-%s-%s.tar.gz", c.System.SN, a.opt.Now().Format("20060102-150405"))
	w.Header().Set("Content-Type", BundleType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if err := a.writeBundle(w, c, local); err != nil {
		a.log.Warn("admin: fleet bundle cut short", "err", err, "addr", clientAddr(r))
	}
	return nil
}

// writeBundle writes c and the local prompt files as a bundle.
func (a *API) writeBundle(w io.Writer, c config.Config, local map[string]promptJSON) error {
	doc, err := config.Marshal(c)
	if err != nil {
		return err
	}
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	now := a.opt.Now()
	if err := tw.WriteHeader(&tar.Header{Name: bundleConfig, Mode: 0o640, Size: int64(len(doc)), ModTime: now}); err != nil {
		return err
	}
	if _, err := tw.Write(doc); err != nil {
		return err
	}
	root, err := os.OpenRoot(a.opt.PromptDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(local)) {
		if err := bundleFile(tw, root, local[name].File); err != nil {
			return err
		}
	}
	if root != nil {
		_ = root.Close()
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

// bundleFile adds the prompt file (a path inside root) to tw.
func bundleFile(tw *tar.Writer, root *os.Root, file string) error {
	f, err := root.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	hdr := &tar.Header{Name: bundlePrompts + file, Mode: 0o640, Size: info.Size(), ModTime: info.ModTime()}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err = io.CopyN(tw, f, info.Size())
	return err
}

// putBundle makes this box identical to the bundle's: its prompt files
// written (each checked like an upload), the local prompts it lacks
// removed, then its configuration stored (validated first: a bad one
// changes nothing). The box keeps its own serial number, admin
// credentials and stored passwords.
func (a *API) putBundle(w http.ResponseWriter, r *http.Request) error {
	save := func(name, ext string, data []byte) error {
		_, err := a.savePrompt(name, ext, data)
		return err
	}
	c, kept, err := parseBundle(http.MaxBytesReader(w, r.Body, maxBundle), save)
	if err != nil {
		return err
	}
	if err := a.removePromptsBut(kept); err != nil {
		return err
	}
	a.opt.Prompts.Expire()
	if err := a.opt.Store.Replace(c); err != nil {
		return storeError(err, "bundle "+bundleConfig)
	}
	a.log.Info("admin: fleet bundle applied", "ivrs", len(c.IVRs), "prompts", len(kept), "addr", clientAddr(r))
	writeJSON(w, http.StatusOK, BundleResult{IVRs: len(c.IVRs), Prompts: len(kept)})
	return nil
}

// parseBundle reads a bundle: its configuration (imported: migrated and
// validated) and its prompt files, each checked (name, size, audio) and
// handed to save. It returns the configuration and the prompt names saved.
func parseBundle(r io.Reader, save func(name, ext string, data []byte) error) (config.Config, map[string]bool, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return config.Config{}, nil, httpErr(http.StatusBadRequest, "not a fleet bundle (a gzipped tar): %v", err)
	}
	tr := tar.NewReader(zr)
	hdr, err := tr.Next()
	if err != nil || hdr.Name != bundleConfig || hdr.Typeflag != tar.TypeReg {
		return config.Config{}, nil, httpErr(http.StatusBadRequest, "not a fleet bundle: it must start with %s", bundleConfig)
	}
	doc, err := readEntry(tr, hdr, maxConfigBody)
	if err != nil {
		return config.Config{}, nil, err
	}
	c, err := config.Import(doc)
	if err != nil {
		return config.Config{}, nil, importError(err, "bundle "+bundleConfig)
	}
	kept, err := readBundlePrompts(tr, save)
	return c, kept, err
}

// BundleResult answers PUT fleet/bundle and POST fleet/push: what the
// receiving box applied.
type BundleResult struct {
	IVRs    int `json:"ivrs"`
	Prompts int `json:"prompts"`
}

// readBundlePrompts saves the bundle's prompt files and returns their names.
func readBundlePrompts(tr *tar.Reader, save func(name, ext string, data []byte) error) (map[string]bool, error) {
	kept := map[string]bool{}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return kept, nil
		}
		if err != nil {
			return kept, httpErr(http.StatusBadRequest, "fleet bundle unreadable: %v", err)
		}
		file, ok := strings.CutPrefix(hdr.Name, bundlePrompts)
		if !ok || hdr.Typeflag != tar.TypeReg {
			return kept, httpErr(http.StatusBadRequest, "fleet bundle: unexpected entry %.80q", hdr.Name)
		}
		if len(kept) >= maxBundleFiles {
			return kept, httpErr(http.StatusRequestEntityTooLarge, "fleet bundle: more than %d prompt files", maxBundleFiles)
		}
		name, ext := stripAudioExt(file), promptExt(file)
		if err := checkPromptName(name); err != nil || ext == "" || path.Clean(file) != file {
			return kept, httpErr(http.StatusBadRequest, "fleet bundle: %.80q is not a prompt file name", file)
		}
		data, err := readEntry(tr, hdr, maxUpload)
		if err != nil {
			return kept, err
		}
		if _, err := prompt.Decode(file, data, 0); err != nil {
			return kept, httpErr(http.StatusUnsupportedMediaType, "fleet bundle: %.80q is not audio ivrbox can play: %v", file, err)
		}
		if err := save(name, ext, data); err != nil {
			return kept, err
		}
		kept[name] = true
	}
}

// readEntry reads the tar entry hdr, at most limit bytes.
func readEntry(tr *tar.Reader, hdr *tar.Header, limit int64) ([]byte, error) {
	if hdr.Size > limit {
		return nil, httpErr(http.StatusRequestEntityTooLarge, "fleet bundle: %.80q is %d bytes, the limit is %d", hdr.Name, hdr.Size, limit)
	}
	data, err := io.ReadAll(tr)
	if err != nil {
		return nil, httpErr(http.StatusBadRequest, "fleet bundle: %.80q unreadable: %v", hdr.Name, err)
	}
	return data, nil
}

// removePromptsBut removes every local prompt whose name is not in keep.
func (a *API) removePromptsBut(keep map[string]bool) error {
	local, err := a.localPrompts()
	if err != nil {
		return err
	}
	for name := range local {
		if !keep[name] {
			if _, err := a.removePrompt(name); err != nil {
				return err
			}
		}
	}
	return nil
}

// pushBody is POST fleet/push: the box to make identical to this one (its
// HTTP(S) base URL, e.g. "http://192.168.1.31:8080") and an admin API token
// of that box.
type pushBody struct {
	URL   string `json:"url"`
	Token string `json:"token"`
}

// postPush sends this box's bundle to another box.
func (a *API) postPush(w http.ResponseWriter, r *http.Request) error {
	var body pushBody
	if err := decodeJSON(w, r, maxJSONBody, &body); err != nil {
		return err
	}
	if err := CheckBoxURL(body.URL); err != nil {
		return &HTTPError{Code: http.StatusUnprocessableEntity, Msg: err.Error(), Problems: []Problem{{Field: "url", Problem: err.Error()}}}
	}
	local, err := a.localPrompts()
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(a.writeBundle(pw, a.opt.Store.Config(), local)) }()
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Minute)
	defer cancel()
	res, err := PushBundle(ctx, http.DefaultClient, pr, body.URL, body.Token)
	_ = pr.CloseWithError(io.ErrClosedPipe) // ends the writer if the push stopped early
	if err != nil {
		a.log.Warn("admin: fleet push failed", "target", body.URL, "err", err, "addr", clientAddr(r))
		return &HTTPError{Code: http.StatusBadGateway, Msg: "push to " + body.URL + ": " + err.Error(), Err: err}
	}
	a.log.Info("admin: fleet push done", "target", body.URL, "prompts", res.Prompts, "addr", clientAddr(r))
	writeJSON(w, http.StatusOK, res)
	return nil
}

// CheckBoxURL checks the base URL of a box: http or https, a host, no
// path beyond "/".
func CheckBoxURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		return fmt.Errorf("%.100q is not a box's URL (like http://192.168.1.31:8080)", s)
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.User != nil:
		return fmt.Errorf("%.100q: give only scheme, host and port", s)
	}
	return nil
}

// PushBundle sends a bundle (from GET fleet/bundle) to the box at base
// (CheckBoxURL) with its admin API token, and returns what it applied.
func PushBundle(ctx context.Context, c *http.Client, bundle io.Reader, base, token string) (BundleResult, error) {
	var out BundleResult
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, strings.TrimSuffix(base, "/")+Prefix+"fleet/bundle", bundle)
	if err != nil {
		return out, err
	}
	req.Header.Set("Content-Type", BundleType)
	req.Header.Set("Authorization", "Bearer "+token)
	err = doJSON(c, req, &out)
	return out, err
}

// FetchBundle starts downloading the bundle of the box at base; the caller
// closes it.
func FetchBundle(ctx context.Context, c *http.Client, base, token string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+Prefix+"fleet/bundle", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		defer res.Body.Close()
		return nil, answerError(res)
	}
	return res.Body, nil
}
