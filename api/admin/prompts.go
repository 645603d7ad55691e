package admin

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ivrbox/ivrbox/firmware/procs"
	"github.com/ivrbox/ivrbox/media/prompt"
	"github.com/ivrbox/ivrbox/media/prompt/builtin"
)

// promptJSON describes one prompt in GET prompts.
type promptJSON struct {
	Name    string `json:"name"`           // what IVRs call it: "notice", "digits/5", "/tmp/media/networkdisk1/notice"
	Builtin bool   `json:"builtin"`        // embedded in the firmware (no local file)
	Disk    int    `json:"disk,omitempty"` // on network disk N
	File    string `json:"file"`           // the file: "notice.wav" (in the prompt folder, built in, or in the disk's folder)
	Size    int64  `json:"size"`           // file size, bytes
	// DurationMS is the decoded length; absent for disk files (listing
	// them must not fetch them) and for files that do not play.
	DurationMS int64     `json:"duration_ms,omitempty"`
	Modified   time.Time `json:"modified,omitzero"` // local and disk files
	Error      string    `json:"error,omitempty"`   // why the file does not play
}

// getPrompts lists the local prompts, the built-ins they do not override
// and the audio files of the mounted network disks, sorted by name.
func (a *API) getPrompts(w http.ResponseWriter, r *http.Request) error {
	list, err := a.promptList(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// getPrompt answers prompts/{name}/audio with the audio, prompts/{name}
// with the prompt's description.
func (a *API) getPrompt(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if n, ok := strings.CutSuffix(name, "/audio"); ok {
		return a.promptAudio(w, r, n)
	}
	if err := checkPromptName(name); err != nil {
		return err
	}
	list, err := a.promptList(r)
	if err != nil {
		return err
	}
	n := slices.IndexFunc(list, func(p promptJSON) bool { return p.Name == name })
	if n < 0 {
		return httpErr(http.StatusNotFound, "no prompt %q", name)
	}
	writeJSON(w, http.StatusOK, list[n])
	return nil
}

// promptList gathers the prompts with their durations (decoding through
// the prompt cache, which keeps them for the calls).
func (a *API) promptList(r *http.Request) ([]promptJSON, error) {
	local, err := a.localPrompts()
	if err != nil {
		return nil, err
	}
	for _, name := range builtin.Names() {
		if _, ok := local[name]; ok {
			continue
		}
		p := promptJSON{Name: name, Builtin: true, File: name + ".wav"}
		if fi, err := fs.Stat(builtin.FS, p.File); err == nil {
			p.Size = fi.Size()
		}
		local[name] = p
	}
	out := make([]promptJSON, 0, len(local))
	for _, p := range local {
		if au, err := a.opt.Prompts.Get(r.Context(), p.Name); err != nil {
			p.Error = err.Error()
		} else {
			p.DurationMS = au.Duration().Milliseconds()
		}
		out = append(out, p)
	}
	out = append(out, a.diskPrompts(r.Context())...)
	slices.SortFunc(out, func(x, y promptJSON) int { return strings.Compare(x.Name, y.Name) })
	return out, nil
}

// localPrompts walks the prompt folder: for each name, the file a prompt
// lookup picks (the first extension in prompt.Extensions order).
func (a *API) localPrompts() (map[string]promptJSON, error) {
	out := map[string]promptJSON{}
	root, err := os.OpenRoot(a.opt.PromptDir)
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer root.Close()
	rank := func(file string) int { return slices.Index(promptExts, promptExt(file)) }
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil // unreadable: not listed
		case p != "." && strings.HasPrefix(d.Name(), "."):
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		case !d.Type().IsRegular() || promptExt(p) == "":
			return nil
		}
		name := stripAudioExt(p)
		if prev, ok := out[name]; ok && rank(prev.File) <= rank(p) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		out[name] = promptJSON{Name: name, File: p, Size: info.Size(), Modified: info.ModTime().UTC()}
		return nil
	})
	return out, err
}

