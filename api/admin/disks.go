package admin

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/ivrbox/ivrbox/firmware/config"
	"github.com/ivrbox/ivrbox/firmware/disk"
)

// Disks are the network disks (a *disk.Manager).
type Disks interface {
	Apply(disks []config.Disk)
	Info(n int) disk.Info
	Test(ctx context.Context, d config.Disk, password string) error
	Warm(ctx context.Context, n int) (disk.WarmResult, error)
	// List returns the sub-folders and audio files of the folder dir ("" for
	// the top) of disk n.
	List(ctx context.Context, n int, dir string) ([]disk.Entry, error)
	// AudioFiles returns the audio files of disk n for the prompt picker.
	AudioFiles(ctx context.Context, n int) ([]disk.Entry, error)
}

// Secrets keeps the passwords of disks, trunks and accounts (a
// *store.Store); they are never shown.
type Secrets interface {
	SetSecret(key, value string) error
	Secret(key string) (string, error)
	DeleteSecret(key string) error
}

// diskBody is a disk as the API takes it: the config plus an optional
// password (absent: keep the stored one; "": remove it).
type diskBody struct {
	config.Disk
	Password *string `json:"password,omitempty"`
}

// diskView is a disk as the API shows it: config, whether a password is
// stored (never the password) and its live state.
type diskView struct {
	config.Disk
	Mount       string    `json:"mount"` // /tmp/media/networkdiskN
	HasPassword bool      `json:"has_password"`
	Status      disk.Info `json:"status"`
}

func (a *API) disks() (Disks, Secrets, error) {
	if a.opt.Disks == nil || a.opt.Secrets == nil {
		return nil, nil, httpErr(http.StatusNotImplemented, "this box has no network-disk support")
	}
	return a.opt.Disks, a.opt.Secrets, nil
}

func (a *API) view(d config.Disk) diskView {
	_, err := a.opt.Secrets.Secret(disk.PasswordKey(d.Number))
	return diskView{Disk: d, Mount: config.MountPrefix(d.Number), HasPassword: err == nil, Status: a.opt.Disks.Info(d.Number)}
}

func diskNumber(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || n < 1 || n > config.MaxDisks {
		return 0, httpErr(http.StatusNotFound, "no network disk %q: numbers are 1 to %d", r.PathValue("number"), config.MaxDisks)
	}
	return n, nil
}

