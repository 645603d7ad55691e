package box

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/ivrbox/ivrbox/firmware/event"
	"github.com/ivrbox/ivrbox/media/record"
)

// TestConfRecordsWithTheBoxRecorder: openConf gives the rooms the box's
// recorder, and an XML CreateConf's autorecord (xmlRooms.Record) records
// a room into its folder until the room ends.
func TestConfRecordsWithTheBoxRecorder(t *testing.T) {
	dir := t.TempDir()
	rec, err := record.New(record.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	b := &Box{log: slog.New(slog.DiscardHandler), Bus: event.NewBus(nil), Rec: rec}
	b.openConf()
	defer func() {
		b.closeConf()
		rec.Close()
	}()
	rooms := xmlRooms{b.Conf}
	id, err := rooms.Create(3, "c1")
	if err != nil {
		t.Fatal(err)
	}
	file, err := rooms.Record(id)
	if err != nil {
		t.Fatal(err)
	}
	if in, _ := b.Conf.Get(id); in.Recording != file {
		t.Errorf("Info.Recording %q, want %q", in.Recording, file)
	}
	if err := b.Conf.End(id); err != nil {
		t.Fatal(err)
	}
	b.closeConf() // waits for the recording's file
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(file))); err != nil {
		t.Errorf("the room's recording: %v", err)
	}
}
