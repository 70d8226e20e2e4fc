package simulation

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/misybot/platform/infra/azmon"
)

// Identifiers the fake Azure Monitor answers for.
const (
	Subscription = "00000000-0000-0000-0000-000000000001"
	ResourceID   = "/subscriptions/" + Subscription + "/resourceGroups/rg-misybot-sim/providers/Microsoft.App/containerApps/misybot"
	WorkspaceID  = "11111111-1111-1111-1111-111111111111"
	Token        = "simulated-token"
)

// Monitor is a TLS server on 127.0.0.1 that speaks the two documented
// REST APIs the analysis uses, with the data the router observed:
//
//	POST /subscriptions/{sub}/metrics:getBatch   (metrics batch, 2024-02-01)
//	POST /v1/workspaces/{id}/query                (Log Analytics query)
//
// Requests without the bearer token get 401, unknown metrics 400.
type Monitor struct {
	router  *Router
	server  *httptest.Server
	Queries atomic.Int64 // answered queries

	mu          sync.Mutex
	now         func() time.Time
	delay       time.Duration
	faultStatus int
	faults      int // queries still to fail; negative: all
}

// SetDelay makes a request visible to queries only delay after it
// started, like Azure Monitor's ingestion latency.
func (m *Monitor) SetDelay(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.delay = d
}

// SetClock makes the ingestion delay count on now (a simulation.Clock's
// Now) instead of the wall clock.
func (m *Monitor) SetClock(now func() time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = now
}

// SetFault makes the next n queries (n < 0: every query) fail with the
// HTTP status (429 throttling, 503 ...), as Azure Monitor does under load.
func (m *Monitor) SetFault(status, n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.faultStatus, m.faults = status, n
}

func (m *Monitor) fault() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.faults == 0 {
		return 0
	}
	if m.faults > 0 {
		m.faults--
	}
	return m.faultStatus
}

// observations are the router's requests that started in [start, end)
// and are already ingested.
func (m *Monitor) observations(start, end time.Time) []Observation {
	m.mu.Lock()
	now := time.Now
	if m.now != nil {
		now = m.now
	}
	delay := m.delay
	m.mu.Unlock()
	visible := now().Add(-delay)
	if end.After(visible) {
		end = visible
	}
	return m.router.Observations(start, end)
}

// NewMonitor starts the fake Azure Monitor for the router's traffic.
func NewMonitor(router *Router) *Monitor {
	m := &Monitor{router: router}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /subscriptions/{sub}/{op}", m.metrics)
	mux.HandleFunc("POST /v1/workspaces/{id}/query", m.logs)
	m.server = httptest.NewTLSServer(m.authorized(mux))
	return m
}

// URL is the server's address (https).
func (m *Monitor) URL() string { return m.server.URL }

// Close stops the server.
func (m *Monitor) Close() { m.server.Close() }

// Config is the azmon configuration that reaches this server through the
// real SDK clients: its endpoints, a transport that trusts its certificate
// and no retries.
func (m *Monitor) Config() azmon.Config {
	return azmon.Config{
		MetricsEndpoint: m.server.URL,
		LogsEndpoint:    m.server.URL + "/v1",
		ResourceID:      ResourceID,
		WorkspaceID:     WorkspaceID,
		ClientOptions: azcore.ClientOptions{
			Transport: m.server.Client(),
			Retry:     policy.RetryOptions{MaxRetries: -1},
		},
	}
}

// Client is an azmon client for this server with a static credential.
func (m *Monitor) Client() (*azmon.Client, error) {
	return azmon.New(m.Config(), azmon.StaticCredential{Token: Token})
}

