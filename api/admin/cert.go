package admin

import (
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/ivrbox/ivrbox/firmware/certs"
)

// Certs is the box's TLS server certificate (a *certs.Manager), as the
// admin API shows and replaces it.
type Certs interface {
	// Info describes the current certificate.
	Info() certs.Info
	// Upload checks a PEM pair and makes it current; an unfit pair gives
	// an error wrapping certs.ErrInvalid that says why.
	Upload(certPEM, keyPEM []byte) (certs.Info, error)
	// Regenerate makes a new self-signed certificate current.
	Regenerate() (certs.Info, error)
}

var _ Certs = (*certs.Manager)(nil)

// certBody is POST cert: an uploaded certificate (chain, leaf first) and
// its unencrypted private key, both PEM.
type certBody struct {
	CertPEM string `json:"cert_pem"`
	KeyPEM  string `json:"key_pem"`
}

// certRoutes are the certificate endpoints.
func (a *API) certRoutes() []route {
	return []route{
		{"GET", "cert", false, a.getCert},
		{"POST", "cert", false, a.postCert},
		{"POST", "cert/regenerate", false, a.postCertRegenerate},
	}
}

// setupOverTLS refuses a first-run setup over plain HTTP when HTTPS is on,
// so the first password does not cross the LAN in clear.
func (a *API) setupOverTLS(r *http.Request) error {
	if a.opt.HTTPSPort == "" || r.TLS != nil {
		return nil
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(r.Host); err == nil {
		host = h
	}
	url := "https://" + net.JoinHostPort(strings.Trim(host, "[]"), a.opt.HTTPSPort) + "/"
	return httpErr(http.StatusForbidden, "the first-run setup is only over HTTPS: open %s", url)
}

// certs is Options.Certs, or a 501 error when the box has none.
func (a *API) certs() (Certs, error) {
	if a.opt.Certs == nil {
		return nil, httpErr(http.StatusNotImplemented, "this box has no TLS certificate")
	}
	return a.opt.Certs, nil
}

// getCert answers the current certificate's description.
func (a *API) getCert(w http.ResponseWriter, r *http.Request) error {
	c, err := a.certs()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c.Info())
	return nil
}

// postCert replaces the certificate with an uploaded pair: 422 with the
// reason when the pair is unfit (nothing changed then).
func (a *API) postCert(w http.ResponseWriter, r *http.Request) error {
	c, err := a.certs()
	if err != nil {
		return err
	}
	var body certBody
	if err := decodeJSON(w, r, maxJSONBody, &body); err != nil {
		return err
	}
	info, err := c.Upload([]byte(body.CertPEM), []byte(body.KeyPEM))
	if errors.Is(err, certs.ErrInvalid) {
		// The page shows the problems of a 422; API clients read error.
		return &HTTPError{Code: http.StatusUnprocessableEntity, Msg: err.Error() + "; nothing changed",
			Problems: []Problem{{Problem: err.Error()}}}
	}
	if err != nil {
		return &HTTPError{Code: http.StatusInternalServerError, Msg: "could not save the certificate", Err: err}
	}
	a.log.Info("admin: TLS certificate uploaded", "fingerprint", info.Fingerprint, "addr", clientAddr(r))
	writeJSON(w, http.StatusOK, info)
	return nil
}

// postCertRegenerate replaces the certificate with a new self-signed one.
func (a *API) postCertRegenerate(w http.ResponseWriter, r *http.Request) error {
	c, err := a.certs()
	if err != nil {
		return err
	}
	info, err := c.Regenerate()
	if err != nil {
		return &HTTPError{Code: http.StatusInternalServerError, Msg: "could not make a certificate", Err: err}
	}
	a.log.Info("admin: TLS certificate regenerated", "fingerprint", info.Fingerprint, "addr", clientAddr(r))
	writeJSON(w, http.StatusOK, info)
	return nil
}
