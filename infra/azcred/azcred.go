// Package azcred holds the Azure credential of the tools that read Azure
// (the rollout controller's metric and log queries, infra/azmon): in a
// GitHub Actions job that may request an OIDC token, a client assertion
// credential that exchanges a fresh GitHub OIDC token at every Entra token
// request; elsewhere azidentity's DefaultAzureCredential.
package azcred

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// EntraAudience is the audience of a GitHub OIDC token exchanged with
// Microsoft Entra ID (the federated credentials' audience).
// https://learn.microsoft.com/entra/workload-id/workload-identities-set-up-flexible-federated-identity-credential
const EntraAudience = "api://AzureADTokenExchange"

// New is the credential of the controller's metric and log reads. In a
// GitHub Actions job that may request an OIDC token (id-token: write:
// ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN are set) and names the deploy
// identity (AZURE_ or ARM_CLIENT_ID and TENANT_ID), every Entra token
// exchange uses a fresh GitHub token: the az CLI session that azure/login
// leaves holds a single assertion, which expires after about an hour
// (AADSTS700024: https://github.com/Azure/login/issues/180,
// https://github.com/Azure/login/issues/372), and a prod rollout runs
// longer: its metric reads would fail and roll a healthy canary back at
// the error limit. Elsewhere: DefaultAzureCredential. getenv reads the
// environment; client asks GitHub for the tokens.
func New(getenv func(string) string, client *http.Client) (azcore.TokenCredential, error) {
	first := func(keys ...string) string {
		for _, k := range keys {
			if v := getenv(k); v != "" {
				return v
			}
		}
		return ""
	}
	url, bearer := getenv("ACTIONS_ID_TOKEN_REQUEST_URL"), getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	clientID, tenantID := first("AZURE_CLIENT_ID", "ARM_CLIENT_ID"), first("AZURE_TENANT_ID", "ARM_TENANT_ID")
	if url == "" || bearer == "" || clientID == "" || tenantID == "" {
		return azidentity.NewDefaultAzureCredential(nil)
	}
	return azidentity.NewClientAssertionCredential(tenantID, clientID, func(ctx context.Context) (string, error) {
		return GitHubOIDCToken(ctx, client, url, bearer)
	}, nil)
}

// GitHubOIDCToken asks a GitHub Actions job's token endpoint for an OIDC
// token for Entra: GET url (ACTIONS_ID_TOKEN_REQUEST_URL) with the
// audience, the request token as bearer; the answer's "value" is the
// token. A custom audience is what the Actions toolkit's
// core.getIDToken(audience) asks for
// (https://docs.github.com/actions/reference/security/oidc).
func GitHubOIDCToken(ctx context.Context, client *http.Client, url, bearer string) (string, error) {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+sep+"audience="+EntraAudience, nil)
	if err != nil {
		return "", fmt.Errorf("GitHub OIDC token: %w", err)
	}
	req.Header.Set("Authorization", "bearer "+bearer)
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("GitHub OIDC token: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GitHub OIDC token: the endpoint answered %s", resp.Status)
	}
	var body struct {
		Value string `json:"value"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.Value == "" {
		return "", fmt.Errorf("GitHub OIDC token: no token in the answer (%v)", err)
	}
	return body.Value, nil
}