func (m *Monitor) authorized(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+Token {
			writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "missing or wrong bearer token")
			return
		}
		if status := m.fault(); status != 0 {
			writeError(w, status, "SimulatedFault", fmt.Sprintf("simulated %d", status))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-ms-error-code", code)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func (m *Monitor) metrics(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case r.PathValue("sub") != Subscription || r.PathValue("op") != "metrics:getBatch":
		writeError(w, http.StatusNotFound, "NotFound", "unknown path "+r.URL.Path)
		return
	case q.Get("api-version") != "2024-02-01":
		writeError(w, http.StatusBadRequest, "InvalidApiVersion", "api-version "+q.Get("api-version"))
		return
	case !strings.EqualFold(q.Get("metricnamespace"), azmon.Namespace):
		writeError(w, http.StatusBadRequest, "BadRequest", "metric namespace "+q.Get("metricnamespace"))
		return
	}
	aggs := strings.ToLower(q.Get("aggregation"))
	total, extremes := strings.Contains(aggs, "total"), strings.Contains(aggs, "maximum") && strings.Contains(aggs, "minimum")
	if !total && !extremes {
		writeError(w, http.StatusBadRequest, "BadRequest", "this server computes the total, or the maximum and minimum, aggregations")
		return
	}
	var body struct {
		ResourceIDs []string `json:"resourceids"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.ResourceIDs) != 1 || !strings.EqualFold(body.ResourceIDs[0], ResourceID) {
		writeError(w, http.StatusBadRequest, "BadRequest", "body must name the simulated container app")
		return
	}
	start, err1 := time.Parse(time.RFC3339Nano, q.Get("starttime"))
	end, err2 := time.Parse(time.RFC3339Nano, q.Get("endtime"))
	if err1 != nil || err2 != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "starttime and endtime are required")
		return
	}
	dims := filterDimensions(q.Get("filter"))
	var values []any
	for _, name := range strings.Split(q.Get("metricnames"), ",") {
		var ts []any
		switch name {
		case azmon.MetricRequests:
			if !total {
				writeError(w, http.StatusBadRequest, "BadRequest", "Requests is read with the total aggregation")
				return
			}
			ts = m.requestSeries(start, end, dims)
		case azmon.MetricRestarts:
			ts = m.restartSeries(start, dims, extremes)
		default:
			writeError(w, http.StatusBadRequest, "BadRequest", "unknown metric "+name)
			return
		}
		values = append(values, map[string]any{
			"id":         ResourceID + "/providers/Microsoft.Insights/metrics/" + name,
			"name":       map[string]string{"value": name, "localizedValue": name},
			"type":       "Microsoft.Insights/metrics",
			"unit":       "Count",
			"timeseries": ts,
			"errorCode":  "Success",
		})
	}
	m.Queries.Add(1)
	writeJSON(w, map[string]any{"values": []any{map[string]any{
		"starttime":      q.Get("starttime"),
		"endtime":        q.Get("endtime"),
		"interval":       q.Get("interval"),
		"namespace":      azmon.Namespace,
		"resourceregion": "westeurope",
		"resourceid":     ResourceID,
		"value":          values,
	}}})
}

// filterDimensions returns the dimensions a filter splits by
// ("revisionName eq '*' and statusCodeCategory eq '*'").
func filterDimensions(filter string) []string {
	var dims []string
	for _, part := range strings.Split(filter, " and ") {
		if name, _, ok := strings.Cut(strings.TrimSpace(part), " eq "); ok {
			dims = append(dims, name)
		}
	}
	return dims
}

func (m *Monitor) requestSeries(start, end time.Time, dims []string) []any {
	counts := map[[2]string]int{}
	for _, o := range m.observations(start, end) {
		key := [2]string{}
		for _, d := range dims {
			switch d {
			case azmon.DimRevision:
				key[0] = o.Revision
			case azmon.DimStatusCategory:
				key[1] = fmt.Sprintf("%dxx", o.Status/100)
			}
		}
		counts[key]++
	}
	keys := make([][2]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i][0]+keys[i][1] < keys[j][0]+keys[j][1] })
	out := make([]any, 0, len(keys))
	for _, k := range keys {
		var md []any
		for _, d := range dims {
			v := k[0]
			if d == azmon.DimStatusCategory {
				v = k[1]
			}
			md = append(md, map[string]any{"name": map[string]string{"value": d, "localizedValue": d}, "value": v})
		}
		out = append(out, map[string]any{
			"metadatavalues": md,
			"data":           []any{map[string]any{"timeStamp": start.UTC().Format(time.RFC3339), "total": float64(counts[k])}},
		})
	}
	return out
}

// RestartBaseline is the restarts every simulated replica had before any
// window: RestartCount is a cumulative count per replica
// (microsoft/azure-container-apps#467), so a reader that sums it sees old
// restarts in every window.
const RestartBaseline = 5

// restartSeries answers RestartCount as Azure does for a cumulative
// count: per revision (and, when asked, per replica, podName), the
// maximum and minimum over the window are the count at its end and its
// start (RestartBaseline, plus the restarts SetRestarts puts in every
// window); the total is at least the count itself.
func (m *Monitor) restartSeries(start time.Time, dims []string, extremes bool) []any {
	restarts := m.router.restartCounts()
	revs := []string{m.router.Stable(), m.router.Canary()}
	out := make([]any, 0, len(revs))
	for _, rev := range revs {
		var md []any
		for _, d := range dims {
			v := rev
			if d == azmon.DimPod {
				v = ReplicaName(rev)
			}
			md = append(md, map[string]any{"name": map[string]string{"value": d, "localizedValue": d}, "value": v})
		}
		point := map[string]any{"timeStamp": start.UTC().Format(time.RFC3339), "total": RestartBaseline + restarts[rev]}
		if extremes {
			point = map[string]any{"timeStamp": start.UTC().Format(time.RFC3339),
				"maximum": RestartBaseline + restarts[rev], "minimum": float64(RestartBaseline)}
		}
		out = append(out, map[string]any{"metadatavalues": md, "data": []any{point}})
	}
	return out
}

// logs answers a latency query: the KQL is not interpreted, but it must
// ask for what the simulated table can give (percentiles by revision),
// and the timespan selects the observations.
func (m *Monitor) logs(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("id") != WorkspaceID {
		writeError(w, http.StatusNotFound, "WorkspaceNotFoundError", "unknown workspace "+r.PathValue("id"))
		return
	}
	var body struct {
		Query    string `json:"query"`
		Timespan string `json:"timespan"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "BadArgumentError", "body: "+err.Error())
		return
	}
	if !strings.Contains(body.Query, "percentile") || !strings.Contains(body.Query, "by revision") {
		writeError(w, http.StatusBadRequest, "BadArgumentError", "the simulated workspace answers latency percentiles by revision only")
		return
	}
	from, to, ok := strings.Cut(body.Timespan, "/")
	start, err1 := time.Parse(time.RFC3339Nano, from)
	end, err2 := time.Parse(time.RFC3339Nano, to)
	if !ok || err1 != nil || err2 != nil {
		writeError(w, http.StatusBadRequest, "BadArgumentError", "timespan must be start/end: "+body.Timespan)
		return
	}
	revisionOf, err := revisionExtractor(body.Query)
	if err != nil {
		writeError(w, http.StatusBadRequest, "BadArgumentError", err.Error())
		return
	}
	byRev := map[string][]time.Duration{}
	for _, o := range m.observations(start, end) {
		rev := revisionOf(o)
		if rev == "" && strings.Contains(body.Query, "isnotempty(revision)") {
			continue
		}
		byRev[rev] = append(byRev[rev], o.Duration)
	}
	revs := make([]string, 0, len(byRev))
	for rev := range byRev {
		revs = append(revs, rev)
	}
	sort.Strings(revs)
	rows := make([]any, 0, len(revs))
	for _, rev := range revs {
		d := byRev[rev]
		rows = append(rows, []any{rev, percentile(d, 95), percentile(d, 99), len(d)})
	}
	m.Queries.Add(1)
	writeJSON(w, map[string]any{"tables": []any{map[string]any{
		"name": "PrimaryResult",
		"columns": []any{
			map[string]string{"name": "revision", "type": "string"},
			map[string]string{"name": "p95", "type": "real"},
			map[string]string{"name": "p99", "type": "real"},
			map[string]string{"name": "n", "type": "long"},
		},
		"rows": rows,
	}}})
}

// kqlExtract finds extract(@"<regex>", 1, AppRoleInstance) in a query.
var kqlExtract = regexp.MustCompile(`extract\(@"((?:[^"]|"")*)",\s*1,\s*AppRoleInstance\)`)

// revisionExtractor emulates how the query names a request's revision:
// KQL's extract() over the replica name (RE2, like Go's regexp), or the
// revision itself for a query without one.
func revisionExtractor(query string) (func(Observation) string, error) {
	m := kqlExtract.FindStringSubmatch(query)
	if m == nil {
		return func(o Observation) string { return o.Revision }, nil
	}
	re, err := regexp.Compile(strings.ReplaceAll(m[1], `""`, `"`))
	if err != nil {
		return nil, fmt.Errorf("extract(): %v", err)
	}
	return func(o Observation) string {
		sub := re.FindStringSubmatch(o.Instance)
		if len(sub) < 2 {
			return ""
		}
		return sub[1]
	}, nil
}
