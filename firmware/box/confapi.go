package box

import (
	"net/http"

	"github.com/ivrbox/ivrbox/api/admin"
	confapi "github.com/ivrbox/ivrbox/api/conf"
)

// mountConf mounts the REST conference management API at confapi.Prefix
// (/conf/v1/) on mux; startHTTP calls it.
func (b *Box) mountConf(mux *http.ServeMux) { mux.Handle(confapi.Prefix, b.confHandler()) }

// confHandler serves the REST conference management API (mount it at
// confapi.Prefix): the rooms of b.Conf, invites placed by b.Calls, tokens
// from the config. Without rooms it answers 503 to every authenticated
// request.
func (b *Box) confHandler() http.Handler {
	opt := confapi.Options{Config: b.Store.Current, Log: b.log.With("component", "confapi")}
	if b.Conf != nil {
		opt.Rooms = b.Conf
	}
	if b.Calls != nil {
		opt.Calls = b.Calls
	}
	return confapi.New(opt).Handler()
}

// confAdmin is the admin API's view of the rooms: nil (no interface
// holding a nil pointer) when the box has none.
func (b *Box) confAdmin() admin.Conferences {
	if b.Conf == nil {
		return nil
	}
	return b.Conf
}
