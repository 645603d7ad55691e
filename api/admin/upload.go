package admin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Multipart limits besides the file's own.
const (
	maxFormField = 1 << 10 // bytes in a non-file form field
	maxFormParts = 16      // parts in one form
)

// upload is a multipart form: its file and small fields.
type upload struct {
	data     []byte            // the file's content
	filename string            // the file name the client gave
	fields   map[string]string // the other fields
}

// readUpload reads a multipart/form-data body with a file in field (at most
// limit bytes: 413 beyond) and small text fields, streaming it (no
// temporary files).
func readUpload(w http.ResponseWriter, r *http.Request, field string, limit int64) (upload, error) {
	u := upload{fields: map[string]string{}}
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return u, httpErr(http.StatusBadRequest, "want a multipart/form-data body with the file in %q", field)
	}
	found := false
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return u, formError(err, limit)
		}
		if n >= maxFormParts {
			return u, httpErr(http.StatusBadRequest, "too many form fields (the limit is %d)", maxFormParts)
		}
		name := part.FormName()
		if name != field && part.FileName() != "" {
			_ = part.Close()
			return u, httpErr(http.StatusBadRequest, "a file in the form field %q: put it in %q", name, field)
		}
		max := int64(maxFormField)
		if name == field {
			max = limit
		}
		data, err := io.ReadAll(io.LimitReader(part, max+1))
		_ = part.Close()
		if err != nil {
			return u, formError(err, limit)
		}
		switch {
		case name == field && int64(len(data)) > max:
			return u, httpErr(http.StatusRequestEntityTooLarge, "file too large: the limit is %s", sizeText(limit))
		case name == field:
			u.data, u.filename, found = data, part.FileName(), true
		case int64(len(data)) > max:
			return u, httpErr(http.StatusBadRequest, "form field %q is longer than %d bytes", name, maxFormField)
		default:
			u.fields[name] = string(data)
		}
	}
	if !found {
		return u, httpErr(http.StatusBadRequest, "no file in the form field %q", field)
	}
	return u, nil
}

// readFilePart reads just the file of a multipart body (see readUpload).
func readFilePart(w http.ResponseWriter, r *http.Request, field string, limit int64) ([]byte, string, error) {
	u, err := readUpload(w, r, field, limit)
	return u.data, u.filename, err
}

// formError maps a multipart read error to 413 or 400.
func formError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &HTTPError{Code: http.StatusRequestEntityTooLarge, Key: "upload.too_large",
			Params: map[string]any{"max": sizeText(limit)},
			Msg:    fmt.Sprintf("file too large: the limit is %s", sizeText(limit)), Err: err}
	}
	return &HTTPError{Code: http.StatusBadRequest, Msg: "malformed multipart body: " + err.Error(), Err: err,
		Key: "upload.malformed", Params: map[string]any{"detail": err.Error()}}
}

// isRIFF reports whether data starts like a WAV file.
func isRIFF(data []byte) bool {
	return bytes.HasPrefix(data, []byte("RIFF")) || bytes.HasPrefix(data, []byte("RF64"))
}

// isMP3 reports whether data starts with an ID3 tag or an MPEG audio frame.
func isMP3(data []byte) bool {
	return bytes.HasPrefix(data, []byte("ID3")) || (len(data) >= 2 && data[0] == 0xFF && data[1]&0xE0 == 0xE0)
}

// rawExts are the headerless formats: only their extension says what they are.
var rawExts = map[string]bool{".ulaw": true, ".alaw": true, ".pcmu": true, ".pcma": true, ".sln": true, ".sln16": true}

// uploadExt picks the extension to store an upload under: a raw format's
// from the file name; otherwise by content, .wav or .mp3; "" when the
// content is neither.
func uploadExt(filename string, data []byte) string {
	if ext := promptExt(filename); rawExts[ext] {
		return ext
	}
	switch {
	case isRIFF(data):
		return ".wav"
	case isMP3(data):
		return ".mp3"
	}
	return ""
}