func (a *API) getDisks(w http.ResponseWriter, r *http.Request) error {
	if _, _, err := a.disks(); err != nil {
		return err
	}
	cfg := a.opt.Store.Config()
	out := make([]diskView, 0, len(cfg.Disks))
	for _, d := range cfg.Disks {
		out = append(out, a.view(d))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) getDisk(w http.ResponseWriter, r *http.Request) error {
	return a.answerDisk(w, r, http.StatusOK)
}

func (a *API) answerDisk(w http.ResponseWriter, r *http.Request, code int) error {
	if _, _, err := a.disks(); err != nil {
		return err
	}
	n, err := diskNumber(r)
	if err != nil {
		return err
	}
	cfg := a.opt.Store.Config()
	d, ok := cfg.Disk(n)
	if !ok {
		return httpErr(http.StatusNotFound, "no network disk %d", n)
	}
	writeJSON(w, code, a.view(d))
	return nil
}

// saveDisk writes d (replacing disk d.Number when replace) and its password,
// then applies the disks.
func (a *API) saveDisk(r *http.Request, b diskBody, replace bool) error {
	disks, secrets, err := a.disks()
	if err != nil {
		return err
	}
	err = a.opt.Store.Update(func(c *config.Config) error {
		for i, d := range c.Disks {
			if d.Number == b.Number {
				if !replace {
					return httpErr(http.StatusConflict, "network disk %d exists already", b.Number)
				}
				c.Disks[i] = b.Disk
				return nil
			}
		}
		if replace {
			return httpErr(http.StatusNotFound, "no network disk %d", b.Number)
		}
		c.Disks = append(c.Disks, b.Disk)
		return nil
	})
	if err != nil {
		return storeError(err, "disk "+strconv.Itoa(b.Number))
	}
	if b.Password != nil {
		key := disk.PasswordKey(b.Number)
		if *b.Password == "" {
			err = secrets.DeleteSecret(key)
		} else {
			err = secrets.SetSecret(key, *b.Password)
		}
		if err != nil {
			return err
		}
	}
	disks.Apply(a.opt.Store.Config().Disks)
	a.log.Info("admin: network disk saved", "disk", b.Number, "server", b.Server, "share", b.Share, "addr", clientAddr(r))
	return nil
}

func (a *API) postDisk(w http.ResponseWriter, r *http.Request) error {
	var b diskBody
	if err := decodeJSON(w, r, maxJSONBody, &b); err != nil {
		return err
	}
	if err := a.saveDisk(r, b, false); err != nil {
		return err
	}
	r.SetPathValue("number", strconv.Itoa(b.Number))
	w.Header().Set("Location", Prefix+"disks/"+strconv.Itoa(b.Number))
	return a.answerDisk(w, r, http.StatusCreated)
}

func (a *API) putDisk(w http.ResponseWriter, r *http.Request) error {
	n, err := diskNumber(r)
	if err != nil {
		return err
	}
	var b diskBody
	if err := decodeJSON(w, r, maxJSONBody, &b); err != nil {
		return err
	}
	if b.Number != 0 && b.Number != n {
		return httpErr(http.StatusUnprocessableEntity, "the body's number %d is not the disk's number %d", b.Number, n)
	}
	b.Number = n
	if err := a.saveDisk(r, b, true); err != nil {
		return err
	}
	return a.answerDisk(w, r, http.StatusOK)
}

// editDisk changes disk n in the config with edit (given its index), in one
// validated store update; a disk that is not configured is 404.
func (a *API) editDisk(n int, edit func(c *config.Config, i int)) error {
	return a.opt.Store.Update(func(c *config.Config) error {
		for i := range c.Disks {
			if c.Disks[i].Number == n {
				edit(c, i)
				return nil
			}
		}
		return httpErr(http.StatusNotFound, "no network disk %d", n)
	})
}

// setDisabled mounts (false) or unmounts (true) disk n.
func (a *API) setDisabled(w http.ResponseWriter, r *http.Request, off bool) error {
	disks, _, err := a.disks()
	if err != nil {
		return err
	}
	n, err := diskNumber(r)
	if err != nil {
		return err
	}
	err = a.editDisk(n, func(c *config.Config, i int) { c.Disks[i].Disabled = off })
	if err != nil {
		return storeError(err, "disk "+strconv.Itoa(n))
	}
	disks.Apply(a.opt.Store.Config().Disks)
	return a.answerDisk(w, r, http.StatusOK)
}

func (a *API) postDiskMount(w http.ResponseWriter, r *http.Request) error {
	return a.setDisabled(w, r, false)
}

func (a *API) postDiskUnmount(w http.ResponseWriter, r *http.Request) error {
	return a.setDisabled(w, r, true)
}

func (a *API) deleteDisk(w http.ResponseWriter, r *http.Request) error {
	disks, secrets, err := a.disks()
	if err != nil {
		return err
	}
	n, err := diskNumber(r)
	if err != nil {
		return err
	}
	err = a.editDisk(n, func(c *config.Config, i int) { c.Disks = append(c.Disks[:i], c.Disks[i+1:]...) })
	if err != nil {
		return storeError(err, "disk "+strconv.Itoa(n))
	}
	if err := secrets.DeleteSecret(disk.PasswordKey(n)); err != nil {
		return err
	}
	disks.Apply(a.opt.Store.Config().Disks)
	a.log.Info("admin: network disk removed", "disk", n, "addr", clientAddr(r))
	return noContent(w)
}

// postDiskTest tries a disk without saving it. A missing password with a
// user and a number of a saved disk uses the stored password.
func (a *API) postDiskTest(w http.ResponseWriter, r *http.Request) error {
	disks, secrets, err := a.disks()
	if err != nil {
		return err
	}
	var b diskBody
	if err := decodeJSON(w, r, maxJSONBody, &b); err != nil {
		return err
	}
	if n, err := strconv.Atoi(r.PathValue("number")); err == nil {
		b.Number = n
	}
	if b.Number == 0 {
		b.Number = 1
	}
	c := config.Defaults()
	c.Disks = []config.Disk{b.Disk}
	if err := config.Validate(c); err != nil {
		return storeError(err, "disk")
	}
	pw := ""
	if b.Password != nil {
		pw = *b.Password
	} else if stored, err := secrets.Secret(disk.PasswordKey(b.Number)); err == nil {
		pw = stored
	}
	res := struct {
		OK    bool   `json:"ok"`
		Error string `json:"error,omitempty"`
	}{OK: true}
	if err := disks.Test(r.Context(), b.Disk, pw); err != nil {
		res.OK, res.Error = false, err.Error()
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (a *API) postDiskWarm(w http.ResponseWriter, r *http.Request) error {
	disks, _, err := a.disks()
	if err != nil {
		return err
	}
	n, err := diskNumber(r)
	if err != nil {
		return err
	}
	res, err := disks.Warm(r.Context(), n)
	switch {
	case errors.Is(err, disk.ErrNoDisk):
		return httpErr(http.StatusConflict, "network disk %d is not mounted", n)
	case err != nil:
		return &HTTPError{Code: http.StatusBadGateway, Msg: err.Error(), Err: err}
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
