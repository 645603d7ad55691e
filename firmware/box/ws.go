package box

import (
	"fmt"
	"path/filepath"

	"github.com/ivrbox/ivrbox/api/ws"
	"github.com/ivrbox/ivrbox/api/ws/files"
	"github.com/ivrbox/ivrbox/media/prompt"
)

// WSTempDir is the folder of the WebSocket API's per-step temp files
// inside dataDir.
func WSTempDir(dataDir string) string { return filepath.Join(dataDir, "ivrapi-temp") }

// openWS starts the WebSocket ivrapi and its file store; the temp folders
// are mounted into the prompt cache so components play what was uploaded.
func (b *Box) openWS() error {
	temp := WSTempDir(b.opt.DataDir)
	var err error
	b.Files, err = files.New(files.Options{PromptDir: filepath.Join(b.opt.DataDir, "prompts"), TempDir: temp,
		Recordings: b.Rec, Log: b.log.With("component", "ivrapi-files")})
	if err != nil {
		return fmt.Errorf("ivrapi files: %w", err)
	}
	if err = b.Prompts.Mount(temp, prompt.DirSource(temp)); err != nil {
		return fmt.Errorf("ivrapi files: %w", err)
	}
	b.WS = ws.New(ws.Options{Calls: b.Calls, Prompts: b.Prompts, Files: b.Files, Config: b.Store.Current,
		Log: b.log.With("component", "ws")})
	b.Bus.Hook(b.WS.Hook)
	return nil
}

// closeWS closes the connections, then the file store.
func (b *Box) closeWS() {
	if b.WS != nil {
		_ = b.WS.Close()
	}
	if b.Files != nil {
		_ = b.Files.Close()
	}
}
