package apphosting

import (
	"fmt"
	"slices"

	app "github.com/misybot/platform/sdk/azurenative/app/v20250101"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Live is what Azure reports about the container app before an update.
// Its zero value is an app that does not exist yet.
type Live struct {
	// Exists is false for an app that is not created yet.
	Exists bool
	// LatestRevision is the revision made from the app's current template.
	LatestRevision string
	// Revisions are the revisions known to exist: the latest (ready) one
	// and every revision in the ingress traffic table.
	Revisions []string
}

// Has reports whether revision is known to exist.
func (l Live) Has(revision string) bool {
	return revision != "" && slices.Contains(l.Revisions, revision)
}

// LookupLive reads the app from Azure (the provider's getContainerApp
// function, which also runs during `pulumi preview`). Any error, such as
// the app or its resource group not existing yet, gives the zero Live: the
// update is planned as a first deploy, the safe reading (it never routes
// traffic to a revision that may not exist). The error is logged.
//
// azure-native v2.90.0 has no function that reads a single revision
// (getContainerAppRevision does not exist in the SDK); the app's latest
// revision names and traffic table are what it reports.
func LookupLive(ctx *pulumi.Context, resourceGroup, appName string) Live {
	res, err := app.LookupContainerApp(ctx, &app.LookupContainerAppArgs{
		ContainerAppName:  appName,
		ResourceGroupName: resourceGroup,
	})
	if err != nil {
		_ = ctx.Log.Info(fmt.Sprintf("container app %s/%s not read (%v): planning a first deploy", resourceGroup, appName, err), nil)
		return Live{}
	}
	return liveFrom(res)
}

func liveFrom(res *app.LookupContainerAppResult) Live {
	l := Live{Exists: true, LatestRevision: res.LatestRevisionName}
	add := func(name string) {
		if name != "" && !slices.Contains(l.Revisions, name) {
			l.Revisions = append(l.Revisions, name)
		}
	}
	add(res.LatestRevisionName)
	add(res.LatestReadyRevisionName)
	if cfg := res.Configuration; cfg != nil && cfg.Ingress != nil {
		for _, t := range cfg.Ingress.Traffic {
			if t.RevisionName != nil {
				add(*t.RevisionName)
			}
		}
	}
	return l
}

// ReleaseRevision is a release and the revision that runs it.
type ReleaseRevision struct {
	Release, Revision, Suffix string
}

// Deployment is what one update deploys: the template's release and
// revision suffix, and the traffic table.
type Deployment struct {
	// Release is the release of the template.
	Release string
	// Suffix is the template's revision suffix; "" lets Azure name the
	// revision (see PlanDeployment).
	Suffix  string
	Traffic []TrafficSplit
	// CanaryDeferred is true when a canary was asked for and not deployed.
	CanaryDeferred bool
	// Notes say why the deployment differs from what was asked for.
	Notes []string
}

// PlanDeployment decides what an update deploys, given the stable release,
// the canary (nil for none) at weight, and what exists in Azure:
//
//   - Traffic may only go to revisions that exist or that the update
//     creates (https://learn.microsoft.com/azure/container-apps/traffic-splitting,
//     https://learn.microsoft.com/azure/container-apps/blue-green-deployment).
//     A canary while the stable revision does not exist (a first deploy,
//     or a stable release never deployed) is deferred: the stable release
//     is deployed alone and takes all traffic; the next update deploys the
//     canary.
//   - A revision suffix may be used once in an app's history: Azure
//     rejects a new revision named like an existing one. Going back to a
//     template whose revision exists but is not the latest (removing or
//     aborting a canary) would ask for exactly that, so the template is
//     deployed without a suffix and Azure names the new revision; traffic
//     stays on the existing revision.
func PlanDeployment(stable ReleaseRevision, canary *ReleaseRevision, weight int, live Live) (Deployment, error) {
	target := stable
	var d Deployment
	var err error
	switch {
	case canary == nil:
		d.Traffic, err = Traffic(stable.Revision, "", 0)
	case !live.Has(stable.Revision):
		d.CanaryDeferred = true
		d.Traffic, err = Traffic(stable.Revision, "", 0)
		d.Notes = append(d.Notes, fmt.Sprintf(
			"canary %s deferred: the stable revision %s does not exist yet, and Container Apps routes traffic only to revisions that exist or that the update creates; this update deploys release %s alone, the next one deploys the canary",
			canary.Release, stable.Revision, stable.Release))
	default:
		target = *canary
		d.Traffic, err = Traffic(stable.Revision, canary.Revision, weight)
	}
	if err != nil {
		return Deployment{}, err
	}
	d.Release, d.Suffix = target.Release, target.Suffix
	if live.Has(target.Revision) && target.Revision != live.LatestRevision {
		d.Suffix = ""
		d.Notes = append(d.Notes, fmt.Sprintf(
			"revision %s exists but the app's template is revision %s's: its template is deployed again without a revision suffix (Azure rejects a suffix already used and names the revision itself); traffic stays on %s",
			target.Revision, live.LatestRevision, target.Revision))
	}
	return d, nil
}

// plan applies PlanDeployment to validated arguments.
func (a Args) plan() (Deployment, error) {
	revision := func(release string) (ReleaseRevision, error) {
		scope := a.RevisionScope(release)
		name, err := RevisionName(a.AppName, release, scope)
		if err != nil {
			return ReleaseRevision{}, err
		}
		suffix, _ := RevisionSuffix(release, scope) // valid when the name is
		return ReleaseRevision{Release: release, Revision: name, Suffix: suffix}, nil
	}
	stable, err := revision(a.StableRelease)
	if err != nil {
		return Deployment{}, err
	}
	var canary *ReleaseRevision
	weight := 0
	if a.Canary != nil {
		c, err := revision(a.Canary.Release)
		if err != nil {
			return Deployment{}, err
		}
		canary, weight = &c, a.Canary.Weight
	}
	return PlanDeployment(stable, canary, weight, a.Live)
}

// Revisions returns the names of the stable revision and, when a canary is
// set, the canary revision that the arguments describe (defaults applied),
// whether or not this update deploys the canary.
func (a Args) Revisions() (stable, canary string, err error) {
	stable, err = RevisionName(a.AppName, a.StableRelease, a.RevisionScope(a.StableRelease))
	if err != nil || a.Canary == nil {
		return stable, "", err
	}
	canary, err = RevisionName(a.AppName, a.Canary.Release, a.RevisionScope(a.Canary.Release))
	return stable, canary, err
}
