package admin

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/disk"
	"github.com/ivrbox/ivrbox/media/prompt"
)

// configuredDisk returns the number of the request's disk, 404 when no
// disk has it.
func (a *API) configuredDisk(r *http.Request) (int, error) {
	n, err := diskNumber(r)
	if err != nil {
		return 0, err
	}
	cfg := a.opt.Store.Config()
	if _, ok := cfg.Disk(n); !ok {
		return 0, httpErr(http.StatusNotFound, "no network disk %d", n)
	}
	return n, nil
}

// diskError maps an error of a disk listing to its answer: 409 not
// mounted, 400 bad path, 404 missing folder, 503 the disk failed (with the
// cause).
func diskError(n int, err error) error {
	switch {
	case errors.Is(err, disk.ErrNoDisk):
		return &HTTPError{Code: http.StatusConflict, Msg: "network disk " + strconv.Itoa(n) + " is not mounted", Err: err}
	case errors.Is(err, disk.ErrBadPath):
		return &HTTPError{Code: http.StatusBadRequest, Msg: err.Error(), Err: err}
	case errors.Is(err, fs.ErrNotExist):
		return &HTTPError{Code: http.StatusNotFound, Msg: err.Error(), Err: err}
	}
	return &HTTPError{Code: http.StatusServiceUnavailable, Msg: err.Error(), Err: err}
}

// getDiskFiles answers GET disks/{n}/files?path=dir: the sub-folders and
// audio files of one folder of the disk.
func (a *API) getDiskFiles(w http.ResponseWriter, r *http.Request) error {
	disks, _, err := a.disks()
	if err != nil {
		return err
	}
	n, err := a.configuredDisk(r)
	if err != nil {
		return err
	}
	dir := r.URL.Query().Get("path")
	if dir != "" {
		if err := checkPromptName(dir); err != nil {
			return err
		}
	}
	// The client leaving must not look like a server that hangs (which
	// tears the connection down): only the disk's own timeout applies.
	list, err := disks.List(context.WithoutCancel(r.Context()), n, dir)
	if err != nil {
		return diskError(n, err)
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// getDiskFile answers GET disks/{n}/files/{path}/audio: the file decoded
// like a prompt (through the prompt cache, as the calls play it), as WAV.
func (a *API) getDiskFile(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := a.disks(); err != nil {
		return err
	}
	n, err := a.configuredDisk(r)
	if err != nil {
		return err
	}
	rel, ok := strings.CutSuffix(r.PathValue("path"), "/audio")
	if !ok {
		return httpErr(http.StatusNotFound, "no such endpoint: want disks/%d/files/<path>/audio", n)
	}
	if err := checkPromptName(rel); err != nil {
		return err
	}
	name := config.MountPrefix(n) + "/" + rel
	au, err := a.opt.Prompts.Get(context.WithoutCancel(r.Context()), name)
	switch {
	case errors.Is(err, prompt.ErrNotFound):
		return httpErr(http.StatusNotFound, "no audio file %q on network disk %d", rel, n)
	case errors.Is(err, prompt.ErrBadName):
		return &HTTPError{Code: http.StatusBadRequest, Msg: err.Error(), Err: err}
	case errors.Is(err, prompt.ErrCorrupt), errors.Is(err, prompt.ErrUnsupported), errors.Is(err, prompt.ErrTooLong):
		return &HTTPError{Code: http.StatusUnprocessableEntity, Msg: "the file does not play: " + err.Error(), Err: err}
	case err != nil:
		return &HTTPError{Code: http.StatusServiceUnavailable, Msg: err.Error(), Err: err}
	}
	return writeAudio(w, r, au)
}

// diskPrompts lists the audio files of every mounted disk as prompts
// (/tmp/media/networkdiskN/<path without extension>), the disks in
// parallel. A disk that is down or slow adds nothing: each listing ends
// within the disk's look-up timeout.
func (a *API) diskPrompts(ctx context.Context) []promptJSON {
	disks, _, err := a.disks()
	if err != nil {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		out []promptJSON
	)
	for _, d := range a.opt.Store.Config().Disks {
		if d.Disabled {
			continue
		}
		wg.Go(func() {
			list, err := disks.AudioFiles(ctx, d.Number)
			if err != nil {
				a.log.Debug("admin: disk files not listed", "disk", d.Number, "err", err)
				return
			}
			ps := diskPromptList(d.Number, list)
			mu.Lock()
			out = append(out, ps...)
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}

// diskPromptList names disk n's audio files as prompts: one per name,
// the file a lookup picks (the first extension in prompt.Extensions order).
func diskPromptList(n int, list []disk.Entry) []promptJSON {
	rank := func(file string) int { return slices.Index(promptExts, promptExt(file)) }
	byName := map[string]int{}
	var out []promptJSON
	for _, e := range list {
		if !e.Audio || promptExt(e.Path) == "" {
			continue
		}
		name := config.MountPrefix(n) + "/" + stripAudioExt(e.Path)
		p := promptJSON{Name: name, Disk: n, File: e.Path, Size: e.Size, Modified: e.Modified}
		if i, ok := byName[name]; ok {
			if rank(e.Path) < rank(out[i].File) {
				out[i] = p
			}
			continue
		}
		byName[name] = len(out)
		out = append(out, p)
	}
	return out
}