// promptAudio answers the decoded prompt as 8 kHz 16-bit mono WAV.
func (a *API) promptAudio(w http.ResponseWriter, r *http.Request, name string) error {
	if err := checkPromptName(name); err != nil {
		return err
	}
	au, err := a.opt.Prompts.Get(r.Context(), name)
	switch {
	case errors.Is(err, prompt.ErrNotFound):
		return httpErr(http.StatusNotFound, "no prompt %q", name)
	case err != nil:
		return &HTTPError{Code: http.StatusUnprocessableEntity, Msg: "the prompt does not play: " + err.Error(), Err: err,
			Key: "prompt.not_playable", Params: map[string]any{"detail": err.Error()}}
	}
	return writeAudio(w, r, au)
}

// writeAudio answers au as 8 kHz 16-bit mono WAV.
func writeAudio(w http.ResponseWriter, r *http.Request, au *prompt.Audio) error {
	h := w.Header()
	h.Set("Content-Type", "audio/wav")
	h.Set("Content-Length", strconv.Itoa(44+2*len(au.PCM)))
	h.Set("Content-Security-Policy", "default-src 'none'; media-src 'self'; frame-ancestors 'none'")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	_, _ = w.Write(wavHeader(len(au.PCM)))
	buf := make([]byte, 0, 8192)
	for n, s := range au.PCM {
		buf = binary.LittleEndian.AppendUint16(buf, uint16(s))
		if len(buf) == cap(buf) || n == len(au.PCM)-1 {
			if _, err := w.Write(buf); err != nil {
				return nil // the client left
			}
			buf = buf[:0]
		}
	}
	return nil
}

// wavHeader is the 44-byte header of n samples of 8 kHz 16-bit mono PCM.
func wavHeader(n int) []byte {
	le := binary.LittleEndian
	h := make([]byte, 0, 44)
	h = append(h, "RIFF"...)
	h = le.AppendUint32(h, uint32(36+2*n))
	h = append(h, "WAVEfmt "...)
	h = le.AppendUint32(h, 16)
	h = le.AppendUint16(h, 1) // PCM
	h = le.AppendUint16(h, 1) // mono
	h = le.AppendUint32(h, prompt.Rate)
	h = le.AppendUint32(h, prompt.Rate*2)
	h = le.AppendUint16(h, 2)
	h = le.AppendUint16(h, 16)
	h = append(h, "data"...)
	return le.AppendUint32(h, uint32(2*n))
}

// postPrompt stores an uploaded prompt: multipart "file" (at most 20 MiB,
// must decode as audio) and optional "name" (default: the file's name
// without extension).
func (a *API) postPrompt(w http.ResponseWriter, r *http.Request) error {
	u, err := readUpload(w, r, "file", maxUpload)
	if err != nil {
		return err
	}
	name := u.fields["name"]
	if name == "" {
		name = u.filename
	}
	name = stripAudioExt(name)
	if err := checkPromptName(name); err != nil {
		return err
	}
	if u.fields["replace"] == "0" {
		if err := a.refuseExisting(name); err != nil {
			return err
		}
	}
	ext := uploadExt(u.filename, u.data)
	if ext == "" {
		return httpErr(http.StatusUnsupportedMediaType,
			"%q is not audio: upload a WAV or MP3 file (or raw .ulaw, .alaw, .sln with that extension)", u.filename)
	}
	pcm, err := prompt.Decode(name+ext, u.data, 0)
	switch {
	case errors.Is(err, prompt.ErrTooLong):
		return &HTTPError{Code: http.StatusRequestEntityTooLarge, Msg: "audio too long: " + err.Error(), Err: err,
			Key: "prompt.too_long", Params: map[string]any{"max_seconds": int(prompt.DefaultMaxDuration.Seconds()), "detail": err.Error()}}
	case err != nil:
		return &HTTPError{Code: http.StatusUnsupportedMediaType, Err: err,
			Key: "prompt.not_playable", Params: map[string]any{"detail": err.Error()},
			Msg: "not audio that ivrbox can play (" + err.Error() + "): upload a WAV or MP3 file"}
	}
	info, err := a.savePrompt(name, ext, u.data)
	if err != nil {
		return err
	}
	a.opt.Prompts.Expire()
	a.log.Info("admin: prompt uploaded", "name", name, "file", name+ext, "bytes", len(u.data), "addr", clientAddr(r))
	w.Header().Set("Location", Prefix+"prompts/"+name)
	writeJSON(w, http.StatusCreated, promptJSON{Name: name, File: name + ext, Size: info.Size(),
		DurationMS: int64(len(pcm)) * 1000 / prompt.Rate, Modified: info.ModTime().UTC()})
	return nil
}

