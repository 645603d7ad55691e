// Package webui is the box's admin web page: a small single-page application in
// plain HTML, CSS and JavaScript (no framework, no build step, nothing fetched
// from the internet), embedded in the binary and served by Handler. The page
// talks only to the admin API (/api/admin/, see docs) with same-origin fetch
// and Server-Sent Events.
//
// The package serves static files and nothing else: it must never implement
// API endpoints, read the config or the disk, or serve a file that is not
// embedded. Every response carries a strict Content-Security-Policy (no
// inline script or style, nothing from other origins).
package webui
