// Package azmon reads what a canary analysis needs from Azure Monitor: the
// Container Apps Requests and RestartCount metrics per revision (azmetrics,
// regional metrics endpoint) and latency percentiles per revision from
// Application Insights data in Log Analytics (azlogs, KQL).
package azmon

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azlogs"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/query/azmetrics"
)

// Metric names and dimensions of Container Apps (Microsoft.App/containerApps).
const (
	Namespace          = "microsoft.app/containerapps"
	MetricRequests     = "Requests"
	MetricRestarts     = "RestartCount"
	DimRevision        = "revisionName"
	DimStatusCategory  = "statusCodeCategory"
	DimPod             = "podName"
	DefaultLatencyKQL  = defaultLatencyKQL
	timeFormat         = "2006-01-02T15:04:05.000Z"
	defaultMetricsHost = "https://%s.metrics.monitor.azure.com"
)

// defaultLatencyKQL summarises workspace-based Application Insights requests
// per revision. A Container Apps replica is named
// <revision>-<replica set hash>-<pod hash>; the revision is attributed by
// the exact revision names the stack deployed ({revisionPattern}: the
// names, regex-quoted, as alternatives) followed by exactly two segments,
// never by parsing the revision suffix, which may itself contain "-"
// (v1-5-0). Requests of other replicas are left out. The time range is the
// query's timespan.
const defaultLatencyKQL = `AppRequests
| extend revision = extract(@"^({revisionPattern})-[^-]+-[^-]+$", 1, AppRoleInstance)
| where isnotempty(revision)
| summarize p95 = percentile(DurationMs, 95), p99 = percentile(DurationMs, 99), n = count() by revision`

// RevisionPlaceholder in a latency query is replaced by the revision names
// being compared, regex-quoted and joined by "|".
const RevisionPlaceholder = "{revisionPattern}"

// LatencyQuery is the latency query for the named revisions.
func LatencyQuery(kql string, revisions []string) (string, error) {
	if len(revisions) == 0 {
		return "", errors.New("latency query: no revision names to attribute requests to")
	}
	quoted := make([]string, len(revisions))
	for i, r := range revisions {
		if r == "" {
			return "", errors.New("latency query: an empty revision name")
		}
		// KQL verbatim strings (@"...") escape a quote by doubling it;
		// revision names hold only lowercase letters, digits and "-".
		quoted[i] = strings.ReplaceAll(regexp.QuoteMeta(r), `"`, `""`)
	}
	return strings.ReplaceAll(kql, RevisionPlaceholder, strings.Join(quoted, "|")), nil
}

// Config locates the data of one container app.
type Config struct {
	// Region of the container app, such as westeurope: selects the
	// regional metrics endpoint.
	Region string
	// MetricsEndpoint overrides https://<region>.metrics.monitor.azure.com.
	MetricsEndpoint string
	// LogsEndpoint overrides the Log Analytics endpoint of the public cloud
	// (https://api.loganalytics.io/v1).
	LogsEndpoint string
	// ResourceID is the container app's ARM ID; its subscription is the
	// one the metrics batch is sent to.
	ResourceID string
	// WorkspaceID is the Log Analytics workspace (customer) ID that holds
	// the Application Insights requests.
	WorkspaceID string
	// LatencyKQL replaces DefaultLatencyKQL. It must return the columns
	// revision (string), p95 and p99 (milliseconds) and n (count);
	// RevisionPlaceholder in it is replaced by the revision names.
	LatencyKQL string
	// ClientOptions are passed to both SDK clients (transport, retries).
	ClientOptions azcore.ClientOptions
}

// Client queries Azure Monitor for one container app.
type Client struct {
	metrics      *azmetrics.Client
	logs         *azlogs.Client
	subscription string
	resourceID   string
	workspaceID  string
	latencyKQL   string
}

