// Package offline previews a Pulumi program without the Pulumi CLI, the
// language host or any provider plugin: it runs the program in-process with
// Pulumi mocks that behave like the azure-native (and azuread) providers,
// and records every resource the program registers into a Plan.
//
// Everything is deterministic: the same program, project, stack and config
// give the same Plan. Generated values (auto-names, GUIDs, domains, IPs) are
// derived from a hash of the resource's URN. Nothing calls Azure; the
// subscription and tenant come from the `azure-native:subscriptionId` and
// `azure-native:tenantId` config keys when set, and are otherwise the
// placeholders PlaceholderSubscriptionID and PlaceholderTenantID.
//
// The program runs as in `pulumi up` under mocks (ctx.DryRun() is false), so
// that the outputs the mocks compute are known values; a value stays unknown
// only where the program itself makes it so.
package offline
