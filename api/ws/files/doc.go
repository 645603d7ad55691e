// Package files keeps the files of the WebSocket ivrapi (package api/ws),
// as the Era platform's "Работа с файлами" describes them: file paths with
// storage prefixes, per-session temp folders, public download links
// (ivrapi_file_get_path) and files fetched from a URL into the session's
// temp folder (ivrapi_file_upload_temp) or a static storage
// (file_upload_static, ivrapi_file_upload_static).
//
// A path is ":<storage>/<path inside it>" (Parse, Path). The static
// storages are folders of the box's prompt store (Options.PromptDir, see
// Table), so the box plays their files by their name relative to it and
// admins see them on the prompts page. :TEMP is the session's temp folder
// (<Options.TempDir>/<session>/): FetchTemp writes there, and the record
// component's recordings appear under :TEMP/ivr_records/ (AddRecording)
// while the Recordings keep them. EndSession removes it all, except the
// files with a link still valid, which go when their last link expires.
//
// A link (Link, ServeHTTP) carries the file it names and its expiry,
// signed with HMAC-SHA256; it needs no state, so it works after its
// session has ended, and after a restart when Options.Secret is kept.
//
// A fetch takes http and https only, without user info, follows few
// redirects (never to another scheme nor from https to http), is bounded
// in time (Options.FetchTimeout) and size (Options.MaxBytes, by
// Content-Length first and while reading), and keeps only what decodes as
// audio (prompt.Decode); the file is written whole or not at all (a
// hidden file renamed into place).
//
// What this package must never do: reach a file outside PromptDir's
// storages, TempDir and the Recordings (every file goes through an
// os.Root at its storage's folder, so neither "..", an absolute path nor a
// symbolic link leaves it); quote a URL's query string or user info in an
// error or a log; write part of a file; panic on any input.
package files