// New returns a client that authenticates with cred.
func New(cfg Config, cred azcore.TokenCredential) (*Client, error) {
	rid, err := arm.ParseResourceID(cfg.ResourceID)
	if err != nil {
		return nil, fmt.Errorf("container app resource ID %q: %w", cfg.ResourceID, err)
	}
	if cfg.WorkspaceID == "" {
		return nil, errors.New("missing the Log Analytics workspace ID")
	}
	endpoint := cfg.MetricsEndpoint
	if endpoint == "" {
		if cfg.Region == "" {
			return nil, errors.New("missing the region of the metrics endpoint")
		}
		endpoint = fmt.Sprintf(defaultMetricsHost, cfg.Region)
	}
	opts := cfg.ClientOptions
	if cfg.LogsEndpoint != "" {
		opts.Cloud = withLogsEndpoint(cfg.LogsEndpoint)
	}
	metrics, err := azmetrics.NewClient(endpoint, cred, &azmetrics.ClientOptions{ClientOptions: opts})
	if err != nil {
		return nil, fmt.Errorf("creating the metrics client: %w", err)
	}
	logs, err := azlogs.NewClient(cred, &azlogs.ClientOptions{ClientOptions: opts})
	if err != nil {
		return nil, fmt.Errorf("creating the logs client: %w", err)
	}
	kql := cfg.LatencyKQL
	if kql == "" {
		kql = defaultLatencyKQL
	}
	return &Client{
		metrics:      metrics,
		logs:         logs,
		subscription: rid.SubscriptionID,
		resourceID:   cfg.ResourceID,
		workspaceID:  cfg.WorkspaceID,
		latencyKQL:   kql,
	}, nil
}

// withLogsEndpoint is the public cloud with another Log Analytics endpoint
// (same audience), for sovereign proxies and tests.
func withLogsEndpoint(endpoint string) cloud.Configuration {
	c := cloud.Configuration{
		ActiveDirectoryAuthorityHost: cloud.AzurePublic.ActiveDirectoryAuthorityHost,
		Services:                     map[cloud.ServiceName]cloud.ServiceConfiguration{},
	}
	for name, svc := range cloud.AzurePublic.Services {
		c.Services[name] = svc
	}
	logs := c.Services[azlogs.ServiceName]
	logs.Endpoint = endpoint
	c.Services[azlogs.ServiceName] = logs
	return c
}

// Requests counts requests of one revision by status code category.
type Requests struct {
	Total      float64            `json:"total"`
	ByCategory map[string]float64 `json:"byCategory,omitempty"`
}

// ServerErrors is the number of 5xx responses.
func (r Requests) ServerErrors() float64 { return r.ByCategory["5xx"] }

// Latency is what the latency query returned for one revision.
type Latency struct {
	P95   time.Duration `json:"p95"`
	P99   time.Duration `json:"p99"`
	Count int64         `json:"count"`
}

// Requests returns the requests per revision between start and end,
// split by status code category ("2xx", "5xx", ...).
func (c *Client) Requests(ctx context.Context, start, end time.Time) (map[string]Requests, error) {
	series, err := c.query(ctx, MetricRequests, DimRevision+" eq '*' and "+DimStatusCategory+" eq '*'", "total", start, end)
	if err != nil {
		return nil, err
	}
	out := map[string]Requests{}
	for _, s := range series {
		rev, cat := s.dims[DimRevision], s.dims[DimStatusCategory]
		r := out[rev]
		if r.ByCategory == nil {
			r.ByCategory = map[string]float64{}
		}
		r.Total += s.total
		r.ByCategory[cat] += s.total
		out[rev] = r
	}
	return out, nil
}

// Restarts returns the container restarts per revision between start and end.
func (c *Client) Restarts(ctx context.Context, start, end time.Time) (map[string]float64, error) {
	// RestartCount is the cumulative count of a replica's restarts, not the
	// restarts in the time grain (microsoft/azure-container-apps#467,
	// #1384): summing it counted a restart of long ago in every window.
	// The restarts in the window are, per replica, its maximum minus its
	// minimum over the window.
	series, err := c.query(ctx, MetricRestarts, DimRevision+" eq '*' and "+DimPod+" eq '*'", "maximum,minimum", start, end)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, s := range series {
		out[s.dims[DimRevision]] += max(s.max-s.min, 0)
	}
	return out, nil
}

type series struct {
	dims           map[string]string
	total          float64
	max, min       float64
	hasMax, hasMin bool
}

