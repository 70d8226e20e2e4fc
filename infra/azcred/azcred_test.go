package azcred_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/infra/azcred"
)

// tokenEndpoint answers like a GitHub Actions job's OIDC token endpoint:
// a fresh token per request, for the Entra audience and the request token
// only.
func tokenEndpoint(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		if r.Header.Get("Authorization") != "bearer request-token" || r.URL.Query().Get("audience") != azcred.EntraAudience ||
			r.URL.Query().Get("api-version") != "2.0" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, `{"count":1,"value":"oidc-token-%d"}`, n)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func TestGitHubOIDCTokenIsFreshEachTime(t *testing.T) {
	srv, calls := tokenEndpoint(t)
	url := srv.URL + "/token?api-version=2.0"
	for i := 1; i <= 2; i++ {
		tok, err := azcred.GitHubOIDCToken(context.Background(), srv.Client(), url, "request-token")
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("oidc-token-%d", i), tok)
	}
	assert.Equal(t, int32(2), calls.Load())
}

func TestGitHubOIDCTokenErrors(t *testing.T) {
	answer := func(status int, body string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	good, _ := tokenEndpoint(t)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for _, tc := range []struct {
		name, url, bearer, want string
	}{
		{"wrong request token", good.URL + "/token?api-version=2.0", "wrong", "GitHub OIDC token: the endpoint answered 400 Bad Request"},
		{"server error", answer(http.StatusInternalServerError, "").URL, "request-token", "the endpoint answered 500 Internal Server Error"},
		{"not JSON", answer(http.StatusOK, "<html>").URL, "request-token", "GitHub OIDC token: no token in the answer (invalid character"},
		{"no value", answer(http.StatusOK, `{"count":0}`).URL, "request-token", "GitHub OIDC token: no token in the answer (<nil>)"},
		{"empty value", answer(http.StatusOK, `{"value":""}`).URL, "request-token", "no token in the answer"},
		{"unreachable endpoint", closed.URL, "request-token", "GitHub OIDC token: Get"},
		{"invalid URL", "http://[::1", "request-token", "GitHub OIDC token: parse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := azcred.GitHubOIDCToken(context.Background(), http.DefaultClient, tc.url, tc.bearer)
			assert.ErrorContains(t, err, tc.want)
			assert.Empty(t, tok)
		})
	}
}

// TestGitHubOIDCTokenAppendsTheAudience: the endpoint URL may carry its
// own query (api-version) or none.
func TestGitHubOIDCTokenAppendsTheAudience(t *testing.T) {
	var seen string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.URL.RawQuery
		fmt.Fprint(w, `{"value":"t"}`)
	}))
	defer srv.Close()
	for url, want := range map[string]string{
		srv.URL + "/token":                 "audience=" + azcred.EntraAudience,
		srv.URL + "/token?api-version=2.0": "api-version=2.0&audience=" + azcred.EntraAudience,
	} {
		_, err := azcred.GitHubOIDCToken(context.Background(), srv.Client(), url, "b")
		require.NoError(t, err)
		assert.Equal(t, want, seen)
	}
}

// In a GitHub Actions job with an OIDC token and the deploy identity
// named, the credential is a client assertion (a fresh GitHub token per
// exchange); without any of the four, the default chain.
func TestNewChoosesTheCredential(t *testing.T) {
	full := map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.example/x", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "request-token",
		"ARM_CLIENT_ID": "00000000-0000-0000-0000-0000000000aa", "ARM_TENANT_ID": "00000000-0000-0000-0000-0000000000bb"}
	without := func(keys ...string) map[string]string {
		env := map[string]string{}
		for k, v := range full {
			env[k] = v
		}
		for _, k := range keys {
			delete(env, k)
		}
		return env
	}
	azure := without("ARM_CLIENT_ID", "ARM_TENANT_ID")
	azure["AZURE_CLIENT_ID"], azure["AZURE_TENANT_ID"] = full["ARM_CLIENT_ID"], full["ARM_TENANT_ID"]
	for _, tc := range []struct {
		name      string
		env       map[string]string
		assertion bool
	}{
		{"GitHub job with ARM_ names", full, true},
		{"GitHub job with AZURE_ names", azure, true},
		{"no id-token: write", without("ACTIONS_ID_TOKEN_REQUEST_TOKEN"), false},
		{"no request URL", without("ACTIONS_ID_TOKEN_REQUEST_URL"), false},
		{"no client ID", without("ARM_CLIENT_ID"), false},
		{"no tenant ID", without("ARM_TENANT_ID"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cred, err := azcred.New(func(k string) string { return tc.env[k] }, http.DefaultClient)
			require.NoError(t, err)
			if tc.assertion {
				assert.IsType(t, &azidentity.ClientAssertionCredential{}, cred)
			} else {
				assert.IsType(t, &azidentity.DefaultAzureCredential{}, cred)
			}
		})
	}
}
