package loadtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Request is one HTTP request of a load test. Header values may be
// secrets: reports name the headers, never their values.
type Request struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// RequestInfo is what a report says of a request: no header value, no
// body.
type RequestInfo struct {
	Method    string   `json:"method"`
	URL       string   `json:"url"`
	Headers   []string `json:"headers,omitempty"`
	BodyBytes int      `json:"bodyBytes,omitempty"`
}

func (r Request) info() RequestInfo {
	ri := RequestInfo{Method: r.Method, URL: r.URL, BodyBytes: len(r.Body)}
	for name := range r.Header {
		ri.Headers = append(ri.Headers, name)
	}
	sortStrings(ri.Headers)
	return ri
}

func (r Request) validate() error {
	u, err := url.Parse(r.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", r.URL)
	}
	if r.Method == "" || strings.ContainsAny(r.Method, " \t\r\n") {
		return fmt.Errorf("%q is not an HTTP method", r.Method)
	}
	return nil
}

func (r Request) target() vegeta.Target {
	return vegeta.Target{Method: r.Method, URL: r.URL, Header: r.Header, Body: r.Body}
}

// envPrefix marks a header value read from the environment.
const envPrefix = "env:"

// Lookup reads an environment variable; os.LookupEnv in the command.
type Lookup func(name string) (string, bool)

// HeaderValue resolves a header value: "env:NAME" is the value of the
// environment variable NAME (which must be set and not empty), anything
// else is taken as it is.
func HeaderValue(v string, lookup Lookup) (string, error) {
	name, ok := strings.CutPrefix(v, envPrefix)
	if !ok {
		return v, nil
	}
	if name == "" {
		return "", errors.New("env: names no environment variable")
	}
	val, set := lookup(name)
	if !set || val == "" {
		return "", fmt.Errorf("environment variable %s is not set", name)
	}
	return val, nil
}

// ParseHeader reads "Name: value" (value resolved by HeaderValue) into h.
func ParseHeader(h http.Header, s string, lookup Lookup) error {
	name, value, ok := strings.Cut(s, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return fmt.Errorf("header %q: want 'Name: value' (value may be env:VARIABLE)", redactHeader(s))
	}
	v, err := HeaderValue(strings.TrimSpace(value), lookup)
	if err != nil {
		return fmt.Errorf("header %s: %w", name, err)
	}
	h.Add(name, v)
	return nil
}

// redactHeader keeps a header's name and drops its value for messages.
func redactHeader(s string) string {
	if name, _, ok := strings.Cut(s, ":"); ok {
		return name + ": …"
	}
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}

// ReadBody reads a body argument: "@path" is the content of the file,
// anything else the body itself.
func ReadBody(s string) ([]byte, error) {
	path, ok := strings.CutPrefix(s, "@")
	if !ok {
		return []byte(s), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	return b, nil
}

// requestLine is one line of a request file.
type requestLine struct {
	Method string          `json:"method"`
	URL    string          `json:"url"`
	Header json.RawMessage `json:"header"`
	Body   *string         `json:"body"`
	// BodyFile is read relative to the request file.
	BodyFile string `json:"bodyFile"`
}

// ReadRequests reads a request file: one JSON object a line (blank lines
// and lines starting with # are skipped), like vegeta's JSON targets but
// with a plain-text body:
//
//	{"method": "POST", "url": "https://host/api/messages",
//	 "header": {"Content-Type": "application/json", "X-Bot-Secret": "env:BOT_WEBHOOK_SECRET"},
//	 "body": "{\"type\":\"message\"}"}
//
// "header" maps a name to a value or a list of values, each resolved by
// HeaderValue; "bodyFile" names a file (relative to dir) instead of
// "body". The method defaults to GET. All mistakes are reported at once,
// one a line.
func ReadRequests(r io.Reader, dir string, lookup Lookup) ([]Request, error) {
	var out []Request
	var problems []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		req, err := parseRequestLine(line, dir, lookup)
		if err != nil {
			problems = append(problems, fmt.Sprintf("line %d: %v", n, err))
			continue
		}
		out = append(out, req)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the request file: %w", err)
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	if len(out) == 0 {
		return nil, errors.New("the request file holds no request")
	}
	return out, nil
}

func parseRequestLine(line []byte, dir string, lookup Lookup) (Request, error) {
	var l requestLine
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return Request{}, fmt.Errorf("not a request object: %w", err)
	}
	req := Request{Method: strings.ToUpper(l.Method), URL: l.URL, Header: http.Header{}}
	if req.Method == "" {
		req.Method = http.MethodGet
	}
	if err := req.validate(); err != nil {
		return Request{}, err
	}
	if len(l.Header) > 0 {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(l.Header, &raw); err != nil {
			return Request{}, fmt.Errorf("header: want an object of names to a value or a list of values")
		}
		for name, v := range raw {
			var values []string
			var one string
			if err := json.Unmarshal(v, &one); err == nil {
				values = []string{one}
			} else if err := json.Unmarshal(v, &values); err != nil {
				return Request{}, fmt.Errorf("header %s: want a string or a list of strings", name)
			}
			for _, s := range values {
				val, err := HeaderValue(s, lookup)
				if err != nil {
					return Request{}, fmt.Errorf("header %s: %w", name, err)
				}
				req.Header.Add(name, val)
			}
		}
	}
	switch {
	case l.Body != nil && l.BodyFile != "":
		return Request{}, errors.New("give body or bodyFile, not both")
	case l.Body != nil:
		req.Body = []byte(*l.Body)
	case l.BodyFile != "":
		path := l.BodyFile
		if !strings.HasPrefix(path, "/") && dir != "" {
			path = dir + "/" + path
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return Request{}, fmt.Errorf("bodyFile: %w", err)
		}
		req.Body = b
	}
	return req, nil
}
