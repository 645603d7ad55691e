package ws

import (
	"context"
	"time"

	"github.com/ivrbox/ivrbox/api/ws/files"
)

// Limits of the file requests.
const (
	// FetchTimeout bounds an upload request (the box fetching a URL).
	FetchTimeout = 30 * time.Second
)

// fileReq is the body of the file requests.
type fileReq struct {
	Key      string `json:"key"`
	IVRID    string `json:"ivrid"`
	Path     string `json:"path"`
	URL      string `json:"url"`
	DestPath string `json:"destpath"`
}

// ownedFile reads a file request of a controlled session.
func (c *conn) ownedFile(f frame) (*session, *step, fileReq, *Error) {
	var r fileReq
	if e := f.decode(&r); e != nil {
		return nil, nil, r, e
	}
	if r.Key == "" {
		return nil, nil, r, errf(CodeMalformed, "key is required (the key of api_start)")
	}
	s, e := c.a.byIVRID(r.IVRID)
	if e != nil {
		return nil, nil, r, e
	}
	st, _, e := s.owned(c, r.Key)
	return s, st, r, e
}

// getPath answers a download link, valid LinkTTL (also after the call).
func (c *conn) getPath(f frame) (any, *Error) {
	_, st, r, e := c.ownedFile(f)
	if e != nil {
		return nil, e
	}
	if r.Path == "" {
		return nil, errf(CodeMalformed, "path is required (\":TEMP/ivr_records/….wav\")")
	}
	p, err := files.Parse(r.Path)
	if err != nil {
		return nil, fromFiles(err)
	}
	link, exp, err := c.a.opt.Files.Link(st.temp, p, c.base)
	if err != nil {
		return nil, fromFiles(err)
	}
	return map[string]any{"result": link, "expires": exp.UnixMilli()}, nil
}

// uploadTemp fetches a URL into the step's temp folder (or, with a
// destpath, as in the vendor's example, into that static storage).
func (c *conn) uploadTemp(f frame) (any, *Error) {
	_, st, r, e := c.ownedFile(f)
	if e != nil {
		return nil, e
	}
	if r.DestPath != "" {
		return c.fetch(r, nil)
	}
	return c.fetch(r, func(ctx context.Context) (files.Path, error) {
		return c.a.opt.Files.FetchTemp(ctx, st.temp, r.URL)
	})
}

// uploadStatic fetches a URL into a static storage; file_upload_static
// needs no controlled session, ivrapi_file_upload_static does.
func (c *conn) uploadStatic(f frame) (any, *Error) {
	var r fileReq
	if f.name == MsgUpStatic {
		var e *Error
		if _, _, r, e = c.ownedFile(f); e != nil {
			return nil, e
		}
	} else if e := f.decode(&r); e != nil {
		return nil, e
	}
	return c.fetch(r, nil)
}

// fetch runs an upload within FetchTimeout: into, or (nil) into r's
// static destpath.
func (c *conn) fetch(r fileReq, into func(context.Context) (files.Path, error)) (any, *Error) {
	if r.URL == "" {
		return nil, errf(CodeMalformed, "url is required")
	}
	if into == nil {
		into = func(ctx context.Context) (files.Path, error) {
			return c.a.opt.Files.FetchStatic(ctx, r.URL, r.DestPath)
		}
	}
	ctx, cancel := context.WithTimeout(c.ctx, FetchTimeout)
	defer cancel()
	p, err := into(ctx)
	if err != nil {
		c.a.log.Info("ws: upload refused", "conn", c.id, "err", err)
		return nil, fromFiles(err)
	}
	return map[string]any{"result": p.String()}, nil
}
