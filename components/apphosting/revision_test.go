package apphosting_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/misybot/platform/components/apphosting"
)

// azureSuffix is Azure's rule for revision suffixes.
var azureSuffix = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)

func TestReleaseSlug(t *testing.T) {
	atLimit := "a" + strings.Repeat("b", apphosting.MaxReleaseSlugLength-1)
	for _, tc := range []struct {
		release, want, err string
	}{
		{release: "1.4.2", want: "v1-4-2"},
		{release: "v1.4.2", want: "v1-4-2"},
		{release: "Sha-3F2A9C1", want: "sha-3f2a9c1"},
		{release: "2024.06.01_rc.1", want: "v2024-06-01-rc-1"},
		{release: "--release--", want: "release"},
		{release: "feature//x..y", want: "feature-x-y"},
		{release: "a", want: "a"},
		{release: "7", want: "v7"},
		{release: atLimit, want: atLimit},
		{release: atLimit + "c", err: "more than 43"},
		{release: "", err: "no letters or digits"},
		{release: "..--__", err: "no letters or digits"},
		{release: "ünïcode", want: "n-code"},
	} {
		t.Run(tc.release, func(t *testing.T) {
			got, err := apphosting.ReleaseSlug(tc.release)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Regexp(t, azureSuffix, got)
			assert.NotContains(t, got, "--")
		})
	}
}

func TestRevisionName(t *testing.T) {
	app32 := "a" + strings.Repeat("b", 31)
	scope := apphosting.RevisionScope{Image: "cr.azurecr.io/bot:1.4.2", CPU: 0.5}
	fp := scope.Fingerprint()
	// 32 + 2 + 13 + 1 + 6 = 54: exactly at Azure's limit.
	release13 := "r" + strings.Repeat("x", 12)
	for _, tc := range []struct {
		name, app, release, want, err string
	}{
		{name: "semver", app: "ca-misybot-bot-prod", release: "1.4.2", want: "ca-misybot-bot-prod--v1-4-2-" + fp},
		{name: "at the 54 limit", app: app32, release: release13, want: app32 + "--" + release13 + "-" + fp},
		{name: "one over the limit", app: app32, release: release13 + "y", err: "has 55 characters, more than 54"},
		{name: "shortest app, longest suffix", app: "ab", release: "a" + strings.Repeat("b", 42), want: "ab--a" + strings.Repeat("b", 42) + "-" + fp},
		{name: "app too long", app: app32 + "c", release: "1.0.0", err: "want 2-32 characters"},
		{name: "app too short", app: "a", release: "1.0.0", err: "want 2-32 characters"},
		{name: "app with uppercase", app: "Bot", release: "1.0.0", err: "lowercase"},
		{name: "app starting with a digit", app: "1bot", release: "1.0.0", err: "starting with a letter"},
		{name: "app ending with a hyphen", app: "bot-", release: "1.0.0", err: "ending with a letter or digit"},
		{name: "app with double hyphen", app: "my--bot", release: "1.0.0", err: `must not contain "--"`},
		{name: "release without letters", app: "bot", release: "...", err: "no letters or digits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := apphosting.RevisionName(tc.app, tc.release, scope)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.LessOrEqual(t, len(got), apphosting.MaxRevisionNameLength)
			app, suffix, ok := strings.Cut(got, "--")
			require.True(t, ok)
			assert.Equal(t, tc.app, app)
			assert.Regexp(t, azureSuffix, suffix)
		})
	}
}

func TestTrafficWeightsAlwaysSumTo100(t *testing.T) {
	for w := 0; w <= 100; w++ {
		traffic, err := apphosting.Traffic("bot--v1", "bot--v2", w)
		require.NoError(t, err, "weight %d", w)
		require.Len(t, traffic, 2)
		sum := 0
		for _, s := range traffic {
			assert.GreaterOrEqual(t, s.Weight, 0)
			sum += s.Weight
		}
		assert.Equal(t, 100, sum, "weight %d", w)
		assert.Equal(t, apphosting.TrafficSplit{RevisionName: "bot--v1", Weight: 100 - w}, traffic[0])
		assert.Equal(t, apphosting.TrafficSplit{RevisionName: "bot--v2", Weight: w, Label: apphosting.CanaryLabel}, traffic[1])
	}
	traffic, err := apphosting.Traffic("bot--v1", "", 0)
	require.NoError(t, err)
	assert.Equal(t, []apphosting.TrafficSplit{{RevisionName: "bot--v1", Weight: 100}}, traffic)
}

func TestTrafficRejectsBadSplits(t *testing.T) {
	for _, tc := range []struct {
		name, stable, canary string
		weight               int
		err                  string
	}{
		{"weight over 100", "bot--v1", "bot--v2", 101, "canary weight 101: want 0-100"},
		{"negative weight", "bot--v1", "bot--v2", -1, "canary weight -1"},
		{"weight without canary", "bot--v1", "", 10, "without a canary revision"},
		{"canary equals stable", "bot--v1", "bot--v1", 10, "same revision"},
		{"no stable", "", "bot--v2", 10, "no stable revision"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := apphosting.Traffic(tc.stable, tc.canary, tc.weight)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
		})
	}
}

func TestLabelURL(t *testing.T) {
	assert.Equal(t, "https://bot---canary.happy-sea-1234.westeurope.azurecontainerapps.io",
		apphosting.LabelURL("bot", "canary", "happy-sea-1234.westeurope.azurecontainerapps.io", true))
	assert.Equal(t, "https://bot---canary.internal.happy-sea-1234.westeurope.azurecontainerapps.io",
		apphosting.LabelURL("bot", "canary", "happy-sea-1234.westeurope.azurecontainerapps.io", false))
}