// query reads one metric over [start, end] as one time grain (FULL) per
// time series, with the aggregations asked ("total", "maximum,minimum").
func (c *Client) query(ctx context.Context, metric, filter, agg string, start, end time.Time) ([]series, error) {
	s, e := start.UTC().Format(timeFormat), end.UTC().Format(timeFormat)
	interval := "FULL"
	top := int32(100)
	resp, err := c.metrics.QueryResources(ctx, c.subscription, Namespace, []string{metric},
		azmetrics.ResourceIDList{ResourceIDs: []string{c.resourceID}},
		&azmetrics.QueryResourcesOptions{StartTime: &s, EndTime: &e, Interval: &interval, Aggregation: &agg, Filter: &filter, Top: &top})
	if err != nil {
		return nil, fmt.Errorf("querying the %s metric: %w", metric, err)
	}
	var out []series
	for _, data := range resp.Values {
		for _, m := range data.Values {
			if m.ErrorCode != nil && *m.ErrorCode != "" && *m.ErrorCode != "Success" {
				return nil, fmt.Errorf("querying the %s metric: %s: %s", metric, *m.ErrorCode, deref(m.ErrorMessage))
			}
			for _, ts := range m.TimeSeries {
				s := series{dims: map[string]string{}}
				for _, md := range ts.MetadataValues {
					if md.Name != nil && md.Name.Value != nil {
						s.dims[*md.Name.Value] = deref(md.Value)
					}
				}
				for _, v := range ts.Data {
					if v.Total != nil {
						s.total += *v.Total
					}
					if v.Maximum != nil && (!s.hasMax || *v.Maximum > s.max) {
						s.max, s.hasMax = *v.Maximum, true
					}
					if v.Minimum != nil && (!s.hasMin || *v.Minimum < s.min) {
						s.min, s.hasMin = *v.Minimum, true
					}
				}
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// Latencies runs the latency query over [start, end) for the named
// revisions and returns its rows by revision.
func (c *Client) Latencies(ctx context.Context, start, end time.Time, revisions ...string) (map[string]Latency, error) {
	query, err := LatencyQuery(c.latencyKQL, revisions)
	if err != nil {
		return nil, err
	}
	span := azlogs.TimeInterval(start.UTC().Format(time.RFC3339Nano) + "/" + end.UTC().Format(time.RFC3339Nano))
	resp, err := c.logs.QueryWorkspace(ctx, c.workspaceID, azlogs.QueryBody{Query: &query, Timespan: &span}, nil)
	if err != nil {
		return nil, fmt.Errorf("querying request latencies: %w", err)
	}
	if resp.Error != nil {
		return nil, fmt.Errorf("querying request latencies: %w", resp.Error)
	}
	if len(resp.Tables) == 0 {
		return map[string]Latency{}, nil
	}
	t := resp.Tables[0]
	col := map[string]int{}
	for i, c := range t.Columns {
		if c.Name != nil {
			col[*c.Name] = i
		}
	}
	for _, name := range []string{"revision", "p95", "p99", "n"} {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("latency query result has no %q column", name)
		}
	}
	out := map[string]Latency{}
	for _, row := range t.Rows {
		rev := fmt.Sprint(row[col["revision"]])
		p95, err1 := number(row[col["p95"]])
		p99, err2 := number(row[col["p99"]])
		n, err3 := number(row[col["n"]])
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("latency row of %s: %w", rev, err)
		}
		out[rev] = Latency{P95: millis(p95), P99: millis(p99), Count: int64(n)}
	}
	return out, nil
}

func millis(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// number reads a numeric cell: JSON numbers decode as float64; long
// columns may arrive as strings.
func number(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case string:
		return strconv.ParseFloat(strings.TrimSpace(x), 64)
	case nil:
		return 0, nil
	}
	return 0, fmt.Errorf("not a number: %v", v)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// StaticCredential is an azcore.TokenCredential that returns one token.
// For tests against a local server only.
type StaticCredential struct{ Token string }

// GetToken returns the static token, valid for an hour.
func (c StaticCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: c.Token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}