// savePrompt writes the file name+ext in the prompt folder atomically
// (temporary file, sync, rename) and removes the same name with other
// extensions, which a lookup could pick instead. Everything goes through
// os.Root: nothing outside the folder can be touched.
func (a *API) savePrompt(name, ext string, data []byte) (fs.FileInfo, error) {
	a.promptMu.Lock()
	defer a.promptMu.Unlock()
	if err := os.MkdirAll(a.opt.PromptDir, 0o750); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(a.opt.PromptDir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	if dir := path.Dir(name); dir != "." {
		if err := root.MkdirAll(dir, 0o750); err != nil {
			return nil, &HTTPError{Code: http.StatusConflict, Msg: "cannot make the folder " + dir, Err: err}
		}
	}
	file := name + ext
	tmp := path.Join(path.Dir(name), "."+path.Base(file)+".upload")
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return nil, err
	}
	_, err = f.Write(data)
	if err == nil {
		procs.Borrow(func() { err = f.Sync() }) // lend a processor while the disk works
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = root.Rename(tmp, file)
	}
	if err != nil {
		_ = root.Remove(tmp)
		return nil, err
	}
	for _, e := range promptExts {
		if e != ext {
			if err := root.Remove(name + e); err != nil && !errors.Is(err, fs.ErrNotExist) {
				a.log.Warn("admin: old prompt file not removed", "file", name+e, "err", err)
			}
		}
	}
	return root.Stat(file)
}

// deletePrompt removes a local prompt (every extension of the name); a
// built-in cannot be deleted (403). Deleting a local file that overrides a
// built-in brings the built-in back.
func (a *API) deletePrompt(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("name")
	if err := checkPromptName(name); err != nil {
		return err
	}
	removed, err := a.removePrompt(name)
	if err != nil {
		return err
	}
	if !removed {
		if slices.Contains(builtin.Names(), name) {
			return httpErr(http.StatusForbidden, "%q is a built-in prompt: it cannot be deleted (upload a file of that name to replace it)", name)
		}
		return httpErr(http.StatusNotFound, "no prompt %q", name)
	}
	a.opt.Prompts.Expire()
	a.log.Info("admin: prompt deleted", "name", name, "addr", clientAddr(r))
	return noContent(w)
}

// removePrompt deletes name's files; false if there were none.
func (a *API) removePrompt(name string) (bool, error) {
	a.promptMu.Lock()
	defer a.promptMu.Unlock()
	root, err := os.OpenRoot(a.opt.PromptDir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer root.Close()
	removed := false
	for _, ext := range promptExts {
		err := root.Remove(name + ext)
		switch {
		case err == nil:
			removed = true
		case !errors.Is(err, fs.ErrNotExist):
			return removed, err
		}
	}
	return removed, nil
}

// clearPrompts removes everything in the prompt folder (factory reset).
func (a *API) clearPrompts() error {
	a.promptMu.Lock()
	defer a.promptMu.Unlock()
	root, err := os.OpenRoot(a.opt.PromptDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer root.Close()
	entries, err := fs.ReadDir(root.FS(), ".")
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		errs = append(errs, root.RemoveAll(e.Name()))
	}
	return errors.Join(errs...)
}

// refuseExisting answers 409 prompt.exists when an uploaded or built-in
// prompt has name: an upload with replace=0 must not replace it.
func (a *API) refuseExisting(name string) error {
	local, err := a.localPrompts()
	if err != nil {
		return err
	}
	_, up := local[name]
	bi := slices.Contains(builtin.Names(), name)
	if !up && !bi {
		return nil
	}
	return &HTTPError{Code: http.StatusConflict, Key: "prompt.exists", Params: map[string]any{"name": name, "builtin": bi && !up},
		Msg: "a prompt named \"" + name + "\" exists already: send replace=1 to replace it"}
}
