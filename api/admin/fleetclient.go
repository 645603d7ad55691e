package admin

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// doJSON sends req and decodes a 2xx JSON answer into out; another status
// becomes an error with the box's message.
func doJSON(c *http.Client, req *http.Request, out any) error {
	res, err := c.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode/100 != 2 {
		return answerError(res)
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(out); err != nil {
		return fmt.Errorf("%s %s: bad answer: %w", req.Method, req.URL.Path, err)
	}
	return nil
}

// answerError is the error of a box's failure answer: its status and the
// message of its JSON error document.
func answerError(res *http.Response) error {
	var doc struct {
		Error string `json:"error"`
	}
	data, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if json.Unmarshal(data, &doc) != nil || doc.Error == "" {
		doc.Error = fmt.Sprintf("%.200s", data)
	}
	return fmt.Errorf("%s %s: %d: %s", res.Request.Method, res.Request.URL.Path, res.StatusCode, doc.Error)
}