func TestValidateKeyVaultSecretURI(t *testing.T) {
	for uri, ok := range map[string]bool{
		"https://kv-misybot.vault.azure.net/secrets/bot-token":         true,
		"https://kv-misybot.vault.azure.net/secrets/bot-token/0a1b2c3": true,
		"https://kv-misybot.vault.azure.cn/secrets/bot-token":          true,
		"http://kv-misybot.vault.azure.net/secrets/bot-token":          false,
		"https://kv-misybot.vault.azure.net/keys/bot-token":            false,
		"https://kv-misybot.vault.azure.net/secrets/":                  false,
		"https://vault.azure.net/secrets/bot-token":                    false,
		"https://evil.example.com/secrets/bot-token":                   false,
		"https://kv.vault.azure.net.evil.com/secrets/bot-token":        false,
		"xoxb-plain-secret-value":                                      false,
		"":                                                             false,
	} {
		err := apphosting.ValidateKeyVaultSecretURI(uri)
		assert.Equal(t, ok, err == nil, "%q: %v", uri, err)
	}
}

func TestFingerprint(t *testing.T) {
	a := apphosting.RevisionScope{Image: "cr.azurecr.io/bot:1.4.2", CPU: 0.5, Env: map[string]string{"A": "1", "B": "2"}}
	b := a
	b.Env = map[string]string{"B": "2", "A": "1"}
	assert.Equal(t, a.Fingerprint(), b.Fingerprint(), "map order does not matter")
	assert.Regexp(t, `^[0-9a-f]{6}$`, a.Fingerprint())
	b.CPU = 1
	assert.NotEqual(t, a.Fingerprint(), b.Fingerprint())
	suffix, err := apphosting.RevisionSuffix("1.4.2", a)
	require.NoError(t, err)
	assert.Equal(t, "v1-4-2-"+a.Fingerprint(), suffix)
	assert.Regexp(t, azureSuffix, suffix)
	assert.LessOrEqual(t, apphosting.MaxReleaseSlugLength+1+apphosting.FingerprintLength, apphosting.MaxRevisionSuffixLength)
}

func TestPlanDeployment(t *testing.T) {
	stable := apphosting.ReleaseRevision{Release: "1.4.2", Revision: "bot--v1-4-2-aaaaaa", Suffix: "v1-4-2-aaaaaa"}
	canary := apphosting.ReleaseRevision{Release: "1.5.0", Revision: "bot--v1-5-0-bbbbbb", Suffix: "v1-5-0-bbbbbb"}
	live := func(latest string, others ...string) apphosting.Live {
		return apphosting.Live{Exists: true, LatestRevision: latest, Revisions: append([]string{latest}, others...)}
	}
	only := func(rev string) []apphosting.TrafficSplit {
		return []apphosting.TrafficSplit{{RevisionName: rev, Weight: 100}}
	}
	split := func(w int) []apphosting.TrafficSplit {
		return []apphosting.TrafficSplit{{RevisionName: stable.Revision, Weight: 100 - w}, {RevisionName: canary.Revision, Weight: w, Label: apphosting.CanaryLabel}}
	}
	for _, tc := range []struct {
		name     string
		canary   *apphosting.ReleaseRevision
		weight   int
		live     apphosting.Live
		release  string
		suffix   string
		traffic  []apphosting.TrafficSplit
		deferred bool
		notes    int
	}{
		{"first deploy", nil, 0, apphosting.Live{}, "1.4.2", stable.Suffix, only(stable.Revision), false, 0},
		{"first deploy with a canary", &canary, 10, apphosting.Live{}, "1.4.2", stable.Suffix, only(stable.Revision), true, 1},
		{"canary once stable runs", &canary, 10, live(stable.Revision), "1.5.0", canary.Suffix, split(10), false, 0},
		{"canary stepped", &canary, 50, live(canary.Revision, stable.Revision), "1.5.0", canary.Suffix, split(50), false, 0},
		{"unchanged, nothing new", nil, 0, live(stable.Revision), "1.4.2", stable.Suffix, only(stable.Revision), false, 0},
		{"canary aborted", nil, 0, live(canary.Revision, stable.Revision), "1.4.2", "", only(stable.Revision), false, 1},
		{"canary promoted", nil, 0, live(stable.Revision, "bot--v1-3-0-cccccc"), "1.4.2", stable.Suffix, only(stable.Revision), false, 0},
		{"stable never deployed", &canary, 10, live("bot--v1-3-0-cccccc"), "1.4.2", stable.Suffix, only(stable.Revision), true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := apphosting.PlanDeployment(stable, tc.canary, tc.weight, tc.live)
			require.NoError(t, err)
			assert.Equal(t, tc.release, d.Release)
			assert.Equal(t, tc.suffix, d.Suffix)
			assert.Equal(t, tc.traffic, d.Traffic)
			assert.Equal(t, tc.deferred, d.CanaryDeferred)
			assert.Len(t, d.Notes, tc.notes)
			// Every revision that takes traffic exists or is the one created.
			for _, tr := range d.Traffic {
				created := d.Suffix != "" && strings.HasSuffix(tr.RevisionName, "--"+d.Suffix)
				assert.True(t, tc.live.Has(tr.RevisionName) || created, "traffic to %s, which does not exist", tr.RevisionName)
			}
		})
	}
}
